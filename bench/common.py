"""What every benchmark section shares: the row format and interleaved measurement.

A section is a module in this package with ``run() -> list[dict]``. Each row:

- ``id``: the goal's id in issue 14 (P1, P3, ...) or the section's own (C1, ...);
- ``subject``: what is measured; ``baseline``: what it is divided by, measured in the same run;
- ``ratio``: measured / baseline; ``goal``: the limit, a maximum unless ``goal_kind`` is
  ``"min"`` (throughput: higher is better);
- ``met``: whether the ratio is within the goal; ``detail``: the raw figures behind it.
"""

import statistics
import time
from collections.abc import Callable

ROUNDS_MIN = 7


def row(
    *, id: str, subject: str, baseline: str, ratio: float, goal: float, detail: str, goal_kind: str = "max"
) -> dict:
    met = ratio >= goal if goal_kind == "min" else ratio <= goal
    return {
        "id": id,
        "subject": subject,
        "baseline": baseline,
        "ratio": round(ratio, 3),
        "goal": goal,
        "goal_kind": goal_kind,
        "met": bool(met),
        "detail": detail,
    }


def cpu_ms_per_call(function: Callable[[], object], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - start) * 1000 / calls


def interleaved_medians(
    variants: dict[str, Callable[[], object]], *, rounds: int, warmup: int = 3, calls: int = 5
) -> dict[str, float]:
    """Median CPU milliseconds per call of each variant, measured round by round in turn so
    that a change in the machine's load falls on every variant alike."""
    rounds = max(rounds, ROUNDS_MIN)
    for function in variants.values():
        for _ in range(warmup):
            function()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, function in variants.items():
            samples[name].append(cpu_ms_per_call(function, calls))
    return {name: statistics.median(values) for name, values in samples.items()}
