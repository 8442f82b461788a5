"""Every row of the intake rules table, by the field it reports on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cases.model import Deployment, Limits, Plan
from bot.cases.rules import RULES, Field, assess
from tests.factories import NOW, intake

LIMITS = Limits(max_resources=5, max_event_types=3)
JUSTIFIED = "Customer is mid-renewal; the CRO asked for an exception."


def errors(**changes):
    return assess(intake(**changes), now=NOW, limits=LIMITS).errors


def test_a_valid_request_passes():
    verdict = assess(intake(), now=NOW, limits=LIMITS)
    assert verdict.accepted and not verdict.needs_legal and verdict.waived == ()


# (changes, field that must carry the error, words the requester must read)
REFUSALS = [
    ({"organisation": "  "}, Field.ORGANISATION, "organisation name"),
    ({"organisation": "x" * 201}, Field.ORGANISATION, "200 characters"),
    ({"ticket_url": "ticket 4242"}, Field.TICKET_URL, "link"),
    ({"ticket_url": "ftp://x.example.com"}, Field.TICKET_URL, "https://"),
    ({"plan": None}, Field.PLAN, "Choose the customer's plan"),
    ({"plan": Plan.FREE}, Field.PLAN, "Premium or Ultimate"),
    ({"plan": Plan.TRIAL}, Field.PLAN, "Premium or Ultimate"),
    ({"plan": Plan.DEPRECATED}, Field.PLAN, "Premium or Ultimate"),
    ({"plan": Plan.OTHER_NON_PAYING}, Field.PLAN, "Premium or Ultimate"),
    ({"deployment": None}, Field.DEPLOYMENT, "Choose where"),
    ({"deployment": Deployment.SELF_MANAGED}, Field.DEPLOYMENT, "self-managed"),
    ({"namespace": ""}, Field.NAMESPACE, "top-level group"),
    ({"namespace": "acme corp"}, Field.NAMESPACE, "no slashes"),
    ({"namespace": "acme/sub"}, Field.NAMESPACE, "no slashes"),
    ({"owns_namespace": False}, Field.OWNERSHIP, "legal subpoena"),
    ({"window_start": None}, Field.WINDOW_START, "starts"),
    ({"window_end": None}, Field.WINDOW_END, "ends"),
    ({"window_end": NOW + timedelta(minutes=1)}, Field.WINDOW_END, "future"),
    ({"window_end": NOW - timedelta(days=4)}, Field.WINDOW_END, "end after it starts"),
    ({"window_start": NOW - timedelta(days=32)}, Field.WINDOW_START, "one calendar month"),
    ({"projects": ("acme-corp/api repo",)}, Field.PROJECTS, "one project path per line"),
    ({"projects": ("other-corp/api",)}, Field.PROJECTS, "account the customer owns"),
    ({"projects": ("acme-corpx/api",)}, Field.PROJECTS, "account the customer owns"),
    ({"groups": ("acme corp",)}, Field.GROUPS, "one group path per line"),
    ({"groups": ("rival/platform",)}, Field.GROUPS, "account the customer owns"),
    ({"users": ("j doe",)}, Field.USERS, "username"),
    ({"users_in_namespace": False}, Field.USERS, "belong to the customer's namespace"),
    ({"projects": (), "groups": (), "users": ()}, Field.PROJECTS, "specific resources"),
    ({"users": ("a", "b", "c", "d", "e")}, Field.PROJECTS, "more than 5"),
    ({"event_types": (), "event_other": ""}, Field.EVENT_TYPES, "specific events"),
    ({"event_types": ("a", "b", "c", "d")}, Field.EVENT_TYPES, "more than 3"),
    ({"event_types": ("other",), "event_other": ""}, Field.EVENT_OTHER, "describe"),
    ({"event_other": "y" * 301}, Field.EVENT_OTHER, "300 characters"),
    ({"personal_data": None}, Field.PERSONAL_DATA, "user names or IP"),
    ({"access_logs": None}, Field.ACCESS_LOGS, "access logs"),
    ({"own_use": None}, Field.OWN_USE, "own use of GitLab"),
    ({"own_use": False}, Field.OWN_USE, "responsible disclosure"),
    ({"audit_events": " "}, Field.AUDIT_EVENTS, "Audit Events"),
    ({"audit_events": "a" * 3001}, Field.AUDIT_EVENTS, "3000 characters"),
    ({"summary": " "}, Field.SUMMARY, "Summarise"),
    ({"summary": "s" * 3001}, Field.SUMMARY, "3000 characters"),
    ({"exception_justification": "j" * 3001}, Field.EXCEPTION, "3000 characters"),
]


@pytest.mark.parametrize(("changes", "field", "words"), REFUSALS)
def test_each_broken_condition_is_reported_on_its_field(changes, field, words):
    found = errors(**changes)
    assert field in found, found
    assert words in found[field]
    assert set(found) == {field}, "one broken condition reports on one field only"


def test_every_row_of_the_table_is_exercised_above():
    reported = {errors(**changes)[field] for changes, field, _ in REFUSALS}
    table = {rule.message.format(**vars(LIMITS)) for rule in RULES}
    assert table <= reported, table - reported


def test_an_exception_request_waives_the_plan_for_legal():
    verdict = assess(
        intake(exception_justification=JUSTIFIED, plan=Plan.FREE), now=NOW, limits=LIMITS
    )
    assert verdict.accepted
    assert verdict.needs_legal
    assert verdict.waived == (Field.PLAN,)


@pytest.mark.parametrize(
    "changes",
    [
        {"deployment": Deployment.SELF_MANAGED},
        {"owns_namespace": False},
        {"projects": ("other-corp/x",)},
        {"window_start": NOW - timedelta(days=40)},
    ],
)
def test_an_exception_cannot_waive_the_hard_conditions(changes):
    found = assess(intake(exception_justification=JUSTIFIED, **changes), now=NOW, limits=LIMITS)
    assert not found.accepted


def test_paths_compare_without_case_and_users_need_no_namespace():
    assert errors(projects=("ACME-CORP/Backend",), users=("someone-else",)) == {}


def test_several_fields_are_reported_together():
    found = errors(organisation="", plan=None, summary="")
    assert set(found) == {Field.ORGANISATION, Field.PLAN, Field.SUMMARY}
