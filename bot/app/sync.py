"""Two-way GitLab: what people do in a case's issue reaches the case.

A webhook delivery is stored (`receive`, unique on its key) and acknowledged; `apply_pending`
applies it later, and never from its body: it re-reads the issue and its notes through the
API and compares them with the case (`bot.cases.tracker`). So a forged, stale, duplicated or
reordered delivery changes nothing, and `reconcile` (the worker, every 15 minutes) heals
deliveries that never came by reading the issues GitLab updated since its last pass.

What it finds is recorded like any step (`steps.record`, whose table of effects says what
each causes): a person's comment becomes a finding; an exposed issue is made confidential
again and the leads told; a close or reopen in GitLab is told to the owner (the case keeps its
gates); a moved state label is put back. What the bot's own GitLab user did is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import steps
from bot.cases.model import State
from bot.cases.states import Action, Event, allowed, transition
from bot.cases.tracker import Drift, Hint, IssueSeen, NoteSeen, findings_from, issue_drift
from bot.delivery.kinds import Topic
from db import cases as case_repo
from db.models import Case, Finding, GitLabDelivery, OutboxMessage, SyncMark
from db.session import reading, transaction
from messages.gitlab import state_label
from messages.sync import exposed_reason, label_reason

log = logging.getLogger(__name__)

FIRST_PASS = timedelta(days=1)
OVERLAP = timedelta(minutes=5)  # `updated_after` re-reads this much before the last mark
LEASE = timedelta(minutes=2)  # a claimed delivery not applied by then is claimed again
BATCH = 50
FINDING_MAX = 3000
BOT = "info-request-bot"  # the actor of what the bot does itself
GITLAB = "gitlab"  # the actor of a comment (events are never purged: no username there)
KEEP_DELIVERIES = timedelta(days=7)  # GitLab retries and resends well within this
MARK = "issues"


class IssueReader(Protocol):
    """The reads the sync needs (bot.gitlab.reader.GitLabReader)."""

    def bot_user_id(self) -> int: ...

    def issue(self, project: str, iid: int) -> IssueSeen | None: ...

    def notes(self, project: str, iid: int) -> list[NoteSeen]: ...

    def updated_since(self, project: str, since: datetime | None) -> list[IssueSeen]: ...


@dataclass
class Sync:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    reader: IssueReader | None = None  # None while GitLab is not configured
    project: str = ""  # the SIRT tracker project, as configured (path or id)

    # -- the webhook -----------------------------------------------------------------------
    def receive(self, hint: Hint) -> bool:
        """Stores a delivery; False when it was stored before (a retry or a duplicate)."""
        try:
            with transaction(self.sessions) as session:
                session.add(
                    GitLabDelivery(
                        key=hint.key[:128],
                        event=hint.event[:64],
                        event_uuid=(hint.event_uuid or "")[:64] or None,
                        project=hint.project[:255],
                        project_id=hint.project_id,
                        issue_iid=hint.issue_iid,
                        status="pending",
                        received_at=self.clock(),
                    )
                )
        except IntegrityError:
            return False
        return True

    def apply_pending(self) -> set[int]:
        """Applies the stored deliveries; returns the cases that changed. A delivery that
        fails (GitLab down) is tried again once its lease ends."""
        changed: set[int] = set()
        while claimed := self._claim():
            by_issue: dict[int | None, list[GitLabDelivery]] = {}
            for delivery in claimed:
                ours = self._ours(delivery) and delivery.issue_iid is not None
                by_issue.setdefault(delivery.issue_iid if ours else None, []).append(delivery)
            for iid, deliveries in by_issue.items():
                ids = [d.id for d in deliveries]
                if iid is None:
                    self._finish(ids, "ignored")
                    continue
                try:
                    case_id = self.sync_issue(iid, event_uuid=deliveries[-1].event_uuid)
                except Exception:
                    log.exception("GitLab delivery for issue %s not applied; tried again", iid)
                    continue
                self._finish(ids, "ignored" if case_id is None else "applied")
                if case_id is not None:
                    changed.add(case_id)
        return changed

    def _ours(self, delivery: GitLabDelivery) -> bool:
        """From the SIRT tracker, configured by path or by id."""
        configured = self.project.strip("/").lower()
        if not self.reader or not configured:
            return False
        if configured.isdigit():
            return delivery.project_id == int(configured)
        return delivery.project.strip("/").lower() == configured

    def _claim(self) -> list[GitLabDelivery]:
        now = self.clock()
        claimable = or_(
            GitLabDelivery.status == "pending",
            (GitLabDelivery.status == "applying") & (GitLabDelivery.lease_until < now),
        )
        with transaction(self.sessions) as session:
            ids = list(
                session.scalars(
                    select(GitLabDelivery.id)
                    .where(claimable)
                    .order_by(GitLabDelivery.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                return []
            taken = session.scalars(
                update(GitLabDelivery)
                .where(GitLabDelivery.id.in_(ids), claimable)
                .values(status="applying", lease_until=now + LEASE)
                .returning(GitLabDelivery)
                .execution_options(synchronize_session=False)
            ).all()
            session.expunge_all()
            return sorted(taken, key=lambda d: d.id)

    def _finish(self, ids: Sequence[int], status: str) -> None:
        with transaction(self.sessions) as session:
            session.execute(
                update(GitLabDelivery)
                .where(GitLabDelivery.id.in_(ids))
                .values(status=status, lease_until=None, applied_at=self.clock())
            )

    # -- reading the issue back ------------------------------------------------------------
    def sync_issue(self, iid: int, *, event_uuid: str | None = None) -> int | None:
        """Reads issue `iid` and its notes and applies them to its case; the case's number,
        or None when no case has that issue (or it is gone)."""
        assert self.reader is not None
        with reading(self.sessions) as session:
            found = session.execute(
                select(Case.id, Case.state).where(Case.gitlab_issue_iid == iid)
            ).first()
        if found is None:
            return None
        issue = self.reader.issue(self.project, iid)
        if issue is None:
            return None
        self._apply(found.id, issue, self._notes(iid, found.state), event_uuid)
        return found.id

    def _notes(self, iid: int, state: str) -> list[NoteSeen] | None:
        """The issue's notes, or None for an ended case (whose comments are not findings)."""
        assert self.reader is not None
        if not allowed(State(state), Action.GITLAB_FINDING):
            return None
        return self.reader.notes(self.project, iid)

    def reconcile(self, now: datetime | None = None) -> int:
        """Heals missed deliveries: every issue GitLab updated since the last pass (minus an
        overlap, `updated_after` being inclusive) is read back and applied."""
        if self.reader is None:
            return 0
        self._forget_old_deliveries()
        with reading(self.sessions) as session:
            mark = session.get(SyncMark, MARK)
        # The first pass reads back a day: not the whole history of the tracker.
        since = mark.at - OVERLAP if mark else self.clock() - FIRST_PASS
        issues = self.reader.updated_since(self.project, since)
        with reading(self.sessions) as session:
            iids = [issue.iid for issue in issues]
            known = {
                row.gitlab_issue_iid: row
                for row in session.execute(
                    select(Case.gitlab_issue_iid, Case.id, Case.state).where(
                        Case.gitlab_issue_iid.in_(iids)
                    )
                )
            }
        applied = 0
        for issue in issues:
            if (row := known.get(issue.iid)) is not None:
                self._apply(row.id, issue, self._notes(issue.iid, row.state))
                applied += 1
        if issues:
            newest = max(issue.updated_at for issue in issues)
            with transaction(self.sessions) as session:
                stored = session.get(SyncMark, MARK)
                if stored is None:
                    session.add(SyncMark(name=MARK, at=newest))
                elif newest > stored.at:
                    stored.at = newest
        return applied

    def _forget_old_deliveries(self) -> None:
        done = GitLabDelivery.status.in_(("applied", "ignored"))
        with transaction(self.sessions) as session:
            session.execute(
                delete(GitLabDelivery).where(
                    done, GitLabDelivery.applied_at < self.clock() - KEEP_DELIVERIES
                )
            )

    # -- applying what was read ------------------------------------------------------------
    def _apply(
        self,
        case_id: int,
        issue: IssueSeen,
        notes: list[NoteSeen] | None,
        event_uuid: str | None = None,
    ) -> None:
        """What was read, applied to the case; `notes` None leaves its findings alone."""
        assert self.reader is not None
        bot_user = self.reader.bot_user_id()
        mine = None if notes is None else findings_from(notes, bot_user)
        if self._unchanged(case_id, issue, mine):
            return  # the usual case of a repeated hint: no write, no lock
        with transaction(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id, for_update=True)
            if case is None:
                return
            now = self.clock()
            events: list[Event] = []
            if mine is not None:
                events += _findings(session, case, mine, now)
            if case.gitlab_seen_at is None or issue.updated_at > case.gitlab_seen_at:
                events += _answer_drift(session, case, issue, bot_user, now, event_uuid)
            if events:
                steps.record(session, case, *events)

    def _unchanged(self, case_id: int, issue: IssueSeen, notes: list[NoteSeen] | None) -> bool:
        """Whether the case already reflects this read of the issue (checked without a lock;
        `_apply` decides again under it when anything may differ)."""
        with reading(self.sessions) as session:
            seen = session.scalar(select(Case.gitlab_seen_at).where(Case.id == case_id))
            if seen is None or issue.updated_at > seen:
                return False
            if notes is None:
                return True
            kept = session.execute(
                select(Finding.gitlab_note_id, Finding.text, Finding.internal).where(
                    Finding.case_id == case_id,
                    Finding.gitlab_note_id.is_not(None),
                    Finding.withdrawn_at.is_(None),
                )
            )
            now = {(n.id, n.body.strip()[:FINDING_MAX], n.internal) for n in notes}
            return {tuple(row) for row in kept} == now


