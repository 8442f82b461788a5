"""The triage card: one message per case in the private triage channel, rebuilt from the case.

Channel messages carry no personal data: the case number, organisation, route, state, counts
and the staff involved. Paths, customer user names and free text stay in the confidential
issue and in participants' DMs.
"""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot, State
from messages.blocks import actions, button, context, escape, fields, section
from messages.ids import ActionId, Block, case_value
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
    notes = []
    if case.exception_requested:
        notes.append(":scales: Exception requested: Legal decides before work starts.")
    if case.personal_data:
        notes.append(":lock: Personal data to be disclosed.")
    if case.long_window:
        notes.append(window_notice())
    if case.issue_url:
        notes.append(f"<{case.issue_url}|Confidential issue>")
    if notes:
        blocks.append(context("\n".join(notes)))
    if case.state is State.TRIAGE:
        blocks.append(
            actions(
                Block.CARD_ACTIONS.value,
                button("Claim", ActionId.CLAIM.value, case_value(case.number), style="primary"),
            )
        )
    return {"text": card_text(case), "blocks": blocks}
