"""What the rules make of an accepted request: who works it, and whether Legal decides first.

Filing and a re-scope both turn an accepted assessment into `Terms`, so an edited request is
settled exactly like a new one. Legal is involved only when a rule is actually waived; a
justification typed while nothing needs waiving is dropped, and the requester is told so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.cases.model import Intake, Route
from bot.cases.routing import is_long_window, route_for
from bot.cases.rules import Assessment, Field


@dataclass(frozen=True)
class Terms:
    intake: Intake  # as the case keeps it: without a justification nothing needed
    route: Route
    long_window: bool
    waived: tuple[Field, ...]
    exception_unneeded: bool  # a justification was typed, but no rule needed waiving

    @property
    def needs_legal(self) -> bool:
        return bool(self.waived)


def settle(intake: Intake, verdict: Assessment, *, now: datetime) -> Terms:
    """The terms of an accepted request, as of the moment it was made (`now`)."""
    unneeded = intake.exception_requested and not verdict.waived
    kept = replace(intake, exception_justification="") if unneeded else intake
    return Terms(
        intake=kept,
        route=route_for(intake, now=now, exception=bool(verdict.waived)),
        long_window=is_long_window(intake, now=now),
        waived=verdict.waived,
        exception_unneeded=unneeded,
    )


@dataclass(frozen=True)
class Approval:
    """The exception Legal last approved on a case: the rules it waived, and why."""

    waived: tuple[str, ...] = ()
    justification: str = ""

    def covers(self, terms: Terms) -> bool:
        """True when Legal already approved this very exception (or a wider one)."""
        same_reason = terms.intake.exception_justification.strip() == self.justification.strip()
        return set(terms.waived) <= set(self.waived) and same_reason


def needs_legal_again(terms: Terms, approved: Approval) -> bool:
    """An edited request goes to Legal when it waives a rule Legal has not approved as it is."""
    return terms.needs_legal and not approved.covers(terms)


def route_after_edit(terms: Terms, was: Route) -> Route:
    """An edit may move a case from Support to SIRT, never back."""
    return Route.SIRT if was is Route.SIRT else terms.route
