"""Fault injection of the fake GitLab: fail, rate-limit, hang, half-succeed, crash, go down.

Rules match ``method`` (or ``"*"``) and ``re.search`` of ``path_regex`` against the request
path, raw (``/api/v4/projects/sec%2Fcases/issues``) or URL-decoded
(``/api/v4/projects/sec/cases/issues``). The first matching rule with uses left wins.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["fail", "rate_limit", "hang", "succeed_then_fail", "crash"]


@dataclass
class FaultRule:
    """One injected fault; ``remaining`` is None for "until clear_faults()"."""

    kind: FaultKind
    method: str
    pattern: re.Pattern[str]
    remaining: int | None
    status: int = 500
    retry_after: int = 1
    seconds: float = 0.0
    perform: bool = True
    hits: int = 0

    def matches(self, method: str, raw_path: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        return bool(self.pattern.search(raw_path) or self.pattern.search(path))


class FaultInjection:
    """The fault rules of a fake GitLab and its down switch, guarded by ``self._lock``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._faults: list[FaultRule] = []
        self._down = False

    def fail(
        self, method: str, path_regex: str, *, status: int = 500, times: int | None = 1
    ) -> FaultRule:
        """Answer ``status`` without performing the operation."""
        return self._add_fault("fail", method, path_regex, times, status=status)

    def rate_limit(
        self, method: str, path_regex: str, *, retry_after: int = 1, times: int | None = 1
    ) -> FaultRule:
        """Answer 429 with ``Retry-After`` (whole seconds: python-gitlab int()s it)."""
        return self._add_fault("rate_limit", method, path_regex, times, retry_after=retry_after)

    def hang(
        self,
        method: str,
        path_regex: str,
        *,
        seconds: float,
        times: int | None = 1,
        perform: bool = True,
    ) -> FaultRule:
        """Sleep before handling, so the client's timeout fires first.

        With ``perform`` (default) the request is still carried out after the sleep, as
        a slow real server would: a client timeout then leaves the outcome unknown.
        With ``perform=False`` the connection is dropped after the sleep instead.
        """
        return self._add_fault("hang", method, path_regex, times, seconds=seconds, perform=perform)

    def succeed_then_fail(
        self, method: str, path_regex: str, *, status: int = 502, times: int | None = 1
    ) -> FaultRule:
        """Perform the operation, then answer ``status``: the ambiguous failure."""
        return self._add_fault("succeed_then_fail", method, path_regex, times, status=status)

    def crash(self, method: str, path_regex: str, *, times: int | None = 1) -> FaultRule:
        """Close the connection without any response (and without performing)."""
        return self._add_fault("crash", method, path_regex, times)

    def down(self) -> None:
        """Answer 503 to every API request until :meth:`up` or :meth:`clear_faults`."""
        with self._lock:
            self._down = True

    def up(self) -> None:
        with self._lock:
            self._down = False

    def clear_faults(self) -> None:
        """Remove every fault rule and bring the server back up."""
        with self._lock:
            self._faults.clear()
            self._down = False

    def _add_fault(
        self, kind: FaultKind, method: str, path_regex: str, times: int | None, **options: Any
    ) -> FaultRule:
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for 'until cleared'")
        rule = FaultRule(kind, method.upper(), re.compile(path_regex), times, **options)
        with self._lock:
            self._faults.append(rule)
        return rule

    def _take_fault(self, method: str, raw_path: str, path: str) -> FaultRule | None:
        """Consume one use of the first matching rule (call with the lock held)."""
        for rule in self._faults:
            if rule.matches(method, raw_path, path):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._faults.remove(rule)
                return rule
        return None
