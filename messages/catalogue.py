"""The event catalogue: the event types a requester picks from, read from a TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.cases.model import OTHER_EVENT as OTHER

MAX_ENTRIES = 99  # a static select holds 100 options; "Other" takes the last one
MAX_LABEL = 75


@dataclass(frozen=True)
class EventMatch:
    """Lines of one log kind that show the event: `field` in `values`, or starting with one
    of `prefixes` (the log-dive kit's event filter)."""

    kind: str
    field: str
    values: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventType:
    id: str
    label: str
    matches: tuple[EventMatch, ...] = ()


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says which entry and why."""


def load_catalogue(path: Path) -> tuple[EventType, ...]:
    """Reads and checks the catalogue; the file is the operator's, so errors name the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"cannot read {path.name}: {error}") from None
    entries = data.get("event")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path.name} has no [[event]] entries")
    if len(entries) > MAX_ENTRIES:
        raise CatalogueError(f"{path.name} has {len(entries)} events; at most {MAX_ENTRIES}")
    catalogue: list[EventType] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CatalogueError(f"event {number}: must be an [[event]] table")
        event_id, label = entry.get("id"), entry.get("label")
        if not isinstance(event_id, str) or not event_id or len(event_id) > 64:
            raise CatalogueError(f"event {number}: `id` must be a short string")
        if event_id == OTHER or any(e.id == event_id for e in catalogue):
            raise CatalogueError(f"event {number}: id {event_id!r} is reserved or repeated")
        if not isinstance(label, str) or not 0 < len(label) <= MAX_LABEL:
            raise CatalogueError(f"event {number}: `label` must be 1 to {MAX_LABEL} characters")
        catalogue.append(EventType(event_id, label, _matches(number, entry.get("match", []))))
    return tuple(catalogue)


def _matches(number: int, entries: object) -> tuple[EventMatch, ...]:
    def strings(value: object) -> tuple[str, ...] | None:
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        return tuple(value) if ok else None  # type: ignore[arg-type]

    if not isinstance(entries, list):
        raise CatalogueError(f"event {number}: `match` must be a list of tables")
    found = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise CatalogueError(f"event {number}: each match must be a table")
        kind, field = entry.get("kind"), entry.get("field")
        values, prefixes = strings(entry.get("values", [])), strings(entry.get("prefixes", []))
        if not (isinstance(kind, str) and isinstance(field, str) and kind and field):
            raise CatalogueError(f"event {number}: each match needs a `kind` and a `field`")
        if values is None or prefixes is None or not (values or prefixes):
            raise CatalogueError(f"event {number}: a match needs `values` or `prefixes`")
        found.append(EventMatch(kind, field, values, prefixes))
    return tuple(found)


def labels(catalogue: tuple[EventType, ...], ids: tuple[str, ...] | list[str]) -> list[str]:
    """Human labels for stored ids; an id no longer in the file is shown as it is."""
    by_id = {e.id: e.label for e in catalogue}
    return [by_id.get(event_id, event_id) for event_id in ids]
