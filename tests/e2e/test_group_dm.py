"""A command typed in a group DM is checked like any other place, not refused as unknown.

The fake Slack answers conversations.info on a group DM with `missing_scope` unless the bot
token has `mpim:read`; the desk's token has the manifest's scopes (kept in step below).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.slack.guards import UNKNOWN
from bot.standins.workspace import SCOPES
from tests.e2e.test_intake import refused_command

MANIFEST = Path(__file__).parents[2] / "slack-manifest.yml"


def manifest_bot_scopes() -> set[str]:
    text = MANIFEST.read_text("utf-8")
    section = text.split("scopes:", 1)[1].split("bot:", 1)[1]
    scopes = set()
    for line in section.splitlines()[1:]:
        if not (found := re.match(r"\s+-\s+([\w:.]+)", line)):
            break
        scopes.add(found.group(1))
    return scopes


def test_the_desk_token_has_the_manifest_scopes():
    assert "mpim:read" in manifest_bot_scopes()
    assert manifest_bot_scopes() == SCOPES


def test_a_command_in_an_internal_group_dm_works(desk):
    desk.slack.add_channel("GMPIMINSIDE", is_mpim=True, members=("UREQ", "USUP"))
    modal = desk.open_intake("UREQ", channel="GMPIMINSIDE")
    assert modal["callback_id"]
    [info] = [
        c for c in desk.slack.calls("conversations.info") if c.args["channel"] == "GMPIMINSIDE"
    ]
    assert info.response["ok"] is True


def test_a_command_in_a_group_dm_with_an_outsider_is_refused_as_shared(desk):
    desk.slack.add_channel(
        "GMPIMEXT", is_mpim=True, is_shared=True, is_ext_shared=True, members=("UREQ", "UEXT")
    )
    assert "shared outside the company" in refused_command(desk, "UREQ", channel="GMPIMEXT")


def test_without_mpim_read_the_same_command_is_refused_as_unknown(desk):
    """What happened before the manifest asked for the scope: the test above depends on it."""
    desk.slack.scopes = SCOPES - {"mpim:read"}
    desk.slack.add_channel("GMPIMINSIDE", is_mpim=True, members=("UREQ", "USUP"))
    assert refused_command(desk, "UREQ", channel="GMPIMINSIDE") == UNKNOWN
