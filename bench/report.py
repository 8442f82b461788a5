"""Figures, their verdicts, and the table printed at the end of a run."""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (p99 of 400 samples is the 396th smallest)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def settle_heap() -> None:
    """Called before each timed round: collects this process's garbage and sets what is left
    aside (`gc.freeze`), so the collector does not walk it again in the middle of a round.

    This process is the measuring side: twenty clients and the fake Slack, which keeps every
    view and call it is sent. Its heap grows through a run, and a full collection of it took
    up to 0.7 s by the end of the `/info-request` rounds, a stall of every client at once
    that landed on whichever server was being measured.
    """
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Figure:
    """One row of the table. `ratio` is measured / baseline unless given; `ok` judges it."""

    db: str
    name: str
    measured: str
    baseline: str
    ratio: float | None
    target: str
    ok: bool | None  # None: reported only, or not measured
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.note.startswith("not measured"):
            return "—"
        return {True: "pass", False: "MISS", None: "reported"}[self.ok]


def timed(
    db: str,
    name: str,
    measured: float,
    baseline: float,
    target: str,
    judge: Callable[[float], bool],
    *,
    unit: str = "ms",
    ratio: float | None = None,
) -> Figure:
    """A figure from two durations in seconds (shown in `unit`)."""
    scale = 1000.0 if unit == "ms" else 1.0
    ratio = measured / baseline if ratio is None and baseline > 0 else ratio
    return Figure(
        db=db,
        name=name,
        measured=f"{measured * scale:.1f} {unit}",
        baseline=f"{baseline * scale:.1f} {unit}",
        ratio=ratio,
        target=target,
        ok=judge(ratio) if ratio is not None else None,
    )


def not_measured(db: str, name: str, target: str, why: str) -> Figure:
    return Figure(db, name, "—", "—", None, target, None, note=f"not measured: {why}")


def render(figures: Sequence[Figure]) -> str:
    """A Markdown table: it reads in a terminal and pastes into the README as is."""
    header = ("db", "figure", "measured", "baseline", "ratio", "target", "verdict")
    rows = [header, tuple("---" for _ in header)]
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "—"
        verdict = f.verdict if not f.note else f"{f.verdict} ({f.note})"
        rows.append((f.db, f.name, f.measured, f.baseline, ratio, f.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in rows
    )
