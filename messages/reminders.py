"""The customer-update cadence in Slack: the contact's reminder, the owner's nudge, and the
escalation to the leads.

The reminder and the nudge go to the case's own participants, so they may quote findings. The
escalation goes to a channel and carries no personal data: case number, organisation, route,
state and how overdue. Times are Slack date tokens, shown in each reader's own time zone, with
"… ago" kept current by Slack itself (a message rendered now is read later).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import actions, button, context, escape, quote, section
from messages.ids import ActionId, Block, case_value

MAX_FINDINGS_SHOWN = 10
FINDING_MAX_CHARS = 500
SNOOZES = ((ActionId.SNOOZE_1H, "1 h"), (ActionId.SNOOZE_2H, "2 h"), (ActionId.SNOOZE_4H, "4 h"))


@dataclass(frozen=True)
class FindingNote:
    """One finding as a participant may read it."""

    at: datetime
    author_id: str
    text: str
    gitlab: str | None = None  # its author's GitLab username, for a comment on the issue

    @property
    def by(self) -> str:
        return f"{escape(self.gitlab)} (from GitLab)" if self.gitlab else f"<@{self.author_id}>"


def slack_date(moment: datetime, token: str = "{date_short_pretty} at {time}") -> str:
    """A time every reader sees in their own zone; the fallback is UTC."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{token}|{fallback}>"


def _finding_lines(findings: Sequence[FindingNote]) -> list[dict[str, Any]]:
    if not findings:
        return [section("_Nothing new was logged since the last update._")]
    shown = findings[-MAX_FINDINGS_SHOWN:]
    blocks = []
    if len(findings) > len(shown):
        blocks.append(context(f"The latest {len(shown)} of {len(findings)} findings:"))
    for note in shown:
        text = note.text
        if len(text) > FINDING_MAX_CHARS:
            text = text[: FINDING_MAX_CHARS - 1] + "…"
        blocks.append(section(f"• {slack_date(note.at)}, {note.by}: {escape(text)}"))
    return blocks


def _cost_lines(note: str | None) -> list[dict[str, Any]]:
    if note is None:
        return []
    return [
        section(
            ":moneybag: *Not yet confirmed:* tell the customer this search costs more, then "
            "press *Customer told of the cost*:"
        ),
        *quote(note),
    ]


def build_update_reminder(
    case: CaseSnapshot,
    *,
    last_update: datetime | None,
    due_at: datetime,
    findings: Sequence[FindingNote],
    cost_note: str | None = None,
) -> dict[str, Any]:
    """To the relay contact: an update to the customer is due; what to tell them; the buttons.

    A cost notice the contact has not confirmed yet is repeated until they do."""
    since = slack_date(last_update, "{ago}") if last_update else "none yet"
    blocks: list[dict[str, Any]] = [
        section(
            f":alarm_clock: A status update to the customer is due for *case {case.number}* "
            f"({escape(case.organisation)}, {case.route.label}, {case.state.label})."
        ),
        context(f"Last update: {since}. Due: {slack_date(due_at)}."),
        section("*Found since the last update*"),
        *_finding_lines(findings),
        *_cost_lines(cost_note),
        actions(
            Block.REMINDER_ACTIONS.value,
            button(
                "Update sent to customer",
                ActionId.UPDATE_SENT.value,
                case_value(case.number),
                style="primary",
            ),
            *(
                [
                    button(
                        "Customer told of the cost",
                        ActionId.COST_CONFIRMED.value,
                        case_value(case.number),
                    )
                ]
                if cost_note is not None
                else []
            ),
            *(
                button(f"Snooze {label}", action.value, case_value(case.number))
                for action, label in SNOOZES
            ),
        ),
    ]
    return {"text": f"Case {case.number}: a customer update is due", "blocks": blocks}


def build_owner_nudge(
    case: CaseSnapshot, *, last_update: datetime | None, due_at: datetime
) -> dict[str, Any]:
    """To the owner: the contact's update falls due soon and nothing new was logged."""
    since = slack_date(last_update) if last_update else "the case was accepted"
    blocks = [
        section(
            f":memo: The customer update for *case {case.number}* ({escape(case.organisation)}) "
            f"falls due {slack_date(due_at)}, and you have logged nothing since {since}. Add a "
            "progress note so the requester has something true to tell the customer."
        ),
        actions(
            Block.DM_ACTIONS.value,
            button("Add finding", ActionId.ADD_FINDING.value, case_value(case.number)),
        ),
    ]
    return {"text": f"Case {case.number}: a progress note, please", "blocks": blocks}


def build_escalation(case: CaseSnapshot, *, due_at: datetime) -> dict[str, Any]:
    """To the leads channel: no personal data, only what identifies the case and the delay."""
    blocks = [
        section(
            f":rotating_light: The customer update for *case {case.number}* "
            f"({escape(case.organisation)}, {case.route.label}, {case.state.label}) is "
            f"overdue: it was due {slack_date(due_at, '{ago}')}."
        ),
        context(f"Due {slack_date(due_at)}. The relay contact was reminded by DM."),
    ]
    text = f"Case {case.number}: customer update overdue since {slack_date(due_at)}"
    return {"text": text, "blocks": blocks}
