"""`/info-request`: open the intake modal at once; on submit, check, keep, acknowledge.

A submission that passes the rules is kept as one row and acknowledged with "Filing…"; the
case is filed right after the ack (`bot.slack.filer`), which then shows its number.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app.filing import Requester
from bot.slack.deps import Deps
from bot.slack.forms import parse_intake, view_id
from bot.slack.replies import attempt
from messages.ids import Callback, Command, encode
from messages.intake import build_filing_view, build_intake_modal
from messages.refusals import refusal_view

log = logging.getLogger(__name__)

NOT_A_REQUESTER = (
    "Only members of the requester groups (CSMs and Support) can file log requests. "
    "Ask your lead to add you, or ask a colleague who is."
)


def open_intake(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    deps: Deps = context["deps"]
    user_id = body.get("user_id", "")
    if not deps.roles.is_requester(user_id):
        ack(response_type="ephemeral", text=NOT_A_REQUESTER)
        return
    ack()
    modal = build_intake_modal(deps.catalogue, metadata=encode({"v": 1}), limits=deps.limits)
    try:
        deps.gateway.interactive.views_open(trigger_id=body.get("trigger_id", ""), view=modal)
    except (SlackApiError, SlackClientError) as error:
        log.warning("views.open failed for %s: %s", user_id, error)
        respond(
            response_type="ephemeral",
            text="Slack didn't open the request form in time. Run /info-request again.",
        )


def _receive(deps: Deps, user: dict[str, Any], view: dict[str, Any]) -> None:
    user_id = user.get("id", "")
    person = deps.gateway.user(user_id)
    intake = parse_intake(
        (view.get("state") or {}).get("values"),
        catalogue=deps.catalogue,
        requester_tz=person.tz,
    )
    return deps.use_cases.filing.receive(
        intake=intake,
        requester=Requester(user_id=user_id, team_id=user.get("team_id", ""), name=person.name),
        view_id=view_id(view),
    )


def submit_intake(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    user, view = body.get("user") or {}, body.get("view") or {}
    if not deps.roles.is_requester(user.get("id", "")):
        ack(response_action="update", view=refusal_view(NOT_A_REQUESTER))
        return
    _, refused = attempt(partial(_receive, deps, user, view), "intake submit")
    if refused and refused.fields:
        ack(response_action="errors", errors=refused.fields)
        return
    if refused:
        ack(response_action="update", view=refusal_view(refused.text))
        return
    ack(response_action="update", view=build_filing_view())
    log.info("intake received (view %s); filing it", view_id(view))
    deps.file_soon()


def register(app: App) -> None:
    app.command(Command.INFO_REQUEST.value)(open_intake)
    app.view(Callback.INTAKE.value)(submit_intake)
