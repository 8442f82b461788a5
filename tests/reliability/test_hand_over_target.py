"""The person a case is handed to is checked like anyone who acts on it: a guest, someone from
another organisation, a deactivated account, a bot, someone Slack does not know, or someone
outside the handler groups cannot be handed a case, even when a user group lists them.
"""

from __future__ import annotations

import pytest

from bot.standins.desk import Desk
from bot.standins.slack_payloads import state_values
from bot.standins.workspace import OUTSIDE_TEAM, SUPPORT
from tests.reliability.conftest import case_facts, count

# user → how the fake workspace has them; every one is put in the Support group.
TARGETS = {
    "UGUESTSUP": {"is_restricted": True},
    "USINGLESUP": {"is_ultra_restricted": True},
    "UEXTSUP": {"team_id": OUTSIDE_TEAM},
    "USTRANGER": {"is_stranger": True},
    "UGONE": {"deleted": True},
    "UBOTSUP": {"is_bot": True},
}


@pytest.fixture
def claimed(desk: Desk) -> Desk:
    for user, kind in TARGETS.items():
        desk.slack.add_user(user, **kind)
    members = ["USUP", "USUP2", *TARGETS, "UNKNOWN1"]  # UNKNOWN1: no such user in Slack
    desk.slack.set_usergroup(SUPPORT, members)
    assert desk.file("UREQ").status_code == 200
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    return desk


@pytest.mark.parametrize("target", [*TARGETS, "UNKNOWN1", "UREQ2", "USUP"])
def test_a_case_cannot_be_handed_to_someone_who_could_not_act_on_it(claimed, target):
    desk = claimed
    before = case_facts(desk)
    view = desk.modal_from("case_hand_over", 1, user="USUP")
    picked = {"type": "users_select", "selected_user": target}
    response = count(
        "hand-over", desk.submit(view, state_values({("user", "input"): picked}), user="USUP")
    )
    assert response.status_code == 200
    errors = response.json().get("errors", {}) if response.text else {}
    assert list(errors) == ["user"], response.text
    assert "error id" not in errors["user"]
    desk.settle(1)
    assert case_facts(desk) == before
    told = [m["text"] for m in desk.slack.dms_to(target)]
    assert not [text for text in told if not text.startswith("You claimed")]  # USUP claimed it


def test_a_member_of_the_workspace_in_the_handler_group_can_be_handed_the_case(claimed):
    desk = claimed
    view = desk.modal_from("case_hand_over", 1, user="USUP")
    picked = {"type": "users_select", "selected_user": "USUP2"}
    response = desk.submit(view, state_values({("user", "input"): picked}), user="USUP")
    assert count("hand-over", response).status_code == 200 and response.text == ""
    desk.settle(1)
    assert case_facts(desk)[1][1] == "USUP2"