def _findings(session: Session, case: Case, notes: list[NoteSeen], now: datetime) -> list[Event]:
    """New comments become findings, edited ones are updated, deleted ones withdrawn."""
    known = {
        f.gitlab_note_id: f
        for f in session.scalars(
            select(Finding).where(Finding.case_id == case.id, Finding.gitlab_note_id.is_not(None))
        )
    }
    events: list[Event] = []
    for note in notes:
        text = note.body.strip()[:FINDING_MAX]
        finding = known.pop(note.id, None)
        if finding is not None:
            finding.text, finding.internal, finding.withdrawn_at = text, note.internal, None
            continue
        if not allowed(State(case.state), Action.GITLAB_FINDING):
            continue  # a comment on an ended case's issue is not part of the case any more
        finding = Finding(
            case_id=case.id,
            at=note.created_at,
            author_id=GITLAB,  # the username is kept on the finding, where the purge reaches
            text=text,
            gitlab_note_id=note.id,
            gitlab_author=note.author,
            internal=note.internal,
        )
        session.add(finding)
        session.flush()
        data = {"finding_id": finding.id, "note_id": note.id, "internal": note.internal}
        events.append(_event(case, Action.GITLAB_FINDING, now, data, actor=GITLAB))
    for finding in known.values():  # no longer on the issue: deleted in GitLab
        if finding.withdrawn_at is None:
            finding.withdrawn_at = now
    return events


