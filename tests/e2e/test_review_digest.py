"""The review gate approves a bag's digest, through the served bot on each database."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.standins.slack_payloads import checkboxes, plain_text_input
from db.models import Case, CaseEvent
from db.session import transaction
from tests.factories import BAG_DIGEST

NEW_DIGEST = "f" * 64


def artefacts(digest: str) -> dict:
    return {
        "artefact_description": plain_text_input("The bag from the log-dive kit"),
        "artefact_count": plain_text_input("42"),
        "artefact_location": plain_text_input("gs://sirt-evidence/case-1/"),
        "artefact_checksum": plain_text_input(digest),
        "redacted": checkboxes(["redacted"]),
    }


def digests(desk, action: str) -> list[str | None]:
    with transaction(desk.bot.sessions) as session:
        rows = session.scalars(select(CaseEvent).where(CaseEvent.action == action))
        return [event.data.get("digest") for event in rows]


def state(desk) -> str:
    with transaction(desk.bot.sessions) as session:
        return session.get(Case, 1).state


def test_a_checksum_that_is_not_a_bag_digest_is_refused_on_its_field(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    for typed in ("sha256:ab12", "md5:0123", "g" * 64, BAG_DIGEST[:-1]):
        response = desk.fill("case_submit_review", 1, artefacts(typed), user="USUP")
        assert list(response.json()["errors"]) == ["artefact_checksum"]
        assert "digest" in response.json()["errors"]["artefact_checksum"]
    assert state(desk) == "investigating" and digests(desk, "submit_for_review") == []


def test_reviewers_approve_the_digest_and_a_new_digest_needs_a_new_review(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    desk.fill("case_submit_review", 1, artefacts(f"SHA256:{BAG_DIGEST.upper()}"), user="USUP")
    assert f"Bag digest under review: `{BAG_DIGEST}`" in json.dumps(desk.wait_for_card(1))
    desk.press("case_approve", 1, user="USEC")
    desk.fill(
        "case_reject", 1, {"text": plain_text_input("A field is not redacted")}, user="ULEGAL"
    )
    assert state(desk) == "investigating"

    desk.fill("case_submit_review", 1, artefacts(NEW_DIGEST), user="USUP")
    with transaction(desk.bot.sessions) as session:
        case = session.get(Case, 1)
        assert (case.security_approver_id, case.legal_approver_id) == (None, None)
    desk.press("case_approve", 1, user="USEC")
    assert state(desk) == "in_review"  # the first digest's approvals are gone: both again
    desk.press("case_approve", 1, user="ULEGAL")
    assert state(desk) == "approved"
    assert digests(desk, "submit_for_review") == [BAG_DIGEST, NEW_DIGEST]
    assert digests(desk, "review_approve") == [BAG_DIGEST, NEW_DIGEST, NEW_DIGEST]

    desk.press("case_mark_shared", 1, user="UREQ")
    desk.settle(1)
    assert digests(desk, "mark_shared") == [NEW_DIGEST]
    assert f"Bag digest shared: `{NEW_DIGEST}`" in json.dumps(desk.wait_for_card(1))
