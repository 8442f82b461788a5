"""The whole life of a case mirrored into a fake GitLab, and Slack never waiting on it."""

from __future__ import annotations

import json

from bot.gitlab import build_gitlab_drain
from bot.standins.slack_payloads import plain_text_input
from db.models import Case
from db.session import transaction
from tests.e2e.test_casework import ARTEFACTS, click, fill, text
from tests.gitlab.conftest import GAP_PROJECT, SIRT_PROJECT, drain_all, pending

# Every intake field carries a marker of its own, so a leak into the gap issue is findable.
MARKED = {
    "organisation": plain_text_input("Orgmarker Widgets"),
    "ticket_url": {"type": "url_text_input", "value": "https://support.example.com/t/ticketmarker"},
    "namespace": plain_text_input("nsmarker-co"),
    "projects": plain_text_input("nsmarker-co/projmarker"),
    "groups": plain_text_input("nsmarker-co/groupmarker"),
    "users": plain_text_input("@usermarker1\nusermarker2"),
    "event_other": plain_text_input("othermarker logins"),
    "summary": plain_text_input("Summarymarker: token used from 198.51.100.23, ping @admin"),
}
LEAKS = ("marker", "198.51.100.23", "Orgmarker", "nsmarker")


def case_row(desk, n=1) -> Case:
    with transaction(desk.bot.sessions) as session:
        return session.get(Case, n)


def work_the_case(desk) -> None:
    click(desk, "case_claim", "USUP")
    fill(desk, "case_add_finding", "USUP", text("Token used at 02:14 from the new laptop"))
    fill(desk, "case_submit_review", "USUP", ARTEFACTS)
    click(desk, "case_approve", "USEC")
    click(desk, "case_approve", "ULEGAL")
    click(desk, "case_mark_shared", "UREQ")
    leaky = "No audit event when a personal access token is used (nsmarker-co, 198.51.100.23)"
    refused = fill(desk, "case_close_gap", "USUP", {"gap": plain_text_input(leaky)})
    assert "public" in refused.json()["errors"]["gap"]  # refused on the field, not rewritten
    gap = "No audit event when a personal access token is used"
    fill(desk, "case_close_gap", "USUP", {"gap": plain_text_input(gap)})


def test_a_case_is_mirrored_from_submission_to_close(gdesk, fake):
    desk = gdesk
    desk.file("UREQ", **MARKED)
    desk.wait_for_card(1)
    drain_all(desk.bot.delivery.gitlab_drain)

    [issue] = fake.issues(SIRT_PROJECT)
    assert issue["title"] == "Information request: Orgmarker Widgets (case 1)"
    assert issue["confidential"] is True
    assert set(issue["labels"]) == {"information-request", "route::support", "state::triage"}
    assert issue["assignees"] == []
    body = issue["description"]
    assert "@gitlab-com/gl-security/sirt" in body
    assert "<!-- info-request-bot:case-1 -->" in body
    for shown in ("nsmarker-co/projmarker", "usermarker2", "othermarker", "ticketmarker"):
        assert shown in body
    assert "@admin" not in body and "@usermarker1" not in body  # nobody else is pinged
    assert case_row(desk).gitlab_issue_url == issue["web_url"]

    work_the_case(desk)
    assert issue["web_url"] in json.dumps(desk.wait_for_card(1))
    drain_all(desk.bot.delivery.gitlab_drain)

    notes = fake.notes(SIRT_PROJECT, issue["iid"])
    assert all(note["internal"] for note in notes)
    headlines = [note["body"].split("\n")[0] for note in notes]
    assert headlines == [
        "**Request accepted into triage** — state submitted → triage",
        "**The case in Slack**",
        "**Case claimed** — state triage → investigating",
        "**Finding recorded**",
        "**Artefacts submitted for review** — state investigating → in review",
        "**Review approval**",
        "**Review approval**",
        "**Both reviews approved** — state in review → approved",
        "**Artefacts shared with the customer** — state approved → shared",
        "**Audit Events gap step recorded**",
        "**Case closed** — state shared → closed",
    ]
    assert "Token used at 02:14" in notes[3]["body"]
    assert "Security reviewer" in notes[5]["body"] and "Legal reviewer" in notes[6]["body"]
    closed = fake.issue(SIRT_PROJECT, issue["iid"])
    assert closed["state"] == "closed"
    assert [label for label in closed["labels"] if label.startswith("state::")] == ["state::closed"]

    [gap] = fake.issues(GAP_PROJECT)
    assert sorted(gap["labels"]) == ["Category:Audit Events", "Enterprise Edition"]
    assert "personal access token" in gap["description"]
    assert gap["web_url"] in notes[9]["body"]
    assert case_row(desk).gap_issue_url == gap["web_url"]
    published = json.dumps([gap["title"], gap["description"]]).lower()
    for leak in LEAKS:
        assert leak.lower() not in published, leak
    assert pending(desk.bot.sessions) == 0


def test_a_hanging_gitlab_never_holds_up_slack(gdesk, fake):
    desk = gdesk
    bot = desk.bot
    bot.delivery.gitlab_drain = build_gitlab_drain(
        bot.settings, bot.sessions, bot.delivery.slack_drain.clock, timeout=1.0
    )
    del bot.delivery.mirror_soon  # back to the real thing: Slack now, GitLab in the background
    fake.hang("*", r"/issues", seconds=30, times=None)

    response = desk.file("UREQ")
    assert response.status_code == 200 and response.json()["response_action"] == "update"
    desk.wait_for_card(1)  # while every GitLab call hangs for 30 s

    desk.wait_until(lambda: fake.requests(path_regex="/issues"), what="the mirror to try")
    fake.clear_faults()
    drain_all(bot.delivery.gitlab_drain)
    assert len(fake.issues(SIRT_PROJECT)) == 1
