"""The triage card: one message per case in the private triage channel, rebuilt from the case.

Channel messages carry no personal data: the case number, organisation, route, state, counts
and the staff involved. Paths, customer user names and free text stay in the confidential
issue and in participants' DMs.
"""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot, State
from messages.blocks import Block, actions, button, context, escape, fields, section
from messages.ids import ActionId, case_value
from messages.ids import Block as BlockId
from messages.text import window_notice


def card_text(case: CaseSnapshot) -> str:
    """The notification line (and the fallback for clients that cannot show blocks)."""
    return (
        f"Case {case.number}: {escape(case.organisation)} — {case.route.label}, {case.state.label}"
    )


def _owner(case: CaseSnapshot) -> str:
    return f"<@{case.owner_id}>" if case.owner_id else "unclaimed"


def _window(case: CaseSnapshot) -> str:
    hours = (case.window_end - case.window_start).total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"


def build_triage_card(case: CaseSnapshot) -> dict[str, Any]:
    """Blocks and text for `chat.postMessage`/`chat.update` of the case's card."""
    blocks: list[dict[str, Any]] = [
        section(f"*Case {case.number}* · {escape(case.organisation)}"),
        fields(
            ("Route", case.route.label),
            ("State", case.state.label),
            ("Requester", f"<@{case.requester_id}>"),
            ("Owner", _owner(case)),
            ("Window", _window(case)),
            ("Scope", f"{case.resource_count} resources, {case.event_count} event types"),
        ),
    ]
    if case.state is State.IN_REVIEW:
        given = dict(case.approvals)
        blocks.append(
            fields(
                *(
                    (role, f"approved by <@{given[role]}>" if role in given else "waiting")
                    for role in ("Security", "Legal")
                )
            )
        )
    notes = []
    if case.exception_requested:
        notes.append(":scales: Exception requested: Legal decides before work starts.")
    if case.personal_data:
        notes.append(":lock: Personal data to be disclosed.")
    if case.long_window:
        notes.append(window_notice())
    if case.issue_url:
        notes.append(f"<{case.issue_url}|Confidential issue>")
    if case.closed_in_gitlab:
        notes.append(":warning: Closed in GitLab: the case closes here, with the gap step.")
    if case.digest and case.state in _DIGEST_SHOWN:
        notes.append(f":package: Bag digest {_DIGEST_SHOWN[case.state]}: `{case.digest}`")
    if notes:
        blocks.append(context("\n".join(notes)))
    blocks += owner_actions(case, BlockId.CARD_ACTIONS.value)
    return {"text": card_text(case), "blocks": blocks}


def owner_actions(case: CaseSnapshot, block_id: str = BlockId.DM_ACTIONS.value) -> list[Block]:
    """The card's buttons for the case's state, as an actions block (none when it has none)."""
    buttons = [
        button(text, action.value, case_value(case.number), style=style)
        for text, action, style in CARD_BUTTONS.get(case.state, ())
    ]
    return [actions(block_id, *buttons)] if buttons else []


_DIGEST_SHOWN = {
    State.IN_REVIEW: "under review",
    State.APPROVED: "approved",
    State.SHARED: "shared",
}

# Buttons shown per state. Showing is no permission: every click is checked on the server.
_WITHDRAW = ("Withdraw", ActionId.WITHDRAW, None)
_DECLINE = ("Decline", ActionId.DECLINE, "danger")
CARD_BUTTONS: dict[State, tuple[tuple[str, ActionId, str | None], ...]] = {
    State.PENDING_LEGAL: (
        ("Approve exception", ActionId.LEGAL_APPROVE, "primary"),
        ("Deny exception", ActionId.LEGAL_DENY, "danger"),
        _WITHDRAW,
    ),
    State.TRIAGE: (("Claim", ActionId.CLAIM, "primary"), _DECLINE, _WITHDRAW),
    State.INVESTIGATING: (
        ("Add finding", ActionId.ADD_FINDING, None),
        ("Submit for review", ActionId.SUBMIT_REVIEW, "primary"),
        ("Request re-scope", ActionId.REQUEST_RESCOPE, None),
        ("Record cost notice", ActionId.COST_NOTICE, None),
        ("Hand over", ActionId.HAND_OVER, None),
        ("Unclaim", ActionId.UNCLAIM, None),
        _DECLINE,
        _WITHDRAW,
    ),
    State.RESCOPE_REQUESTED: (
        ("Add finding", ActionId.ADD_FINDING, None),
        ("Hand over", ActionId.HAND_OVER, None),
        _WITHDRAW,
    ),
    State.IN_REVIEW: (
        ("Approve", ActionId.APPROVE, "primary"),
        ("Reject", ActionId.REJECT, "danger"),
        ("Hand over", ActionId.HAND_OVER, None),
        _WITHDRAW,
    ),
    State.APPROVED: (("Mark shared", ActionId.MARK_SHARED, "primary"), _WITHDRAW),
    State.SHARED: (("Record Audit Events gap and close", ActionId.CLOSE_GAP, "primary"),),
}
