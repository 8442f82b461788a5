"""Keeping a batch's leases while it is being sent, so a slow but alive drain keeps its rows.

A drain's lease is short (`LEASE`), so the rows of a replica that dies are taken over by
another within a minute. A live drain whose batch takes longer (a Slack post waiting out a
rate limit, GitLab answering slowly) must not lose its rows to another drain meanwhile, or
both would send them: while a batch is in hand a keeper thread renews its leases every third
of the lease. It writes nothing for a batch sent faster than that, which is nearly all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=40)  # OUTBOX_LEASE_SECONDS: a dead replica's rows free in a minute


class LeaseKeeper:
    """Calls `renew` every `every` seconds from its own thread, for as long as it is open."""

    def __init__(self, renew: Callable[[], object], every: float, name: str = "lease") -> None:
        self._renew, self._every = renew, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{name}-keeper", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._renew()
            except Exception:  # the database away for a moment: the lease still has time
                log.warning("could not renew outbox leases; trying again", exc_info=True)
