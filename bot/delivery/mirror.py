"""The outbox sender for topic "gitlab": one case event in, its GitLab counterpart out.

Each row names its operation (`bot.delivery.kinds.Mirror`, chosen by the table of effects):
`open_issue` opens the confidential SIRT issue; `note` becomes an internal note, moves the
state label and closes an ended case's issue; `gap_note` first opens the Audit Events issue in
the product project when a gap was described; `card_link` (queued by the Slack sender when the
card is first up, not by an event) notes the link to the case's card in Slack. Rows of one case
arrive in order (db.outbox), so the issue exists before its notes; if it doesn't yet, the row
waits (`Retry`). An issue that could not be opened after its retries is parked, and its case's
notes wait behind it (`HELD_BY`), untried, until an operator unparks it; the owner and the
leads are told once (`parked`).

Each GitLab write can succeed and still look failed (timeout, 502), so every write carries a
marker and a retry (`attempts > 1`) looks for it before writing again: an issue is adopted,
a note is not posted twice. Label moves and closing are the same whenever repeated.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from bot.cases.disclosure import Request, disclosures
from bot.cases.model import ENDED_STATES, Route, State
from bot.delivery.drain import Apply, Permanent, Retry
from bot.delivery.kinds import Mirror, Notice, To, Topic
from bot.delivery.rows import Rows
from bot.delivery.tracker import Issue, Tracker
from db import cases as case_repo
from db import outbox
from db.models import Case, CaseEvent, Finding, OutboxMessage
from messages import gitlab as md

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MirrorConfig:
    sirt_project: str
    gap_project: str
    mention: str
    event_labels: Mapping[str, str]


@dataclass(frozen=True)
class Work:
    """What one event needs, read in the claiming transaction, before any GitLab call."""

    case_id: int
    operation: Mirror
    facts: md.NoteFacts
    route: Route
    issue_iid: int | None
    title: str = ""
    body_args: Mapping[str, Any] | None = None
    gap_description: str | None = None
    gap_request: Request | None = None
    gap_marker: str = ""
    gap_issue_url: str | None = None
    filed_at: datetime | None = None  # no issue of the case is older (less CLOCK_SKEW)


@dataclass(frozen=True)
class CardLink:
    """The note that links the issue to the case's card in Slack."""

    case_id: int
    issue_iid: int | None
    url: str


OPERATIONS = frozenset(Mirror)
RESTORES = frozenset({Mirror.RESTORE_CONFIDENTIAL, Mirror.RESTORE_LABEL})
HELD_BY = frozenset({Mirror.OPEN_ISSUE.value})  # parked, it holds its case's notes back
EVENT_OPERATIONS = OPERATIONS - {Mirror.CARD_LINK}  # the rows that mirror one case event
CLOCK_SKEW = timedelta(hours=1)  # how far GitLab's clock may be behind the database's


def gap_marker(case: Case) -> str:
    """Opaque, stable per case: the public gap issue must not reveal which case it came from."""
    seed = f"{case.id}:{case.created_at.isoformat()}".encode()
    return f"info-request-bot:gap-{hashlib.sha256(seed).hexdigest()[:20]}"


def _finding_id(event: CaseEvent) -> int | None:
    finding_id = (event.data or {}).get("finding_id")
    return finding_id if isinstance(finding_id, int) else None


def _finding(session: Session, event: CaseEvent, texts: Mapping[int, str]) -> str | None:
    """The finding the event names (older events: its author's first one at or after it)."""
    finding_id = _finding_id(event)
    if finding_id is not None:
        return texts.get(finding_id)  # None once the retention purge removed it
    query = (
        select(Finding.text)
        .where(
            Finding.case_id == event.case_id,
            Finding.author_id == event.actor_id,
            Finding.at >= event.at,
        )
        .order_by(Finding.at, Finding.id)
        .limit(1)
    )
    return session.scalar(query)


def _facts(
    session: Session,
    case: Case,
    event: CaseEvent,
    config: MirrorConfig,
    texts: Mapping[int, str],
    reason: str | None = None,
) -> md.NoteFacts:
    facts = md.NoteFacts(
        event_id=event.id,
        action=event.action,
        actor_id=event.actor_id,
        at=event.at,
        from_state=State(event.from_state) if event.from_state else None,
        to_state=State(event.to_state),
        reason=reason or None,  # blank once the retention purge has been
        data=dict(event.data or {}),
        names=dict(case.people or {}),
    )
    if event.action == "add_finding":
        facts = replace(facts, finding=_finding(session, event, texts))
    elif event.action == "submit_for_review":
        shown = {
            "Description": case.artefact_description,
            "Count": case.artefact_count,
            "Location": case.artefact_location,
            "Bag digest": case.artefact_checksum,
        }
        facts = replace(facts, artefacts={k: str(v) for k, v in shown.items() if v is not None})
    elif event.action in ("rescope", "rescope_to_legal"):
        intake = case_repo.intake(case)
        facts = replace(facts, scope=md.intake_section(intake, event_labels=config.event_labels))
    elif event.action == "record_gap" and case.no_gap_reason:
        facts = replace(facts, no_gap_reason=case.no_gap_reason)
    return facts


