"""The notice of an issue GitLab would not open: what the owner and the leads read."""

from __future__ import annotations

import json

from messages.outage import build_issue_not_opened
from tests.messages.samples import snapshot
from tests.slack_mentions import broadcasts


def test_it_names_the_case_says_the_notes_wait_and_how_to_retry():
    message = build_issue_not_opened(snapshot(organisation="Acme <!channel> @here"))
    shown = json.dumps(message)
    assert message["text"] == "Case 101: the GitLab issue could not be opened"
    assert "notes wait" in shown and "python -m bot unpark" in shown
    assert broadcasts(message) == []
