"""The relay contact's cadence buttons: "Update sent to customer" and "Snooze".

"Update sent" opens a small modal for an optional one-line summary (what the customer was
told), checked first so a refusal comes at once; its submission records the update and, when
it came from a reminder DM, replaces that reminder with what was done (its buttons go, so it
can't be pressed twice by accident). A snooze acts before the ack, so the answer means
"recorded". Refusals come back as an ephemeral message (a DM from the App Home).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app.cadence import Cadence
from bot.cases.permissions import Actor
from bot.slack.deps import Deps
from bot.slack.forms import modal_text, view_id
from bot.slack.replies import FORGED, attempt, case_click, open_modal, tell
from messages.case_modals import build_update_sent_modal
from messages.ids import ActionId, Block, Callback, decode, decode_case_value
from messages.reminders import slack_date

log = logging.getLogger(__name__)


def _snooze(hours: int, cadence: Cadence, case_id: int, actor: Actor) -> str:
    until = cadence.snooze(case_id, actor, hours)
    return f":zzz: Case {case_id}: the bot reminds you again {slack_date(until)}."


SNOOZES = {
    ActionId.SNOOZE_1H: partial(_snooze, 1),
    ActionId.SNOOZE_2H: partial(_snooze, 2),
    ActionId.SNOOZE_4H: partial(_snooze, 4),
}


def _update_form(deps: Deps, case_id: int, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """The "update sent" modal, once the actor may record an update on the case."""
    deps.use_cases.cadence.check_update(case_id, actor)
    container = body.get("container") or {}
    reminder = {}
    if container.get("type") == "message" and container.get("channel_id"):
        reminder = {"channel": container["channel_id"], "ts": container.get("message_ts") or ""}
    return build_update_sent_modal(case_id, **reminder)


def clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    deps: Deps = context["deps"]
    if (click := case_click(ack, body, respond)) is None:
        return
    action_id, case_id = click
    call: Callable[[], dict[str, Any] | str]
    if action_id is ActionId.UPDATE_SENT:
        call = partial(_update_form, deps, case_id, context["actor"], body)
    else:
        call = partial(SNOOZES[action_id], deps.use_cases.cadence, case_id, context["actor"])
    done, refused = attempt(call, f"button {action_id.value}")
    ack()
    if refused:
        tell(respond, body, refused.text, deps.gateway.client)
    elif isinstance(done, dict):  # the "update sent" modal
        if failed := open_modal(deps.gateway.interactive, body, done):
            tell(respond, body, failed, deps.gateway.client)
    elif isinstance(done, str) and isinstance(body.get("response_url"), str):
        respond(text=done, replace_original=True)


def update_sent(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The "update sent" modal submitted: record the update (once per view), with its line."""
    deps: Deps = context["deps"]
    view = body.get("view") or {}
    metadata = decode(view.get("private_metadata")) or {}
    case_id = decode_case_value(view.get("private_metadata"))
    if case_id is None:
        ack(response_action="errors", errors={Block.SUMMARY.value: FORGED})
        return
    values = (view.get("state") or {}).get("values")
    cadence = deps.use_cases.cadence.for_view(view_id(view))

    def record() -> object:
        summary = modal_text(values if isinstance(values, dict) else {}, Block.SUMMARY)
        return cadence.record_customer_update(case_id, context["actor"], summary)

    _case, refused = attempt(record, Callback.UPDATE_SENT.value)
    if refused:
        ack(response_action="errors", errors=refused.fields or {Block.SUMMARY.value: refused.text})
        return
    ack()
    deps.deliver(case_id)  # the card, and the event to the GitLab mirror
    channel, ts = metadata.get("channel"), metadata.get("ts")
    if isinstance(channel, str) and isinstance(ts, str) and channel and ts:
        _replace_reminder(deps, context["actor"].user_id, case_id, channel, ts)


def _replace_reminder(deps: Deps, user_id: str, case_id: int, channel: str, ts: str) -> None:
    """Replaces the reminder the modal was opened from with what was done; only ever a
    message in the person's own DM with the bot (the metadata names it, and is not trusted)."""
    done = (
        f":white_check_mark: Recorded your update to the customer on case {case_id}. "
        "The clock restarts: the bot reminds you when the next one is due."
    )
    client = deps.gateway.client
    try:
        if client.conversations_open(users=user_id)["channel"]["id"] == channel:
            client.chat_update(channel=channel, ts=ts, text=done, blocks=[])
    except (SlackApiError, SlackClientError, OSError) as error:  # recorded all the same
        log.info("reminder of case %s not replaced: %s", case_id, error)


def register(app: App) -> None:
    for action_id in (ActionId.UPDATE_SENT, *SNOOZES):
        app.action(action_id.value)(clicked)
    app.view(Callback.UPDATE_SENT.value)(update_sent)
