"""Sending the Slack side of the outbox: the triage card and participants' DMs.

Messages are rendered when they are sent, from the case as it is then, so a card that was
queued twice still shows the latest state. Before anything goes to a channel the channel is
checked again: one that became shared outside the company gets nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence import DM_NUDGE, DM_REMINDER, LEADS_ESCALATION, findings_since, is_current
from bot.cases.states import Action
from bot.casework import (
    DM_APPROVED,
    DM_HANDED_OVER,
    DM_LEGAL_APPROVED,
    DM_LEGAL_DENIED,
    DM_RESCOPE,
)
from bot.config import Settings
from bot.outbox import Apply, Permanent, Retry
from bot.services import CARD, RECEIPT
from bot.slack.gateway import SlackGateway, SlackUnavailable
from bot.slack.homes import HomeTabs
from db import cases as case_repo
from db.models import Case, OutboxMessage
from db.session import reading
from messages.card import build_triage_card
from messages.dm import (
    build_approved_dm,
    build_handed_over_dm,
    build_legal_decision_dm,
    build_receipt,
    build_rescope_dm,
)
from messages.reminders import (
    FindingNote,
    build_escalation,
    build_owner_nudge,
    build_update_reminder,
)

log = logging.getLogger(__name__)

PERMANENT_ERRORS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "invalid_arguments",
    "user_not_found",
    "cannot_dm_bot",
}


def _classify(error: Exception) -> Exception:
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = error.response.get("error", "") if isinstance(error.response.data, dict) else ""
        if status == 429:
            after = error.response.headers.get("Retry-After") or error.response.headers.get(
                "retry-after"
            )
            return Retry(f"rate limited ({code or status})", float(after) if after else None)
        if code in PERMANENT_ERRORS:
            return Permanent(f"Slack refused: {code}")
        return Retry(f"Slack error {status} {code}".strip())
    return Retry(f"Slack unreachable: {error}")


class SlackDelivery:
    """The outbox sender for topic `slack`."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: SlackGateway,
        settings: Settings,
        homes: HomeTabs,
    ) -> None:
        self.sessions, self.gateway, self.settings = sessions, gateway, settings
        self.homes = homes
        self._senders: dict[str, Callable[[Case], Apply | None]] = {
            CARD: self._card,
            RECEIPT: self._receipt,
            DM_RESCOPE: self._rescope,
            DM_APPROVED: lambda case: self._dm(
                case.relay_contact_id, build_approved_dm(case_repo.snapshot(case))
            ),
            DM_LEGAL_APPROVED: lambda case: self._legal(case, approved=True),
            DM_LEGAL_DENIED: lambda case: self._legal(case, approved=False),
            DM_HANDED_OVER: lambda case: self._dm(
                case.owner_id, build_handed_over_dm(case_repo.snapshot(case))
            ),
            DM_REMINDER: self._update_reminder,
            DM_NUDGE: self._owner_nudge,
            LEADS_ESCALATION: self._escalation,
        }

    def load(self, session: Session, batch: Sequence[OutboxMessage]) -> list[Case | Permanent]:
        cases = case_repo.get_many(session=session, case_ids={m.case_id for m in batch})
        return [
            cases.get(m.case_id) or Permanent(f"case {m.case_id} does not exist") for m in batch
        ]

    def send(self, message: OutboxMessage, case: Case) -> Apply | None:
        sender = self._senders.get(message.kind)
        if sender is None:
            raise Permanent(f"unknown Slack message kind {message.kind!r}")
        self._current.message = message  # per thread: couriers and the worker share this
        try:
            if message.kind == CARD:  # the one post that may be retried after it went out
                return self._card(case, retrying=message.attempts > 1)
            return sender(case)
        except (SlackApiError, SlackClientError, OSError) as error:
            raise _classify(error) from error

    def _internal_channel(self, channel_id: str | None) -> str:
        if not channel_id:
            raise Permanent("no channel configured")
        try:
            # Asked afresh before every post: a channel shared a minute ago gets nothing.
            channel = self.gateway.channel(channel_id, fresh=True)
        except SlackUnavailable as error:
            raise Retry(str(error)) from error
        if channel.is_external or not channel.is_private:
            raise Retry(f"channel {channel_id} is not private and internal; not posting there")
        return channel_id

    _current = threading.local()

    def _card(self, case: Case, *, retrying: bool = False) -> Apply | None:
        """Posts or updates the card; the participants' Home tabs follow when things are quiet."""
        apply = self._post_card(case, retrying=retrying)
        self.homes.mark_stale((case.requester_id, case.relay_contact_id, case.owner_id))
        return apply

    def _post_card(self, case: Case, *, retrying: bool) -> Apply | None:
        message = build_triage_card(case_repo.snapshot(case))
        channel_id, ts = case.card_channel_id, case.card_ts
        if not ts and retrying:
            # An earlier try may have posted the card and died before recording it: find it
            # by the case number it carries in its metadata instead of posting a second one.
            channel_id = self._internal_channel(self.settings.triage_channel)
            ts = self._find_card(channel_id, case)
        if ts and channel_id:
            self._internal_channel(channel_id)
            self.gateway.client.chat_update(channel=channel_id, ts=ts, **message)
            return None if ts == case.card_ts else _remember_card(case.id, channel_id, ts)
        channel = self._internal_channel(self.settings.triage_channel)
        response = self.gateway.client.chat_postMessage(
            channel=channel, metadata=card_metadata(case.id), **message
        )
        return _remember_card(case.id, channel, response["ts"])

    def _find_card(self, channel_id: str, case: Case) -> str | None:
        since = case.created_at.timestamp() - 60
        history = self.gateway.client.conversations_history(
            channel=channel_id, oldest=f"{since:.6f}", limit=200, include_all_metadata=True
        )
        for posted in history.get("messages", []):
            if posted.get("metadata") == card_metadata(case.id):
                return posted["ts"]
        return None

    def _dm(self, user_id: str, message: dict[str, Any]) -> None:
        channel = self.gateway.client.conversations_open(users=user_id)["channel"]["id"]
        self._post_once(channel, message)

    def _post_once(self, channel: str, message: dict[str, Any]) -> None:
        """Posts once: a retry first looks for the post an interrupted try already made."""
        attempt: OutboxMessage = self._current.message
        metadata = {"event_type": "info_request_post", "event_payload": {"outbox": attempt.id}}
        if attempt.attempts > 1 and self._already_posted(channel, metadata, attempt.created_at):
            return
        self.gateway.client.chat_postMessage(channel=channel, metadata=metadata, **message)

    def _already_posted(self, channel: str, metadata: dict[str, Any], since: datetime) -> bool:
        history = self.gateway.client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp() - 60:.6f}",
            limit=200,
            include_all_metadata=True,
        )
        return any(m.get("metadata") == metadata for m in history.get("messages", []))

    def _reason(self, case: Case, action: Action) -> str:
        with reading(self.sessions) as session:
            return case_repo.last_reason(session=session, case_id=case.id, action=action) or ""

    def _rescope(self, case: Case) -> None:
        reason = self._reason(case, Action.REQUEST_RESCOPE)
        self._dm(case.requester_id, build_rescope_dm(case_repo.snapshot(case), reason))

    def _legal(self, case: Case, *, approved: bool) -> None:
        action = Action.LEGAL_APPROVE if approved else Action.LEGAL_DENY
        message = build_legal_decision_dm(
            case_repo.snapshot(case), approved=approved, reason=self._reason(case, action)
        )
        self._dm(case.requester_id, message)

    def _receipt(self, case: Case) -> None:
        snapshot = case_repo.snapshot(case)
        self._dm(
            case.requester_id, build_receipt(snapshot, triage_channel=self.settings.triage_channel)
        )

    # -- the customer-update cadence: each message is dropped, unsent, once it is stale -------
    def _update_reminder(self, case: Case) -> None:
        if not is_current(case, case.reminded_due_at):
            return  # an update was recorded, or the reminder snoozed, before it went out
        with reading(self.sessions) as session:
            findings = [
                FindingNote(at=row.at, author_id=row.author_id, text=row.text)
                for row in findings_since(session, case)
            ]
        message = build_update_reminder(
            case_repo.snapshot(case),
            last_update=case.last_customer_update_at,
            due_at=case.next_update_due_at,
            findings=findings,
        )
        self._dm(case.relay_contact_id, message)

    def _owner_nudge(self, case: Case) -> None:
        if not case.owner_id or not is_current(case, case.nudged_due_at):
            return
        message = build_owner_nudge(
            case_repo.snapshot(case),
            last_update=case.last_customer_update_at,
            due_at=case.next_update_due_at,
        )
        self._dm(case.owner_id, message)

    def _escalation(self, case: Case) -> None:
        if not is_current(case, case.escalated_due_at):
            return
        channel = self._internal_channel(self.settings.leads_channel)
        message = build_escalation(case_repo.snapshot(case), due_at=case.next_update_due_at)
        self._post_once(channel, message)


def card_metadata(case_id: int) -> dict[str, Any]:
    """Slack message metadata naming the case a card belongs to (no personal data)."""
    return {"event_type": "info_request_card", "event_payload": {"case": case_id}}


def _remember_card(case_id: int, channel: str, ts: str) -> Apply:
    def remember(session: Session) -> None:
        session.execute(
            update(Case).where(Case.id == case_id).values(card_channel_id=channel, card_ts=ts)
        )

    return remember
