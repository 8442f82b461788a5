"""`/case-status` (ephemeral) and the App Home: read-only views, answered in the ack."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app.queries import Status
from bot.cases.permissions import Actor
from bot.slack.deps import Deps
from bot.slack.forms import case_number, typed
from bot.slack.replies import attempt
from messages.ids import Command
from messages.status import (
    USAGE,
    build_case_status,
    build_leads_summary,
    build_mine,
    build_unknown_argument,
)


def answer(status: Status, actor: Actor, text: str, *, private: bool = False) -> dict[str, Any]:
    """The ephemeral reply for `/case-status <text>` (`private`: typed in a DM with the bot)."""
    argument = typed(text).strip().lower()
    if argument in ("help", "?"):
        return {"text": USAGE}
    if argument == "mine":
        return build_mine(status.mine(actor.user_id))
    if (number := case_number(argument)) is not None:
        view = status.case(actor, number, private=private)
        return build_case_status(view, status.clock(), actor)
    if argument:
        return build_unknown_argument(typed(text))
    return build_leads_summary(status.leads(actor))


def case_status(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    text = str(body.get("text") or "")
    private = str(body.get("channel_id") or "").startswith("D")  # an IM: only its two people
    call = partial(answer, deps.use_cases.status, context["actor"], text, private=private)
    reply, refused = attempt(call, "/case-status")
    ack(response_type="ephemeral", **(reply if reply is not None else {"text": refused.text}))  # type: ignore[union-attr]


def home_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    event_id, user_id = str(body.get("event_id") or ""), str(event.get("user") or "")
    if event.get("tab") not in (None, "home") or not event_id or not user_id:
        return
    if deps.use_cases.inbox.first_delivery(event_id):  # else a retry of an event handled
        deps.homes.publish(user_id)


def register(app: App) -> None:
    app.command(Command.CASE_STATUS.value)(case_status)
    app.event("app_home_opened")(home_opened)
