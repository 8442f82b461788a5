"""Intake modals acknowledged and not filed yet (`ReceivedIntake`): kept, taken, listed.

The parsed answers are kept as JSON: the window as ISO 8601 with its offset, the plan and
deployment as their values, lists for the tuples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.cases.model import Deployment, Intake, Plan
from db.models import ReceivedIntake


@dataclass(frozen=True)
class Received:
    view_id: str
    requester_id: str
    requester_team_id: str
    requester_name: str
    intake: Intake
    received_at: datetime


def keep(*, session: Session, received: Received) -> None:
    """Adds the row; a second delivery of the same view fails here (IntegrityError)."""
    session.add(
        ReceivedIntake(
            view_id=received.view_id,
            requester_id=received.requester_id,
            requester_team_id=received.requester_team_id,
            requester_name=received.requester_name,
            intake=_to_json(received.intake),
            received_at=received.received_at,
        )
    )
    session.flush()


def take(*, session: Session, view_id: str) -> Received | None:
    """Deletes the row and returns it; None when another filer took it first (Postgres makes
    a concurrent taker wait for the first one's transaction, then finds nothing)."""
    row = session.execute(
        delete(ReceivedIntake)
        .where(ReceivedIntake.view_id == view_id)
        .returning(
            ReceivedIntake.requester_id,
            ReceivedIntake.requester_team_id,
            ReceivedIntake.requester_name,
            ReceivedIntake.intake,
            ReceivedIntake.received_at,
        )
    ).first()
    if row is None:
        return None
    return Received(view_id, row[0], row[1], row[2], _from_json(row[3]), row[4])


def waiting(*, session: Session, received_before: datetime | None = None) -> list[str]:
    """The views waiting to be filed, oldest first (only those received before a moment)."""
    query = select(ReceivedIntake.view_id).order_by(ReceivedIntake.received_at)
    if received_before is not None:
        query = query.where(ReceivedIntake.received_at < received_before)
    return list(session.scalars(query))


def drop(*, session: Session, received_before: datetime) -> int:
    """Deletes what was received before a moment and never filed; returns how many."""
    rows = session.execute(
        delete(ReceivedIntake)
        .where(ReceivedIntake.received_at < received_before)
        .returning(ReceivedIntake.view_id)
    )
    return len(rows.all())


def _to_json(intake: Intake) -> dict[str, Any]:
    data = asdict(intake)
    for name in ("window_start", "window_end"):
        data[name] = data[name].isoformat() if data[name] is not None else None
    for name in ("plan", "deployment"):
        data[name] = data[name].value if data[name] is not None else None
    return data


def _from_json(data: dict[str, Any]) -> Intake:
    values = dict(data)
    for name in ("window_start", "window_end"):
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    values["plan"] = Plan(values["plan"]) if values["plan"] else None
    values["deployment"] = Deployment(values["deployment"]) if values["deployment"] else None
    for name in ("projects", "groups", "users", "event_types"):
        values[name] = tuple(values[name])
    return Intake(**values)
