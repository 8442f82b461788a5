"""The one error path: a use case's refusal, or a surprise, as what the person reads.

Bolt runs a listener outside its middleware's `next()` (the ack is awaited separately), so
the error path is this function, which every listener calls around its one use case:
refusals come back as they are (with field errors for a modal), surprises with an error id
that is logged with the traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app.filing import IntakeRejected
from bot.cases.errors import CaseError
from bot.slack.forms import field_errors, read_click
from messages.ids import ActionId
from messages.refusals import unexpected_text

_log = logging.getLogger(__name__)
FORGED = "This button doesn't belong to a case the bot knows."
T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    text: str
    fields: dict[str, str] = field(default_factory=dict)  # block id -> error, for a modal


def attempt(call: Callable[[], T], what: str) -> tuple[T | None, Refusal | None]:
    """Runs one use case: (its result, None), or (None, why it was refused)."""
    try:
        return call(), None
    except IntakeRejected as rejected:
        return None, Refusal(rejected.user_text, field_errors(rejected.errors))
    except CaseError as refused:
        return None, Refusal(refused.user_text)
    except Exception:
        return None, Refusal(unexpected(_log, what))


def case_click(ack: Ack, body: dict[str, Any], respond: Respond) -> tuple[ActionId, int] | None:
    """The button and the case it acts on; None once a forged case value was refused."""
    action_id, _user_id, case_id = read_click(body)
    if case_id is None:
        ack()
        tell(respond, body, FORGED)
        return None
    return action_id, case_id


def unexpected(log: logging.Logger, what: str) -> str:
    """Logs the current exception under a fresh id and returns the text that quotes it."""
    error_id = uuid.uuid4().hex[:10]
    log.exception("unexpected error %s during %s", error_id, what)
    return unexpected_text(error_id)


def tell(
    respond: Respond, body: dict[str, Any], text: str, client: WebClient | None = None
) -> None:
    """An ephemeral reply to a click; a DM for a click on the App Home, which has no
    response_url (the person gets the answer wherever they clicked)."""
    if not isinstance(body.get("response_url"), str):
        user_id = (body.get("user") or {}).get("id")
        if client is not None and isinstance(user_id, str) and user_id:
            try:
                client.chat_postMessage(channel=user_id, text=text)
                return
            except Exception:
                _log.warning("could not DM the user", exc_info=True)
        _log.info("no response_url to tell %s: %s", user_id, text)
        return
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        _log.warning("could not tell the user", exc_info=True)


def open_modal(client: WebClient, body: dict[str, Any], modal: dict[str, Any]) -> str | None:
    """Opens a modal on the click's trigger; what to tell the person when Slack would not."""
    try:
        client.views_open(trigger_id=body.get("trigger_id", ""), view=modal)
    except (SlackApiError, SlackClientError) as error:
        _log.warning("views.open failed: %s", error)
        return "Slack didn't open the form in time. Click the button again."
    return None
