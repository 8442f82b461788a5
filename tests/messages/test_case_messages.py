"""Working a case: the card's per-state buttons, the case modals and the DMs they lead to.

Golden files and Block Kit validity for these builders live with the others in
test_builders.py; this module checks what they must mean: which case a click or a submission
belongs to, that every button the bot sends has a listener, and that staff-typed reasons
cannot ping anyone when they reach a DM.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.cases.model import ENDED_STATES, CaseSnapshot, State
from bot.cases.states import Action, allowed
from bot.slack.listeners import cadence, casework
from messages.asks import build_legal_ask, build_review_ask
from messages.card import CARD_BUTTONS, build_triage_card
from messages.case_modals import (
    TEXT_MODALS,
    build_gap_modal,
    build_hand_over_modal,
    build_relay_hand_over_modal,
    build_review_submit_modal,
    build_text_modal,
)
from messages.dm import (
    build_approved_dm,
    build_cost_notice_dm,
    build_handed_away_dm,
    build_handed_over_dm,
    build_legal_decision_dm,
    build_relay_given_dm,
    build_relay_taken_dm,
    build_rescope_dm,
)
from messages.ids import INPUT, ActionId, Block, Callback, decode_case_value
from tests.messages.samples import (
    COLLECTED,
    INTAKE,
    ISSUE_URL,
    LEGAL_APPROVER,
    OWNER,
    SECURITY_APPROVER,
    mrkdwn_texts,
    snapshot,
    strings,
    walk,
)

CASE_NUMBERS = [1, 103, 4711, 2**31 - 1]

# name -> builder of the modal for a case number
CASE_MODALS: dict[str, Callable[[int], dict[str, Any]]] = {
    **{
        f"text_{callback}": (lambda n, callback=callback: build_text_modal(callback, n))
        for callback in TEXT_MODALS
    },
    "review_submit": build_review_submit_modal,
    "hand_over": build_hand_over_modal,
    "relay_hand_over": build_relay_hand_over_modal,
    "gap": build_gap_modal,
}

# name -> builder of a DM for a case and a reason typed into a case modal
REASON_DMS: dict[str, Callable[[CaseSnapshot, str], dict[str, Any]]] = {
    "rescope": build_rescope_dm,
    "legal_denied": lambda case, reason: build_legal_decision_dm(
        case, approved=False, reason=reason
    ),
    "legal_approved": lambda case, reason: build_legal_decision_dm(
        case, approved=True, reason=reason
    ),
}

# name -> builder of a DM for a case (the organisation is requester-typed)
CASE_DMS: dict[str, Callable[[CaseSnapshot], dict[str, Any]]] = {
    **{
        name: (lambda case, build=build: build(case, "Narrower, please."))
        for name, build in REASON_DMS.items()
    },
    "approved": build_approved_dm,
    "handed_over": lambda case: build_handed_over_dm(case, "ULEAD"),
    "handed_away": lambda case: build_handed_away_dm(case, "ULEAD"),
    "relay_taken": lambda case: build_relay_taken_dm(case, "UREQ"),
    "relay_given": lambda case: build_relay_given_dm(case, "UREQ"),
    "cost_notice": lambda case: build_cost_notice_dm(
        dataclasses.replace(case, cost_notice_pending=True), "It costs more."
    ),
    "legal_ask": lambda case: build_legal_ask(case, INTAKE, ("plan",)),
    "review_ask": lambda case: build_review_ask(case, INTAKE, COLLECTED),
}

# (what someone typed, how mrkdwn must carry it)
HOSTILE = [
    ("<!channel>", "&lt;!channel&gt;"),
    ("<!here> & <@U123>", "&lt;!here&gt; &amp; &lt;@U123&gt;"),
    ("<!subteam^S123>", "&lt;!subteam^S123&gt;"),
    ("<#C123|general>", "&lt;#C123|general&gt;"),
    (
        "<https://evil.example|Open the artefacts>",
        "&lt;https://evil.example|Open the artefacts&gt;",
    ),
    ("Already &lt;escaped&gt;", "Already &amp;lt;escaped&amp;gt;"),
]
HOSTILE_IDS = [typed for typed, _ in HOSTILE]

# Buttons that act at once, and the step each one takes (the modal buttons are in MODALS).
IMMEDIATE_STEPS = {
    ActionId.CLAIM: Action.CLAIM,
    ActionId.UNCLAIM: Action.UNCLAIM,
    ActionId.APPROVE: Action.REVIEW_APPROVE,
    ActionId.LEGAL_APPROVE: Action.LEGAL_APPROVE,
    ActionId.MARK_SHARED: Action.MARK_SHARED,
}


def _card(state: State, **changes: Any) -> dict[str, Any]:
    return build_triage_card(snapshot(state=state, owner_id=OWNER, issue_url=ISSUE_URL, **changes))


def _buttons(surface: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        node for _, node in walk(surface) if isinstance(node, dict) and node.get("type") == "button"
    ]


def _inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in modal["blocks"] if b["type"] == "input"]


class _Registrations:
    """Stands in for a Bolt `App`: records what `register` listens to."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.views: list[str] = []

    def action(self, action_id: str) -> Callable[[Any], Any]:
        self.actions.append(action_id)
        return lambda listener: listener

    def view(self, callback_id: str) -> Callable[[Any], Any]:
        self.views.append(callback_id)
        return lambda listener: listener


