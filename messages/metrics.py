"""The desk metrics in words (the leads' `/case-status`, `python -m bot report`) and as CSV."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.cases.metrics import DeskMetrics
from messages.blocks import escape, section

HOUR = timedelta(hours=1)


def _hours(value: timedelta | None) -> str:
    return "—" if value is None else f"{value / HOUR:.1f} business h"


def _by_route(counts: dict[str, int]) -> str:
    parts = ", ".join(f"{route} {n}" for route, n in sorted(counts.items()))
    return f"{sum(counts.values())}" + (f" ({parts})" if parts else "")


def figure_lines(m: DeskMetrics) -> list[tuple[str, str]]:
    """(label, value) for each figure, in the order a lead reads them."""
    share = m.on_time_share
    worst = m.worst_miss
    per_case = m.rescopes_per_case
    return [
        ("Period", f"{m.since:%Y-%m-%d %H:%M} to {m.until:%Y-%m-%d %H:%M} UTC ({m.days} days)"),
        ("Filed", _by_route(m.filed)),
        ("Closed (any end)", _by_route(m.closed)),
        (
            "Time to claim",
            f"median {_hours(m.claim_median)}, p90 {_hours(m.claim_p90)} ({m.claims} claims)",
        ),
        (
            "Customer updates on time",
            "no updates sent"
            if share is None
            else f"{share:.0%} ({m.updates_on_time} of {m.updates})",
        ),
        ("Worst miss", f"case {worst.case_id}, {_hours(worst.late_by)} late" if worst else "none"),
        (
            "Wait for Security review",
            f"median {_hours(m.security_wait_median)} ({m.security_waits} approvals)",
        ),
        (
            "Wait for Legal review",
            f"median {_hours(m.legal_wait_median)} ({m.legal_waits} approvals)",
        ),
        (
            "Re-scopes per case",
            "—"
            if per_case is None
            else f"{per_case:.2f} ({m.rescopes} in {m.active_cases} active cases)",
        ),
        ("Weekly intake", f"{m.trend}  {' '.join(str(n) for n in m.weekly_intake)}"),
    ]


def build_desk_metrics(m: DeskMetrics) -> list[dict[str, Any]]:
    """The leads' `/case-status` section with the period's figures."""
    lines = [f"• {label}: {escape(value)}" for label, value in figure_lines(m)[1:]]
    return [section(f"*Last {m.days} days*\n" + "\n".join(lines))]


def text_report(m: DeskMetrics) -> str:
    """The figures as plain text, one per line."""
    width = max(len(label) for label, _ in figure_lines(m))
    return "\n".join(f"{label:<{width}}  {value}" for label, value in figure_lines(m)) + "\n"


def _number(value: timedelta | float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return f"{value / HOUR:.2f}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def csv_rows(m: DeskMetrics) -> list[tuple[str, str, str]]:
    """(figure, route, value) rows: durations in business hours, shares from 0 to 1."""
    rows = [("period_start", "", m.since.isoformat()), ("period_end", "", m.until.isoformat())]
    rows += [("filed", route, str(n)) for route, n in sorted(m.filed.items())]
    rows += [("closed", route, str(n)) for route, n in sorted(m.closed.items())]
    worst = m.worst_miss
    single: list[tuple[str, timedelta | float | int | None]] = [
        ("claims", m.claims),
        ("claim_median_business_hours", m.claim_median),
        ("claim_p90_business_hours", m.claim_p90),
        ("updates_sent", m.updates),
        ("updates_on_time", m.updates_on_time),
        ("updates_on_time_share", m.on_time_share),
        ("worst_miss_case", worst.case_id if worst else None),
        ("worst_miss_business_hours", worst.late_by if worst else None),
        ("security_review_approvals", m.security_waits),
        ("security_review_wait_median_business_hours", m.security_wait_median),
        ("legal_review_approvals", m.legal_waits),
        ("legal_review_wait_median_business_hours", m.legal_wait_median),
        ("rescopes", m.rescopes),
        ("active_cases", m.active_cases),
        ("rescopes_per_case", m.rescopes_per_case),
    ]
    rows += [(name, "", _number(value)) for name, value in single]
    rows += [(f"intake_week_{i}", "", str(n)) for i, n in enumerate(m.weekly_intake, 1)]
    return rows
