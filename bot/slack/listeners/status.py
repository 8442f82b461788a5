"""`/case-status` (ephemeral) and the App Home: read-only views, answered in the ack."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from bot.cases.errors import CaseError
from bot.slack.forms import case_number, typed
from bot.slack.replies import unexpected
from bot.slack.runtime import Runtime
from bot.status import Status
from db.deliveries import first_delivery
from messages.ids import Command
from messages.status import (
    USAGE,
    build_case_status,
    build_leads_summary,
    build_mine,
    build_unknown_argument,
)

log = logging.getLogger(__name__)


def _status(rt: Runtime) -> Status:
    return Status(
        sessions=rt.services.sessions,
        clock=rt.services.clock,
        unclaimed_after=timedelta(hours=rt.settings.unclaimed_after_hours),
    )


def answer(rt: Runtime, user_id: str, text: str) -> dict[str, Any]:
    """The ephemeral reply for `/case-status <text>`."""
    status, argument = _status(rt), typed(text).strip().lower()
    if argument in ("help", "?"):
        return {"text": USAGE}
    if argument == "mine":
        return build_mine(status.mine(user_id))
    if (number := case_number(argument)) is not None:
        view = status.case(rt.actor(user_id), number)
        return build_case_status(view, rt.services.clock())
    if argument:
        return build_unknown_argument(typed(text))
    return build_leads_summary(status.leads(rt.actor(user_id)))


def register(app: App, rt: Runtime) -> None:
    @app.command(Command.CASE_STATUS.value)
    def case_status(ack: Ack, body: dict[str, Any]) -> None:
        try:
            reply = answer(rt, body.get("user_id", ""), str(body.get("text") or ""))
        except CaseError as refused:
            reply = {"text": refused.user_text}
        except Exception:
            reply = {"text": unexpected(log, "/case-status")}
        ack(response_type="ephemeral", **reply)

    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        event_id = str(body.get("event_id") or "")
        if event.get("tab") not in (None, "home") or not event_id:
            return
        if not first_delivery(
            sessions=rt.services.sessions, event_id=event_id, now=rt.services.clock()
        ):
            return  # a retry of an event already handled
        publish_home(rt, str(event.get("user") or ""))


def publish_home(rt: Runtime, user_id: str) -> None:
    """Shows someone their open cases on the bot's Home tab."""
    if user_id and rt.homes is not None:
        rt.homes.publish(user_id)
