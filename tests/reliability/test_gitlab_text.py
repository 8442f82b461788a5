"""What people type reaches GitLab as text: markdown links and images in summaries, findings,
reasons and the gap stay words (the SIRT issue is read by engineers who click, and the gap
issue is public), and an organisation name whose escaping makes the title longer than GitLab
takes (255 characters) still gives an issue, instead of a 400 that parks the whole case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.standins.desk import Desk, start_desk
from bot.standins.gitlab_api import FakeGitLab
from bot.standins.gitlab_state import TITLE_MAX
from bot.standins.slack_payloads import checkboxes, plain_text_input, state_values
from tests.factories import BAG_DIGEST
from tests.gitlab.conftest import GAP_PROJECT, SIRT_PROJECT, drain_all, gitlab_env, pending
from tests.reliability.conftest import _check_and_stop, count

EVIL = "evil.example"
LINKS = (
    "[the logs](https://evil.example/a) ![pixel](https://evil.example/p.png) "
    "[ref][1] \\[slash](https://evil.example/b) <https://evil.example/c>"
)
DEFINITION = "[1]: https://evil.example/d"
# 200 characters that grow when escaped: & → &amp;, < → &lt;, [ → \[
LONG_ORGANISATION = ("R&D <Ops> [EU] " * 14)[:200].strip()


def live_links(markdown: str) -> list[str]:
    """Links, images and link definitions GitLab would render from this markdown."""
    unescaped = re.sub(r"\\.", "", markdown)  # a backslash makes the next character text
    return re.findall(
        r"!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|^(?:>\s*)*\[[^\]]+\]:\s*\S+",
        unescaped,
        flags=re.MULTILINE,
    )


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        fake.add_project(SIRT_PROJECT)
        fake.add_project(GAP_PROJECT)
        yield fake
        assert fake.server_errors == []


@pytest.fixture
def gdesk(rel_db_url: str, fake: FakeGitLab) -> Iterator[Desk]:
    desk = start_desk(rel_db_url, **gitlab_env(fake))
    desk.bot.delivery.mirror_soon = lambda: None  # the test drains GitLab itself
    yield desk
    _check_and_stop(desk)


def submit(desk: Desk, action: str, user: str, answers: dict) -> Any:
    view = desk.modal_from(action, 1, user=user)
    values = state_values({(block, "input"): value for block, value in answers.items()})
    return count("gitlab text", desk.submit(view, values, user=user))


def fill(desk: Desk, action: str, user: str, answers: dict) -> None:
    response = submit(desk, action, user, answers)
    assert response.status_code == 200 and "errors" not in response.text, response.text
    desk.settle(1)


def text(value: str) -> dict:
    return {"text": plain_text_input(value)}


def test_typed_links_and_images_reach_gitlab_as_text(gdesk, fake):
    desk = gdesk
    typed = f"{LINKS}\n{DEFINITION}"
    answers = {"summary": plain_text_input(typed), "organisation": plain_text_input("Acme")}
    assert count("gitlab text", desk.file("UREQ", **answers)).status_code == 200
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    fill(desk, "case_add_finding", "USUP", text(typed))
    fill(desk, "case_cost_notice", "USUP", text(typed))
    artefacts = {
        "artefact_description": plain_text_input(LINKS),
        "artefact_count": plain_text_input("3"),
        "artefact_location": plain_text_input("[store](https://evil.example/s)"),
        "artefact_checksum": plain_text_input(f"sha256:{BAG_DIGEST}"),
        "redacted": checkboxes(["redacted"]),
    }
    fill(desk, "case_submit_review", "USUP", artefacts)
    fill(desk, "case_reject", "USEC", text(typed))
    fill(desk, "case_submit_review", "USUP", artefacts)
    desk.press("case_approve", 1, user="USEC")
    desk.press("case_approve", 1, user="ULEGAL")
    desk.press("case_mark_shared", 1, user="UREQ")
    # The gap issue is public: links are refused there outright (issue 13); link syntax
    # without an address still reaches it as text.
    refused = submit(
        desk, "case_close_gap", "USUP", {"gap": plain_text_input(f"No event. {typed}")}
    )
    assert "errors" in refused.text and EVIL in refused.text, refused.text
    syntax = "[the logs](#a) ![pixel](#p) [ref][1] \\[slash](#b)\n[1]: #d"
    fill(desk, "case_close_gap", "USUP", {"gap": plain_text_input(f"No event. {syntax}")})
    drain_all(desk.bot.delivery.gitlab_drain)
    assert pending(desk.bot.sessions) == 0

    [issue] = fake.issues(SIRT_PROJECT)
    [gap] = fake.issues(GAP_PROJECT)
    written = [
        issue["description"],
        *(note["body"] for note in fake.notes(SIRT_PROJECT, issue["iid"])),
        gap["title"],
        gap["description"],
    ]
    assert sum(EVIL in w for w in written) >= 5, "the typed text did not reach GitLab"
    assert "the logs" in gap["description"], "the gap's link syntax did not reach GitLab"
    for markdown in written:
        assert live_links(markdown) == [], markdown


def test_an_organisation_whose_escaped_title_is_too_long_still_gets_its_issue(gdesk, fake):
    desk = gdesk
    answers = {"organisation": plain_text_input(LONG_ORGANISATION)}
    assert count("gitlab text", desk.file("UREQ", **answers)).status_code == 200
    desk.wait_for_card(1)
    desk.settle(1)
    drain_all(desk.bot.delivery.gitlab_drain)
    assert pending(desk.bot.sessions, "parked") == 0
    [issue] = fake.issues(SIRT_PROJECT)
    assert len(issue["title"]) <= TITLE_MAX
    assert issue["title"].startswith("Information request: R&amp;D &lt;Ops&gt; \\[EU\\]")
    assert issue["title"].endswith("… (case 1)")
