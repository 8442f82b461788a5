"""`python -m bench [--db sqlite|postgres|both] [--quick] [--only outbox]`: the figures, a table."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import platform
import shutil
import sys
import time
from datetime import UTC, datetime

from bench import growth, latency, mirror, ratelimit, replicas
from bench.databases import Target, available
from bench.report import Figure, not_measured, percentile, render, timed
from bench.seed import seed_desk

BIG, SMALL, DUE = 100_000, 1_000, 1_000
MEMORY_MB = 150  # peak RSS of `serve` and of `worker` at 100,000 cases


def ack_figures(db: str, result: latency.HttpResult) -> list[Figure]:
    figures = []
    for label, mine, base in (
        ("ack /info-request", result.command.command_rounds, result.bare.command_rounds),
        ("ack view submission", result.command.submission_rounds, result.bare.submission_rounds),
    ):
        for name, q in (("p50", 0.50), ("p99", 0.99)):
            # Each round's percentile, the median of the rounds' (bench.latency says why).
            measured, baseline = latency.by_round(mine, q), latency.by_round(base, q)
            under = name != "p99" or measured < 3.0
            target = "≤ 1.5x" + ("; < 3 s" if name == "p99" else "")
            judge = (lambda r: r <= 1.5) if under else (lambda r: False)
            figures.append(timed(db, f"{label} {name}", measured, baseline, target, judge))
    if result.command.refused:
        shown = len(result.command.command) + len(result.command.submission)
        figures.append(
            Figure(
                db,
                "requests not acknowledged",
                f"{len(result.command.refused)} of {shown}",
                f"{len(result.bare.refused)}",
                None,
                "0",
                False,
                note=", ".join(sorted(set(result.command.refused))),
            )
        )
    base_p99 = percentile(result.bare.submission, 0.99)
    if not result.card:
        figures.append(not_measured(db, "submit to card p99, burst", "reported", "no card arrived"))
    elif len(result.card) < len(result.command.sent_at):
        missing = len(result.command.sent_at) - len(result.card)
        figures.append(
            not_measured(db, "submit to card p99, burst", "reported", f"{missing} cards missing")
        )
    else:
        # Reported, not judged: under a burst the cards wait on Slack's posting limit (about
        # one a second into one channel), which the rate-limited figure judges instead.
        card = timed(
            db, "submit to card p99, burst", percentile(result.card, 0.99), base_p99,
            "reported", lambda r: True,
        )  # fmt: skip
        figures.append(dataclasses.replace(card, ok=None))
    # Reported beside the judged figures: the card when submissions come one at a time, and
    # how many filings a second the burst was served at (what bounds the card under it).
    if result.lone_card:
        lone = timed(
            db, "submit to card p99, one at a time", percentile(result.lone_card, 0.99),
            base_p99, "reported", lambda r: True,
        )  # fmt: skip
        figures.append(dataclasses.replace(lone, ok=None))
    if result.burst_seconds:
        rate = len(result.command.submission) / result.burst_seconds
        figures.append(
            Figure(db, "filings acked per second in the burst", f"{rate:.0f} /s", "—", None,
                   "reported", None)
        )  # fmt: skip
    return figures


def memory_figures(db: str, result: latency.HttpResult) -> list[Figure]:
    serve = Figure(
        db,
        "peak RSS serve",
        f"{result.serve_mb:.0f} MB",
        f"{MEMORY_MB} MB",
        None,
        f"< {MEMORY_MB} MB",
        result.serve_mb < MEMORY_MB,
    )
    if result.worker_mb is None:
        return [serve, not_measured(db, "peak RSS worker", f"< {MEMORY_MB} MB", result.worker_note)]
    worker = Figure(
        db,
        "peak RSS worker",
        f"{result.worker_mb:.0f} MB",
        f"{MEMORY_MB} MB",
        None,
        f"< {MEMORY_MB} MB",
        result.worker_mb < MEMORY_MB,
    )
    return [serve, worker]


def run_db(kind: str, quick: bool, log: logging.Logger, only: str | None = None) -> list[Figure]:
    target = Target(kind)
    try:
        if only == "outbox":
            return [outbox_figure(target, log)]
        return measure_db(target, quick, log)
    finally:
        shutil.rmtree(target.workdir, ignore_errors=True)


def measure_db(target: Target, quick: bool, log: logging.Logger) -> list[Figure]:
    kind, now, runs = target.kind, datetime.now(UTC), 3 if quick else 5
    figures: list[Figure] = []
    log.info("[%s] seeding %s and %s cases", kind, SMALL, BIG)
    small = seed_desk(target.fresh("small"), total=SMALL, due=DUE, now=now)
    big = seed_desk(target.fresh("big"), total=BIG, due=DUE, now=now)
    log.info("[%s] %s rows in %.1f s", kind, big.rows, big.seconds)
    figures.append(
        Figure(
            kind,
            "seed 100,000 cases",
            f"{big.seconds:.1f} s",
            "—",
            None,
            "< 60 s",
            big.seconds < 60,
            note=f"{big.rows:,} rows",
        )
    )
    sweep_ok, why = growth.sweep_factory()
    if not sweep_ok:
        figures.append(not_measured(kind, "cadence sweep growth", "≤ 1.3x", why))
    else:
        small_sweep, big_sweep, dms = growth.sweep_seconds(small, big, now, runs)
        figures.append(
            timed(
                kind,
                f"cadence sweep 1k due in 100k ({dms} msgs)",
                big_sweep,
                small_sweep,
                "≤ 1.3x vs 1k",
                lambda r: r <= 1.3,
            )
        )
    # A summary takes milliseconds: three times the runs, for a steadier median.
    small_status, big_status, bare_status = growth.summary_seconds(
        small.url, big.url, now, runs * 3
    )
    figures.append(
        timed(kind, "/case-status 100k vs 1k", big_status, small_status, "≤ 2x", lambda r: r <= 2)
    )
    figures.append(
        timed(
            kind, "/case-status 100k vs bare SQL", big_status, bare_status, "≤ 2x", lambda r: r <= 2
        )
    )
    log.info("[%s] HTTP: 20 clients against serve and the bare app", kind)
    result = latency.run(big.url, 5 if quick else 20, 5 if quick else 10)
    figures += ack_figures(kind, result) + memory_figures(kind, result)
    if quick:
        figures.append(not_measured(kind, "cards/s into one channel", "≥ 0.9x", "--quick"))
    else:
        log.info("[%s] %s cards into one channel at Slack's rate limit", kind, ratelimit.CARDS)
        figures += ratelimit.figures(kind, ratelimit.measure(target.fresh("ratelimit")))
    figures.append(outbox_figure(target, log))
    log.info("[%s] cold start of serve; filings through 1 and 2 serve replicas", kind)
    figures += replicas.figures(target, quick)
    return figures


def outbox_figure(target: Target, log: logging.Logger) -> Figure:
    kind = target.kind
    log.info("[%s] draining 1,000 GitLab operations", kind)
    try:
        out = mirror.measure(lambda: target.fresh("mirror"))
    except LookupError as missing:
        return not_measured(kind, "outbox throughput", "≥ 0.8x", str(missing))
    rate = out.operations / out.bot_seconds
    return Figure(
        kind,
        f"outbox throughput ({out.calls} calls)",
        f"{rate:.0f} ops/s",
        f"{out.operations / out.bare_seconds:.0f} ops/s",
        out.bare_seconds / out.bot_seconds,
        "≥ 0.8x",
        out.bare_seconds / out.bot_seconds >= 0.8,
    )


def machine() -> str:
    import os
    from pathlib import Path

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return (
        f"{os.cpu_count()} CPUs, {memory_kb / 1024 / 1024:.1f} GiB memory, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer requests and repetitions")
    parser.add_argument("--only", choices=("outbox",), help="measure that figure alone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log = logging.getLogger("bench")
    log.setLevel(logging.INFO)
    started, figures = time.monotonic(), []
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        reason = available(kind)
        if reason:
            log.warning("[%s] skipped: %s", kind, reason)
            continue
        figures += run_db(kind, args.quick, log, args.only)
    print(render(figures))
    print(f"\n{machine()}; {time.monotonic() - started:.0f} s in all")
    return 1 if any(f.ok is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
