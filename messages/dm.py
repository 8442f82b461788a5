"""Direct messages to a case's own participants (they may carry the case's details)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.cases.model import CADENCE_STATES, CaseSnapshot, Intake, State
from messages.asks import request_blocks
from messages.blocks import actions, button, context, escape, fields, quote, section
from messages.card import owner_actions
from messages.ids import ActionId, Block, case_value
from messages.text import access_logs_left_out, exception_not_needed, next_steps, window_notice


def relay_buttons(case: CaseSnapshot) -> list[dict[str, Any]]:
    """What the requester and relay contact can do now, for their DMs and App Home: they
    never need the triage channel. Showing is no permission: every click is checked."""
    value = case_value(case.number)
    shown: list[dict[str, Any]] = []
    if case.state is State.RESCOPE_REQUESTED:
        shown.append(button("Edit the request", ActionId.EDIT_SCOPE.value, value, style="primary"))
    if case.state is State.APPROVED:
        shown.append(button("Mark shared", ActionId.MARK_SHARED.value, value, style="primary"))
    if case.cost_notice_pending and case.state.is_open:
        shown.append(button("Customer told of the cost", ActionId.COST_CONFIRMED.value, value))
    if case.state in CADENCE_STATES:
        shown.append(button("Update sent to customer", ActionId.UPDATE_SENT.value, value))
    if case.state.is_open and case.state is not State.SUBMITTED:
        shown.append(button("Hand over relay role", ActionId.RELAY_HAND_OVER.value, value))
        shown.append(button("Withdraw", ActionId.WITHDRAW.value, value))
    return shown


def relay_actions(
    case: CaseSnapshot, block_id: str = Block.DM_ACTIONS.value
) -> list[dict[str, Any]]:
    """The requester's buttons as an actions block (none once the case has ended)."""
    shown = relay_buttons(case)
    return [actions(block_id, *shown)] if shown else []


def request_as_filed(case: CaseSnapshot, what_next: str) -> list[dict[str, Any]]:
    """The request's route, state, window and scope, what happens next, and the notices the
    requester must see (a long window, an exception not needed, access logs left out)."""
    blocks = [
        fields(
            ("Route", case.route.label),
            ("State", case.state.label),
            (
                "Window (UTC)",
                f"{case.window_start.astimezone(UTC):%Y-%m-%d %H:%M} → "
                f"{case.window_end.astimezone(UTC):%Y-%m-%d %H:%M}",
            ),
            ("Scope", f"{case.resource_count} resources, {case.event_count} event types"),
        ),
        section(what_next),
    ]
    if case.long_window:
        blocks.append(section(window_notice()))
    if case.exception_unneeded:
        blocks.append(section(exception_not_needed()))
    if case.access_logs:
        blocks.append(section(access_logs_left_out()))
    return blocks


def build_receipt(case: CaseSnapshot, *, triage_channel: str | None) -> dict[str, Any]:
    """The requester's receipt: the number to quote, who works it, and what happens next."""
    where = f" in <#{triage_channel}>" if triage_channel else ""
    blocks = [
        section(
            f":inbox_tray: Your log request for *{escape(case.organisation)}* is "
            f"*case {case.number}*{where}."
        ),
        *request_as_filed(case, next_steps(case)),
    ]
    blocks += relay_actions(case)
    blocks.append(context(f"Quote case {case.number} in `/case-status {case.number}`."))
    text = f"Case {case.number} filed: {escape(case.organisation)} ({case.route.label})"
    return {"text": text, "blocks": blocks}


def build_rescope_dm(case: CaseSnapshot, reason: str) -> dict[str, Any]:
    """To the requester: the handler wants a narrower scope; Edit opens the request pre-filled."""
    blocks = [
        section(
            f":mag: The handler of *case {case.number}* ({escape(case.organisation)}) asks "
            "for a narrower scope:"
        ),
        *quote(reason),
        *relay_actions(case),
        context(
            "Agree the narrower scope with the customer first; the edited request is "
            "checked by the same rules."
        ),
    ]
    return {"text": f"Case {case.number}: re-scope requested", "blocks": blocks}


def build_approved_dm(case: CaseSnapshot) -> dict[str, Any]:
    blocks = [
        section(
            f":white_check_mark: Security and Legal approved the artefacts of *case "
            f"{case.number}* ({escape(case.organisation)}). Share them with the customer, "
            "then press *Mark shared*."
        ),
        *relay_actions(case),
    ]
    return {"text": f"Case {case.number}: approved, share the artefacts", "blocks": blocks}


