"""`/case-status` replies and the App Home: counts, ages and what each case waits on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.cases.model import CaseSnapshot, State
from bot.cases.permissions import Actor, Role
from bot.cases.states import WORKING_STATES, Action
from bot.cases.summary import waits_on
from messages.asks import request_blocks
from messages.blocks import actions, button, context, divider, escape, fields, header, section
from messages.card import owner_actions
from messages.dm import relay_actions
from messages.ids import ActionId, case_value
from messages.ids import Block as BlockId
from messages.metrics import build_desk_metrics

# History lines that show what was said: the relay contact's line on an update they sent.
SAID = {Action.CUSTOMER_UPDATE.value}

USAGE = (
    "*/case-status* — `/case-status` the desk summary (leads) · `/case-status <number>` one "
    "case · `/case-status mine` your open cases"
)


def build_unknown_argument(typed: str) -> dict[str, Any]:
    """`/case-status <something it doesn't know>`: says so, showing what was typed as text."""
    return {"text": f"I don't know `{escape(' '.join(typed.split())[:40])}`.\n{USAGE}"}


def age(delta: timedelta) -> str:
    hours = max(delta.total_seconds(), 0) / 3600
    if hours < 1:
        return f"{int(hours * 60)} min"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(counts.items())) or "none"


def _late_lines(items: Iterable[Any], what: str) -> str:
    return "\n".join(
        f"• case {i.number} ({escape(i.organisation)}) — {what} {age(i.by)}" for i in items
    )


def build_leads_summary(s: Any) -> dict[str, Any]:
    """The desk at a glance (s is a db.summary.LeadsSummary)."""
    blocks = [
        header("Log-request desk"),
        fields(
            ("Open cases", str(s.open_count)),
            ("By route", _counts(s.by_route)),
            ("Waiting on review", str(s.by_state.get(State.IN_REVIEW.value, 0))),
            ("Waiting on Legal", str(s.by_state.get(State.PENDING_LEGAL.value, 0))),
            ("Oldest open", f"case {s.oldest.number}, {age(s.oldest.by)}" if s.oldest else "—"),
            (
                "GitLab mirror backlog",
                f"{s.mirror.get('pending', 0)} pending, {s.mirror.get('parked', 0)} parked",
            ),
        ),
        section(f"*By state* — {_counts(s.by_state)}"),
        section(
            f"*Customer updates overdue: {s.overdue_count}*\n"
            + (_late_lines(s.overdue, "overdue by") or "none")
        ),
        section(
            f"*Unclaimed too long: {s.unclaimed_count}*\n"
            + (_late_lines(s.unclaimed, "waiting") or "none")
        ),
    ]
    if s.desk is not None:
        blocks += [divider(), *build_desk_metrics(s.desk)]
    return {
        "text": f"{s.open_count} open cases, {s.overdue_count} updates overdue",
        "blocks": blocks,
    }


def _status_actions(case: CaseSnapshot, viewer: Actor) -> list[dict[str, Any]]:
    """What the viewer can do from here: the relay's buttons for the requester and relay
    contact; a lead may hand the case, or the relay role, to someone else."""
    if viewer.user_id in (case.requester_id, case.relay_contact_id):
        return relay_actions(case, BlockId.STATUS_ACTIONS.value)
    if not viewer.has(Role.LEAD) or not case.state.is_open:
        return []
    value = case_value(case.number)
    shown = [button("Hand over relay role", ActionId.RELAY_HAND_OVER.value, value)]
    if case.state in WORKING_STATES:
        shown.insert(0, button("Reassign", ActionId.HAND_OVER.value, value))
    return [actions(BlockId.STATUS_ACTIONS.value, *shown)]


def build_case_status(view: Any, now: datetime, viewer: Actor) -> dict[str, Any]:
    """One case (view is a bot.app.queries.CaseStatus). The request itself (scope and
    justification) only in a DM with the bot: never in a channel, not even ephemerally."""
    case: CaseSnapshot = view.case
    reviews = ", ".join(f"{role} by <@{user}>" for role, user in case.approvals) or "none yet"
    due = "—"
    if view.next_update_due is not None:
        delta = view.next_update_due - now
        due = f"in {age(delta)}" if delta.total_seconds() >= 0 else f"overdue by {age(-delta)}"
    blocks = [
        section(f"*Case {case.number}* · {escape(case.organisation)}"),
        fields(
            ("State", case.state.label),
            ("Route", case.route.label),
            ("Owner", f"<@{case.owner_id}>" if case.owner_id else "unclaimed"),
            ("Relay contact", f"<@{case.relay_contact_id}>"),
            ("Next customer update", due),
            ("Reviews", reviews),
        ),
        section(f"Waiting on {waits_on(case.state)}."),
    ]
    if case.issue_url:
        blocks.append(section(f"<{case.issue_url}|Confidential GitLab issue>"))
    if view.request is not None and view.private:
        blocks += [divider(), section("*The request*"), *request_blocks(view.request, view.waived)]
    elif view.request is not None:
        blocks.append(
            context(
                f"Type `/case-status {case.number}` in your DM with the bot to read the request."
            )
        )
    blocks += _status_actions(case, viewer)
    blocks += _from_gitlab(view)
    lines = [
        f"{e.at:%Y-%m-%d %H:%M} UTC · <@{e.actor_id}> · {e.action.replace('_', ' ')} → "
        f"{e.to_state.replace('_', ' ')}"
        + (f": “{escape(e.reason)}”" if e.action in SAID and e.reason else "")
        for e in view.recent
    ]
    blocks += [divider(), context("\n".join(lines) or "no history")]
    return {"text": f"Case {case.number}: {case.state.label}", "blocks": blocks}


GITLAB_SHOWN = 5
GITLAB_TEXT_MAX = 300


def _from_gitlab(view: Any) -> list[dict[str, Any]]:
    """Findings from the GitLab issue: quoted only in a DM (they may hold personal data, and
    internal notes stay with the case's participants); elsewhere, only how many."""
    comments = view.from_gitlab
    if not comments:
        return []
    if not view.private:
        return [context(f"{len(comments)} findings from GitLab: ask in a DM with the bot.")]
    lines = []
    for c in comments[-GITLAB_SHOWN:]:
        text = c.text if len(c.text) <= GITLAB_TEXT_MAX else c.text[: GITLAB_TEXT_MAX - 1] + "…"
        internal = " (internal note)" if c.internal else ""
        lines.append(f"• {c.at:%Y-%m-%d %H:%M} UTC, {escape(c.author)}{internal}: {escape(text)}")
    return [section("*From GitLab*\n" + "\n".join(lines))]


def _mine_blocks(cases: list[CaseSnapshot]) -> list[dict[str, Any]]:
    if not cases:
        return [section("You have no open cases.")]
    return [
        section(
            f"*Case {c.number}* · {escape(c.organisation)} — {c.state.label} "
            f"({c.route.label})\nWaiting on {waits_on(c.state)}."
        )
        for c in cases
    ]


def build_mine(cases: list[CaseSnapshot]) -> dict[str, Any]:
    return {"text": f"You have {len(cases)} open cases", "blocks": _mine_blocks(cases)}


def _home_case(case: CaseSnapshot, user_id: str) -> list[dict[str, Any]]:
    """One case on someone's App Home, with the buttons that are theirs to press."""
    block_id = f"{BlockId.HOME_ACTIONS.value}_{case.number}"
    if user_id in (case.requester_id, case.relay_contact_id):
        buttons = relay_actions(case, block_id)
    else:
        buttons = owner_actions(case, block_id) if user_id == case.owner_id else []
    return [*_mine_blocks([case]), *buttons]


def build_home(cases: list[CaseSnapshot], user_id: str) -> dict[str, Any]:
    """The App Home tab: the same list as `/case-status mine`, each case with the person's
    own buttons, so nobody needs the triage channel to act (Slack allows 100 blocks)."""
    blocks: list[dict[str, Any]] = [header("Your log-request cases")]
    if not cases:
        blocks += _mine_blocks(cases)
    for shown, case in enumerate(cases):
        case_blocks = _home_case(case, user_id)
        if len(blocks) + len(case_blocks) > 97:
            blocks.append(context(f"…and {len(cases) - shown} more: `/case-status mine`."))
            break
        blocks += case_blocks
    return {"type": "home", "blocks": [*blocks, context(USAGE)]}
