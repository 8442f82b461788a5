"""Home tabs that follow the cases: marked stale by card changes, republished when quiet.

A card change makes its participants' Home tabs stale. Publishing them is best effort (the
tab is published afresh whenever someone opens it), so it waits until the deliveries in hand
have gone out, and a person whose tab went stale several times meanwhile gets one publish.
Twenty cases filed at once by two people cost two publishes, not forty, and no card waits
behind a Home tab. Each publish takes its slot from the delivery's pacer (views.publish is
limited per person); one that would wait long, or that Slack refuses with a 429, stays stale
for the next quiet moment.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.app.queries import Status
from bot.delivery.drain import Retry
from bot.delivery.pacing import Pacer
from bot.slack.notifier import classify
from messages.status import build_home

log = logging.getLogger(__name__)


class HomeTabs:
    def __init__(self, client: WebClient, status: Status, pacer: Pacer | None = None) -> None:
        self._client, self._status = client, status
        self._pacer = pacer or Pacer(rates={})
        self._stale: set[str] = set()
        self._in_flight = 0
        self._lock = threading.Lock()

    def mark_stale(self, user_ids: Iterable[str | None]) -> None:
        with self._lock:
            self._stale.update(user for user in user_ids if user)

    def publish(self, user_id: str) -> None:
        """Shows someone their open cases on the bot's Home tab now (raises `Retry` when
        their tab is paced or Slack said to wait)."""
        self._pacer.take("views.publish", user_id)
        try:
            self._client.views_publish(
                user_id=user_id, view=build_home(self._status.mine(user_id), user_id)
            )
        except SlackApiError as error:
            failure = classify(error)
            if isinstance(failure, Retry) and failure.after is not None:  # a 429
                self._pacer.told_to_wait("views.publish", user_id, failure.after)
                raise failure from error
            raise

    def refresh(self) -> None:
        """Publishes every stale Home tab once; one that fails waits for its next change."""
        with self._lock:
            users, self._stale = sorted(self._stale), set()
            self._in_flight += len(users)
        try:
            for user_id in users:
                try:
                    self.publish(user_id)
                except Retry as error:
                    self.mark_stale([user_id])  # for the next quiet moment
                    log.info("home tab of %s not refreshed yet: %s", user_id, error)
                except (SlackClientError, OSError) as error:
                    log.info("home tab of %s not refreshed: %s", user_id, error)
        finally:
            with self._lock:
                self._in_flight -= len(users)

    def settled(self) -> bool:
        """Nothing stale and nothing being published."""
        with self._lock:
            return not self._stale and self._in_flight == 0
