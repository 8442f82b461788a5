"""The bag digest as the review gate reads it, and where the surfaces show it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.cases.digests import bag_digest
from bot.cases.model import State
from messages import gitlab as md
from messages.card import build_triage_card
from tests import factories
from tests.factories import BAG_DIGEST
from tests.messages.samples import snapshot


@pytest.mark.parametrize(
    "typed", [BAG_DIGEST, f"sha256:{BAG_DIGEST}", f"  SHA256:{BAG_DIGEST.upper()} "]
)
def test_a_digest_is_read_in_any_case_with_or_without_its_prefix(typed):
    assert bag_digest(typed) == BAG_DIGEST


@pytest.mark.parametrize(
    "typed", ["", "sha256:ab12", BAG_DIGEST + "0", "z" * 64, f"md5:{BAG_DIGEST}", "9f2c…"]
)
def test_anything_else_is_no_digest(typed):
    assert bag_digest(typed) is None


@pytest.mark.parametrize(
    ("action", "words"),
    [("review_approve", "Approved bag digest"), ("mark_shared", "Shared bag digest")],
)
def test_the_gitlab_note_records_the_digest_approved_or_shared(action, words):
    facts = md.NoteFacts(
        1, action, "USEC", factories.NOW, State.IN_REVIEW, State.IN_REVIEW,
        data={"digest": BAG_DIGEST},
    )  # fmt: skip
    assert f"{words}: {BAG_DIGEST}" in md.event_note(facts)
    assert "digest" not in md.event_note(replace(facts, data={})).lower()


@pytest.mark.parametrize(
    ("state", "shown"),
    [(State.IN_REVIEW, "under review"), (State.APPROVED, "approved"), (State.SHARED, "shared")],
)
def test_the_card_shows_the_digest_under_review_approved_and_shared(state, shown):
    card = build_triage_card(snapshot(state=state, owner_id="USUP", digest=BAG_DIGEST))
    assert f"Bag digest {shown}: `{BAG_DIGEST}`" in str(card)
    closed = build_triage_card(snapshot(state=State.CLOSED, owner_id="USUP", digest=BAG_DIGEST))
    assert BAG_DIGEST not in str(closed)
