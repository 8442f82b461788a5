"""One log file, streamed: decompress in large chunks, find candidate lines with a bytes
search for the scope's tokens, parse only those, keep the lines inside the scope.

Most lines of a big log mention none of the customer's names, so they are counted and never
parsed: that is what lets the dive run near the speed of decompression.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

try:  # ISA-L inflates gzip about twice as fast as zlib, with the same interface
    from isal import isal_zlib as zlib
except ImportError:  # pragma: no cover - a platform without its wheel
    import zlib  # type: ignore[no-redef]

from bot.dive.kinds import kind_of
from bot.dive.redact import Redactor
from bot.dive.scope import Scope, in_scope

CHUNK = 1 << 18  # 256 KiB of compressed input at a time: memory stays flat, blocks stay in cache
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Counts:
    lines_read: int = 0
    lines_kept: int = 0
    lines_malformed: int = 0
    fields_dropped: int = 0
    values_pseudonymised: int = 0
    values_masked: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def blocks(source: BinaryIO, progress: Callable[[int], None]) -> Iterator[tuple[bytes, int, int]]:
    """The file's bytes, decompressed when gzip (any number of members), as whole lines:
    each `(data, start, end)` holds them in `data[start:end]` (the big blocks are not copied)."""
    raw = source.read(2)
    gunzip = _Gunzip() if raw == GZIP_MAGIC else None
    carry = b""
    while True:
        more = source.read(CHUNK)
        raw += more
        progress(len(raw))
        data = gunzip.feed(raw) if gunzip is not None else raw
        first = data.find(b"\n")
        if first < 0:
            carry += data
        else:
            line = carry + data[: first + 1]  # the line split between two reads
            yield line, 0, len(line)
            cut = data.rfind(b"\n") + 1
            if cut > first + 1:
                yield data, first + 1, cut
            carry = data[cut:]
        if not more:
            break
        raw = b""
    if carry:
        yield carry + b"\n", 0, len(carry) + 1


class _Gunzip:
    """Inflates gzip input as it comes, member after member (rotated logs are often several)."""

    def __init__(self) -> None:
        self.inflate = zlib.decompressobj(31)

    def feed(self, raw: bytes) -> bytes:
        pieces = []
        while raw:
            pieces.append(self.inflate.decompress(raw))
            raw = self.inflate.unused_data
            if raw:
                self.inflate = zlib.decompressobj(31)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def prefilter_tokens(scope: Scope) -> tuple[bytes, ...]:
    return tuple(t.encode() for t in scope.tokens())


def candidates(
    block: bytes, start: int, end: int, tokens: tuple[bytes, ...]
) -> list[tuple[int, int]]:
    """Start and end of each line in `block[start:end]` that contains one of the lower-case
    `tokens`, in any case, in order."""
    hay = block.lower()  # same length and line breaks: positions carry over
    found: dict[int, int] = {}
    for token in tokens:
        at = hay.find(token, start, end)
        while at >= 0:
            line = hay.rfind(b"\n", start, at) + 1 or start
            stop = hay.find(b"\n", at, end)
            found[line] = stop
            at = hay.find(token, stop, end)
    return sorted(found.items())


def scan(
    path: Path, scope: Scope, write: Callable[[str], Any], progress: Callable[[int], None]
) -> Counts:
    """Reads one file; writes each kept line (JSON, redacted) through `write`."""
    kind = kind_of(path)
    redactor = Redactor(scope)
    tokens = prefilter_tokens(scope)
    counts = Counts()
    with open(path, "rb") as source:
        for block, start, end in blocks(source, progress):
            lines = block.count(b"\n", start, end)
            counts.lines_read += lines
            # a line that does not start with "{" is not a JSON object
            objects = block.count(b"\n{", start, end) + (block[start : start + 1] == b"{")
            counts.lines_malformed += lines - objects
            for first, stop in candidates(block, start, end, tokens):
                kept = _line(block[first:stop], kind, scope, redactor, counts)
                if kept is not None:
                    write(kept)
    counts.fields_dropped = redactor.tally.dropped
    counts.values_pseudonymised = redactor.tally.pseudonymised
    counts.values_masked = redactor.tally.masked
    return counts


def _line(raw: bytes, kind: str, scope: Scope, redactor: Redactor, counts: Counts) -> str | None:
    if not raw.startswith(b"{"):
        return None  # already counted as malformed
    try:
        line = json.loads(raw)
    except ValueError:
        line = None
    if not isinstance(line, dict):
        counts.lines_malformed += 1
        return None
    if not in_scope(kind, line, scope):
        return None
    counts.lines_kept += 1
    return render(redactor, kind, line)


def render(redactor: Redactor, kind: str, line: dict[str, Any]) -> str:
    """A kept line as it goes into the bag: projected, redacted, one line of JSON."""
    return json.dumps(redactor.line(kind, line), ensure_ascii=False, separators=(",", ":"))
