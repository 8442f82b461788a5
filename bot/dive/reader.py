"""One log file, streamed: decompress in large chunks, find candidate lines with a bytes
search for the scope's tokens, parse only those, keep the lines inside the scope.

Most lines of a big log mention none of the customer's names, so they are counted and never
parsed: that is what lets the dive run near the speed of decompression.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

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


def blocks(source: BinaryIO, progress: Callable[[int], None]) -> Iterator[bytes]:
    """The file's bytes, decompressed when gzip (any number of members), in whole lines."""
    head = source.read(2)
    gzipped = head == GZIP_MAGIC
    inflate = zlib.decompressobj(31) if gzipped else None
    carry, raw = b"", head
    while True:
        more = source.read(CHUNK)
        raw += more
        if not raw:
            break
        progress(len(raw))
        data = raw
        if inflate is not None:
            data = b""
            while raw:
                data += inflate.decompress(raw)
                raw = inflate.unused_data
                if raw:  # another gzip member follows
                    inflate = zlib.decompressobj(31)
        raw = b""
        data = carry + data
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield data[:cut]
        if not more:
            break
    if carry:
        yield carry + b"\n"


def prefilter_tokens(scope: Scope) -> tuple[bytes, ...]:
    return tuple(t.encode() for t in scope.tokens())


def candidates(block: bytes, tokens: tuple[bytes, ...]) -> list[tuple[int, int]]:
    """Start and end of each line in `block` that contains one of the lower-case `tokens`, in
    any case, in order."""
    hay = block.lower()  # same length and line breaks: positions carry over
    found: dict[int, int] = {}
    for token in tokens:
        at = hay.find(token)
        while at >= 0:
            start = hay.rfind(b"\n", 0, at) + 1
            end = hay.find(b"\n", at)
            found[start] = end
            at = hay.find(token, end)
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
        for block in blocks(source, progress):
            lines = block.count(b"\n")
            counts.lines_read += lines
            # a line that does not start with "{" is not a JSON object
            counts.lines_malformed += lines - block.count(b"\n{") - block.startswith(b"{")
            for start, end in candidates(block, tokens):
                kept = _line(block[start:end], kind, scope, redactor, counts)
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
