"""`/info-request`: open the intake modal at once; on submit, check, file, confirm, deliver."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import IntakeRejected, Requester
from bot.slack.forms import field_errors, parse_intake, view_id
from bot.slack.replies import unexpected
from bot.slack.runtime import Runtime
from messages.ids import Callback, Command, encode
from messages.intake import build_confirmation_view, build_intake_modal
from messages.refusals import refusal_view

log = logging.getLogger(__name__)

NOT_A_REQUESTER = (
    "Only members of the requester groups (CSMs and Support) can file log requests. "
    "Ask your lead to add you, or ask a colleague who is."
)


def register(app: App, rt: Runtime) -> None:
    @app.command(Command.INFO_REQUEST.value)
    def open_intake(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        user_id = body.get("user_id", "")
        if not rt.is_requester(user_id):
            ack(response_type="ephemeral", text=NOT_A_REQUESTER)
            return
        ack()
        modal = build_intake_modal(rt.catalogue, metadata=encode({"v": 1}), limits=rt.limits)
        try:
            rt.gateway.interactive.views_open(trigger_id=body.get("trigger_id", ""), view=modal)
        except (SlackApiError, SlackClientError) as error:
            log.warning("views.open failed for %s: %s", user_id, error)
            respond(
                response_type="ephemeral",
                text="Slack didn't open the request form in time. Run /info-request again.",
            )

    @app.view(Callback.INTAKE.value)
    def submit_intake(ack: Ack, body: dict[str, Any]) -> None:
        user = body.get("user") or {}
        user_id, view = user.get("id", ""), body.get("view") or {}
        if not rt.is_requester(user_id):
            ack(response_action="update", view=refusal_view(NOT_A_REQUESTER))
            return
        try:
            intake = parse_intake(
                (view.get("state") or {}).get("values"),
                catalogue=rt.catalogue,
                requester_tz=rt.gateway.user(user_id).tz,
            )
            filed = rt.services.submit_intake(
                intake=intake,
                requester=Requester(user_id=user_id, team_id=user.get("team_id", "")),
                view_id=view_id(view),
            )
        except IntakeRejected as rejected:
            ack(
                response_action="errors",
                errors=field_errors(rejected.errors),
            )
            return
        except Exception:
            ack(response_action="update", view=refusal_view(unexpected(log, "intake submit")))
            return
        ack(response_action="update", view=build_confirmation_view(filed.case))
        if filed.created:
            log.info("case %s filed (%s)", filed.case.number, filed.case.route.value)
        rt.deliver(filed.case.number)