@pytest.fixture(scope="module")
def registered() -> _Registrations:
    app = _Registrations()
    casework.register(app)  # type: ignore[arg-type]
    cadence.register(app)  # type: ignore[arg-type]
    return app


# --- case modals --------------------------------------------------------------------------------


@pytest.mark.parametrize("number", CASE_NUMBERS)
@pytest.mark.parametrize("name", CASE_MODALS)
def test_every_case_modal_carries_its_case_number(name: str, number: int) -> None:
    metadata = CASE_MODALS[name](number)["private_metadata"]
    assert json.loads(metadata) == {"case": number}
    assert decode_case_value(metadata) == number


@pytest.mark.parametrize("name", CASE_MODALS)
def test_every_case_modal_is_submitted_to_a_listener(name: str, registered: _Registrations) -> None:
    callback = CASE_MODALS[name](103)["callback_id"]
    assert Callback(callback) in casework.SUBMITS
    assert callback in registered.views


@pytest.mark.parametrize("name", CASE_MODALS)
def test_case_modal_inputs_are_named_as_the_listener_reads_them(name: str) -> None:
    inputs = _inputs(CASE_MODALS[name](103))
    assert inputs, "a case modal asks for something"
    for block in inputs:
        assert Block(block["block_id"]), block["block_id"]
        assert block["element"]["action_id"] == INPUT, block["block_id"]


@pytest.mark.parametrize("name", CASE_MODALS)
def test_the_listener_shows_errors_on_a_block_the_modal_has(name: str) -> None:
    modal = CASE_MODALS[name](103)
    error_block, _ = casework.SUBMITS[Callback(modal["callback_id"])]
    assert error_block in [b["block_id"] for b in _inputs(modal)]


@pytest.mark.parametrize("name", CASE_MODALS)
def test_case_modal_names_its_case(name: str) -> None:
    assert "*Case 4711*" in mrkdwn_texts(CASE_MODALS[name](4711))[0]


def test_every_text_modal_callback_is_one_a_button_opens() -> None:
    opened = {casework.MODALS[a][1](103)["callback_id"] for a in casework.MODALS}
    assert {c.value for c in TEXT_MODALS} <= opened


@pytest.mark.parametrize("name", list(CASE_MODALS))
def test_case_modal_wording_is_never_clipped(name: str) -> None:
    # `messages.blocks` clips to Slack's limits with "…": fixed wording must fit as written.
    clipped = [s for s in strings(CASE_MODALS[name](2**31 - 1)) if s.endswith("…")]
    assert clipped == []


# --- the card's buttons -------------------------------------------------------------------------


def test_every_action_a_card_shows_has_a_handler() -> None:
    shown = {action for buttons in CARD_BUTTONS.values() for _, action, _ in buttons}
    handled = casework.IMMEDIATE.keys() | casework.MODALS.keys()
    assert shown - handled == set()


