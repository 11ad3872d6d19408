"""NumPy's side of the copy benchmark: np.copy of the arrays that
kernel/memscope-prelude/examples/copy_throughput.rs copies, on this machine.

    .venv/bin/python tests/bench/numpy_copy.py
"""

import math
import statistics
import time

import numpy as np

BYTES = 256 << 20


def median_ms(work, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e3


def main() -> None:
    n = BYTES // 8
    source = np.arange(n, dtype=np.float64)
    side = int(math.sqrt(n))
    square = source[: side * side].reshape(side, side)
    every_second = source[::2]
    rows = [
        ("np.copy, contiguous", BYTES, median_ms(lambda: np.copy(source, order="K"))),
        (f"np.copy, C to F ({side}x{side})", side * side * 8, median_ms(lambda: np.copy(square, order="F"))),
        ("np.copy, every second element", BYTES // 2, median_ms(lambda: np.copy(every_second, order="K"))),
    ]
    print(f"{'NumPy ' + np.__version__ + ', 256 MiB f64':44} {'ms':>10} {'GiB/s':>10}")
    for label, size, ms in rows:
        print(f"{label:44} {ms:>10.1f} {size / (1 << 30) / (ms / 1e3):>10.2f}")


if __name__ == "__main__":
    main()
