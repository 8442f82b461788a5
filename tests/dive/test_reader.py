"""The reader gives back every line of a file, whatever its compression and wherever the reads
cut it; the prefilter finds each line that names the scope."""

from __future__ import annotations

import gzip
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dive import reader

characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")
texts = st.lists(st.text(characters, max_size=30), max_size=40)


def split(data: bytes) -> list[bytes]:
    return data.removesuffix(b"\n").split(b"\n") if data else []


def lines_of(data: bytes, chunk: int) -> list[bytes]:
    out: list[bytes] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "CHUNK", chunk)
        for block, start, end in reader.blocks(io.BytesIO(data), lambda size: None):
            out.extend(split(block[start:end]))
    return out


@settings(max_examples=60)
@given(texts, st.integers(1, 64), st.integers(1, 3), st.booleans())
def test_every_line_comes_back_in_order(lines, chunk, members, newline_at_end):
    body = "\n".join(lines).encode() + (b"\n" if newline_at_end and lines else b"")
    expected = split(body)
    assert lines_of(body, chunk) == expected
    thirds = [
        body[i * len(body) // members : (i + 1) * len(body) // members] for i in range(members)
    ]
    gzipped = b"".join(gzip.compress(part) for part in thirds)  # a rotated log: several members
    assert lines_of(gzipped, chunk) == expected


def test_candidates_are_whole_lines_found_in_any_case():
    block = b'{"a":"x"}\n{"meta.user":"JDoe"}\n{"b":"acme-corp/app"}\n{"c":"y"}\n'
    found = reader.candidates(block, 0, len(block), (b"jdoe", b"acme-corp"))
    assert [block[s:e] for s, e in found] == [b'{"meta.user":"JDoe"}', b'{"b":"acme-corp/app"}']