def load(
    session: Session, batch: Sequence[OutboxMessage], config: MirrorConfig
) -> list[Work | CardLink | Permanent]:
    """The work of each mirror operation: one query for the events and cases, one for findings,
    one for the issues that card links go to."""
    wanted = {int(m.payload["event_id"]) for m in batch if m.kind in EVENT_OPERATIONS}
    rows = session.execute(
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.id.in_(wanted))
    )
    found = {event.id: (event, case) for event, case in rows}
    named = {_finding_id(event) for event, _ in found.values()} - {None}
    query = select(Finding.id, Finding.text).where(Finding.id.in_(named))
    texts = {finding_id: text for finding_id, text in session.execute(query)}
    reasons = case_repo.texts(session=session, event_ids=set(found))
    linked = {m.case_id for m in batch if m.kind == Mirror.CARD_LINK}
    to_issue = select(Case.id, Case.gitlab_issue_iid).where(Case.id.in_(linked))
    issues = {case_id: iid for case_id, iid in session.execute(to_issue)} if linked else {}
    works: list[Work | CardLink | Permanent] = []
    for message in batch:
        if message.kind not in OPERATIONS:
            works.append(Permanent(f"unknown GitLab operation {message.kind!r}"))
            continue
        if message.kind == Mirror.CARD_LINK:
            url = str(message.payload.get("url") or "")
            if message.case_id not in issues or not url:
                works.append(Permanent(f"no case {message.case_id}, or no link to its card"))
            else:
                works.append(CardLink(message.case_id, issues[message.case_id], url))
            continue
        event_id = int(message.payload["event_id"])
        if event_id not in found:
            works.append(Permanent(f"case event {event_id} does not exist"))
            continue
        event, case = found[event_id]
        works.append(
            _work(session, Mirror(message.kind), event, case, config, texts, reasons.get(event_id))
        )
    return works


def _work(
    session: Session,
    operation: Mirror,
    event: CaseEvent,
    case: Case,
    config: MirrorConfig,
    texts: Mapping[int, str],
    reason: str | None,
) -> Work:
    work = Work(
        case_id=case.id,
        operation=operation,
        facts=_facts(session, case, event, config, texts, reason),
        route=Route(case.route),
        issue_iid=case.gitlab_issue_iid,
        gap_description=case.gap_description,
        gap_issue_url=case.gap_issue_url,
        filed_at=case.created_at,
    )
    # What only the issue's opening or a gap's public issue needs, only for them.
    if operation is Mirror.OPEN_ISSUE:
        people = md.People(case.requester_id, case.relay_contact_id, dict(case.people or {}))
        body_args = {
            "number": case.id,
            "intake": case_repo.intake(case),
            "route": Route(case.route),
            "people": people,
        }
        work = replace(work, title=md.issue_title(case.organisation, case.id), body_args=body_args)
    elif operation is Mirror.GAP_NOTE:
        work = replace(work, gap_request=case_repo.request(case), gap_marker=gap_marker(case))
    return work


CASES = cast(Table, Case.__table__)


def _store(case_id: int, **values: Any) -> Apply:
    """Records what GitLab answered on the case (with the others of the same commit)."""
    return Rows(CASES, case_id, tuple(values.items()))


