"""A comment on the case's GitLab issue is a finding: counted, relayed, shown, edited, withdrawn."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.standins.workspace import LEADS, TRIAGE
from tests.gitlab.conftest import SIRT_PROJECT
from tests.gitlab.syncing import SIRT, case, deliver, findings, open_case

DM = "D0UREQ"


def status_in_dm(desk, user: str, text: str) -> dict:
    desk.slack.add_channel(DM, is_im=True, members=(desk.slack.bot_user_id, user))
    response = desk.command(user, "/case-status", text, channel=DM)
    assert response.status_code == 200
    return response.json()


def sweep_when_due(desk):
    """The cadence sweep at the case's update due time (scheduled first)."""
    sweep = desk.bot.use_cases.sweep
    now = desk.bot.clock()
    sweep.schedule(now)
    at = case(desk).next_update_due_at + timedelta(minutes=1)
    report = sweep.run(at)
    replace(desk.bot.delivery.slack_drain, clock=lambda: at).run()
    return report


def test_a_comment_counts_as_logged_and_reaches_the_reminder_and_the_status(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    fake.comment(SIRT_PROJECT, iid, "Token used from 203.0.113.9 at 02:14", by=SIRT)
    deliver(desk, fake)

    [finding] = findings(desk)
    assert finding.gitlab_author == SIRT and finding.text.startswith("Token used")
    report = sweep_when_due(desk)
    assert report.reminded == 1 and report.nudged == 0  # something new was logged
    reminder = desk.wait_for_dm("UREQ", "customer update is due")
    shown = json.dumps(reminder["blocks"])
    assert "Token used from 203.0.113.9" in shown and f"{SIRT} (from GitLab)" in shown

    in_dm = json.dumps(status_in_dm(desk, "UREQ", "1")["blocks"])
    assert "Token used from 203.0.113.9" in in_dm and SIRT in in_dm
    in_channel = json.dumps(desk.command("UREQ", "/case-status", "1").json()["blocks"])
    assert "203.0.113.9" not in in_channel and "1 findings from GitLab" in in_channel


def test_without_a_comment_the_owner_is_nudged(hdesk, fake):
    open_case(hdesk, fake)
    assert sweep_when_due(hdesk).nudged == 1


def test_an_edit_updates_the_finding_and_a_deletion_withdraws_it(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    note = fake.comment(SIRT_PROJECT, iid, "Two sign-ins", by=SIRT)
    deliver(desk, fake)
    fake.edit_note(SIRT_PROJECT, iid, note["id"], "Three sign-ins, one from a VPN", by=SIRT)
    [edited] = fake.outgoing()
    assert edited.payload["object_attributes"]["action"] == "update"
    deliver(desk, fake, [edited])
    [finding] = findings(desk)
    assert finding.text == "Three sign-ins, one from a VPN" and finding.withdrawn_at is None

    fake.delete_note(SIRT_PROJECT, iid, note["id"])  # GitLab sends nothing for a deletion
    assert fake.outgoing() == []
    fake.comment(SIRT_PROJECT, iid, "Unrelated later comment", by=SIRT)
    deliver(desk, fake)
    first, second = findings(desk)
    assert first.withdrawn_at is not None and second.withdrawn_at is None
    assert sweep_when_due(desk).nudged == 0  # the later comment still counts
    reminder = json.dumps(desk.wait_for_dm("UREQ", "customer update is due")["blocks"])
    assert "Unrelated later comment" in reminder and "Three sign-ins" not in reminder


def test_internal_notes_reach_participants_in_dms_only(hdesk, fake):
    desk = hdesk
    iid = open_case(desk, fake)
    fake.comment(
        SIRT_PROJECT, iid, "Internal: suspect insider 198.51.100.7", by=SIRT, internal=True
    )
    deliver(desk, fake)
    [finding] = findings(desk)
    assert finding.internal
    sweep_when_due(desk)
    reminder = desk.wait_for_dm("UREQ", "customer update is due")
    assert "198.51.100.7" in json.dumps(reminder["blocks"])
    assert "(internal note)" in json.dumps(status_in_dm(desk, "UREQ", "1")["blocks"])
    for channel in (TRIAGE, LEADS):
        assert "198.51.100.7" not in json.dumps(desk.slack.messages_in(channel))
    in_channel = desk.command("UREQ", "/case-status", "1").json()
    assert "198.51.100.7" not in json.dumps(in_channel)


def test_a_comment_on_an_ended_case_is_not_imported(hdesk, fake):
    from tests.e2e.test_casework import fill, text

    desk = hdesk
    iid = open_case(desk, fake)
    fill(desk, "case_withdraw", "UREQ", text("Customer no longer needs it"))
    deliver(desk, fake)
    fake.comment(SIRT_PROJECT, iid, "After the end", by=SIRT)
    deliver(desk, fake)
    assert findings(desk) == []


def test_the_purge_reaches_a_comments_text_and_its_authors_username(hdesk, fake):
    from tests.e2e.test_casework import fill, text

    desk = hdesk
    iid = open_case(desk, fake)
    fake.comment(SIRT_PROJECT, iid, "Token used from 203.0.113.9", by=SIRT)
    deliver(desk, fake)
    fill(desk, "case_withdraw", "UREQ", text("Customer no longer needs it"))
    later = desk.bot.clock() + timedelta(days=400)
    desk.bot.use_cases.purge.run(later)
    # What the purge queued for Slack (the decision DMs it empties), sent as the worker would.
    replace(desk.bot.delivery.slack_drain, clock=lambda: later).run()
    [finding] = findings(desk)
    assert (finding.text, finding.gitlab_author) == ("", None)
    events = json.dumps([(e.actor_id, e.data) for e in _events(desk)])
    assert SIRT not in events and "203.0.113.9" not in events  # events are never purged


def _events(desk):
    from sqlalchemy import select

    from db.models import CaseEvent

    with desk.bot.sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == 1)))