def build_legal_decision_dm(
    case: CaseSnapshot, *, approved: bool, reason: str | None
) -> dict[str, Any]:
    if approved:
        now = f"It is back with <@{case.owner_id}>." if case.owner_id else "It is now in triage."
        text = (
            f":scales: Legal approved the exception for *case {case.number}* "
            f"({escape(case.organisation)}). {now}"
        )
    else:
        text = (
            f":scales: Legal denied the exception for *case {case.number}* "
            f"({escape(case.organisation)}). The request is rejected."
        )
    blocks = [section(text)]
    if reason:
        blocks.extend(quote(reason))
    verdict = "approved" if approved else "denied"
    return {"text": f"Case {case.number}: exception {verdict}", "blocks": blocks}


def build_handed_over_dm(
    case: CaseSnapshot, by: str, request: Intake | None = None
) -> dict[str, Any]:
    """To the new owner, with the request and the case's buttons: they need not find the card
    (or the issue, when GitLab is slow) first."""
    blocks = [
        section(
            f":handshake: *Case {case.number}* ({escape(case.organisation)}, "
            f"{case.route.label}, {case.state.label}) was handed over to you by <@{by}>."
        ),
        *(request_blocks(request) if request else []),
        *owner_actions(case),
        context(f"`/case-status {case.number}` shows the request and its history."),
    ]
    return {"text": f"Case {case.number} was handed to you", "blocks": blocks}


def build_handed_away_dm(case: CaseSnapshot, by: str) -> dict[str, Any]:
    """To the former owner: someone else gave the case on (a lead, for an owner away)."""
    blocks = [
        section(
            f":handshake: *Case {case.number}* ({escape(case.organisation)}) was handed over "
            f"to <@{case.owner_id}> by <@{by}>. You no longer own it."
        )
    ]
    return {"text": f"Case {case.number} was handed to someone else", "blocks": blocks}


def build_relay_taken_dm(case: CaseSnapshot, by: str, cost_note: str = "") -> dict[str, Any]:
    """To the new relay contact: the customer's updates are theirs to give from now, with what
    the customer must still hear (the long window, a cost notice not yet confirmed)."""
    blocks = [
        section(
            f":telephone_receiver: <@{by}> handed you the relay role for *case {case.number}* "
            f"({escape(case.organisation)}, {case.state.label}). You relay status updates to "
            "the customer about every 12 hours on business days; the bot DMs you when one is due."
        ),
        *([section(window_notice())] if case.long_window else []),
        *(
            [
                section(":moneybag: The customer must still be told this search costs more:"),
                *quote(cost_note),
            ]
            if case.cost_notice_pending and cost_note
            else []
        ),
        *relay_actions(case),
        context(f"`/case-status {case.number}` shows the request and its history."),
    ]
    return {"text": f"Case {case.number}: you relay it to the customer now", "blocks": blocks}


def build_relay_given_dm(case: CaseSnapshot, by: str) -> dict[str, Any]:
    """To the former relay contact: someone else relays the case from now."""
    blocks = [
        section(
            f":telephone_receiver: <@{case.relay_contact_id}> relays *case {case.number}* "
            f"({escape(case.organisation)}) to the customer from now (handed over by <@{by}>). "
            "Its reminders go to them."
        )
    ]
    return {"text": f"Case {case.number}: the relay role was handed over", "blocks": blocks}


def build_declined_dm(case: CaseSnapshot, reason: str) -> dict[str, Any]:
    """To the requester: a handler declined the request as unreasonable, and why."""
    blocks = [
        section(
            f":no_entry: The handler declined *case {case.number}* ({escape(case.organisation)}) "
            "as it stands. The case is closed; tell the customer why:"
        ),
        *quote(reason),
        context("A narrower request can be filed again with /info-request."),
    ]
    return {"text": f"Case {case.number}: declined", "blocks": blocks}


def build_cost_notice_dm(case: CaseSnapshot, note: str) -> dict[str, Any]:
    """To the relay contact: what the handler says the customer must hear about the cost."""
    blocks = [
        section(
            f":moneybag: The handler of *case {case.number}* ({escape(case.organisation)}) "
            "recorded that this search will cost the customer more:"
        ),
        *quote(note),
        *(
            [
                actions(
                    Block.DM_ACTIONS.value,
                    button(
                        "Customer told of the cost",
                        ActionId.COST_CONFIRMED.value,
                        case_value(case.number),
                        style="primary",
                    ),
                )
            ]
            if case.cost_notice_pending
            else []
        ),
        context(
            "You relay updates to the customer: tell them, then confirm here. Your reminders "
            "mention it until you do."
        ),
    ]
    return {"text": f"Case {case.number}: tell the customer about the cost", "blocks": blocks}
