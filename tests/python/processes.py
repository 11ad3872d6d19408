"""Processes, read from /proc: who descends from whom, whether one is
still running, and which cell libraries they have loaded. Shared by the
tests that check nothing is left behind and what a session keeps loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    name: str
    state: str
    # Start time in clock ticks since boot: with the pid, it names one
    # process even if the pid is later reused.
    started: str


def read(pid: int) -> Process | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (name) state ppid ...": the name may hold spaces and parentheses.
    head, _, tail = stat.rpartition(")")
    fields = tail.split()
    return Process(pid, int(fields[1]), head.partition("(")[2], fields[0], fields[19])


def table() -> dict[int, Process]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (process := read(int(entry.name))) is not None:
            found[process.pid] = process
    return found


def descendants(pid: int) -> dict[int, Process]:
    """Every running (not zombie) process below `pid`."""
    children: dict[int, list[Process]] = {}
    for process in table().values():
        children.setdefault(process.parent, []).append(process)
    found: dict[int, Process] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.state != "Z" and child.pid not in found:
                found[child.pid] = child
                todo.append(child.pid)
    return found


def command_line(pid: int) -> list[str] | None:
    """The arguments `pid` was started with; None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")[:-1]


def running(process: Process) -> bool:
    """Whether this very process (same pid, same start) still runs."""
    now = read(process.pid)
    return now is not None and now.started == process.started and now.state != "Z"


def cell_libraries(pid: int) -> list[Path]:
    """The cells' libraries (evcxr's `libcode_<n>.so`) mapped into the
    processes below `pid`."""
    found = set()
    for child in descendants(pid):
        try:
            maps = Path(f"/proc/{child}/maps").read_text()
        except OSError:
            continue  # it ended meanwhile
        for line in maps.splitlines():
            path = Path(line.split(maxsplit=5)[-1])
            if path.name.startswith("libcode_") and path.suffix == ".so":
                found.add(path)
    return sorted(found)
