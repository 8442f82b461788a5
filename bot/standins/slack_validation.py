"""Block Kit validation applied by the fake Slack Web API.

Slack rejects malformed Block Kit at the API boundary, so a bot that builds an
invalid message or modal only fails in production unless the fake rejects it
too. The checks are layered: ``slack_sdk.models`` first (it knows most limits),
then the rules that slack_sdk does not enforce but Slack does (option limits
inside selects, block counts for messages, unknown block or element types that
slack_sdk silently drops, a modal with inputs but no submit button).

Every function returns a list of human-readable error strings, empty if valid,
each ending in a ``[json-pointer:...]`` like Slack's own messages.
"""

from __future__ import annotations

import copy
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
OPTION_DESCRIPTION_LIMIT = 75
MESSAGE_TEXT_LIMIT = 40_000

# Keys whose value is a single option object / a list of option objects.
_SINGLE_OPTION_KEYS = ("initial_option", "selected_option")
_OPTION_LIST_KEYS = ("options", "initial_options", "selected_options")


def validate_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Validate the ``blocks`` argument of chat.* or a response_url post.

    Each block is parsed with ``Block.parse`` and rendered with ``to_dict()``
    so slack_sdk's validators run on the whole tree.
    """
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        errors.append(f"no more than {MESSAGE_BLOCK_LIMIT} items allowed [json-pointer:{pointer}]")
    for index, raw in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(raw, dict):
            errors.append(f"block must be an object [json-pointer:{where}]")
            continue
        try:
            parsed = Block.parse(copy.deepcopy(raw))
            if parsed is None:
                errors.append(f"unknown block type {raw.get('type')!r} [json-pointer:{where}]")
                continue
            rendered = parsed.to_dict()
        except Exception as exc:  # slack_sdk raises several types for bad input
            errors.append(f"{exc} [json-pointer:{where}]")
            continue
        errors.extend(_unknown_parts(rendered, where))
    errors.extend(_option_errors(blocks, pointer))
    return errors


def validate_view(view: Any) -> list[str]:
    """Validate a ``view`` argument of views.open/push/update/publish.

    ``View(**view).to_dict()`` validates the whole tree (``validate_json()``
    alone would only check the top-level object); the rest are rules Slack
    enforces that slack_sdk does not.
    """
    if not isinstance(view, dict):
        return ["view must be a JSON object [json-pointer:/view]"]
    errors: list[str] = []
    try:
        rendered = View(**copy.deepcopy(view)).to_dict()
    except Exception as exc:  # TypeError for a missing type, SlackObjectFormationError, ...
        errors.append(f"{exc} [json-pointer:/view]")
    else:
        errors.extend(_unknown_parts(rendered.get("blocks", []), "/view/blocks"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        errors.append("must provide an array of blocks [json-pointer:/view/blocks]")
        blocks = []
    if view.get("type") == "modal":
        if not view.get("title"):
            errors.append("must provide a title for a modal [json-pointer:/view/title]")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            errors.append(
                "must provide a submit property when using input blocks [json-pointer:/view]"
            )
    errors.extend(_option_errors(blocks, "/view/blocks"))
    return errors


def _unknown_parts(rendered: Any, pointer: str) -> list[str]:
    """Find ``None`` entries left where slack_sdk skipped an unknown block/element.

    slack_sdk logs a warning and drops unknown types; Slack answers an error.
    """
    errors: list[str] = []
    if isinstance(rendered, list):
        for index, item in enumerate(rendered):
            if item is None:
                errors.append(f"unknown block or element type [json-pointer:{pointer}/{index}]")
            else:
                errors.extend(_unknown_parts(item, f"{pointer}/{index}"))
    elif isinstance(rendered, dict):
        for key, value in rendered.items():
            errors.extend(_unknown_parts(value, f"{pointer}/{key}"))
    return errors


def _option_errors(node: Any, pointer: str) -> list[str]:
    """Check option objects anywhere in the raw tree.

    slack_sdk validates option text only for some elements (checkboxes, radio
    buttons) and not inside static selects, where Slack still rejects them.
    """
    errors: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            errors.extend(_option_errors(item, f"{pointer}/{index}"))
        return errors
    if not isinstance(node, dict):
        return errors
    for key, value in node.items():
        where = f"{pointer}/{key}"
        if key in _SINGLE_OPTION_KEYS and isinstance(value, dict):
            errors.extend(_check_option(value, where))
        elif key in _OPTION_LIST_KEYS and isinstance(value, list):
            for index, option in enumerate(value):
                if isinstance(option, dict):
                    errors.extend(_check_option(option, f"{where}/{index}"))
        elif key == "option_groups" and isinstance(value, list):
            for index, group in enumerate(value):
                label = _text_of(group.get("label")) if isinstance(group, dict) else ""
                if len(label) > OPTION_TEXT_LIMIT:
                    errors.append(
                        f"must be less than {OPTION_TEXT_LIMIT + 1} characters "
                        f"[json-pointer:{where}/{index}/label/text]"
                    )
        errors.extend(_option_errors(value, where))
    return errors


def _check_option(option: dict[str, Any], pointer: str) -> list[str]:
    errors: list[str] = []
    if len(_text_of(option.get("text"))) > OPTION_TEXT_LIMIT:
        errors.append(
            f"must be less than {OPTION_TEXT_LIMIT + 1} characters "
            f"[json-pointer:{pointer}/text/text]"
        )
    if len(_text_of(option.get("description"))) > OPTION_DESCRIPTION_LIMIT:
        errors.append(
            f"must be less than {OPTION_DESCRIPTION_LIMIT + 1} characters "
            f"[json-pointer:{pointer}/description/text]"
        )
    value = option.get("value")
    if isinstance(value, str) and len(value) > OPTION_VALUE_LIMIT:
        errors.append(
            f"must be less than {OPTION_VALUE_LIMIT + 1} characters [json-pointer:{pointer}/value]"
        )
    return errors


def _text_of(text_object: Any) -> str:
    """Return the string inside a text object (or a bare string)."""
    if isinstance(text_object, dict):
        text = text_object.get("text")
        return text if isinstance(text, str) else ""
    return text_object if isinstance(text_object, str) else ""
