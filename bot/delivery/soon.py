"""Work started right after an ack, in one background thread however many acks ask for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Soon:
    """Runs `work` in one background thread, started if none runs, going round again when
    asked while it runs: however many deliveries arrive at once, one applier runs."""

    def __init__(self, work: Callable[[], object], name: str) -> None:
        self._work, self._name = work, name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def __call__(self) -> None:
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def idle(self) -> bool:
        with self._lock:
            return self._thread is None

    def join(self, timeout: float) -> None:
        """Waits for the work in hand to end (a server shutting down), up to `timeout`."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                self._work()
            except Exception:
                log.exception("%s failed; the worker tries again", self._name)
