"""What the benchmark scripts share: interleaved repeats, best-of figures and verdicts.

Figures are the best of several repeats, each contender timed in turn within every repeat
(so background load hits all of them alike); medians and every repeat go in the raw lines.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable

__all__ = ["Timer", "best", "measure", "median", "rate", "raw_lines", "verdict"]

Timer = Callable[[], int]
"""Runs one repeat and returns the elapsed nanoseconds."""


def measure(timers: dict[str, Timer], repeats: int) -> dict[str, list[int]]:
    """Run each timer ``repeats`` times, interleaved, after one warm-up; every time in ns."""
    for timer in timers.values():  # warm-up: caches, specialisation, lazy imports
        timer()
    samples: dict[str, list[int]] = {name: [] for name in timers}
    for _ in range(repeats):
        for name, timer in timers.items():
            gc.collect()
            samples[name].append(timer())
    return samples


def best(ns: list[int]) -> int:
    return min(ns)


def median(ns: list[int]) -> float:
    return statistics.median(ns)


def rate(count: int, ns: float) -> float:
    """Operations per second."""
    return count / (ns / 1e9)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def raw_lines(section: str, samples: dict[str, list[int]], counts: dict[str, int]) -> list[str]:
    """One line per contender: operations per repeat, best and median, every repeat."""
    lines = []
    for name, ns in samples.items():
        n = counts[name]
        lines.append(
            f"  [{section}] {name}: n={n}/repeat, best={best(ns) / 1e6:.3f} ms, "
            f"median={median(ns) / 1e6:.3f} ms, best={best(ns) / n:.1f} ns/op, "
            "all ms=" + ",".join(f"{x / 1e6:.2f}" for x in ns)
        )
    return lines
