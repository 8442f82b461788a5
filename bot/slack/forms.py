"""Reading clicks and submitted modals into domain values, trusting nothing about their shape.

A missing, mistyped or forged value becomes "not given" (None or empty), and the rules table
then explains what is missing on the right field; nothing here raises on bad input, except
`modal_text` and `modal_count`, which refuse on their field what the modal would not have let
through.

Typed text is cleaned in one way everywhere (`typed`): NUL characters are removed (Postgres
cannot store them and nobody means one) and unpaired surrogates, which no database can
encode, become U+FFFD. Numbers are digits 0-9 only: `str.isdigit()` also accepts "²", which
`int()` refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, NamedTuple

from bot.app.filing import IntakeRejected
from bot.cases.model import OTHER_EVENT, Deployment, Intake, Plan
from bot.cases.rules import Field
from messages.case_modals import MAX_CHARS
from messages.catalogue import EventType
from messages.ids import INPUT, ActionId, Block, decode_case_value

MAX_TS = 253402300799  # 9999-12-31T23:59:59Z
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class FieldRefused(IntakeRejected):
    """A case modal's value refused on its own field (shown like the intake's field errors)."""


def typed(value: object) -> str:
    """Text someone typed, storable on every database; "" for anything not text."""
    if not isinstance(value, str):
        return ""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def whole_number(text: str, *, max_digits: int = 9) -> int | None:
    """A count written in digits 0-9 (at most `max_digits` of them), or None."""
    text = text.strip()
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def case_number(text: str) -> int | None:
    """The case a person names, as `12` or `#12`, or None."""
    return whole_number(text.strip().removeprefix("#"))


def view_id(view: Mapping[str, Any]) -> str:
    """The submitted modal's id, as the bot stores it to recognise a second delivery."""
    return typed(str(view.get("id", "")))[:64]


class Click(NamedTuple):
    action_id: ActionId
    user_id: str
    case_id: int | None  # None when the button's value is not a case number the bot issued


def read_click(body: dict[str, Any]) -> Click:
    """The button a block_actions payload reports (listeners are registered per action id)."""
    action = (body.get("actions") or [{}])[0]
    return Click(
        ActionId(action["action_id"]), actor_id(body), decode_case_value(action.get("value"))
    )


def actor_id(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


def field_errors(errors: Mapping[Any, str]) -> dict[str, str]:
    """Errors by block id, as `response_action: errors` wants them."""
    return {field.value: text for field, text in errors.items()}


def element(values: dict[str, Any], block: Enum) -> dict[str, Any]:
    """The input element of a modal's block (a rules Field or a messages Block), or {}."""
    entry = values.get(block.value)
    found = entry.get(INPUT) if isinstance(entry, dict) else None
    return found if isinstance(found, dict) else {}


def _text(values: dict[str, Any], field: Field) -> str:
    return typed(element(values, field).get("value"))


def modal_text(values: dict[str, Any], block: Block) -> str:
    """A case modal's text input, stripped; refused on its field when over the modal's limit."""
    text = typed(element(values, block).get("value")).strip()
    limit = MAX_CHARS.get(block, 3000)
    if len(text) > limit:
        raise FieldRefused(
            {block: f"At most {limit:,} characters, please (this has {len(text):,})."}  # type: ignore[dict-item]
        )
    return text


def modal_count(values: dict[str, Any], block: Block, what: str) -> int:
    """A case modal's number input, refused on its field unless it is a whole number."""
    digits = MAX_CHARS.get(block, 9)
    number = whole_number(typed(element(values, block).get("value")), max_digits=digits)
    if number is None:
        raise FieldRefused(
            {block: f"Enter {what} as a whole number: digits 0-9, at most {digits} of them."}  # type: ignore[dict-item]
        )
    return number


def _selected(values: dict[str, Any], field: Field) -> str | None:
    option = element(values, field).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _selected_many(values: dict[str, Any], field: Field) -> list[str]:
    options = element(values, field).get("selected_options")
    if not isinstance(options, list):
        return []
    chosen = [o.get("value") for o in options if isinstance(o, dict)]
    return [value for value in chosen if isinstance(value, str)]


def _moment(values: dict[str, Any], field: Field) -> datetime | None:
    stamp = element(values, field).get("selected_date_time")
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not 0 <= stamp <= MAX_TS:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC)


def _lines(values: dict[str, Any], field: Field, *, strip_at: bool = False) -> tuple[str, ...]:
    lines = (line.strip() for line in _text(values, field).splitlines())
    cleaned = (line.lstrip("@") if strip_at else line for line in lines)
    return tuple(dict.fromkeys(line.strip("/") for line in cleaned if line))


def _enum(kind: type, value: str | None) -> Any:
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def parse_intake(
    state_values: object, *, catalogue: tuple[EventType, ...], requester_tz: str
) -> Intake:
    """The intake a view submission describes; unknown event ids are dropped."""
    values = state_values if isinstance(state_values, dict) else {}
    known = {e.id for e in catalogue} | {OTHER_EVENT}
    events = [e for e in _selected_many(values, Field.EVENT_TYPES) if e in known]
    return Intake(
        organisation=_text(values, Field.ORGANISATION).strip(),
        ticket_url=_text(values, Field.TICKET_URL).strip(),
        plan=_enum(Plan, _selected(values, Field.PLAN)),
        deployment=_enum(Deployment, _selected(values, Field.DEPLOYMENT)),
        namespace=_text(values, Field.NAMESPACE).strip().strip("/"),
        owns_namespace="owns" in _selected_many(values, Field.OWNERSHIP),
        window_start=_moment(values, Field.WINDOW_START),
        window_end=_moment(values, Field.WINDOW_END),
        projects=_lines(values, Field.PROJECTS),
        groups=_lines(values, Field.GROUPS),
        users=_lines(values, Field.USERS, strip_at=True),
        own_use=_yes_no(_selected(values, Field.OWN_USE)),
        audit_events=_text(values, Field.AUDIT_EVENTS).strip(),
        users_in_namespace="belong" in _selected_many(values, Field.USERS_IN_NAMESPACE),
        event_types=tuple(dict.fromkeys(events)),
        event_other=_text(values, Field.EVENT_OTHER).strip(),
        personal_data=_yes_no(_selected(values, Field.PERSONAL_DATA)),
        access_logs=_yes_no(_selected(values, Field.ACCESS_LOGS)),
        summary=_text(values, Field.SUMMARY).strip(),
        exception_justification=_text(values, Field.EXCEPTION).strip(),
        requester_tz=requester_tz,
    )
