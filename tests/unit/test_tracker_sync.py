"""The pure side of the two-way sync: which comments are findings, what about an issue the bot
answers for, and what a webhook delivery names."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.cases.tracker import IssueSeen, NoteSeen, findings_from, issue_drift
from bot.gitlab.webhook import Receiver, hint, hook_problems

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BOT, PERSON, CUSTOMER = 1, 2001, 2002


def issue(**changes) -> IssueSeen:
    values = {
        "iid": 7,
        "state": "opened",
        "confidential": True,
        "labels": ("information-request", "state::investigating"),
        "updated_at": AT,
    }
    return IssueSeen(**(values | changes))


def drift(seen: IssueSeen, *, closed_in_gitlab=False, expected="state::investigating", open=True):
    return issue_drift(
        seen,
        bot_user_id=BOT,
        case_open=open,
        closed_in_gitlab=closed_in_gitlab,
        expected_label=expected,
        customer_users=["@JDoe-Acme", "mallory-acme"],
    )


def note(id: int, author_id: int, body="x", system=False) -> NoteSeen:
    return NoteSeen(id, author_id, f"user{author_id}", body, False, system, AT, AT)


def test_only_peoples_comments_are_findings():
    notes = [note(1, BOT), note(2, PERSON), note(3, PERSON, system=True), note(4, PERSON, " ")]
    assert [n.id for n in findings_from(notes, BOT)] == [2]


def test_an_issue_as_the_case_says_has_no_drift():
    assert drift(issue()) == type(drift(issue()))()


def test_exposure_and_the_customers_account_are_leaks_even_while_the_mirror_is_busy():
    seen = issue(confidential=False, assignees=((CUSTOMER, "jdoe-acme"), (PERSON, "alice")))
    found = drift(seen, expected=None)
    assert found.exposed and found.customers == ((CUSTOMER, "jdoe-acme"),) and found.leaks
    assert not found.label_moved and not found.closed


def test_a_close_by_a_person_but_not_by_the_bot_nor_twice():
    assert drift(issue(state="closed", closed_by_id=PERSON)).closed
    assert not drift(issue(state="closed", closed_by_id=BOT)).closed
    assert not drift(issue(state="closed", closed_by_id=PERSON), closed_in_gitlab=True).closed
    assert not drift(issue(state="closed", closed_by_id=PERSON), open=False).closed
    assert drift(issue(), closed_in_gitlab=True).reopened


def test_a_moved_label_is_put_back():
    moved = drift(issue(labels=("state::closed",)))
    assert moved.labels_to_add == ("state::investigating",)
    assert moved.labels_to_remove == ("state::closed",)


def test_a_delivery_names_its_issue_and_its_key():
    body = json.dumps(
        {"object_kind": "note", "project": {"path_with_namespace": "a/b"}, "issue": {"iid": 7}}
    ).encode()
    headers = {
        "HTTP_X_GITLAB_EVENT": "Confidential Note Hook",
        "HTTP_X_GITLAB_EVENT_UUID": "u-1",
        "HTTP_IDEMPOTENCY_KEY": "k-1",
    }
    found = hint(headers, body)
    assert (found.key, found.event_uuid, found.project, found.issue_iid) == ("k-1", "u-1", "a/b", 7)
    assert hint({**headers, "HTTP_IDEMPOTENCY_KEY": ""}, body).key == "u-1"
    assert hint({**headers, "HTTP_X_GITLAB_EVENT": "Push Hook"}, body) is None
    assert hint(headers, b"not json") is None


def test_the_receiver_checks_the_secret_first():
    stored = []
    receive = Receiver("s" * 20, store=lambda h: stored.append(h) or True, after=lambda: None)
    assert receive({"HTTP_X_GITLAB_TOKEN": "wrong"}, b"{}")[0].startswith("401")
    assert receive({}, b"{}")[0].startswith("401")
    assert Receiver(None, store=stored.append, after=lambda: None)({}, b"{}")[0].startswith("404")
    assert stored == []


def test_a_hook_needs_the_confidential_events_and_to_be_enabled():
    good = {
        "confidential_issues_events": True,
        "confidential_note_events": True,
        "issues_events": True,
        "alert_status": "executable",
        "disabled_until": None,
    }
    assert hook_problems(good) == []
    assert hook_problems(good | {"confidential_note_events": False}) == [
        "confidential_note_events is off"
    ]
    assert "GitLab disabled it" in hook_problems(good | {"alert_status": "disabled"})[0]
