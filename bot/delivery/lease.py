"""Keeping a batch's leases while it is being sent, so a slow but alive drain keeps its rows.

A drain's lease is short (`LEASE`), so the rows of a replica that dies are taken over by
another within a minute. A live drain whose batch takes longer (a Slack post waiting out a
rate limit, GitLab answering slowly) must not lose its rows to another drain meanwhile, or
both would send them: while a batch is in hand its leases are renewed every third of the
lease. One keeper thread per process does it for every drain, so holding a batch costs a
dictionary entry, not a thread; it writes nothing for a batch sent faster than that, which is
nearly all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=40)  # OUTBOX_LEASE_SECONDS: a dead replica's rows free in a minute
Renew = Callable[[], object]


class LeaseKeeper:
    """Calls each held batch's `renew` every `every` seconds, from one thread, while held."""

    def __init__(self) -> None:
        self._held: dict[int, tuple[Renew, float, float]] = {}  # id -> renew, every, next at
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._next = 0

    @contextmanager
    def holding(self, renew: Renew, every: float) -> Iterator[None]:
        with self._changed:
            self._next += 1
            key = self._next
            self._held[key] = (renew, every, time.monotonic() + every)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                del self._held[key]

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [(key, item) for key, item in self._held.items() if item[2] <= now]
                for key, (renew, every, _) in due:
                    self._held[key] = (renew, every, now + every)
                if not due:
                    soonest = min((item[2] for item in self._held.values()), default=now + 60)
                    self._changed.wait(max(0.01, soonest - now))
                    continue
            for _, (renew, _, _) in due:
                try:
                    renew()
                except Exception:  # the database away for a moment: the lease still has time
                    log.warning("could not renew outbox leases; trying again", exc_info=True)


KEEPER = LeaseKeeper()