def test_every_button_the_bot_sends_is_registered_with_bolt(registered: _Registrations) -> None:
    sent = {b["action_id"] for state in State for b in _buttons(_card(state))}
    sent |= {
        b["action_id"]
        for state in State
        for build in CASE_DMS.values()
        for b in _buttons(build(snapshot(state=state)))
    }
    assert ActionId.EDIT_SCOPE.value in sent  # the re-scope DM's button is among them
    assert sent - set(registered.actions) == set()


def test_every_modal_a_button_opens_is_registered_with_bolt(registered: _Registrations) -> None:
    for action, (_step, build) in casework.MODALS.items():
        assert build(103)["callback_id"] in registered.views, action


@pytest.mark.parametrize("state", [s for s in State if s in CARD_BUTTONS], ids=str)
def test_every_card_button_is_a_step_its_state_allows(state: State) -> None:
    # Showing is no permission, but a button its own state always refuses is a dead end.
    modal_steps = {button: step for button, (step, _) in casework.MODALS.items()}
    steps = {**modal_steps, ActionId.EDIT_SCOPE: Action.RESCOPE, **IMMEDIATE_STEPS}
    for _, action, _ in CARD_BUTTONS[state]:
        assert allowed(state, steps[action]), f"{action} on a card in {state}"


@pytest.mark.parametrize("state", list(State), ids=str)
def test_every_button_on_the_card_decodes_to_its_case(state: State) -> None:
    card = _card(state, number=2**31 - 1, approvals=(("Security", SECURITY_APPROVER),))
    for button in _buttons(card):
        assert decode_case_value(button["value"]) == 2**31 - 1, button["action_id"]


@pytest.mark.parametrize("name", CASE_DMS)
def test_every_button_in_a_dm_decodes_to_its_case(name: str) -> None:
    for button in _buttons(CASE_DMS[name](snapshot(number=4711))):
        assert decode_case_value(button["value"]) == 4711, button["action_id"]


@pytest.mark.parametrize("state", list(State), ids=str)
def test_card_shows_exactly_the_buttons_of_its_state(state: State) -> None:
    expected = [(text, action.value) for text, action, _ in CARD_BUTTONS.get(state, ())]
    shown = [(b["text"]["text"], b["action_id"]) for b in _buttons(_card(state))]
    assert shown == expected


@pytest.mark.parametrize("state", sorted(ENDED_STATES), ids=str)
def test_an_ended_case_shows_no_buttons(state: State) -> None:
    card = _card(state)
    assert _buttons(card) == []
    assert [b for b in card["blocks"] if b["type"] == "actions"] == []


def test_every_open_working_state_offers_a_way_forward() -> None:
    for state in State:
        if state.is_open and state is not State.SUBMITTED:
            assert CARD_BUTTONS.get(state), state


# --- approvals on the card in review -----------------------------------------------------------


def _approvals_field(card: dict[str, Any]) -> list[str] | None:
    for block in card["blocks"]:
        texts = [f["text"] for f in block.get("fields", ())]
        if texts and texts[0].startswith("*Security*"):
            return texts
    return None


@pytest.mark.parametrize(
    ("approvals", "security", "legal"),
    [
        ((), "waiting", "waiting"),
        ((("Security", SECURITY_APPROVER),), f"approved by <@{SECURITY_APPROVER}>", "waiting"),
        ((("Legal", LEGAL_APPROVER),), "waiting", f"approved by <@{LEGAL_APPROVER}>"),
        (
            (("Legal", LEGAL_APPROVER), ("Security", SECURITY_APPROVER)),
            f"approved by <@{SECURITY_APPROVER}>",
            f"approved by <@{LEGAL_APPROVER}>",
        ),
    ],
    ids=["none", "security", "legal", "both"],
)
def test_card_in_review_shows_each_roles_approval(
    approvals: tuple[tuple[str, str], ...], security: str, legal: str
) -> None:
    card = _card(State.IN_REVIEW, approvals=approvals)
    assert _approvals_field(card) == [f"*Security*\n{security}", f"*Legal*\n{legal}"]


