"""A requester's edited request, settled exactly like a new one, in one transaction.

The edit is checked by the same rules at the time the case was filed; its terms decide the
rest: a waived rule Legal has not approved as it now stands sends the case to Legal again
(`rescope_to_legal`); the route is recomputed (Support may become SIRT, never the reverse) with
the long-window flag; and an owner who can't handle the new route is released, the case going
back unowned (`release`, which tells them). What each event causes is `bot.app.effects`'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.app import steps
from bot.app.filing import IntakeRejected
from bot.cases.errors import CaseError, NotFound
from bot.cases.model import CaseSnapshot, Intake, Limits, Route, State
from bot.cases.permissions import Actor, can_handle
from bot.cases.rules import assess
from bot.cases.states import Action, Event, transition
from bot.cases.terms import Approval, Terms, needs_legal_again, route_after_edit, settle
from db import cases as case_repo
from db import submissions
from db.models import Case
from db.session import reading

Roles = Callable[[str], Actor]  # a Slack user's roles, resolved at the edge


def rescope(
    sessions: sessionmaker[Session],
    now: datetime,
    limits: Limits,
    case_id: int,
    actor: Actor,
    intake: Intake,
    roles: Roles,
    *,
    view_id: str | None = None,
) -> CaseSnapshot:
    """Records the edit and what it changes, or refuses it with the fields to fix; `view_id`
    (the submitted modal) is recorded with it, as `steps.act` does."""
    owner = _current_owner(sessions, case_id, roles)  # resolved before the row is locked
    with steps.locked_case(sessions, case_id, actor, Action.RESCOPE) as (session, case):
        if view_id:
            submissions.record(session=session, view_id=view_id, case_id=case.id, at=now)
        if case.owner_id != (owner.user_id if owner else None):
            raise CaseError("The case changed hands meanwhile. Submit the edit again.")
        verdict = assess(intake, now=case.created_at, limits=limits)
        if not verdict.accepted:
            raise IntakeRejected(verdict.errors)
        terms = settle(intake, verdict, now=case.created_at)
        events = _edit(case, terms, actor, now, owner)
        steps.record(session, case, *events)
        return case_repo.snapshot(case)


def _current_owner(sessions: sessionmaker[Session], case_id: int, roles: Roles) -> Actor | None:
    with reading(sessions) as session:
        case = case_repo.get(session=session, case_id=case_id)
        if case is None:
            raise NotFound(f"There is no case {case_id}.")
        owner_id = case.owner_id
    return roles(owner_id) if owner_id else None


def _edit(
    case: Case, terms: Terms, actor: Actor, now: datetime, owner: Actor | None
) -> list[Event]:
    """Applies the edit's terms to the case and returns the events that record them."""
    approved = Approval(tuple(case.approved_waivers), case.approved_justification)
    action = Action.RESCOPE_TO_LEGAL if needs_legal_again(terms, approved) else Action.RESCOPE
    was, route = Route(case.route), route_after_edit(terms, Route(case.route))
    data = {
        "route": route.value,
        "route_was": was.value,
        "waived": [field.value for field in terms.waived],
    }
    event = transition(State(case.state), action, actor_id=actor.user_id, at=now, data=data)
    case_repo.apply_intake(case, terms.intake)
    case.route, case.long_window = route.value, terms.long_window
    case.waived = list(data["waived"])
    case.exception_unneeded = terms.exception_unneeded
    events = [event]
    if owner is not None and not can_handle(owner, route):
        case.owner_id = None
        events.append(
            transition(
                event.to_state,
                Action.RELEASE,
                actor_id=actor.user_id,
                at=now,
                data={"owner": owner.user_id, "route": route.value},
            )
        )
    return events
