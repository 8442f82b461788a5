"""`python -m bench.dive [--mb 100]`: the log-dive kit against the tools a handler has today.

Generates gzip'd GitLab-shaped logs (1-3 KB lines, about 1% about the customer) into a
temporary folder, then measures, on the same files:

- the dive's throughput per core (`python -m bot dive --processes 1`, CPU seconds) against
  `zcat FILES | grep -F <namespace> > /dev/null` (the decompression floor), target ≥ 0.8x;
- the same against the handbook's `jq` recipe, target ≥ 5x;
- the dive's peak memory on one file and on four times its content, target within 1.2x;
- the wall time with every core, reported.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench.dive_logs import CUSTOMER, START, write_log

LINES_PER_MB = 3_300  # about 3,300 lines make 1 MB of gzip'd log


def run(command: list[str] | str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the command and its children) and peak RSS (KiB) of one
    command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, shell=isinstance(command, str), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # grep says 1 when nothing matched
        raise SystemExit(f"{command!r} failed with {process.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, usage.ru_maxrss


def scope_file(path: Path) -> Path:
    scope = {
        "format": "info-request-bot/dive-scope/1",
        "case": 1,
        "window": {"start": "2026-11-20T00:00:00Z", "end": "2026-11-26T00:00:00Z"},
        "namespace": CUSTOMER,
        "projects": [],
        "groups": [],
        "users": [],
        "event_types": [],
        "redaction_policy": {"version": "1", "disclose_customer_personal_data": False},
        "pseudonym_key": "5e" * 32,
    }
    path.write_text(json.dumps(scope))
    return path


def dive(scope: Path, logs: list[Path], out: Path, processes: int) -> list[str]:
    return [
        sys.executable, "-m", "bot", "dive", "--scope", str(scope), "--out", str(out),
        "--processes", str(processes), "--logs", *map(str, logs),
    ]  # fmt: skip


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--mb", type=int, default=100, help="MB of gzip'd logs (default 100)")
    options.add_argument("--files", type=int, default=4)
    options.add_argument("--reuse", type=Path, help="a folder to keep the generated logs in")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="dive-bench-") as folder:
        root = Path(folder)
        kept = args.reuse or root
        kept.mkdir(parents=True, exist_ok=True)
        logs = [kept / f"api_json.log.{n}.gz" for n in range(1, args.files + 1)]
        lines = args.mb * LINES_PER_MB // args.files
        if not all(p.exists() for p in logs):
            print(f"generating {args.files} x {lines:,} lines ...", flush=True)
            with ProcessPoolExecutor() as pool:
                list(pool.map(write_log, logs, [lines] * len(logs), range(1, len(logs) + 1)))
        size = sum(p.stat().st_size for p in logs)
        files = " ".join(shlex.quote(str(p)) for p in logs)
        scope = scope_file(root / "scope.json")
        end = (START + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        jq = (
            f'zcat {files} | jq -cR \'fromjson? | select(.time >= "2026-11-20T00:00:00Z" and '
            f'.time <= "{end}") | select(."meta.root_namespace" == "{CUSTOMER}")\' '
            "> /dev/null"
        )
        # memory first, while this process is small (a child's peak counts what it forked from)
        four = root / "four_json.log.gz"  # the first file's content four times (gzip members)
        with open(four, "wb") as sink:
            for _ in range(4):
                with open(logs[0], "rb") as source:
                    shutil.copyfileobj(source, sink)
        _, _, rss_1x = run(dive(scope, [logs[0]], root / "bag-1x", 1))
        _, _, rss_4x = run(dive(scope, [four], root / "bag-4x", 1))

        figures = []
        _, grep_cpu, _ = run(f"zcat {files} | grep -F {CUSTOMER} > /dev/null")
        _, dive_cpu, _ = run(dive(scope, logs, root / "bag1", 1))
        _, jq_cpu, _ = run(jq)
        wall, _, _ = run(dive(scope, logs, root / "bag-all", os.cpu_count() or 1))
        figures.append(("per core vs zcat | grep -F", grep_cpu / dive_cpu, 0.8))
        figures.append(("per core vs the handbook's jq", jq_cpu / dive_cpu, 5.0))

        mb = size / 1e6
        print(f"input: {mb:,.1f} MB gzip'd in {len(logs)} files; {os.cpu_count()} cores")
        print(f"  zcat | grep -F : {grep_cpu:6.1f} CPU s  ({mb / grep_cpu:6.1f} MB/CPU s)")
        print(f"  dive, 1 process: {dive_cpu:6.1f} CPU s  ({mb / dive_cpu:6.1f} MB/CPU s)")
        print(f"  jq recipe      : {jq_cpu:6.1f} CPU s  ({mb / jq_cpu:6.1f} MB/CPU s)")
        print(f"  dive, all cores: {wall:6.1f} s wall   ({mb / wall:6.1f} MB/s)")
        print(f"  peak RSS: {rss_1x / 1024:.0f} MiB at 1x, {rss_4x / 1024:.0f} MiB at 4x")
        figures.append(("memory at 4x input vs 1x (lower is better)", rss_4x / rss_1x, 1.2))
        missed = 0
        for name, ratio, target in figures:
            ok = ratio <= target if name.startswith("memory") else ratio >= target
            missed += not ok
            sign = "≤" if name.startswith("memory") else "≥"
            print(f"{name:45} {ratio:6.2f}x  (target {sign} {target}x)  {'ok' if ok else 'MISSED'}")
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
