"""The public gap issue's guard: whatever of the request a text carries is found and named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from bot.cases.disclosure import Request, disclosures, refusal
from tests import gap_texts

ACME = Request(
    organisation="Acme Widgets GmbH",
    namespace="acme-corp",
    ticket_url="https://support.example.com/tickets/4242",
    projects=("acme-corp/backend/api",),
    groups=("acme-corp/platform",),
    users=("jane.doe", "mallory"),
)


@settings(max_examples=500, deadline=None)
@given(text=gap_texts.hostile_texts())
def test_every_hostile_text_is_caught(text):
    assert disclosures(text, gap_texts.REQUEST), text


@settings(max_examples=200, deadline=None)
@given(text=gap_texts.harmless_texts)
def test_gap_prose_alone_passes(text):
    assert disclosures(text, gap_texts.REQUEST) == []


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Ask jane.doe@acme.example.com", "an email address"),
        ("ask the ACME admins", "a word of the organisation name"),
        ("Ａｃｍｅ's tokens", "a word of the organisation name"),  # full-width letters
        ("the Wid\u200bgets team", "a word of the organisation name"),  # zero-width space
        ("acmewidgets tenant", "the organisation name"),
        ("in acme-corp", "the namespace"),
        ("the backend/api project", "a project path"),
        ("logins by Jane Doe", "a part of a user's name"),
        ("by @mallory", "a user name"),
        ("see ticket #4242", "the ticket number"),
        ("from 203.0.113.9", "an IP address"),
        ("from 2001:db8::7", "an IP address"),
        ("see https://example.org/x", "a link"),
        ("see wiki.internal.io", "a link"),
        ("token glpat-AbCdEf0123456789xyz", "an access token"),
    ],
)
def test_each_kind_of_leak_is_named(text, what):
    assert what in {found.what for found in disclosures(text, ACME)}, disclosures(text, ACME)


@pytest.mark.parametrize(
    "text",
    [
        "Gitlab::Audit::Events has no event at 02:14:00 UTC for GitLab 16.11.2",
        "No audit event when a group's SAML link changes; see docs.gitlab.com",
        "The API token use leaves no trace in the platform's audit log (i.e. none).",
    ],
)
def test_ordinary_gap_prose_passes(text):
    assert disclosures(text, ACME) == []


def test_the_refusal_says_the_issue_is_public_and_what_to_remove():
    said = refusal(disclosures("Ask jane.doe@acme.example.com about Acme", ACME))
    assert "public" in said and "jane.doe@acme.example.com" in said and "acme" in said
