"""The triage card's buttons and the modals they open: working a case from claim to close.

Each listener decodes the case number (a forged value is refused), makes one call to a use
case named in the tables below, answers, and hands the case to delivery so the card is
re-rendered. A step is done before the ack, so the click's answer means "recorded"; a modal
is opened after the ack (its trigger lasts 3 s), once the use case said the step is allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.app.casework import Artefacts, Casework
from bot.cases.digests import PROBLEM, bag_digest
from bot.cases.errors import CaseError
from bot.cases.permissions import Actor
from bot.cases.states import Action
from bot.slack.deps import Deps
from bot.slack.forms import (
    FieldRefused,
    element,
    modal_count,
    modal_text,
    parse_intake,
    view_id,
)
from bot.slack.guards import target_refusal
from bot.slack.replies import FORGED, attempt, case_click, open_modal, tell
from messages import case_modals
from messages.ids import ActionId, Block, Callback, decode_case_value, encode
from messages.intake import build_intake_modal

log = logging.getLogger(__name__)

Values = dict[str, Any]

# Buttons that act at once: the use case each one calls.
IMMEDIATE: dict[ActionId, Callable[..., Any]] = {
    ActionId.CLAIM: Casework.claim,
    ActionId.UNCLAIM: Casework.unclaim,
    ActionId.APPROVE: partial(Casework.review, approve=True),
    ActionId.LEGAL_APPROVE: partial(Casework.decide_exception, approve=True, reason=None),
    ActionId.MARK_SHARED: Casework.mark_shared,
    ActionId.COST_CONFIRMED: Casework.confirm_cost_told,
}


# Buttons that open a modal: the step it leads to (checked first) and the modal.
def _asks(callback: Callback) -> Callable[[int], dict[str, Any]]:
    return partial(case_modals.build_text_modal, callback)


MODALS: dict[ActionId, tuple[Action, Callable[[int], dict[str, Any]]]] = {
    ActionId.ADD_FINDING: (Action.ADD_FINDING, _asks(Callback.FINDING)),
    ActionId.REQUEST_RESCOPE: (Action.REQUEST_RESCOPE, _asks(Callback.RESCOPE_REASON)),
    ActionId.COST_NOTICE: (Action.COST_NOTICE, _asks(Callback.COST_NOTICE)),
    ActionId.REJECT: (Action.REVIEW_REJECT, _asks(Callback.REVIEW_REJECT)),
    ActionId.LEGAL_DENY: (Action.LEGAL_DENY, _asks(Callback.LEGAL_DENY)),
    ActionId.WITHDRAW: (Action.WITHDRAW, _asks(Callback.WITHDRAW)),
    ActionId.DECLINE: (Action.DECLINE, _asks(Callback.DECLINE)),
    ActionId.SUBMIT_REVIEW: (Action.SUBMIT_FOR_REVIEW, case_modals.build_review_submit_modal),
    ActionId.HAND_OVER: (Action.HAND_OVER, case_modals.build_hand_over_modal),
    ActionId.RELAY_HAND_OVER: (Action.RELAY_HAND_OVER, case_modals.build_relay_hand_over_modal),
    ActionId.CLOSE_GAP: (Action.RECORD_GAP, case_modals.build_gap_modal),
}


def _text(values: Values, block: Block) -> str:
    return modal_text(values, block)


def _modal(deps: Deps, action_id: ActionId, case_id: int, actor: Actor) -> dict[str, Any]:
    """The modal a button opens, once its step is allowed (else a refusal is raised)."""
    if action_id is ActionId.EDIT_SCOPE:
        intake = deps.use_cases.casework.scope_to_edit(case_id, actor)
        modal = build_intake_modal(
            deps.catalogue,
            metadata=encode({"case": case_id}),
            limits=deps.limits,
            initial=intake,
            title="Edit the request",
        )
        return {**modal, "callback_id": Callback.RESCOPE_EDIT.value}
    if action_id is ActionId.CLOSE_GAP:
        draft = deps.use_cases.casework.gap_draft(case_id, actor)
        return case_modals.build_gap_modal(case_id, draft)
    step, build = MODALS[action_id]
    deps.use_cases.casework.check(case_id, actor, step)
    return build(case_id)


def clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    deps: Deps = context["deps"]
    if (click := case_click(ack, body, respond)) is None:
        return
    action_id, case_id = click
    if action_id in IMMEDIATE:
        call = partial(IMMEDIATE[action_id], deps.use_cases.casework, case_id, context["actor"])
    else:
        call = partial(_modal, deps, action_id, case_id, context["actor"])
    result, refused = attempt(call, f"button {action_id.value}")
    ack()
    if refused:
        tell(respond, body, refused.text, deps.gateway.client)
    elif action_id in IMMEDIATE:
        deps.deliver(case_id)
    elif isinstance(result, dict) and (
        failed := open_modal(deps.gateway.interactive, body, result)
    ):
        tell(respond, body, failed, deps.gateway.client)


# -- modal submissions: (use cases, case, actor, values, deps) -> the use case's call ---------
def _rescope(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
    tz = deps.gateway.user(actor.user_id).tz
    intake = parse_intake(values, catalogue=deps.catalogue, requester_tz=tz)
    return work.rescope(case_id, actor, intake, roles=deps.roles.actor)


def _artefacts(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
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
    if bag_digest(artefacts.checksum) is None:
        raise FieldRefused({Block.ARTEFACT_CHECKSUM: PROBLEM})  # type: ignore[dict-item]
    return work.submit_for_review(case_id, actor, artefacts)


def _picked(values: Values, deps: Deps, missing: str) -> Actor:
    """The person picked in the modal, with their roles; refused on the field if they can't
    take part (a guest, someone outside the company, a bot)."""
    target = element(values, Block.USER).get("selected_user")
    if not isinstance(target, str) or not target:
        raise FieldRefused({Block.USER: missing})  # type: ignore[dict-item]
    if (refused := target_refusal(deps.gateway, target)) is not None:
        raise FieldRefused({Block.USER: refused})  # type: ignore[dict-item]
    return deps.roles.actor(target)


def _hand_over(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
    return work.hand_over(case_id, actor, _picked(values, deps, "Pick who takes the case."))


def _relay(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
    to = _picked(values, deps, "Pick who relays to the customer from now.")
    return work.hand_over_relay(case_id, actor, to, deps.gateway.user(to.user_id).name)


def _gap(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
    gap, no_gap = _text(values, Block.GAP), _text(values, Block.NO_GAP)
    return work.close_with_gap(case_id, actor, gap=gap, no_gap_reason=no_gap)


def _with_text(use_case: Callable[..., Any], **kwargs: Any) -> Callable[..., Any]:
    """A modal whose one text box is the use case's text argument (or `reason=`)."""

    def submit(work: Casework, case_id: int, actor: Actor, values: Values, deps: Deps) -> Any:
        text = _text(values, Block.TEXT)
        if kwargs:
            return use_case(work, case_id, actor, reason=text, **kwargs)
        return use_case(work, case_id, actor, text)

    return submit


