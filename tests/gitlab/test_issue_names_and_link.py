"""The GitLab issue says who asked (by Slack name, mentioning nobody), links the case's card in
Slack once it is up, and notes that the handler confirmed redaction."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.standins.workspace import TRIAGE
from db.models import OutboxMessage
from db.session import transaction
from tests.e2e.test_casework import ARTEFACTS, click, fill
from tests.gitlab.conftest import SIRT_PROJECT, drain_all
from tests.gitlab.test_mirror_e2e import case_row

SIRT = "@gitlab-com/gl-security/sirt"
MENTION = re.compile(r"(?<![\w\u200d])@[\w./-]+")


def gitlab_text(fake) -> str:
    [issue] = fake.issues(SIRT_PROJECT)
    notes = fake.notes(SIRT_PROJECT, issue["iid"])
    return "\n".join([issue["description"], *(note["body"] for note in notes)])


def link_notes(fake) -> list[str]:
    [issue] = fake.issues(SIRT_PROJECT)
    notes = fake.notes(SIRT_PROJECT, issue["iid"])
    return [n["body"] for n in notes if "<!-- info-request-bot:card-1 -->" in n["body"]]


def permalink(desk) -> str:
    [card] = desk.cards()
    return f"https://inside.slack.com/archives/{TRIAGE}/p{card['ts'].replace('.', '')}"


def test_the_issue_names_requester_and_relay_links_the_card_and_notes_redaction(gdesk, fake):
    desk = gdesk
    desk.slack.set_user("UREQ", real_name="Ada @admin Lovelace", name="ada")
    desk.file("UREQ")
    desk.wait_for_card(1)
    drain_all(desk.bot.delivery.gitlab_drain)

    [issue] = fake.issues(SIRT_PROJECT)
    body = issue["description"]
    assert "- **Requested by:** Ada @\u200dadmin Lovelace (Slack user UREQ)" in body
    relay = (
        "- **Relay contact (talks to the customer):** Ada @\u200dadmin Lovelace (Slack user UREQ)"
    )
    assert relay in body
    [note] = link_notes(fake)
    assert f"its card in the triage channel: {permalink(desk)}" in note
    assert case_row(desk).people == {"UREQ": "Ada @admin Lovelace"}

    click(desk, "case_claim", "USUP")
    fill(desk, "case_submit_review", "USUP", ARTEFACTS)
    drain_all(desk.bot.delivery.gitlab_drain)
    text = gitlab_text(fake)
    [submitted] = [n for n in text.split("**Artefacts submitted for review**")[1:]]
    assert "- **Redaction:** confirmed by the handler when submitting" in submitted
    assert set(MENTION.findall(text)) == {SIRT}, "nobody but SIRT is mentioned"
    assert len(link_notes(fake)) == 1


def test_a_card_whose_link_failed_is_linked_once_after_its_retry(gdesk, fake):
    desk = gdesk
    desk.slack.fail_next("chat.getPermalink", error="internal_error")
    desk.file("UREQ")
    desk.wait_until(desk.cards, what="the card, posted but not recorded")
    sessions, slack = desk.bot.sessions, desk.bot.delivery.slack_drain

    def card_row() -> OutboxMessage | None:
        with transaction(sessions) as session:
            query = select(OutboxMessage).where(OutboxMessage.kind == "card")
            row = session.scalars(query.order_by(OutboxMessage.id)).first()
            return row if row and row.last_error else None

    desk.wait_until(card_row, what="the card's first try to fail on its link")
    assert case_row(desk).card_ts is None  # posted, but not recorded: the try failed
    later = datetime.now(UTC) + timedelta(hours=1)
    replace(slack, clock=lambda: later).run()  # the retry finds the card it posted

    assert len(desk.cards()) == 1 and case_row(desk).card_ts == desk.cards()[0]["ts"]
    drain_all(desk.bot.delivery.gitlab_drain)
    [note] = link_notes(fake)
    assert permalink(desk) in note
