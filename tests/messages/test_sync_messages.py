"""What the bot says about changes made in GitLab: golden files, Block Kit, no personal data
in the leads' post. (Golden files apart from test_builders', in golden_sync/.)"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cases.model import State
from messages.reminders import FindingNote, build_update_reminder
from messages.sync import (
    build_closed_in_gitlab_dm,
    build_exposed_post,
    build_reopened_in_gitlab_dm,
    exposed_reason,
    label_reason,
)
from tests.messages.samples import INVESTIGATING_WITH_OWNER, snapshot
from tests.messages.test_builders import (
    MESSAGE,
    _as_json,
    _dump,
    _through_slack_sdk,
    limit_problems,
)

GOLDEN = Path(__file__).parent / "golden_sync"
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
FROM_GITLAB = FindingNote(AT, "gitlab", "Token used from 203.0.113.9", gitlab="sirt-alice")

SURFACES: dict[str, Callable[[], dict[str, Any]]] = {
    "dm_closed_in_gitlab": lambda: build_closed_in_gitlab_dm(INVESTIGATING_WITH_OWNER),
    "dm_reopened_in_gitlab": lambda: build_reopened_in_gitlab_dm(INVESTIGATING_WITH_OWNER),
    "leads_issue_exposed": lambda: build_exposed_post(INVESTIGATING_WITH_OWNER),
    "reminder_with_a_finding_from_gitlab": lambda: build_update_reminder(
        snapshot(state=State.INVESTIGATING), last_update=None, due_at=AT, findings=[FROM_GITLAB]
    ),
}


@pytest.mark.parametrize("name", SURFACES)
def test_builder_output_matches_its_golden_file(name: str) -> None:
    actual, path = _as_json(SURFACES[name]()), GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(_dump(actual), encoding="utf-8")
        pytest.fail(f"UPDATE_GOLDEN=1 rewrote golden_sync/{path.name}; review, run again")
    assert actual == json.loads(path.read_text(encoding="utf-8")), name


@pytest.mark.parametrize("name", SURFACES)
def test_slack_accepts_it(name: str) -> None:
    surface = _as_json(SURFACES[name]())
    assert _through_slack_sdk(MESSAGE, surface) == surface
    assert limit_problems(MESSAGE, surface) == []


def test_every_golden_file_belongs_to_a_builder() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(SURFACES)


def test_the_owner_is_told_to_close_the_case_here() -> None:
    text = build_closed_in_gitlab_dm(INVESTIGATING_WITH_OWNER)["text"]
    assert text.endswith("closed in GitLab: close the case here with the gap step")


def test_the_notes_on_the_issue_say_why() -> None:
    assert exposed_reason(public=True, customers=[]).startswith("This issue was made non-conf")
    both = exposed_reason(public=True, customers=["jdoe-acme"])
    assert "the customer's account (jdoe-acme) was added" in both and "removed" in both
    assert "put back `state::triage` (it was moved to state::closed)" in label_reason(
        "state::triage", ["state::closed"]
    )
