"""Cases at the points of their life the cadence cares about, written straight to the database."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.cadence import CadencePolicy
from bot.app.casework import Casework
from bot.app.filing import Filing, Requester
from bot.app.reminders import CadenceSweep
from bot.cases.model import Limits, Plan
from bot.cases.permissions import Actor, Role
from db.models import Case, OutboxMessage
from tests.factories import intake

TEAM = "T0INSIDE"
_views = itertools.count(1)


def fixed(at: datetime):
    return lambda: at


def file_case(
    sessions: sessionmaker[Session],
    at: datetime,
    *,
    requester: str = "UREQ",
    tz: str = "Europe/London",
    exception: str = "",
) -> int:
    """A case filed (and accepted into triage, unless an exception is asked) at `at`."""
    services = Filing(sessions=sessions, clock=fixed(at), limits=Limits())
    request = intake(
        window_start=at - timedelta(days=3),
        window_end=at - timedelta(days=1),
        requester_tz=tz,
        exception_justification=exception,
        plan=Plan.TRIAL if exception else Plan.PREMIUM,  # only a waived plan goes to Legal
    )
    filed = services.submit_intake(
        intake=request, requester=Requester(requester, TEAM), view_id=f"V{next(_views):08d}"
    )
    return filed.case.number


def casework(sessions: sessionmaker[Session], at: datetime) -> Casework:
    return Casework(sessions=sessions, clock=fixed(at), limits=Limits())


def handler(user_id: str = "USUP") -> Actor:
    return Actor(user_id=user_id, roles=frozenset({Role.SUPPORT}))


def relay(user_id: str = "UREQ") -> Actor:
    return Actor(user_id=user_id, roles=frozenset({Role.REQUESTER}))


def sweep(
    sessions: sessionmaker[Session], zones: dict[str, str] | None = None, **kw
) -> CadenceSweep:
    zones = zones or {}
    return CadenceSweep(
        sessions=sessions, policy=kw.pop("policy", CadencePolicy()), tz_of=zones.get, **kw
    )


def rows(sessions: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def case(sessions: sessionmaker[Session], case_id: int) -> Case:
    with sessions() as session:
        return session.get(Case, case_id)


def bulk_due_cases(sessions: sessionmaker[Session], count: int, due: datetime) -> None:
    """`count` cases in triage whose update fell due at `due`, in one INSERT."""
    last = due - timedelta(hours=12)
    values = [
        {
            "state": "triage",
            "route": "support",
            "organisation": f"Org {n}",
            "ticket_url": "https://support.example.com/tickets/1",
            "plan": "premium",
            "deployment": "saas",
            "namespace": "acme",
            "owns_namespace": True,
            "window_start_at": last - timedelta(days=3),
            "window_end_at": last - timedelta(days=1),
            "requester_tz": "UTC",
            "projects": [],
            "groups": [],
            "users": [],
            "event_types": ["sign_in"],
            "event_other": "",
            "personal_data": False,
            "access_logs": False,
            "summary": "s",
            "exception_justification": "",
            "long_window": False,
            "requester_id": "UREQ",
            "requester_team_id": TEAM,
            "relay_contact_id": "UREQ",
            "intake_view_id": f"BULK{n:06d}",
            "last_customer_update_at": last,
            "next_update_due_at": due,
            "created_at": last,
            "updated_at": last,
        }
        for n in range(count)
    ]
    with sessions.begin() as session:
        session.execute(insert(Case), values)


def count(sessions: sessionmaker[Session], kind: str) -> tuple[int, int]:
    """(messages of `kind`, distinct cases they are for)."""
    with sessions() as session:
        return session.execute(
            select(func.count(), func.count(OutboxMessage.case_id.distinct())).where(
                OutboxMessage.kind == kind
            )
        ).one()
