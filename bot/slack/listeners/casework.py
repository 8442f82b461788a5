"""The triage card's buttons and the modals they open: working a case from claim to close.

Every listener acks first, decodes the case number (a forged value is refused), resolves the
actor's roles from Slack, makes one call to `Casework`, and lets the outbox re-render the card.
Refusals come back as an ephemeral message (buttons) or an error on the modal's field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.cases.errors import CaseError
from bot.cases.permissions import Actor
from bot.cases.states import Action
from bot.casework import Artefacts, Casework
from bot.services import IntakeRejected
from bot.slack.forms import (
    FieldRefused,
    actor_id,
    element,
    field_errors,
    modal_count,
    modal_text,
    parse_intake,
    read_click,
    view_id,
)
from bot.slack.guards import target_refusal
from bot.slack.replies import tell, unexpected
from bot.slack.runtime import Runtime
from db import cases as case_repo
from db.session import reading
from messages import case_modals
from messages.ids import ActionId, Block, Callback, decode_case_value, encode
from messages.intake import build_intake_modal

log = logging.getLogger(__name__)

FORGED = "This button doesn't belong to a case the bot knows."

# Buttons that act at once: (casework method, its extra keyword arguments).
IMMEDIATE: dict[ActionId, tuple[str, dict[str, Any]]] = {
    ActionId.CLAIM: ("claim", {}),
    ActionId.UNCLAIM: ("unclaim", {}),
    ActionId.APPROVE: ("review", {"approve": True}),
    ActionId.LEGAL_APPROVE: ("decide_exception", {"approve": True, "reason": None}),
    ActionId.MARK_SHARED: ("mark_shared", {}),
}

# Buttons that open a modal first, and the step each modal leads to (checked before opening).
STEPS: dict[ActionId, Action] = {
    ActionId.ADD_FINDING: Action.ADD_FINDING,
    ActionId.REQUEST_RESCOPE: Action.REQUEST_RESCOPE,
    ActionId.COST_NOTICE: Action.COST_NOTICE,
    ActionId.REJECT: Action.REVIEW_REJECT,
    ActionId.LEGAL_DENY: Action.LEGAL_DENY,
    ActionId.WITHDRAW: Action.WITHDRAW,
    ActionId.SUBMIT_REVIEW: Action.SUBMIT_FOR_REVIEW,
    ActionId.HAND_OVER: Action.HAND_OVER,
    ActionId.CLOSE_GAP: Action.RECORD_GAP,
    ActionId.EDIT_SCOPE: Action.RESCOPE,
}
MODALS: dict[ActionId, Callable[[int], dict[str, Any]]] = {
    ActionId.ADD_FINDING: lambda n: case_modals.build_text_modal(Callback.FINDING, n),
    ActionId.REQUEST_RESCOPE: lambda n: case_modals.build_text_modal(Callback.RESCOPE_REASON, n),
    ActionId.COST_NOTICE: lambda n: case_modals.build_text_modal(Callback.COST_NOTICE, n),
    ActionId.REJECT: lambda n: case_modals.build_text_modal(Callback.REVIEW_REJECT, n),
    ActionId.LEGAL_DENY: lambda n: case_modals.build_text_modal(Callback.LEGAL_DENY, n),
    ActionId.WITHDRAW: lambda n: case_modals.build_text_modal(Callback.WITHDRAW, n),
    ActionId.SUBMIT_REVIEW: case_modals.build_review_submit_modal,
    ActionId.HAND_OVER: case_modals.build_hand_over_modal,
    ActionId.CLOSE_GAP: case_modals.build_gap_modal,
}


def _values(view: dict[str, Any]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values")
    return values if isinstance(values, dict) else {}


def _text(values: dict[str, Any], block: Block) -> str:
    return modal_text(values, block)


def register(app: App, rt: Runtime) -> None:
    def clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        # A step is one short transaction done before the ack, so the click's answer means
        # "recorded". A modal is opened after the ack (its trigger lasts 3 s, and opening it
        # may be slow); the permission check before it keeps refusals immediate.
        action_id, user_id, case_id = read_click(body)
        reply, modal = None, None
        try:
            if case_id is None:
                reply = FORGED
            elif action_id in IMMEDIATE:
                method, kwargs = IMMEDIATE[action_id]
                getattr(rt.casework, method)(case_id, rt.actor(user_id), **kwargs)
            else:
                rt.casework.check(case_id, rt.actor(user_id), STEPS[action_id])
                modal = (
                    _rescope_modal(rt, case_id)
                    if action_id is ActionId.EDIT_SCOPE
                    else MODALS[action_id](case_id)
                )
        except CaseError as refused:
            reply = refused.user_text
        except Exception:
            reply = unexpected(log, f"button {action_id.value}")
        ack()
        if modal is not None:
            reply = _open(rt, body, modal)
        if reply:
            tell(respond, body, reply)
        elif action_id in IMMEDIATE:
            rt.deliver(case_id)

    for action_id in (*IMMEDIATE, *MODALS, ActionId.EDIT_SCOPE):
        app.action(action_id.value)(clicked)

    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        user_id = actor_id(body)
        callback = Callback(view.get("callback_id"))
        case_id = decode_case_value(view.get("private_metadata"))
        first_block = SUBMITS[callback][0]
        if case_id is None:
            ack(response_action="errors", errors={first_block: FORGED})
            return
        try:
            SUBMITS[callback][1](rt, case_id, rt.actor(user_id), _values(view), body)
        except IntakeRejected as rejected:
            ack(
                response_action="errors",
                errors=field_errors(rejected.errors),
            )
            return
        except CaseError as refused:
            ack(response_action="errors", errors={first_block: refused.user_text})
            return
        except Exception:
            ack(response_action="errors", errors={first_block: unexpected(log, callback)})
            return
        ack()
        rt.deliver(case_id)

    for callback in SUBMITS:
        app.view(callback.value)(submitted)


def _rescope_modal(rt: Runtime, case_id: int) -> dict[str, Any]:
    """The intake modal, pre-filled with the case as it stands, for the requester to narrow."""
    with reading(rt.casework.sessions) as session:
        intake = case_repo.intake(case_repo.get(session=session, case_id=case_id))
    modal = build_intake_modal(
        rt.catalogue,
        metadata=encode({"case": case_id}),
        limits=rt.limits,
        initial=intake,
        title="Edit the request",
    )
    modal["callback_id"] = Callback.RESCOPE_EDIT.value
    return modal


def _open(rt: Runtime, body: dict[str, Any], modal: dict[str, Any]) -> str | None:
    """Opens a modal on the click's trigger; says so when Slack would not."""
    try:
        rt.gateway.interactive.views_open(trigger_id=body.get("trigger_id", ""), view=modal)
    except (SlackApiError, SlackClientError) as error:
        log.warning("views.open failed: %s", error)
        return "Slack didn't open the form in time. Click the button again."
    return None