@dataclass
class GitLabMirror:
    """Sends one outbox row of topic "gitlab"; see the module docstring."""

    tracker: Tracker
    config: MirrorConfig

    def load(
        self, session: Session, batch: Sequence[OutboxMessage]
    ) -> list[Work | CardLink | Permanent]:
        return load(session, batch, self.config)

    def send(self, message: OutboxMessage, work: Work | CardLink) -> Apply | None:
        retrying = message.attempts > 1
        if isinstance(work, CardLink):
            self._link_card(work, retrying)
            return None
        if work.operation is Mirror.OPEN_ISSUE:
            return self._open_issue(work, retrying)
        if work.issue_iid is None:
            raise Retry(f"case {work.case_id} has no GitLab issue yet")
        if work.operation in RESTORES:
            self._restore(work, retrying)
            return None
        return self._follow(work, retrying)

    def _restore(self, work: Work, retrying: bool) -> None:
        """Puts back what a person changed on the issue (bot.app.sync decided what), then
        says why; both carry the webhook event they answer, so GitLab does not loop."""
        assert work.issue_iid is not None
        project, facts = self.config.sirt_project, work.facts
        echo = facts.data.get("event_uuid") or None
        if work.operation is Mirror.RESTORE_CONFIDENTIAL:
            keep = facts.data.get("keep_assignees")
            self.tracker.update_issue(
                project,
                work.issue_iid,
                confidential=True,
                assignee_ids=keep if isinstance(keep, list) else None,
                event_uuid=echo,
            )
        else:
            self.tracker.update_issue(
                project,
                work.issue_iid,
                add_labels=list(facts.data.get("add") or ()),
                remove_labels=list(facts.data.get("remove") or ()),
                event_uuid=echo,
            )
        marker = md.event_marker(facts.event_id)
        if not (retrying and self.tracker.has_note(project, work.issue_iid, marker=marker)):
            self.tracker.add_note(project, work.issue_iid, md.event_note(facts), event_uuid=echo)

    def _open_issue(self, work: Work, retrying: bool) -> Apply | None:
        if work.issue_iid is not None:
            return None
        project, marker = self.config.sirt_project, md.case_marker(work.case_id)
        issue = self._find(project, marker, work) if retrying else None
        if issue is None:
            template = self.tracker.template(project, md.TEMPLATE_NAME) or md.bundled_template()
            body = md.issue_body(
                template,
                mention=self.config.mention,
                event_labels=self.config.event_labels,
                **(work.body_args or {}),
            )
            issue = self.tracker.create_issue(
                project,
                title=work.title,
                description=body,
                labels=md.issue_labels(work.route, work.facts.to_state),
                confidential=True,
            )
        else:
            log.info("case %s: adopted GitLab issue %s found by marker", work.case_id, issue.iid)
        return _store(work.case_id, gitlab_issue_iid=issue.iid, gitlab_issue_url=issue.url)

    def _find(self, project: str, marker: str, work: Work) -> Issue | None:
        """The issue an earlier attempt may have opened (it timed out, or its result was lost)."""
        since = work.filed_at - CLOCK_SKEW if work.filed_at else None
        return self.tracker.find_issue(project, marker=marker, created_after=since)

    def parked(self, session: Session, message: OutboxMessage, now: datetime) -> None:
        """An issue that could not be opened is told to the case's owner and the leads."""
        if message.kind != Mirror.OPEN_ISSUE:
            return
        for to in (To.OWNER, To.LEADS):  # a case nobody has claimed yet: the leads only
            outbox.enqueue(
                session=session,
                case_id=message.case_id,
                topic=Topic.SLACK,
                kind=Notice.ISSUE_NOT_OPENED,
                now=now,
                payload={"to": to.value},
            )

    def _link_card(self, work: CardLink, retrying: bool) -> None:
        if work.issue_iid is None:
            raise Retry(f"case {work.case_id} has no GitLab issue yet")
        note = md.card_link_note(work.case_id, work.url)
        self._note_once(work.issue_iid, md.card_marker(work.case_id), note, retrying)

    def _note_once(self, iid: int, marker: str, body: str, retrying: bool) -> None:
        """Adds a note to the SIRT issue; a retry first looks for it by its marker."""
        project = self.config.sirt_project
        if not (retrying and self.tracker.has_note(project, iid, marker=marker)):
            self.tracker.add_note(project, iid, body)

    def _open_gap_issue(self, work: Work, retrying: bool) -> Issue:
        project = self.config.gap_project
        issue = self._find(project, work.gap_marker, work) if retrying else None
        if issue is None:
            text = work.gap_description or ""
            if work.gap_request and (found := disclosures(text, work.gap_request)):
                # Refused at the gap step; a text recorded before that check is never published.
                kinds = sorted({f.what for f in found})
                raise Permanent(f"gap text carries {', '.join(kinds)}; the public issue waits")
            issue = self.tracker.create_issue(
                project,
                title=md.GAP_TITLE,
                description=md.gap_body(text, work.gap_marker),
                labels=md.GAP_LABELS,
                confidential=False,
            )
        return issue

    def _follow(self, work: Work, retrying: bool) -> Apply | None:
        assert work.issue_iid is not None
        project, facts, apply = self.config.sirt_project, work.facts, None
        if work.operation is Mirror.GAP_NOTE and work.gap_description:
            url = work.gap_issue_url or self._open_gap_issue(work, retrying).url
            facts = replace(facts, gap_url=url)
            apply = None if work.gap_issue_url else _store(work.case_id, gap_issue_url=url)
        marker = md.event_marker(facts.event_id)
        self._note_once(work.issue_iid, marker, md.event_note(facts), retrying)
        moved = facts.from_state is not None and facts.from_state is not facts.to_state
        rerouted = md.route_move(facts.data)
        if moved or rerouted or facts.to_state in ENDED_STATES:
            add, remove = [md.state_label(facts.to_state)], []
            if moved and facts.from_state:
                remove.append(md.state_label(facts.from_state))
            if rerouted:  # an edited request moved the case from Support to SIRT
                add.append(md.route_label(rerouted[1]))
                remove.append(md.route_label(rerouted[0]))
            self.tracker.update_issue(
                project,
                work.issue_iid,
                add_labels=add,
                remove_labels=remove,
                close=facts.to_state in ENDED_STATES,
            )
        return apply
