"""Sending the Slack side of the outbox: the triage card, DMs and the leads' escalations.

`load` renders each message in the claiming transaction (bot.delivery.letters); `send` only
talks to Slack, through a `Notifier`. Before anything goes to a channel the channel is asked
again whether it is private and internal: one that became shared gets nothing. A message that
may have gone out before a crash is looked for (by the metadata it carries) before it is
posted again, so a retry never shows it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.delivery import letters
from bot.delivery.drain import Apply, Permanent, Retry
from bot.delivery.kinds import Mirror, Notice, To, Topic
from bot.delivery.notifier import Notifier
from db import outbox
from db.models import Case, CaseMessage, OutboxMessage

GROUPS = (To.LEGAL, To.REVIEWERS)  # a DM to each member who may act

LOOKBACK = 60.0  # seconds before a message was queued that a retry searches for it


def card_metadata(case_id: int) -> dict[str, Any]:
    """Slack message metadata naming the case a card belongs to (no personal data)."""
    return {"event_type": "info_request_card", "event_payload": {"case": case_id}}


def post_metadata(message_id: int) -> dict[str, Any]:
    """Slack message metadata naming the outbox row a post comes from."""
    return {"event_type": "info_request_post", "event_payload": {"outbox": message_id}}


class SlackSender:
    """The outbox sender for topic `slack`."""

    def __init__(
        self,
        notifier: Notifier,
        *,
        triage_channel: str | None,
        leads_channel: str | None,
        cards_changed: Callable[[Iterable[str | None]], None] = lambda people: None,
        members: Callable[[To], Iterable[str]] = lambda group: (),
    ) -> None:
        self.notifier = notifier
        self.channels = {To.TRIAGE: triage_channel, To.LEADS: leads_channel}
        self.cards_changed = cards_changed  # whose Home tabs a card change makes stale
        self.members = members  # who is in a group (raises Retry when Slack can't say)

    def load(self, session: Session, batch: Sequence[OutboxMessage]) -> list[Any]:
        return letters.load(session, batch, triage_channel=self.channels[To.TRIAGE] or "")

    def send(self, message: OutboxMessage, letter: letters.Letter) -> Apply | None:
        posted: list[str] = []  # what this attempt put up, if anything
        try:
            return self._send(message, letter, posted)
        except Retry as error:
            if posted and error.refund:
                # Told to wait after a post went out (a 429 on the permalink, on the next
                # member's DM): the attempt counts, so the next one looks before it reposts.
                raise Retry(str(error), error.after, refund=False) from error
            raise

    def _send(
        self, message: OutboxMessage, letter: letters.Letter, posted: list[str]
    ) -> Apply | None:
        if letter.message is None:
            return None  # stale: an update was recorded, or the reminder snoozed, meanwhile
        if letter.notice is Notice.CARD:
            return self._card(letter, posted, retrying=message.attempts > 1)
        if letter.to in GROUPS:
            return self._ask(letter, message, posted)
        if letter.to is To.ASKED:
            for ask in letter.updates:  # the decision shows on every DM that asked for it
                if ask.message is not None:
                    self.notifier.update(ask.channel_id, ask.ts, ask.message)
            return None
        if letter.user_id is not None:
            channel = self.notifier.dm_channel(letter.user_id)
        elif letter.to in self.channels:
            channel = self._internal(self.channels[letter.to])
        else:
            return None  # nobody holds that role on the case (yet): nothing to tell
        self._post_once(channel, letter.message, message, posted)
        return None

    def _internal(self, channel_id: str | None) -> str:
        if not channel_id:
            raise Permanent("no channel configured")
        if not self.notifier.is_internal(channel_id):
            raise Retry(f"channel {channel_id} is not private and internal; not posting there")
        return channel_id

    def _card(self, letter: letters.Letter, posted: list[str], *, retrying: bool) -> Apply | None:
        """Posts or updates the card; the participants' Home tabs follow when things are quiet.

        A card first put up is recorded with a GitLab note linking to it, in one transaction.
        """
        assert letter.message is not None and letter.case_created_at is not None
        channel_id, ts, case_id = letter.card_channel_id, letter.card_ts, letter.case_id
        if not ts and retrying:
            # An earlier try may have posted the card and died before recording it: find it
            # by the case number it carries in its metadata instead of posting a second one.
            channel_id = self._internal(self.channels[To.TRIAGE])
            since = letter.case_created_at.timestamp() - LOOKBACK
            ts = self.notifier.find(channel_id, card_metadata(case_id), since)
        if ts and channel_id:
            self.notifier.update(self._internal(channel_id), ts, letter.message)
        else:
            channel_id = self._internal(self.channels[To.TRIAGE])
            ts = self.notifier.post(channel_id, letter.message, card_metadata(case_id))
            posted.append(ts)
        apply = None
        if ts != letter.card_ts:
            link = self.notifier.permalink(channel_id, ts)
            apply = _remember_card(letter, channel_id, ts, link)
        self.cards_changed(letter.people)
        return apply

    def _ask(self, letter: letters.Letter, message: OutboxMessage, posted: list[str]) -> Apply:
        """DMs each member of the group who may decide, and remembers the DMs, so that the
        decision can update them (`To.ASKED`)."""
        assert letter.message is not None
        sent = []
        for user_id in sorted(set(self.members(letter.to)) - set(letter.not_to)):
            channel = self.notifier.dm_channel(user_id)
            ts = self._post_once(channel, letter.message, message, posted)
            sent.append((user_id, channel, ts))
        return _remember_asks(letter.case_id, letter.notice, sent)

    def _post_once(
        self, channel: str, text: dict[str, Any], message: OutboxMessage, posted: list[str]
    ) -> str:
        """Posts once: a retry first looks for the post an interrupted try already made."""
        metadata = post_metadata(message.id)
        since = message.created_at.timestamp() - LOOKBACK
        if message.attempts > 1 and (ts := self.notifier.find(channel, metadata, since)):
            return ts
        ts = self.notifier.post(channel, text, metadata)
        posted.append(ts)
        return ts


def _remember_card(letter: letters.Letter, channel: str, ts: str, link: str) -> Apply:
    case_id, filed = letter.case_id, letter.case_created_at
    assert filed is not None

    def remember(session: Session) -> None:
        session.execute(
            update(Case).where(Case.id == case_id).values(card_channel_id=channel, card_ts=ts)
        )
        outbox.enqueue(
            session=session,
            case_id=case_id,
            topic=Topic.GITLAB,
            kind=Mirror.CARD_LINK,
            now=filed,  # due at once
            payload={"url": link},
        )

    return remember


def _remember_asks(case_id: int, notice: Notice, sent: list[tuple[str, str, str]]) -> Apply:
    """Each person's latest ask of this kind on the case (an earlier one stays as it was)."""

    def remember(session: Session) -> None:
        for user_id, channel, ts in sent:
            session.execute(
                delete(CaseMessage).where(
                    CaseMessage.case_id == case_id,
                    CaseMessage.kind == notice.value,
                    CaseMessage.user_id == user_id,
                )
            )
            session.add(
                CaseMessage(
                    case_id=case_id, kind=notice.value, user_id=user_id, channel_id=channel, ts=ts
                )
            )

    return remember
