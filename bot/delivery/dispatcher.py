"""Delivery after the ack: Slack by a few couriers, GitLab by one background thread.

A listener hands over the case it changed and returns. The couriers send that case's queued
Slack messages (every new card before any other message), then refresh stale Home tabs and
wake the GitLab mirror, which runs in its own thread so Slack never waits on GitLab. Nothing
depends on this for correctness: whatever is not sent here stays in the outbox for the
worker's drains.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from functools import partial

from bot.delivery.courier import Courier, InFlight
from bot.delivery.drain import Drain

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        slack_drain: Drain,
        gitlab_drain: Drain | None,
        *,
        when_quiet: Callable[[], object] = lambda: None,
    ) -> None:
        self.slack_drain, self.gitlab_drain = slack_drain, gitlab_drain
        self._when_quiet = when_quiet
        self.in_flight = InFlight()  # the server counts its requests here; couriers give way
        self._courier = Courier(
            first=partial(self.deliver_slack, first_only=True),
            rest=self.deliver_slack,
            idle=self._idle,
            in_flight=self.in_flight,
        )
        self._mirror_lock = threading.Lock()
        self._mirror_thread: threading.Thread | None = None
        self._mirror_again = False

    def deliver(self, case_id: int) -> None:
        """Has the couriers send what the case's last step queued; returns at once."""
        self._courier.send(case_id)

    def deliver_slack(self, case_id: int, *, first_only: bool = False) -> None:
        """Sends the case's queued Slack messages now (`first_only`: its oldest, a new case's
        card); whatever fails stays for the worker."""
        try:
            self.slack_drain.run(case_id=case_id, max_rounds=1 if first_only else 1000)
        except Exception:
            log.exception("delivering Slack messages for case %s failed; left queued", case_id)

    def couriers_idle(self) -> bool:
        """Whether the couriers hold no case (the worker's drains may still be sending)."""
        return self._courier.idle()

    def stop(self, timeout: float = 10.0) -> None:
        """Ends the couriers and the mirror thread once the work in hand is done (a server
        shutting down, a test's bot stopped): none of them touches the database after."""
        self._courier.stop(timeout)
        with self._mirror_lock:
            self._mirror_again, thread = False, self._mirror_thread
        if thread is not None:
            thread.join(timeout)

    def _idle(self) -> None:
        self._when_quiet()  # the Home tabs
        self.mirror_soon()

    def mirror_soon(self) -> None:
        """Mirrors what is queued for GitLab in one background thread, started if none runs.

        Every GitLab call has a timeout; at most one thread runs however many cases are filed
        at once, and it goes round again when asked while it runs.
        """
        if self.gitlab_drain is None:
            return
        with self._mirror_lock:
            self._mirror_again = True
            if self._mirror_thread is None:
                self._mirror_thread = threading.Thread(
                    target=self._mirror, name="gitlab-mirror-run", daemon=True
                )
                self._mirror_thread.start()

    def _mirror(self) -> None:
        assert self.gitlab_drain is not None
        # Its own lease owner, so it never marks a row the worker's drain holds.
        drain = dataclasses.replace(
            self.gitlab_drain, owner=f"{self.gitlab_drain.owner}:serve"[-64:]
        )
        while True:
            with self._mirror_lock:
                if not self._mirror_again:
                    self._mirror_thread = None
                    return
                self._mirror_again = False
            try:
                drain.run()
            except Exception:
                log.exception("mirroring to GitLab failed; left queued for the worker")
