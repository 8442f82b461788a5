"""Working a case, from claim to close: each step one transaction through `steps.act`.

A step locks the case row, checks the actor may do it (permissions), asks the state machine
for the event, applies the step's own changes and records the event; what the event causes
(card, DMs, GitLab, the update clock) comes from `bot.app.effects`. A refused step changes and
records nothing; the refusal is logged with actor, action and reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.app import rescoping, steps
from bot.app.rescoping import Roles
from bot.app.steps import Change
from bot.cases.digests import PROBLEM, bag_digest
from bot.cases.disclosure import disclosures, refusal
from bot.cases.errors import NotAllowed, NotFound
from bot.cases.model import CaseSnapshot, Intake, Limits, Route, State
from bot.cases.permissions import Actor, ReviewRole, Role, can_handle, review_role
from bot.cases.states import Action
from db import cases as case_repo
from db.models import Case, Finding
from db.session import reading


@dataclass(frozen=True)
class Artefacts:
    description: str
    count: int
    location: str
    checksum: str
    redacted: bool


@dataclass
class Casework:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    limits: Limits
    view_id: str | None = None  # the submitted modal the steps come from (see `for_view`)

    def for_view(self, view_id: str) -> Casework:
        """This casework for steps submitted from one modal: each is done once however often
        the submission arrives; a repeat is answered with the case as it is, changing nothing.
        """
        return dataclasses.replace(self, view_id=view_id or None)

    def _act(self, case_id: int, actor: Actor, action: Action, **step: Any) -> CaseSnapshot:
        """One step (`steps.act`), done once per submitted modal when `view_id` is set."""
        return self._once(
            lambda: steps.act(
                self.sessions, self.clock(), case_id, actor, action, view_id=self.view_id, **step
            )
        )

    def _once(self, step: Callable[[], CaseSnapshot]) -> CaseSnapshot:
        return steps.once(self.sessions, self.view_id, step)

    def check(self, case_id: int, actor: Actor, action: Action) -> None:
        """Refuses now what `action` would refuse, before a modal asks for details."""
        steps.check(self.sessions, self.clock(), case_id, actor, action)

    def scope_to_edit(self, case_id: int, actor: Actor) -> Intake:
        """The request as it stands, for its requester to narrow, once they may edit it."""
        self.check(case_id, actor, Action.RESCOPE)
        with reading(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id)
            if case is None:
                raise NotFound(f"There is no case {case_id}.")
            return case_repo.intake(case)

    def gap_draft(self, case_id: int, actor: Actor) -> str:
        """What the requester said Audit Events showed: the gap step's starting text."""
        self.check(case_id, actor, Action.RECORD_GAP)
        with reading(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id)
            return case.audit_events if case else ""

    # -- triage --------------------------------------------------------------------------
    def claim(self, case_id: int, actor: Actor) -> CaseSnapshot:
        def taken(case: Case) -> None:
            if case.owner_id and State(case.state) is not State.TRIAGE:
                raise NotAllowed(f"<@{case.owner_id}> already claimed case {case.id}.")

        def own(case: Case) -> None:
            case.owner_id = actor.user_id

        return self._act(case_id, actor, Action.CLAIM, check=taken, change=own)

    def unclaim(self, case_id: int, actor: Actor) -> CaseSnapshot:
        return self._act(case_id, actor, Action.UNCLAIM, change=_set(owner_id=None))

    def hand_over(self, case_id: int, actor: Actor, to: Actor) -> CaseSnapshot:
        def eligible(case: Case) -> None:
            if to.user_id == case.owner_id:
                raise NotAllowed("That person already owns the case.")
            if not can_handle(to, Route(case.route)):
                raise NotAllowed(f"<@{to.user_id}> can't handle {case.route.upper()} cases.")

        def give(case: Case) -> None:
            data["owner"] = case.owner_id  # the former owner is told, and loses the buttons
            case.owner_id = to.user_id

        data: dict[str, Any] = {"to": to.user_id}
        return self._act(case_id, actor, Action.HAND_OVER, check=eligible, change=give, data=data)

    def hand_over_relay(
        self, case_id: int, actor: Actor, to: Actor, name: str = ""
    ) -> CaseSnapshot:
        """Another member of the requester groups relays to the customer from now on
        (`name`: theirs as Slack shows it, for the GitLab issue's notes)."""

        def eligible(case: Case) -> None:
            if to.user_id == case.relay_contact_id:
                raise NotAllowed(f"<@{to.user_id}> already relays this case to the customer.")
            if not to.has(Role.REQUESTER):
                raise NotAllowed(
                    f"<@{to.user_id}> can't relay to customers: pick a member of the requester "
                    "groups."
                )

        def give(case: Case) -> None:
            data["relay"] = case.relay_contact_id
            case.relay_contact_id = to.user_id
            case_repo.name_people(case, {to.user_id: name})

        data: dict[str, Any] = {"to": to.user_id}
        return self._act(
            case_id, actor, Action.RELAY_HAND_OVER, check=eligible, change=give, data=data
        )

    def decide_exception(
        self, case_id: int, actor: Actor, *, approve: bool, reason: str | None
    ) -> CaseSnapshot:
        if approve:  # an edited case Legal approves goes back to its owner, if it has one
            return self._act(
                case_id,
                actor,
                Action.LEGAL_APPROVE,
                reason=reason,
                change=_approve_exception,
                then=lambda case: Action.RESUME if case.owner_id else None,
            )
        _require(reason, "Give the reason for the denial: the requester will read it.")
        return self._act(case_id, actor, Action.LEGAL_DENY, reason=reason)

    # -- investigating -------------------------------------------------------------------
    def add_finding(self, case_id: int, actor: Actor, text: str) -> CaseSnapshot:
        text = _require(text, "Write what you found.")

        data: dict[str, Any] = {}

        def note(case: Case) -> None:
            session = Session.object_session(case)
            finding = Finding(
                case_id=case.id, at=self.clock(), author_id=actor.user_id, text=text[:3000]
            )
            session.add(finding)  # type: ignore[union-attr]
            session.flush()  # type: ignore[union-attr]
            data["finding_id"] = finding.id  # the event names its finding; the text can be purged

        return self._act(case_id, actor, Action.ADD_FINDING, change=note, data=data)

    def request_rescope(self, case_id: int, actor: Actor, reason: str) -> CaseSnapshot:
        reason = _require(reason, "Say why the scope is too broad: the requester reads it.")
        return self._act(case_id, actor, Action.REQUEST_RESCOPE, reason=reason)

    def record_cost_notice(self, case_id: int, actor: Actor, note: str) -> CaseSnapshot:
        note = _require(note, "Say what the customer must be told about the cost.")
        return self._act(
            case_id, actor, Action.COST_NOTICE, reason=note, change=_set(cost_notice_pending=True)
        )

    def confirm_cost_told(self, case_id: int, actor: Actor) -> CaseSnapshot:
        """The relay contact told the customer of the cost: their reminders stop asking."""

        def pending(case: Case) -> None:
            if not case.cost_notice_pending:
                raise NotAllowed(f"Case {case.id} has no cost notice waiting to be confirmed.")

        return self._act(
            case_id,
            actor,
            Action.COST_CONFIRMED,
            check=pending,
            change=_set(cost_notice_pending=False),
        )

    def rescope(self, case_id: int, actor: Actor, intake: Intake, *, roles: Roles) -> CaseSnapshot:
        """The requester's edited request, assessed exactly like a new one (`rescoping`)."""
        return self._once(
            lambda: rescoping.rescope(
                self.sessions, self.clock(), self.limits, case_id, actor, intake, roles,
                view_id=self.view_id,
            )
        )  # fmt: skip

    def submit_for_review(self, case_id: int, actor: Actor, artefacts: Artefacts) -> CaseSnapshot:
        if not artefacts.redacted:
            raise NotAllowed("Confirm the artefacts are redacted before submitting them.")
        if (digest := bag_digest(artefacts.checksum)) is None:
            raise NotAllowed(PROBLEM)
        return self._act(
            case_id,
            actor,
            Action.SUBMIT_FOR_REVIEW,
            data={"count": artefacts.count, "digest": digest, "redacted": True},
            change=_set(
                artefact_description=artefacts.description,
                artefact_count=artefacts.count,
                artefact_location=artefacts.location,
                artefact_checksum=digest,  # a new digest is a new review: approvals cleared
                submitter_id=actor.user_id,
                security_approver_id=None,
                legal_approver_id=None,
            ),
        )

    # -- review and after ----------------------------------------------------------------
    def review(
        self, case_id: int, actor: Actor, *, approve: bool, reason: str | None = None
    ) -> CaseSnapshot:
        """Security and Legal each approve once, two different people, neither the handler."""
        if not approve:
            reason = _require(reason, "Say what must change: the handler reads it.")
            return self._act(
                case_id,
                actor,
                Action.REVIEW_REJECT,
                reason=reason,
                change=_set(security_approver_id=None, legal_approver_id=None),
            )
        chosen: dict[str, ReviewRole] = {}
        data: dict[str, Any] = {}

        def pick_role(case: Case) -> None:
            given = {
                role: user
                for role, user in (
                    (ReviewRole.SECURITY, case.security_approver_id),
                    (ReviewRole.LEGAL, case.legal_approver_id),
                )
                if user
            }
            chosen["role"] = review_role(actor, given)
            data["as"] = chosen["role"].value
            data["digest"] = case.artefact_checksum  # what this approval approves

        def approve_as(case: Case) -> None:
            setattr(case, f"{chosen['role'].value}_approver_id", actor.user_id)

        def complete(case: Case) -> Action | None:
            both = case.security_approver_id and case.legal_approver_id
            return Action.REVIEW_COMPLETE if both else None

        return self._act(
            case_id,
            actor,
            Action.REVIEW_APPROVE,
            check=pick_role,
            change=approve_as,
            then=complete,
            data=data,
        )

    def mark_shared(self, case_id: int, actor: Actor) -> CaseSnapshot:
        data: dict[str, Any] = {}

        def digest(case: Case) -> None:  # the bag that was approved is the bag shared
            data["digest"] = case.artefact_checksum

        return self._act(case_id, actor, Action.MARK_SHARED, check=digest, data=data)

    def close_with_gap(
        self, case_id: int, actor: Actor, *, gap: str | None, no_gap_reason: str | None
    ) -> CaseSnapshot:
        """The Audit Events gap step: describe the gap, or say why there is none; then close."""
        gap, no_gap_reason = (gap or "").strip() or None, (no_gap_reason or "").strip() or None
        if not gap and not no_gap_reason:
            raise NotAllowed("Describe the missing audit information, or say why there's none.")

        def public(case: Case) -> None:  # the gap issue is public: refused, never rewritten
            if gap and (found := disclosures(gap, case_repo.request(case))):
                raise NotAllowed(refusal(found))

        return self._act(
            case_id,
            actor,
            Action.RECORD_GAP,
            check=public,
            then=lambda case: Action.CLOSE,
            data={"gap": bool(gap)},
            change=_set(gap_description=gap, no_gap_reason=no_gap_reason),
        )

    def decline(self, case_id: int, actor: Actor, reason: str) -> CaseSnapshot:
        """A handler declines an unreasonable request; the requester reads the reason."""
        reason = _require(reason, "Say why the request is declined: the requester reads it.")
        return self._act(case_id, actor, Action.DECLINE, reason=reason)

    def withdraw(self, case_id: int, actor: Actor, reason: str) -> CaseSnapshot:
        reason = _require(reason, "Say why the request is withdrawn.")
        return self._act(case_id, actor, Action.WITHDRAW, reason=reason)


def _set(**values: Any) -> Change:
    def change(case: Case) -> None:
        for name, value in values.items():
            setattr(case, name, value)

    return change


def _approve_exception(case: Case) -> None:
    """What Legal approves: the rules waived now, for the reason given now."""
    case.approved_waivers = list(case.waived)
    case.approved_justification = case.exception_justification


def _require(text: str | None, message: str) -> str:
    if not text or not text.strip():
        raise NotAllowed(message)
    return text.strip()
