"""Knowing when the served bot has finished answering: its listeners run on a counted executor."""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future
from typing import Any


class Tracked(Executor):
    """The listeners' executor, counting what still runs, so `Desk.settle` knows when the
    bot has finished answering (a reply sent after the ack included)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._running = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            self._running += 1
        try:
            future = self.inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object) -> None:
        with self._lock:
            self._running -= 1

    def idle(self) -> bool:
        with self._lock:
            return self._running == 0

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        self.inner.shutdown(wait, **kwargs)


def track_listeners(app: Any) -> Tracked:
    """Has the Bolt app run its listeners through a `Tracked` executor."""
    runner = app.listener_runner
    tracked = Tracked(runner.listener_executor)
    runner.listener_executor = tracked
    runner.lazy_listener_runner.executor = tracked
    return tracked