@pytest.mark.parametrize("state", [s for s in State if s is not State.IN_REVIEW], ids=str)
def test_only_a_card_in_review_shows_approvals(state: State) -> None:
    card = _card(state, approvals=(("Security", SECURITY_APPROVER), ("Legal", LEGAL_APPROVER)))
    assert _approvals_field(card) is None
    assert all("approved by" not in s and "waiting" not in s for s in strings(card))


# --- DMs: reasons and organisations are typed by people ----------------------------------------


@pytest.mark.parametrize(("typed", "escaped"), HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("name", REASON_DMS)
def test_reason_in_a_dm_is_escaped(name: str, typed: str, escaped: str) -> None:
    dm = REASON_DMS[name](snapshot(), typed)
    assert all(typed not in s for s in strings(dm["blocks"]))
    assert f">{escaped}" in mrkdwn_texts(dm["blocks"])


@pytest.mark.parametrize(("typed", "escaped"), HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("name", REASON_DMS)
def test_dm_notification_text_carries_no_typed_reason(name: str, typed: str, escaped: str) -> None:
    text = REASON_DMS[name](snapshot(number=4711), typed)["text"]
    assert typed not in text
    assert "<" not in text
    assert text.startswith("Case 4711")


@pytest.mark.parametrize(("typed", "escaped"), HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("name", CASE_DMS)
def test_organisation_in_a_dm_is_escaped(name: str, typed: str, escaped: str) -> None:
    dm = CASE_DMS[name](snapshot(organisation=typed))
    assert all(typed not in s for s in strings(dm))
    assert any(f"({escaped}" in text for text in mrkdwn_texts(dm["blocks"]))
    assert "<" not in dm["text"]


@pytest.mark.parametrize("reason", [None, ""], ids=["none", "empty"])
@pytest.mark.parametrize("approved", [True, False], ids=["approved", "denied"])
def test_legal_decision_without_a_reason_quotes_nothing(approved: bool, reason: str | None) -> None:
    dm = build_legal_decision_dm(snapshot(), approved=approved, reason=reason)
    assert len(dm["blocks"]) == 1
    assert not any(text.startswith(">") for text in mrkdwn_texts(dm))


@pytest.mark.parametrize("approved", [True, False], ids=["approved", "denied"])
def test_legal_decision_says_which_way_it_went(approved: bool) -> None:
    dm = build_legal_decision_dm(snapshot(number=102), approved=approved, reason=None)
    verdict, other = ("approved", "denied") if approved else ("denied", "approved")
    assert dm["text"] == f"Case 102: exception {verdict}"
    assert f"Legal {verdict} the exception" in dm["blocks"][0]["text"]["text"]
    assert other not in json.dumps(dm)


def test_rescope_dm_button_opens_the_edit_of_its_case() -> None:
    dm = build_rescope_dm(snapshot(number=4711, state=State.RESCOPE_REQUESTED), "Narrower.")
    button = _buttons(dm)[0]
    assert button["action_id"] == ActionId.EDIT_SCOPE.value
    assert decode_case_value(button["value"]) == 4711


@pytest.mark.parametrize("name", ["rescope", "legal_denied"])
def test_every_line_of_a_multi_line_reason_is_quoted(name: str) -> None:
    dm = REASON_DMS[name](snapshot(), "First line.\nSecond line.\n\nAfter a blank line.")
    (quote,) = [text for text in mrkdwn_texts(dm["blocks"]) if text.startswith(">")]
    assert all(line.startswith(">") for line in quote.split("\n"))


@pytest.mark.parametrize(
    ("name", "callback"),
    [("rescope", Callback.RESCOPE_REASON), ("legal_denied", Callback.LEGAL_DENY)],
)
def test_the_longest_reason_a_modal_accepts_reaches_the_dm_whole(
    name: str, callback: Callback
) -> None:
    (field,) = _inputs(build_text_modal(callback, 1))
    longest = field["element"]["max_length"]
    reason = "r" * (longest - 1) + "!"
    quoted = "".join(mrkdwn_texts(REASON_DMS[name](snapshot(), reason)["blocks"]))
    assert "r" * (longest - 1) + "!" in quoted
