"""What a person changes on the issue itself: confidentiality, the customer's account, its
state, the bot's state label. The bot answers each once, and never loops."""

from __future__ import annotations

import json

from bot.standins.workspace import LEADS
from tests.gitlab.conftest import SIRT_PROJECT
from tests.gitlab.syncing import SIRT, case, deliver, open_case


def actions(desk) -> list[str]:
    from tests.e2e.test_casework import actions

    return actions(desk)


def exposures(desk) -> list[dict]:
    return [m for m in desk.slack.messages_in(LEADS) if "was exposed" in m.get("text", "")]


def test_an_issue_made_public_is_made_confidential_again_and_the_leads_told_once(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, confidential=False)
    [delivery] = fake.outgoing()
    assert delivery.headers["X-Gitlab-Event"] == "Issue Hook"  # no longer confidential
    assert delivery.payload["changes"]["confidential"] == {"previous": True, "current": False}
    deliver(desk, fake, [delivery, delivery])
    deliver(desk, fake)
    desk.bot.use_cases.sync.reconcile()
    deliver(desk, fake)

    issue = fake.issue(SIRT_PROJECT, iid)
    assert issue["confidential"] is True
    assert "made non-confidential" in fake.notes(SIRT_PROJECT, iid)[-1]["body"]
    desk.settle()
    [post] = exposures(desk)
    assert "case 1" in post["text"].lower() and "jdoe" not in json.dumps(post)
    assert actions(desk).count("restore_confidential") == 1
    # The bot's own writes sent the event's UUID back: GitLab fired no hook for them.
    writes = fake.requests("PUT", r"/issues/\d+$")
    assert writes[-1].headers.get("X-Gitlab-Event-UUID") == delivery.headers["X-Gitlab-Event-UUID"]
    assert fake.suppressed >= 2


def test_the_customers_account_added_to_the_issue_is_removed(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    customer, engineer = fake.person("jdoe-acme"), fake.person(SIRT)
    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, assignee_ids=[customer["id"], engineer["id"]])
    deliver(desk, fake)
    issue = fake.issue(SIRT_PROJECT, iid)
    assert [a["username"] for a in issue["assignees"]] == [SIRT]
    assert "jdoe-acme" in fake.notes(SIRT_PROJECT, iid)[-1]["body"]
    desk.settle()
    assert len(exposures(desk)) == 1


def test_closed_in_gitlab_the_case_keeps_its_gates_and_the_owner_is_told(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, state_event="close")
    deliver(desk, fake)
    assert case(desk).state == "investigating"
    assert fake.issue(SIRT_PROJECT, iid)["state"] == "closed"  # the bot does not fight it
    desk.wait_for_dm("USUP", "closed in GitLab: close the case here with the gap step")
    assert "Closed in GitLab" in json.dumps(desk.wait_for_card(1))
    deliver(desk, fake)  # nothing more
    desk.bot.use_cases.sync.reconcile()
    assert actions(desk).count("gitlab_closed") == 1

    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, state_event="reopen")
    deliver(desk, fake)
    desk.wait_for_dm("USUP", "reopened in GitLab")
    desk.settle()
    assert "Closed in GitLab" not in json.dumps(desk.wait_for_card(1))
    assert case(desk).gitlab_closed_at is None


def test_a_moved_state_label_is_put_back_with_a_note(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    fake.change_issue(
        SIRT_PROJECT, iid, by=SIRT, add_labels="state::closed", remove_labels="state::investigating"
    )
    deliver(desk, fake)
    labels = fake.issue(SIRT_PROJECT, iid)["labels"]
    assert [label for label in labels if label.startswith("state::")] == ["state::investigating"]
    assert "put back `state::investigating`" in fake.notes(SIRT_PROJECT, iid)[-1]["body"]
    assert case(desk).state == "investigating"
    assert actions(desk).count("restore_label") == 1


def test_dropped_deliveries_are_healed_by_one_reconciliation(hdesk, fake):
    from bot.jobs.scheduler import tick
    from bot.wiring import build_worker
    from tests.gitlab.syncing import findings

    desk = hdesk
    iid = open_case(desk, fake)
    tick(build_worker(desk.bot), desk.bot.clock())  # the first pass sets the watermark
    fake.comment(SIRT_PROJECT, iid, "Found while the hook was down", by=SIRT)
    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, state_event="close")
    fake.change_issue(SIRT_PROJECT, iid, by=SIRT, add_labels="state::approved")
    assert len(fake.outgoing()) == 3  # all dropped

    results = tick(build_worker(desk.bot), desk.bot.clock())
    assert results["gitlab_reconcile"] == 1
    desk.bot.delivery.deliver(1)  # the worker's next Slack round
    deliver(desk, fake)
    assert [f.text for f in findings(desk)] == ["Found while the hook was down"]
    assert case(desk).gitlab_closed_at is not None
    labels = fake.issue(SIRT_PROJECT, iid)["labels"]
    assert [label for label in labels if label.startswith("state::")] == ["state::investigating"]
    desk.wait_for_dm("USUP", "closed in GitLab")
    tick(build_worker(desk.bot), desk.bot.clock())  # the overlap re-reads: nothing twice
    assert len(findings(desk)) == 1 and actions(desk).count("gitlab_closed") == 1
