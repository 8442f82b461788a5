"""One log line now and then for a flood of the same thing, however fast it arrives.

Whoever can reach the bot can send it junk at any rate; a line per request would let them fill
the log (and bury what matters). The first occurrence is logged at once; later ones within
the interval are only counted, and the next line says how many there were.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class LogThrottle:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._folded: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, what: str) -> None:
        """Logs `what` (a fixed text, never the sender's input) unless it was just logged."""
        with self._lock:
            now = self.clock()
            last = self._last.get(what)
            if last is not None and now - last < self.interval:
                self._folded[what] = self._folded.get(what, 0) + 1
                return
            self._last[what] = now
            folded = self._folded.pop(what, 0)
        if folded:
            self.logger.warning("%s (and %d more since the last such line)", what, folded)
        else:
            self.logger.warning("%s", what)
