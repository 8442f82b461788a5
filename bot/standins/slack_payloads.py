"""Pieces of the payloads Slack sends to an app: modal state values, views, clicked buttons.

Interaction state values have the shape Slack sends::

    {block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}

Build them with :func:`state_values` and the element helpers::

    values = state_values({
        ("customer", "customer"): plain_text_input("ACME"),
        ("kind", "kind"): static_select("logs"),
    })

:class:`~bot.standins.slack_requests.SlackSender` wraps them into signed requests.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

OptionSpec = str | tuple[str, str]  # a value, or (value, text)


def _option(spec: OptionSpec) -> dict[str, Any]:
    value, text = (spec, spec) if isinstance(spec, str) else spec
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


def plain_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def url_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "url_text_input", "value": value}


def static_select(option: OptionSpec | None) -> dict[str, Any]:
    """Selected option by value; its text is filled from the view when submitted."""
    return {"type": "static_select", "selected_option": _option(option) if option else None}


def multi_static_select(options: Iterable[OptionSpec]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_option(o) for o in options]}


def radio_buttons(option: OptionSpec | None) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": _option(option) if option else None}


def checkboxes(options: Iterable[OptionSpec]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_option(o) for o in options]}


def datetimepicker(selected_date_time: int | None) -> dict[str, Any]:
    """Epoch seconds, as Slack sends for a datetimepicker."""
    return {"type": "datetimepicker", "selected_date_time": selected_date_time}


def state_values(entries: Mapping[str | tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """Nest element values by block and action id.

    Keys are ``(block_id, action_id)`` or a single string used as both.
    """
    values: dict[str, dict[str, Any]] = {}
    for key, element_value in entries.items():
        block_id, action_id = (key, key) if isinstance(key, str) else key
        values.setdefault(block_id, {})[action_id] = element_value
    return values


def _elements_by_id(blocks: Iterable[Any]) -> dict[tuple[str | None, str], dict[str, Any]]:
    """Map (block_id, action_id) to the interactive element in a list of blocks."""
    found: dict[tuple[str | None, str], dict[str, Any]] = {}
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                found[(block.get("block_id"), element["action_id"])] = element
    return found


def _complete_options(blocks: Iterable[Any], values: dict[str, Any]) -> dict[str, Any]:
    """Replace selected options with the full option objects defined in the view.

    Slack echoes the option exactly as the app defined it (text, emoji flag,
    description), so the bot must cope with that, not with our shorthand.
    """
    elements = _elements_by_id(blocks)
    completed = json.loads(json.dumps(values))
    for block_id, actions in completed.items():
        for action_id, state in actions.items():
            element = elements.get((block_id, action_id), {})
            defined = {
                o.get("value"): o
                for o in [
                    *element.get("options", []),
                    *(o for g in element.get("option_groups", []) for o in g.get("options", [])),
                ]
            }
            if state.get("selected_option"):
                value = state["selected_option"]["value"]
                state["selected_option"] = defined.get(value, state["selected_option"])
            if state.get("selected_options"):
                state["selected_options"] = [
                    defined.get(o["value"], o) for o in state["selected_options"]
                ]
    return completed


def submitted_view(
    view: Mapping[str, Any],
    values: dict[str, Any],
    *,
    team_id: str,
    view_id: str | None,
    app_id: str,
    bot_id: str,
) -> dict[str, Any]:
    """The ``view`` of a view_submission: the view as opened, with the user's state values."""
    view_id = view_id or view.get("id") or f"V{secrets.token_hex(5).upper()}"
    return {
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "external_id": "",
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": app_id,
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
        **view,
        "id": view_id,
        "team_id": team_id,
        "state": {"values": _complete_options(view.get("blocks", []), values)},
        "hash": view.get("hash") or f"{int(time.time())}.{secrets.token_hex(4)}",
    }


def clicked_action(
    blocks: Iterable[Any], action_id: str, value: str | None, block_id: str | None
) -> dict[str, Any]:
    """The ``actions`` entry of a block_actions payload, taken from the element in ``blocks``.

    Without such an element (no blocks given) it is a plain button.
    """
    element = next(
        (
            (bid, el)
            for (bid, aid), el in _elements_by_id(blocks).items()
            if aid == action_id and (block_id is None or bid == block_id)
        ),
        (block_id, {"type": "button", "text": {"type": "plain_text", "text": "Button"}}),
    )
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": element[0] or block_id or secrets.token_hex(3),
        "type": element[1].get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    if "text" in element[1]:
        action["text"] = element[1]["text"]
    if value is not None:
        action["value"] = value
    return action


def random_trigger_id() -> str:
    """A well-formed trigger_id the fake never issued (use fake.issue_trigger for real ones)."""
    return f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def bot_message(ts: str | None, bot_user_id: str) -> dict[str, Any]:
    return {"type": "message", "user": bot_user_id, "ts": ts, "text": "", "blocks": []}
