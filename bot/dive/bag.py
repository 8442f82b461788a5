"""The dive: every log file read in parallel (one process per file), the kept lines written
into a BagIt bag with the counts, and the bag's digest (SHA-256 of its tag manifest)."""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import bagit

from bot.dive.reader import Counts, scan
from bot.dive.scope import Scope

TOOL = "info-request-bot dive/1"
TAG_MANIFEST = "tagmanifest-sha256.txt"


class DiveError(Exception):
    """The dive cannot run (a missing log file, an output folder in use); says why."""


@dataclass(frozen=True)
class Dive:
    bag: Path
    digest: str
    counts: Counts


def part_name(index: int, path: Path) -> str:
    """The bag file for the index-th log: numbered, since hosts share file names."""
    name = path.name.removesuffix(".gz")
    return f"{index:03d}-{name}.jsonl" if not name.endswith(".jsonl") else f"{index:03d}-{name}"


def dive(
    scope: Scope,
    logs: Sequence[Path],
    out: Path,
    *,
    processes: int | None = None,
    progress: TextIO | None = None,
    engine: Callable[[Scope, Sequence[Path], Path], list[Counts]] | None = None,
) -> Dive:
    """Writes the bag at `out` (a new or empty folder) and returns it with its digest."""
    missing = [str(p) for p in logs if not p.is_file()]
    if missing:
        raise DiveError(f"no such log file: {', '.join(missing)}")
    if out.exists() and any(out.iterdir()):
        raise DiveError(f"{out} is not empty: give a new folder for the bag")
    out.mkdir(parents=True, exist_ok=True)
    run = engine or (lambda s, ls, o: _stream(s, ls, o, processes, progress))
    counts = Counts()
    for part in run(scope, logs, out):
        counts.add(part)
    bagit.make_bag(str(out), bag_info=bag_info(scope, logs, counts), checksums=["sha256"])
    return Dive(out, digest_of(out), counts)


def bag_info(scope: Scope, logs: Sequence[Path], counts: Counts) -> dict[str, Any]:
    info = {
        "Source-Organization": "GitLab log-dive",
        "External-Identifier": f"case {scope.case}",
        "Case-Number": str(scope.case),
        "Scope-SHA256": scope.digest(),
        "Tool-Version": TOOL,
        "Redaction-Policy-Version": scope.policy,
        "Source-Files": str(len(logs)),
    }
    for name, value in asdict(counts).items():
        info["-".join(w.capitalize() for w in name.split("_"))] = str(value)
    return info


def digest_of(bag: Path) -> str:
    """The bag's digest: SHA-256 of its tag manifest, which pins every other file."""
    return hashlib.sha256((bag / TAG_MANIFEST).read_bytes()).hexdigest()


def validate(bag: Path) -> None:
    """Raises `bagit.BagValidationError` when any byte of the bag changed."""
    bagit.Bag(str(bag)).validate()


def _stream(
    scope: Scope, logs: Sequence[Path], out: Path, processes: int | None, progress: TextIO | None
) -> list[Counts]:
    total = sum(p.stat().st_size for p in logs)
    jobs = [(scope, p, out / part_name(i, p)) for i, p in enumerate(logs, start=1)]
    workers = max(1, min(processes or multiprocessing.cpu_count(), len(logs)))
    if workers == 1:  # no pool to start: read here, reporting as we go
        bar = _Bar(total, progress)
        counts = [_scan_to(*job, bar.add) for job in jobs]
        bar.finish()
        return counts
    context = multiprocessing.get_context("spawn")
    done = context.Value("q", 0)
    bar = _Bar(total, progress)
    with context.Pool(workers, initializer=_share, initargs=(done,)) as pool:
        results = pool.starmap_async(_scan_shared, jobs)
        while not results.ready():
            results.wait(0.2)
            bar.show(done.value)
        bar.finish()
        return results.get()


def _scan_to(scope: Scope, path: Path, part: Path, progress: Callable[[int], None]) -> Counts:
    with open(part, "w", encoding="utf-8") as sink:
        counts = scan(path, scope, lambda line: sink.write(line + "\n"), progress)
    if not counts.lines_kept:
        part.unlink()  # no empty files in the bag
    return counts


_done: Any = None


def _share(done: Any) -> None:
    global _done
    _done = done


def _scan_shared(scope: Scope, path: Path, part: Path) -> Counts:
    def progress(size: int) -> None:
        with _done.get_lock():
            _done.value += size

    return _scan_to(scope, path, part, progress)


class _Bar:
    """A progress bar on stderr: bytes of input read, of the total."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.stream, self.read = max(total, 1), stream, 0

    def add(self, size: int) -> None:
        self.read += size
        self.show(self.read)

    def finish(self) -> None:
        self.show(self.total)
        if self.stream is not None:
            self.stream.write("\n")

    def show(self, read: int) -> None:
        if self.stream is None:
            return
        share = min(read / self.total, 1.0)
        filled = int(share * 30)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} "
            f"{read / 1e6:,.1f} of {self.total / 1e6:,.1f} MB"
        )
        self.stream.flush()
