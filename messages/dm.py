"""Direct messages to a case's own participants (they may carry the case's details)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import actions, button, context, escape, fields, quote, section
from messages.ids import ActionId, Block, case_value
from messages.text import access_logs_left_out, exception_not_needed, next_steps, window_notice


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
        actions(
            Block.DM_ACTIONS.value,
            button(
                "Edit the request",
                ActionId.EDIT_SCOPE.value,
                case_value(case.number),
                style="primary",
            ),
        ),
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
            "then press *Mark shared* on the case card."
        ),
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


def build_handed_over_dm(case: CaseSnapshot) -> dict[str, Any]:
    blocks = [
        section(
            f":handshake: *Case {case.number}* ({escape(case.organisation)}, "
            f"{case.route.label}) was handed over to you. The card in the triage "
            "channel has its actions."
        )
    ]
    return {"text": f"Case {case.number} was handed to you", "blocks": blocks}


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
        context("You relay updates to the customer: make sure they hear this from you."),
    ]
    return {"text": f"Case {case.number}: tell the customer about the cost", "blocks": blocks}