# callback -> (the input block an error is shown on, the submission's use case)
SUBMITS: dict[Callback, tuple[str, Callable[..., Any]]] = {
    Callback.FINDING: (Block.TEXT.value, _with_text(Casework.add_finding)),
    Callback.RESCOPE_REASON: (Block.TEXT.value, _with_text(Casework.request_rescope)),
    Callback.COST_NOTICE: (Block.TEXT.value, _with_text(Casework.record_cost_notice)),
    Callback.WITHDRAW: (Block.TEXT.value, _with_text(Casework.withdraw)),
    Callback.DECLINE: (Block.TEXT.value, _with_text(Casework.decline)),
    Callback.REVIEW_REJECT: (Block.TEXT.value, _with_text(Casework.review, approve=False)),
    Callback.LEGAL_DENY: (Block.TEXT.value, _with_text(Casework.decide_exception, approve=False)),
    Callback.REVIEW_SUBMIT: (Block.ARTEFACT_DESCRIPTION.value, _artefacts),
    Callback.HAND_OVER: (Block.USER.value, _hand_over),
    Callback.RELAY_HAND_OVER: (Block.USER.value, _relay),
    Callback.GAP: (Block.GAP.value, _gap),
    Callback.RESCOPE_EDIT: ("organisation", _rescope),
}


def submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    view = body.get("view") or {}
    callback = Callback(view.get("callback_id"))  # type: ignore[arg-type]
    first_block, use_case = SUBMITS[callback]
    case_id = decode_case_value(view.get("private_metadata"))
    if case_id is None:
        ack(response_action="errors", errors={first_block: FORGED})
        return
    values = (view.get("state") or {}).get("values")
    values = values if isinstance(values, dict) else {}
    # Done once per view, however often Slack (or a replay) delivers the submission.
    work = deps.use_cases.casework.for_view(view_id(view))
    call = partial(use_case, work, case_id, context["actor"], values, deps)
    _result, refused = attempt(call, callback.value)
    if refused:
        ack(response_action="errors", errors=refused.fields or {first_block: refused.text})
        return
    ack()
    deps.deliver(case_id)


def register(app: App) -> None:
    for action_id in (*IMMEDIATE, *MODALS, ActionId.EDIT_SCOPE):
        app.action(action_id.value)(clicked)
    for callback in SUBMITS:
        app.view(callback.value)(submitted)
