"""An accepted request's terms: Legal only for a waived rule, and the route that follows."""

from __future__ import annotations

from datetime import timedelta

from bot.cases.model import Limits, Plan, Route
from bot.cases.rules import Field, assess
from bot.cases.terms import settle
from tests.factories import NOW, intake


def terms(**changes):
    request = intake(**changes)
    return settle(request, assess(request, now=NOW, limits=Limits()), now=NOW)


def test_a_justification_nothing_needs_is_dropped_and_told():
    settled = terms(exception_justification="n/a")
    assert not settled.needs_legal and settled.exception_unneeded
    assert settled.intake.exception_justification == ""
    assert settled.route is Route.SUPPORT


def test_a_waived_plan_goes_to_legal_and_to_sirt():
    settled = terms(plan=Plan.TRIAL, exception_justification="Renewal signed next week.")
    assert settled.needs_legal and settled.waived == (Field.PLAN,)
    assert settled.intake.exception_justification == "Renewal signed next week."
    assert settled.route is Route.SIRT and not settled.exception_unneeded


def test_a_long_window_is_sirt_with_the_notice():
    settled = terms(window_start=NOW - timedelta(days=10))
    assert settled.route is Route.SIRT and settled.long_window
