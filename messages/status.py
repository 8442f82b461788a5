"""`/case-status` replies and the App Home: counts, ages and what each case waits on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bot.cases.model import CaseSnapshot, State
from bot.cases.summary import waits_on
from messages.blocks import context, divider, escape, fields, header, section
from messages.metrics import build_desk_metrics

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


def build_case_status(view: Any, now: datetime) -> dict[str, Any]:
    """One case (view is a bot.app.queries.CaseStatus)."""
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
    lines = [
        f"{e.at:%Y-%m-%d %H:%M} UTC · <@{e.actor_id}> · {e.action.replace('_', ' ')} → "
        f"{e.to_state.replace('_', ' ')}"
        for e in view.recent
    ]
    blocks += [divider(), context("\n".join(lines) or "no history")]
    return {"text": f"Case {case.number}: {case.state.label}", "blocks": blocks}


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


def build_home(cases: list[CaseSnapshot]) -> dict[str, Any]:
    """The App Home tab: the same list as `/case-status mine`."""
    return {
        "type": "home",
        "blocks": [header("Your log-request cases"), *_mine_blocks(cases)[:90], context(USAGE)],
    }
