"""Valid values to start from; each test changes only what it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.cases.model import Deployment, Intake, Plan
from db.models import Case

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def intake(**changes: object) -> Intake:
    """A Support-sized request: 3 days back, no personal data, Premium, owned namespace."""
    base = Intake(
        organisation="Acme Corp",
        ticket_url="https://support.example.com/tickets/4242",
        plan=Plan.PREMIUM,
        deployment=Deployment.SAAS,
        namespace="acme-corp",
        owns_namespace=True,
        window_start=NOW - timedelta(days=3),
        window_end=NOW - timedelta(days=1),
        projects=("acme-corp/backend/api",),
        groups=("acme-corp/platform",),
        users=("jdoe",),
        users_in_namespace=True,
        own_use=True,
        audit_events="Audit Events show the token was created, not where it was used.",
        event_types=("sign_in", "pat"),
        event_other="",
        personal_data=False,
        access_logs=False,
        summary="A token was used from an unknown address on Monday.",
        exception_justification="",
        requester_tz="Europe/London",
    )
    return replace(base, **changes)


CASE_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_case(session, view_id: str = "V1", now: datetime = CASE_AT) -> Case:
    """A filed Support case row, flushed so it has its number (for database tests)."""
    case = Case(**case_values(view_id, now))
    session.add(case)
    session.flush()
    return case


def case_values(view_id: str = "V1", now: datetime = CASE_AT) -> dict[str, object]:
    """The columns of a filed Support case that every schema revision has."""
    return dict(
        state="submitted",
        route="support",
        organisation="Acme",
        ticket_url="https://t.example",
        plan="premium",
        deployment="saas",
        namespace="acme",
        owns_namespace=True,
        window_start_at=now - timedelta(days=2),
        window_end_at=now - timedelta(days=1),
        requester_tz="UTC",
        projects=["acme/a"],
        groups=[],
        users=[],
        event_types=["sign_in"],
        event_other="",
        personal_data=False,
        access_logs=False,
        summary="s",
        exception_justification="",
        long_window=False,
        requester_id="UREQ",
        requester_team_id="T1",
        relay_contact_id="UREQ",
        intake_view_id=view_id,
        created_at=now,
        updated_at=now,
    )


# A bag digest as `python -m bot dive` prints it (what the review gate approves).
BAG_DIGEST = "c018019b6a8b01ab5868cf4be8db327a7549ae03202548b9ffcd2671c4c2b624"
