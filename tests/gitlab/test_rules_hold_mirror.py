"""Rules that hold for the whole life of a case, as the fake GitLab sees them."""

from __future__ import annotations

from tests.fakes.slack_requests import radio_buttons
from tests.gitlab.conftest import SIRT_PROJECT, drain_all


def test_the_issue_tells_sirt_that_access_logs_are_not_searched(gdesk, fake):
    gdesk.file("UREQ", access_logs=radio_buttons("yes"))
    gdesk.wait_for_card(1)
    drain_all(gdesk.bot.delivery.gitlab_drain)
    [issue] = fake.issues(SIRT_PROJECT)
    assert "**Access logs requested:** yes" in issue["description"]
    assert "only application logs will be searched" in issue["description"]