def _casework(rt: Runtime, body: dict[str, Any]) -> Casework:
    """Casework that does a modal's step once, however often Slack (or a replay) delivers it."""
    return rt.casework.for_view(view_id(body.get("view") or {}))


def _rescope(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    intake = parse_intake(
        values, catalogue=rt.catalogue, requester_tz=rt.gateway.user(actor.user_id).tz
    )
    _casework(rt, body).rescope(case_id, actor, intake)


def _artefacts(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    count = modal_count(values, Block.ARTEFACT_COUNT, "the number of log entries")
    ticked = element(values, Block.REDACTED).get("selected_options") or []
    artefacts = Artefacts(
        description=_text(values, Block.ARTEFACT_DESCRIPTION),
        count=count,
        location=_text(values, Block.ARTEFACT_LOCATION),
        checksum=_text(values, Block.ARTEFACT_CHECKSUM),
        redacted=any(isinstance(o, dict) and o.get("value") == "redacted" for o in ticked),
    )
    if not (artefacts.description and artefacts.location and artefacts.checksum):
        raise CaseError("Describe what was collected, where it is stored and its checksum.")
    _casework(rt, body).submit_for_review(case_id, actor, artefacts)


def _hand_over(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    target = element(values, Block.USER).get("selected_user")
    if not isinstance(target, str) or not target:
        raise CaseError("Pick who takes the case.")
    if (refused := target_refusal(rt.gateway, target)) is not None:
        raise FieldRefused({Block.USER: refused})
    _casework(rt, body).hand_over(case_id, actor, rt.actor(target))


def _gap(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    _casework(rt, body).close_with_gap(
        case_id, actor, gap=_text(values, Block.GAP), no_gap_reason=_text(values, Block.NO_GAP)
    )


def _with_text(method: str, **kwargs: Any):
    def submit(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
        getattr(_casework(rt, body), method)(case_id, actor, _text(values, Block.TEXT), **kwargs)

    return submit


def _legal_deny(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    _casework(rt, body).decide_exception(
        case_id, actor, approve=False, reason=_text(values, Block.TEXT)
    )


def _reject(rt: Runtime, case_id: int, actor: Actor, values: dict[str, Any], body) -> None:
    _casework(rt, body).review(case_id, actor, approve=False, reason=_text(values, Block.TEXT))


# callback → (the input block an error is shown on, the submit handler)
SUBMITS: dict[Callback, tuple[str, Callable[..., None]]] = {
    Callback.FINDING: (Block.TEXT.value, _with_text("add_finding")),
    Callback.RESCOPE_REASON: (Block.TEXT.value, _with_text("request_rescope")),
    Callback.COST_NOTICE: (Block.TEXT.value, _with_text("record_cost_notice")),
    Callback.WITHDRAW: (Block.TEXT.value, _with_text("withdraw")),
    Callback.REVIEW_REJECT: (Block.TEXT.value, _reject),
    Callback.LEGAL_DENY: (Block.TEXT.value, _legal_deny),
    Callback.REVIEW_SUBMIT: (Block.ARTEFACT_DESCRIPTION.value, _artefacts),
    Callback.HAND_OVER: (Block.USER.value, _hand_over),
    Callback.GAP: (Block.GAP.value, _gap),
    Callback.RESCOPE_EDIT: ("organisation", _rescope),
}
