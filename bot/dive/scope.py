"""A case's scope as a file, and the predicate that says whether a log line is inside it.

The scope file is self-contained: a handler can dive where the bot's database is not
reachable. It carries the case's pseudonym key, so it is as confidential as the case.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

FORMAT = "info-request-bot/dive-scope/1"
POLICY_VERSION = "1"

# Flat GitLab context keys (and audit fields) that name the namespace or project a line is about.
PATH_FIELDS = ("meta.root_namespace", "meta.project", "entity_path")
# Fields that name the person a line is about (usernames).
PERSON_FIELDS = ("meta.user", "username", "author_name")


class ScopeError(ValueError):
    """The scope file cannot be used; the message says why."""


@dataclass(frozen=True)
class Match:
    """A line of `kind` identifies an event type when `field` equals one of `values` or
    starts with one of `prefixes`."""

    kind: str
    field: str
    values: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def hits(self, kind: str, line: dict[str, Any]) -> bool:
        if kind != self.kind:
            return False
        value = line.get(self.field)
        if value is None:
            return False
        text = str(value)
        return text in self.values or any(text.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class EventScope:
    """An event type the case names; with no matches (say "other") it cannot narrow lines."""

    id: str
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True)
class Scope:
    case: int
    start: datetime
    end: datetime
    namespace: str
    projects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    events: tuple[EventScope, ...] = ()
    disclose_customer: bool = False  # the customer asked for its own users' names and IPs
    key: str = field(default="", repr=False)  # hex HMAC key for pseudonyms, per case

    @property
    def policy(self) -> str:
        return f"{POLICY_VERSION}-{'disclose' if self.disclose_customer else 'pseudonymise'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "case": self.case,
            "window": {"start": _iso(self.start), "end": _iso(self.end)},
            "namespace": self.namespace,
            "projects": list(self.projects),
            "groups": list(self.groups),
            "users": list(self.users),
            "event_types": [
                {"id": e.id, "matches": [_drop_empty(asdict(m)) for m in e.matches]}
                for e in self.events
            ],
            "redaction_policy": {
                "version": POLICY_VERSION,
                "disclose_customer_personal_data": self.disclose_customer,
            },
            "pseudonym_key": self.key,
        }

    def digest(self) -> str:
        """SHA-256 of the scope without its key: names the scope in the bag, safely."""
        data = self.to_json()
        del data["pseudonym_key"]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def tokens(self) -> tuple[str, ...]:
        """Lower-case strings one of which every line tied to the scope contains."""
        return tuple(dict.fromkeys(t.lower() for t in (self.namespace, *self.users) if t))


def scope_from_json(data: Any) -> Scope:
    """The scope a file holds; anything missing or malformed is a `ScopeError`."""
    try:
        if data.get("format") != FORMAT:
            raise ScopeError(f"not a scope file (format must be {FORMAT!r})")
        start, end = _parse_time(data["window"]["start"]), _parse_time(data["window"]["end"])
        if start is None or end is None:
            raise ScopeError("the window needs a start and an end in ISO 8601")
        scope = Scope(
            case=int(data["case"]),
            start=start,
            end=end,
            namespace=str(data["namespace"]),
            projects=tuple(map(str, data.get("projects", ()))),
            groups=tuple(map(str, data.get("groups", ()))),
            users=tuple(map(str, data.get("users", ()))),
            events=tuple(
                EventScope(
                    str(e["id"]),
                    tuple(
                        Match(
                            str(m["kind"]),
                            str(m["field"]),
                            tuple(map(str, m.get("values", ()))),
                            tuple(map(str, m.get("prefixes", ()))),
                        )
                        for m in e.get("matches", ())
                    ),
                )
                for e in data.get("event_types", ())
            ),
            disclose_customer=bool(data["redaction_policy"]["disclose_customer_personal_data"]),
            key=str(data["pseudonym_key"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, ScopeError):
            raise
        raise ScopeError(f"the scope file is incomplete or malformed ({error!r})") from None
    if scope.start is None or scope.end is None or scope.end < scope.start:
        raise ScopeError("the scope's window is malformed")
    if not scope.namespace or len(scope.key) < 32:
        raise ScopeError("the scope needs a namespace and its case's pseudonym key")
    return scope


def under(path: str, namespace: str) -> bool:
    """Whether a group or project path is the namespace or inside it (case-insensitive)."""
    path, namespace = path.lower(), namespace.lower()
    return path == namespace or path.startswith(namespace + "/")


def customer_actor(line: dict[str, Any], scope: Scope) -> bool:
    """Whether the person a line is about is one of the customer's named users."""
    users = {u.lower() for u in scope.users}
    return any(isinstance(line.get(f), str) and line[f].lower() in users for f in PERSON_FIELDS)


def in_scope(kind: str, line: dict[str, Any], scope: Scope) -> bool:
    """Inside the window, about the customer's namespace or users and no other namespace,
    and, where the case names event types that can be recognised, one of them."""
    when = _parse_time(line.get("time"))
    if when is None or not scope.start <= when <= scope.end:
        return False
    paths = [line[f] for f in PATH_FIELDS if isinstance(line.get(f), str) and line[f]]
    if any(not under(p, scope.namespace) for p in paths):
        return False  # another customer's namespace: never theirs to see
    if not paths and not customer_actor(line, scope):
        return False
    if not scope.events or any(not e.matches for e in scope.events):
        return True
    return any(m.hits(kind, line) for e in scope.events for m in e.matches)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _drop_empty(match: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in match.items() if v}
