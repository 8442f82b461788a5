"""The event catalogue an operator maintains: the bundled file works, bad files say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_CATALOGUE
from messages.catalogue import (
    MAX_ENTRIES,
    MAX_LABEL,
    OTHER,
    CatalogueError,
    EventType,
    labels,
    load_catalogue,
)


def _entries(count: int, *, label: str = "Sign-ins") -> str:
    return "".join(f'[[event]]\nid = "event_{n}"\nlabel = "{label}"\n\n' for n in range(count))


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "catalogue.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_bundled_catalogue_loads_and_fits_one_select_menu() -> None:
    catalogue = load_catalogue(BUNDLED_CATALOGUE)
    assert 0 < len(catalogue) <= MAX_ENTRIES
    assert all(0 < len(e.label) <= MAX_LABEL for e in catalogue)
    ids = [e.id for e in catalogue]
    assert len(set(ids)) == len(ids)
    assert OTHER not in ids


def test_largest_allowed_catalogue_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, _entries(MAX_ENTRIES, label="x" * MAX_LABEL))
    catalogue = load_catalogue(path)
    assert len(catalogue) == MAX_ENTRIES
    assert catalogue[0] == EventType("event_0", "x" * MAX_LABEL)


VALID = '[[event]]\nid = "sign_in"\nlabel = "Sign-ins"\n\n'

# (file text, words the operator must read in the error)
BAD_FILES = {
    "no [[event]] table": ('title = "events"\n', "no [[event]] entries"),
    "empty file": ("", "no [[event]] entries"),
    "[[event]] is not a list": ('event = "sign_in"\n', "no [[event]] entries"),
    "duplicate id": (VALID + VALID, "event 2: id 'sign_in' is reserved or repeated"),
    "id 'other' is reserved": (
        VALID + '[[event]]\nid = "other"\nlabel = "Other"\n',
        "event 2: id 'other' is reserved",
    ),
    "label of 76 characters": (
        _entries(2) + f'[[event]]\nid = "long"\nlabel = "{"x" * 76}"\n',
        "event 3: `label` must be 1 to 75 characters",
    ),
    "empty label": ('[[event]]\nid = "a"\nlabel = ""\n', "event 1: `label`"),
    "missing id": ('[[event]]\nlabel = "Sign-ins"\n', "event 1: `id` must be a short string"),
    "numeric id": ('[[event]]\nid = 7\nlabel = "Sign-ins"\n', "event 1: `id`"),
    "id over 64 characters": (f'[[event]]\nid = "{"i" * 65}"\nlabel = "L"\n', "event 1: `id`"),
    "invalid TOML": ('[[event]\nid = "sign_in"\n', "cannot read catalogue.toml"),
    "100 entries": (_entries(MAX_ENTRIES + 1), "has 100 events; at most 99"),
}


@pytest.mark.parametrize("problem", BAD_FILES)
def test_bad_catalogue_is_refused_with_the_entry_or_problem_named(
    tmp_path: Path, problem: str
) -> None:
    text, words = BAD_FILES[problem]
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(_write(tmp_path, text))
    assert words in str(raised.value)


def test_missing_catalogue_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(tmp_path / "nowhere.toml")
    assert "cannot read nowhere.toml" in str(raised.value)


def test_event_entries_that_are_not_tables_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="event 1"):
        load_catalogue(_write(tmp_path, 'event = ["sign_in"]\n'))


def test_catalogue_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(_write(tmp_path, b'[[event]]\nid = "a"\nlabel = "caf\xe9"\n'))


def test_stored_ids_no_longer_in_the_file_are_shown_as_they_are() -> None:
    catalogue = (EventType("sign_in", "Sign-ins"),)
    assert labels(catalogue, ("sign_in", "retired_event")) == ["Sign-ins", "retired_event"]


def test_every_bundled_event_tells_the_log_dive_which_lines_show_it() -> None:
    kinds = {"production", "api", "audit", "auth", "application", "graphql", "sidekiq"}
    for event in load_catalogue(BUNDLED_CATALOGUE):
        assert event.matches, event.id
        assert all(m.kind in kinds and (m.values or m.prefixes) for m in event.matches)


@pytest.mark.parametrize(
    ("match", "words"),
    [
        ('match = "api"', "must be a list"),
        ('match = [{ field = "route", values = ["/x"] }]', "needs a `kind` and a `field`"),
        ('match = [{ kind = "api", field = "route" }]', "needs `values` or `prefixes`"),
        ('match = [{ kind = "api", field = "route", values = [1] }]', "needs `values`"),
        ('match = ["api"]', "must be a table"),
    ],
)
def test_a_broken_match_names_its_event(tmp_path: Path, match: str, words: str) -> None:
    text = f'[[event]]\nid = "a"\nlabel = "A"\n{match}\n'
    with pytest.raises(CatalogueError, match="event 1") as raised:
        load_catalogue(_write(tmp_path, text))
    assert words in str(raised.value)
