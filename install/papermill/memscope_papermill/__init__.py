"""papermill parameters for memscope notebooks.

papermill runs a notebook with new parameter values by adding a cell after
the one tagged ``parameters``; a *translator* writes that cell in the
notebook's language. papermill ships none for Rust. This package adds two:

- for the kernel ``memscope``, one ``:param NAME = VALUE`` line per
  parameter, with the value as JSON. The kernel types the new value as the
  session already has the name (``let n: u64 = 10;`` in the parameters
  cell keeps ``n`` a ``u64``), so the injected cell needs no guess about
  types; see ``kernel/memscope-session/src/parameters.rs``.
- for other Rust kernels (language ``rust``, such as evcxr_jupyter), plain
  ``let`` statements with the types the values suggest (``String``,
  ``i64``, ``f64``, ``bool``, ``Vec<_>``, ``BTreeMap<String, _>``).

Both read a parameters cell's ``let`` lines for ``papermill --help-notebook``.

papermill has no entry point group for translators, so registration rides
on the one it has for engines: papermill imports every ``papermill.engine``
entry point when it starts, and importing this module registers the
translators.
"""

from __future__ import annotations

import json
import math
import re

from papermill.engines import NBClientEngine
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

__all__ = ["MemscopeTranslator", "RustTranslator", "MemscopeEngine"]

# `let [mut] name[: Type] = value; // help`, one per line, as a parameters
# cell declares them. The type may hold generics (`Vec<f64>`), the value
# anything up to the `;` that ends the statement.
_LET = re.compile(
    r"^\s*let\s+(?:mut\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?::\s*(?P<type>[^=]+?))?\s*=\s*(?P<value>.*?);\s*(?://\s*(?P<help>.*?))?\s*$"
)


def _literal_type(value: str) -> str:
    """The type rustc gives a literal on its own ("None" when it is no
    literal, as papermill asks)."""
    value = value.strip()
    if value in ("true", "false"):
        return "bool"
    if re.fullmatch(r'r?#*".*"#*', value, re.DOTALL):
        return "&str"
    if re.fullmatch(r"-?[0-9][0-9_]*", value):
        return "i32"
    if re.fullmatch(r"-?[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?", value):
        return "f64"
    return "None"


def _inspect(parameters_cell) -> list[Parameter]:
    """The `let` lines of a parameters cell, for `papermill --help-notebook`."""
    found = []
    for line in parameters_cell["source"].splitlines():
        match = _LET.match(line)
        if match is None:
            continue
        found.append(
            Parameter(
                name=match["name"],
                inferred_type_name=(match["type"] or _literal_type(match["value"])).strip(),
                default=match["value"].strip(),
                help=(match["help"] or "").strip(),
            )
        )
    return found


class MemscopeTranslator(Translator):
    """``:param NAME = <JSON>`` lines, which the memscope kernel types."""

    @classmethod
    def translate(cls, val) -> str:
        # Python's json writes NaN, Infinity and -Infinity for the floats
        # JSON cannot hold; the kernel reads them. One line per value:
        # newlines in strings are escaped.
        return json.dumps(val, ensure_ascii=False, allow_nan=True)

    @classmethod
    def comment(cls, cmt_str: str) -> str:
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name: str, str_val: str) -> str:
        return f":param {name} = {str_val}"

    @classmethod
    def inspect(cls, parameters_cell) -> list[Parameter]:
        return _inspect(parameters_cell)


def _raw_string(text: str) -> str:
    """A Rust string literal for `text`: raw, with one `#` more than any
    run of them after a quote, unless it holds a carriage return (which raw
    strings cannot)."""
    if "\r" in text:
        escaped = "".join(
            {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, c)
            if c in '\\"\n\r\t' or c.isprintable()
            else f"\\u{{{ord(c):x}}}"
            for c in text
        )
        return f'"{escaped}"'
    runs = [len(m.group(1)) for m in re.finditer(r'"(#*)', text)]
    hashes = "#" * (max(runs, default=0) + 1)
    return f'r{hashes}"{text}"{hashes}'


class RustTranslator(Translator):
    """Plain Rust `let` statements, for any Rust kernel."""

    @classmethod
    def _typed(cls, val) -> tuple[str, str]:
        """(Rust type, Rust expression) for a value."""
        if val is None:
            return "Option<String>", "None"
        if isinstance(val, bool):
            return "bool", "true" if val else "false"
        if isinstance(val, int):
            if -(2**63) <= val < 2**63:
                return "i64", str(val)
            return ("i128" if val < 0 or val < 2**127 else "u128"), str(val)
        if isinstance(val, float):
            if math.isnan(val):
                return "f64", "f64::NAN"
            if math.isinf(val):
                return "f64", "f64::INFINITY" if val > 0 else "f64::NEG_INFINITY"
            text = repr(val)
            return "f64", text if any(c in text for c in ".eE") else f"{text}.0"
        if isinstance(val, str):
            return "String", f"String::from({_raw_string(val)})"
        if isinstance(val, list):
            items = [cls._typed(v) for v in val]
            element = cls._common([t for t, _ in items])
            return f"Vec<{element}>", "vec![" + ", ".join(cls._coerce(items, element)) + "]"
        if isinstance(val, dict):
            items = [cls._typed(v) for v in val.values()]
            element = cls._common([t for t, _ in items])
            pairs = [
                f"(String::from({_raw_string(str(k))}), {v})"
                for k, v in zip(val.keys(), cls._coerce(items, element))
            ]
            return (
                f"std::collections::BTreeMap<String, {element}>",
                "::core::iter::FromIterator::from_iter([" + ", ".join(pairs) + "])",
            )
        return "String", f"String::from({_raw_string(str(val))})"

    @staticmethod
    def _common(types: list[str]) -> str:
        if not types:
            return "String"
        if all(t == types[0] for t in types):
            return types[0]
        if all(t in ("i64", "f64") for t in types):
            return "f64"
        raise ValueError(f"a Rust list holds one type, not {', '.join(sorted(set(types)))}")

    @staticmethod
    def _coerce(items: list[tuple[str, str]], element: str) -> list[str]:
        return [f"{e}.0" if element == "f64" and t == "i64" else e for t, e in items]

    @classmethod
    def comment(cls, cmt_str: str) -> str:
        return f"// {cmt_str}".strip()

    @classmethod
    def codify(cls, parameters, comment="Parameters") -> str:
        lines = [cls.comment(comment)]
        for name, val in parameters.items():
            rust_type, expression = cls._typed(val)
            lines.append(f"let {name}: {rust_type} = {expression};")
        return "\n".join(lines) + "\n"

    @classmethod
    def inspect(cls, parameters_cell) -> list[Parameter]:
        return _inspect(parameters_cell)


class MemscopeEngine(NBClientEngine):
    """papermill's own engine under the name ``memscope``: the entry point
    that makes papermill import this module."""


papermill_translators.register("memscope", MemscopeTranslator)
papermill_translators.register("rust", RustTranslator)
