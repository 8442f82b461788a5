"""Repository functions for cases and their history."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.disclosure import Request
from bot.cases.model import (
    CaseSnapshot,
    Collected,
    Deployment,
    Intake,
    Plan,
    Route,
    State,
    count_events,
)
from bot.cases.permissions import Parties
from bot.cases.states import Event
from db.models import Case, CaseEvent, EventText


def get(*, session: Session, case_id: int, for_update: bool = False) -> Case | None:
    """Returns a case by number, locking its row when the caller is about to change it."""
    query = select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def get_many(*, session: Session, case_ids: Collection[int]) -> dict[int, Case]:
    """The cases with these numbers that exist, by number."""
    if not case_ids:
        return {}
    return {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(case_ids)))}


def get_by_intake_view(*, session: Session, view_id: str) -> Case | None:
    """Returns the case filed from one intake modal (a resubmission finds the first)."""
    return session.scalars(select(Case).where(Case.intake_view_id == view_id)).one_or_none()


def record(*, session: Session, case: Case, event: Event) -> CaseEvent:
    """Writes one event and applies its state: the only place a case's state is assigned.

    What the event causes (messages, mirror, clock) is `bot.app.steps.record`'s part.
    """
    row = CaseEvent(
        case_id=case.id,
        at=event.at,
        actor_id=event.actor_id,
        action=event.action.value,
        from_state=event.from_state.value if event.from_state else None,
        to_state=event.to_state.value,
        data=event.data,
    )
    case.state = event.to_state.value
    case.updated_at = event.at
    if not State(case.state).is_open and case.ended_at is None:
        case.ended_at = event.at
    session.add(row)
    session.flush()
    if event.reason is not None:  # typed text goes where the purge can blank it
        session.add(EventText(event_id=row.id, case_id=case.id, text=event.reason))
        session.flush()
    return row


def texts(*, session: Session, event_ids: Collection[int]) -> dict[int, str]:
    """The text typed with each of these events that has one, by event id."""
    if not event_ids:
        return {}
    query = select(EventText.event_id, EventText.text).where(EventText.event_id.in_(event_ids))
    return {event_id: text for event_id, text in session.execute(query)}


def history(*, session: Session, case_id: int) -> list[CaseEvent]:
    """Returns a case's events, oldest first."""
    query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(session.scalars(query))


def parties(case: Case) -> Parties:
    """Who a case's permissions turn on."""
    return Parties(
        requester_id=case.requester_id,
        relay_contact_id=case.relay_contact_id,
        owner_id=case.owner_id,
        route=Route(case.route),
        submitter_id=case.submitter_id,
    )


def snapshot(case: Case) -> CaseSnapshot:
    """What the surfaces may show, read from the row."""
    return CaseSnapshot(
        number=case.id,
        state=State(case.state),
        route=Route(case.route),
        organisation=case.organisation,
        requester_id=case.requester_id,
        relay_contact_id=case.relay_contact_id,
        owner_id=case.owner_id,
        created_at=case.created_at,
        window_start=case.window_start_at,
        window_end=case.window_end_at,
        long_window=case.long_window,
        exception_requested=bool(case.exception_justification.strip()),
        personal_data=case.personal_data,
        resource_count=len(case.projects) + len(case.groups) + len(case.users),
        event_count=count_events(case.event_types, case.event_other),
        issue_url=case.gitlab_issue_url,
        approvals=tuple(
            (role, user)
            for role, user in (
                ("Security", case.security_approver_id),
                ("Legal", case.legal_approver_id),
            )
            if user
        ),
        exception_unneeded=case.exception_unneeded,
        access_logs=case.access_logs,
        cost_notice_pending=bool(case.cost_notice_pending),
        closed_in_gitlab=case.gitlab_closed_at is not None,
        digest=case.artefact_checksum,
    )


def collected(case: Case) -> Collected | None:
    """What the handler recorded of the artefacts last submitted for review, if any."""
    if case.artefact_checksum is None:
        return None
    return Collected(
        description=case.artefact_description or "",
        count=case.artefact_count or 0,
        location=case.artefact_location or "",
        checksum=case.artefact_checksum,
        submitted_by=case.submitter_id or "",
    )


def apply_intake(case: Case, intake: Intake) -> None:
    """Writes what the requester stated onto the case (on filing, and on a re-scope)."""
    case.organisation = intake.organisation.strip()
    case.ticket_url = intake.ticket_url.strip()
    case.plan, case.deployment = intake.plan.value, intake.deployment.value  # type: ignore[union-attr]
    case.namespace, case.owns_namespace = intake.namespace.strip(), intake.owns_namespace
    case.window_start_at, case.window_end_at = intake.window_start, intake.window_end  # type: ignore[assignment]
    case.requester_tz = intake.requester_tz
    case.projects, case.groups, case.users = (
        list(intake.projects),
        list(intake.groups),
        list(intake.users),
    )
    case.users_in_namespace = intake.users_in_namespace
    case.event_types, case.event_other = list(intake.event_types), intake.event_other.strip()
    case.personal_data, case.access_logs = bool(intake.personal_data), bool(intake.access_logs)
    case.summary = intake.summary.strip()
    case.own_use, case.audit_events = intake.own_use, intake.audit_events.strip()
    case.exception_justification = intake.exception_justification.strip()


def name_people(case: Case, names: Mapping[str, str]) -> None:
    """Remembers the Slack names of people of the case, by user id (blank names are not)."""
    case.people = {**(case.people or {}), **{uid: name for uid, name in names.items() if name}}


def request(case: Case) -> Request:
    """What identifies the customer in a case's request (kept out of public text)."""
    return Request(
        organisation=case.organisation,
        namespace=case.namespace,
        ticket_url=case.ticket_url,
        projects=tuple(case.projects),
        groups=tuple(case.groups),
        users=tuple(case.users),
    )


def intake(case: Case) -> Intake:
    """The request as filed (or last re-scoped), to pre-fill the edit modal."""
    return Intake(
        organisation=case.organisation,
        ticket_url=case.ticket_url,
        plan=Plan(case.plan),
        deployment=Deployment(case.deployment),
        namespace=case.namespace,
        owns_namespace=case.owns_namespace,
        window_start=case.window_start_at,
        window_end=case.window_end_at,
        projects=tuple(case.projects),
        groups=tuple(case.groups),
        users=tuple(case.users),
        users_in_namespace=case.users_in_namespace,
        event_types=tuple(case.event_types),
        event_other=case.event_other,
        personal_data=case.personal_data,
        access_logs=case.access_logs,
        summary=case.summary,
        own_use=case.own_use,
        audit_events=case.audit_events,
        exception_justification=case.exception_justification,
        requester_tz=case.requester_tz,
    )


def last_reason(*, session: Session, case_id: int, action: str) -> str | None:
    """The reason given with the latest event of `action` on a case."""
    query = (
        select(EventText.text)
        .join(CaseEvent, CaseEvent.id == EventText.event_id)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return session.scalar(query)