def _mirror_busy(session: Session, case_id: int) -> bool:
    """GitLab operations still queued for the case: its labels and state will follow."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.case_id == case_id,
        OutboxMessage.topic == Topic.GITLAB.value,
        OutboxMessage.status == "pending",
    )
    return session.scalar(query.limit(1)) is not None


def _answer_drift(
    session: Session,
    case: Case,
    issue: IssueSeen,
    bot_user: int,
    now: datetime,
    event_uuid: str | None,
) -> list[Event]:
    busy = _mirror_busy(session, case.id)
    expected = None if busy else state_label(State(case.state))
    drift: Drift = issue_drift(
        issue,
        bot_user_id=bot_user,
        case_open=allowed(State(case.state), Action.GITLAB_CLOSED),
        closed_in_gitlab=case.gitlab_closed_at is not None,
        expected_label=expected,
        customer_users=case.users,
    )
    echo = {"event_uuid": event_uuid} if event_uuid else {}
    events: list[Event] = []
    if drift.leaks:
        keep = [a[0] for a in issue.assignees if a not in drift.customers]
        reason = exposed_reason(public=drift.exposed, customers=[a[1] for a in drift.customers])
        data: dict[str, Any] = {**echo, "keep_assignees": keep if drift.customers else None}
        events.append(_event(case, Action.RESTORE_CONFIDENTIAL, now, data, reason=reason))
    if drift.closed:
        case.gitlab_closed_at = now
        events.append(_event(case, Action.GITLAB_CLOSED, now, {}))
    if drift.reopened:
        case.gitlab_closed_at = None
        events.append(_event(case, Action.GITLAB_REOPENED, now, {}))
    if drift.label_moved and expected is not None:
        data = {**echo, "add": list(drift.labels_to_add), "remove": list(drift.labels_to_remove)}
        reason = label_reason(expected, list(drift.labels_to_remove))
        events.append(_event(case, Action.RESTORE_LABEL, now, data, reason=reason))
    if drift.leaks or not busy:  # what it showed is answered: an older read changes nothing
        case.gitlab_seen_at = issue.updated_at
    return events


def _event(
    case: Case,
    action: Action,
    now: datetime,
    data: dict[str, Any],
    *,
    actor: str = BOT,
    reason: str | None = None,
) -> Event:
    return transition(
        State(case.state), action, actor_id=actor[:32], at=now, reason=reason, data=data
    )
