"""Delivery off the request threads: a few couriers send what commits queued, case by case.

Listeners hand the courier a case number after their ack and return. A small fixed number of
threads (not one per request) then drain the outbox for those cases, so twenty people
submitting at once are acknowledged without waiting behind twenty deliveries competing for
the database and the CPU. Each courier takes every case queued so far and sends each one's
oldest message first (a new case's card), then the rest (receipts, DMs), taking the cases
queued meanwhile before each case's rest, so a burst of filings puts every card up before
any receipt goes out. The idle step (the Home tabs) waits
until no courier holds a case: paced at Slack's one post a second, the other courier's cards
may still be going out when one courier runs dry. Nothing depends on the courier for
correctness: whatever it has not sent is still in the outbox for the worker.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
STOP = -1  # not a case: tells a courier to finish what it holds and end
GIVE_WAY_AT_MOST = 0.25  # seconds a delivery step waits for the requests in flight


class InFlight:
    """The Slack requests this process is answering. Deliveries give way to them: Slack
    drops an answer after 3 seconds, while a card waits on Slack's posting pace anyway."""

    def __init__(self) -> None:
        self._count = 0
        self.waiting = 0  # deliveries giving way right now
        self._quiet = threading.Condition()

    @contextmanager
    def serving(self) -> Iterator[None]:
        with self._quiet:
            self._count += 1
        try:
            yield
        finally:
            with self._quiet:
                self._count -= 1
                if not self._count:
                    self._quiet.notify_all()

    def give_way(self, longest: float = GIVE_WAY_AT_MOST) -> None:
        """Waits until no request is in flight, or `longest` seconds (deliveries never starve)."""
        with self._quiet:
            self.waiting += 1
            try:
                self._quiet.wait_for(lambda: not self._count, timeout=longest)
            finally:
                self.waiting -= 1


class Courier:
    """Delivers queued cases in passes: `first` for every case in hand (a new case's card),
    then `rest` for each, then `idle` once nothing more is queued (Home tabs, GitLab)."""

    def __init__(
        self,
        *,
        first: Callable[[int], object],
        rest: Callable[[int], object],
        idle: Callable[[], object],
        threads: int = 2,
        in_flight: InFlight | None = None,
        give_way: float = GIVE_WAY_AT_MOST,
    ) -> None:
        self._passes, self._idle, self._size = (first, rest), idle, threads
        self._in_flight, self._give_way = in_flight or InFlight(), give_way
        self._queue: queue.Queue[int] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._unsent = 0  # cases queued or being delivered

    def send(self, case_id: int) -> None:
        """Queues a case for delivery and returns at once."""
        with self._lock:
            self._unsent += 1
        self._queue.put(case_id)
        with self._lock:
            if self._stopped:
                return  # the outbox keeps it for the worker
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self._size:
                thread = threading.Thread(target=self._run, name="courier", daemon=True)
                thread.start()
                self._threads.append(thread)

    def idle(self) -> bool:
        """Whether no case is queued or being delivered."""
        with self._lock:
            return self._unsent == 0

    def stop(self, timeout: float = 10.0) -> None:
        """Lets the couriers deliver what was queued before the stop, then end; a case queued
        after it stays in the outbox for the worker. Nothing touches the database after this
        returns."""
        with self._lock:
            self._stopped, threads = True, list(self._threads)
        for _ in threads:
            self._queue.put(STOP)
        for thread in threads:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            stopping = self._deliver([self._queue.get()])
            if stopping:
                self._queue.put(STOP)  # it may have taken another courier's: pass one on
                return
            with self._lock:
                quiet = self._unsent == 0
            if quiet:
                self._guarded(self._idle)

    def _deliver(self, taken: list[int]) -> bool:
        """The first pass for every case in hand, then the rest of each; a case queued
        meanwhile has its first pass (its card) before the next case's rest. Paced at one
        post a second, a burst's receipts would otherwise hold back the cards filed after it.
        Returns whether it took a STOP (then it takes no more cases)."""
        first, rest = self._passes
        stopping = False
        held: dict[int, int] = {}  # cases whose first pass is done: how many sends each
        while True:
            if not stopping:
                taken += self._waiting()
            if taken:  # first passes, then look again: more may have come meanwhile
                stopping = stopping or STOP in taken
                for case_id in [case_id for case_id in taken if case_id != STOP]:
                    if case_id not in held:
                        self._in_flight.give_way(self._give_way)
                        self._guarded(first, case_id)
                    held[case_id] = held.get(case_id, 0) + 1
                taken = []
                continue
            if not held:
                return stopping
            case_id = next(iter(held))
            self._in_flight.give_way(self._give_way)
            self._guarded(rest, case_id)
            with self._lock:
                self._unsent -= held.pop(case_id)

    def _waiting(self) -> list[int]:
        """Every case queued now, without waiting for more."""
        cases = []
        while True:
            try:
                cases.append(self._queue.get_nowait())
            except queue.Empty:
                return cases

    @staticmethod
    def _guarded(step: Callable[..., object], *args: int) -> None:
        try:
            step(*args)
        except Exception:
            log.exception("delivery step for %s failed; left in the outbox", args or "idle")
