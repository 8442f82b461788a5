"""Every builder against its golden file, and every output against Slack's Block Kit limits.

A golden file is the exact JSON a builder sends to Slack for one representative case. When a
change to a builder is intended, regenerate with `UPDATE_GOLDEN=1 pytest tests/messages`,
review the diff of tests/messages/golden/, and run again without the variable: a run that
rewrites files always fails, so a regeneration is never silently green.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.cases.model import Intake, Limits, Route, State
from bot.config import BUNDLED_CATALOGUE
from messages.asks import build_legal_ask, build_review_ask
from messages.card import build_triage_card
from messages.case_modals import (
    TEXT_MODALS,
    build_gap_modal,
    build_hand_over_modal,
    build_review_submit_modal,
    build_text_modal,
)
from messages.catalogue import MAX_ENTRIES, MAX_LABEL, EventType, load_catalogue
from messages.dive import build_claimed_dm
from messages.dm import (
    build_approved_dm,
    build_cost_notice_dm,
    build_declined_dm,
    build_handed_away_dm,
    build_handed_over_dm,
    build_legal_decision_dm,
    build_receipt,
    build_relay_given_dm,
    build_relay_taken_dm,
    build_rescope_dm,
)
from messages.edits import build_released_dm, build_rescoped_dm, build_resumed_dm
from messages.ids import MAX_METADATA, ActionId, decode_case_value, encode
from messages.intake import build_confirmation_view, build_intake_modal
from messages.refusals import refusal_view
from messages.text import window_notice
from tests.factories import NOW, intake
from tests.messages.samples import (
    CATALOGUE,
    COLLECTED,
    INTAKE,
    INVESTIGATING_WITH_OWNER,
    ISSUE_URL,
    OWNER,
    REASON,
    SECURITY_APPROVER,
    SIRT_PENDING_LEGAL,
    SUPPORT_IN_TRIAGE,
    TRIAGE_CHANNEL,
    snapshot,
    walk,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

VIEW, MESSAGE = "view", "message"
MAX_MODAL_BLOCKS, MAX_MESSAGE_BLOCKS = 100, 50
MAX_OPTION_TEXT, MAX_OPTION_VALUE, MAX_ID = 75, 150, 255
MAX_TEXT_INPUT = 3000

METADATA = encode({"v": 1})
REFUSAL = "Only members of the Customer Success team can file log requests."


def intake_modal(initial: Intake | None = None) -> dict[str, Any]:
    return build_intake_modal(CATALOGUE, metadata=METADATA, limits=Limits(), initial=initial)


# golden name -> (surface kind, builder call)
SURFACES: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "card_support_triage_unclaimed": (MESSAGE, lambda: build_triage_card(SUPPORT_IN_TRIAGE)),
    "card_sirt_pending_legal_exception": (MESSAGE, lambda: build_triage_card(SIRT_PENDING_LEGAL)),
    "card_investigating_with_owner_and_issue": (
        MESSAGE,
        lambda: build_triage_card(INVESTIGATING_WITH_OWNER),
    ),
    "intake_modal_empty": (VIEW, lambda: intake_modal()),
    "intake_modal_prefilled": (VIEW, lambda: intake_modal(intake())),
    "confirmation_support": (VIEW, lambda: build_confirmation_view(SUPPORT_IN_TRIAGE)),
    "confirmation_sirt_pending_legal": (VIEW, lambda: build_confirmation_view(SIRT_PENDING_LEGAL)),
    "receipt_without_long_window_notice": (
        MESSAGE,
        lambda: build_receipt(SUPPORT_IN_TRIAGE, triage_channel=TRIAGE_CHANNEL),
    ),
    "receipt_with_long_window_notice": (
        MESSAGE,
        lambda: build_receipt(SIRT_PENDING_LEGAL, triage_channel=TRIAGE_CHANNEL),
    ),
    "refusal": (VIEW, lambda: refusal_view(REFUSAL)),
    "confirmation_exception_not_needed": (
        VIEW,
        lambda: build_confirmation_view(snapshot(exception_unneeded=True)),
    ),
    "receipt_access_logs_left_out": (
        MESSAGE,
        lambda: build_receipt(snapshot(access_logs=True), triage_channel=TRIAGE_CHANNEL),
    ),
    "confirmation_access_logs_left_out": (
        VIEW,
        lambda: build_confirmation_view(snapshot(access_logs=True)),
    ),
    "receipt_exception_not_needed": (
        MESSAGE,
        lambda: build_receipt(snapshot(exception_unneeded=True), triage_channel=TRIAGE_CHANNEL),
    ),
    # the card in the states the cases above do not reach, each with its own buttons
    "card_in_review_security_approved_legal_waiting": (
        MESSAGE,
        lambda: build_triage_card(
            snapshot(
                number=104,
                state=State.IN_REVIEW,
                owner_id=OWNER,
                issue_url=ISSUE_URL,
                approvals=(("Security", SECURITY_APPROVER),),
            )
        ),
    ),
    **{
        f"card_{state}": (
            MESSAGE,
            lambda state=state: build_triage_card(
                snapshot(number=105, state=state, owner_id=OWNER, issue_url=ISSUE_URL)
            ),
        )
        for state in (State.RESCOPE_REQUESTED, State.APPROVED, State.SHARED, State.WITHDRAWN)
    },
    # the modals of working a case
    **{
        f"case_modal_{callback}": (VIEW, lambda callback=callback: build_text_modal(callback, 103))
        for callback in TEXT_MODALS
    },
    "case_modal_review_submit": (VIEW, lambda: build_review_submit_modal(103)),
    "case_modal_hand_over": (VIEW, lambda: build_hand_over_modal(103)),
    "case_modal_gap": (VIEW, lambda: build_gap_modal(103)),
    "case_modal_gap_with_draft": (
        VIEW,
        lambda: build_gap_modal(103, "Audit Events show the token's creation, not its use."),
    ),
    # DMs to a case's participants; REASON is staff-typed and tries to ping
    "dm_rescope": (MESSAGE, lambda: build_rescope_dm(INVESTIGATING_WITH_OWNER, REASON)),
    "dm_approved": (MESSAGE, lambda: build_approved_dm(INVESTIGATING_WITH_OWNER)),
    "dm_legal_approved_without_reason": (
        MESSAGE,
        lambda: build_legal_decision_dm(SIRT_PENDING_LEGAL, approved=True, reason=None),
    ),
    "dm_legal_denied_with_reason": (
        MESSAGE,
        lambda: build_legal_decision_dm(SIRT_PENDING_LEGAL, approved=False, reason=REASON),
    ),
    "dm_handed_over": (
        MESSAGE,
        lambda: build_handed_over_dm(INVESTIGATING_WITH_OWNER, "U0LEAD", INTAKE),
    ),
    "dm_handed_away": (MESSAGE, lambda: build_handed_away_dm(INVESTIGATING_WITH_OWNER, "U0LEAD")),
    "dm_relay_taken": (
        MESSAGE,
        lambda: build_relay_taken_dm(INVESTIGATING_WITH_OWNER, "U0REQUESTER"),
    ),
    "dm_relay_taken_long_window_cost_unconfirmed": (
        MESSAGE,
        lambda: build_relay_taken_dm(
            replace(INVESTIGATING_WITH_OWNER, long_window=True, cost_notice_pending=True),
            "U0REQUESTER",
            "Two extra days of search",
        ),
    ),
    "dm_relay_given": (
        MESSAGE,
        lambda: build_relay_given_dm(INVESTIGATING_WITH_OWNER, "U0REQUESTER"),
    ),
    "dm_legal_ask": (MESSAGE, lambda: build_legal_ask(SIRT_PENDING_LEGAL, INTAKE, ("plan",))),
    "dm_legal_ask_settled": (
        MESSAGE,
        lambda: build_legal_ask(INVESTIGATING_WITH_OWNER, INTAKE, ("plan",)),
    ),
    "dm_legal_ask_purged": (MESSAGE, lambda: build_legal_ask(SIRT_PENDING_LEGAL, None, ())),
    "dm_review_ask": (
        MESSAGE,
        lambda: build_review_ask(
            replace(INVESTIGATING_WITH_OWNER, state=State.IN_REVIEW), INTAKE, COLLECTED
        ),
    ),
    "dm_review_ask_settled": (
        MESSAGE,
        lambda: build_review_ask(INVESTIGATING_WITH_OWNER, INTAKE, COLLECTED),
    ),
    "dm_claimed": (MESSAGE, lambda: build_claimed_dm(INVESTIGATING_WITH_OWNER)),
    "dm_cost_notice": (MESSAGE, lambda: build_cost_notice_dm(INVESTIGATING_WITH_OWNER, REASON)),
    # an edited request: to its requester, and to the owners it affects
    "dm_rescoped_to_legal_long_window": (MESSAGE, lambda: build_rescoped_dm(SIRT_PENDING_LEGAL)),
    "dm_rescoped_back_to_its_owner": (
        MESSAGE,
        lambda: build_rescoped_dm(replace(INVESTIGATING_WITH_OWNER, access_logs=True)),
    ),
    "dm_released_to_triage": (
        MESSAGE,
        lambda: build_released_dm(snapshot(number=106, route=Route.SIRT)),
    ),
    "dm_declined": (MESSAGE, lambda: build_declined_dm(INVESTIGATING_WITH_OWNER, REASON)),
    "dm_resumed": (MESSAGE, lambda: build_resumed_dm(INVESTIGATING_WITH_OWNER)),
    "dm_legal_approved_back_to_its_owner": (
        MESSAGE,
        lambda: build_legal_decision_dm(INVESTIGATING_WITH_OWNER, approved=True, reason=None),
    ),
}


def _longest_catalogue() -> tuple[EventType, ...]:
    return tuple(
        EventType(f"event_{n:02d}_".ljust(64, "x"), f"Event {n:02d} ".ljust(MAX_LABEL, "y"))
        for n in range(MAX_ENTRIES)
    )


def _largest_intake() -> Intake:
    catalogue = _longest_catalogue()
    return intake(
        organisation="<&>" * 66 + "xy",
        ticket_url="https://support.example.com/" + "t" * 2000,
        namespace="n" * 255,
        projects=tuple(f"group/project-{n}" for n in range(200)),
        groups=tuple(f"group/sub-{n}" for n in range(200)),
        users=tuple(f"user{n}" for n in range(400)),
        event_types=tuple(e.id for e in catalogue),
        event_other="o" * 400,
        summary="s" * 4000,
        exception_justification="e" * 4000,
    )


def _worst_snapshot():
    return snapshot(
        number=2**31 - 1,
        organisation="<&>" * 66 + "xy",
        owner_id=OWNER,
        long_window=True,
        personal_data=True,
        exception_requested=True,
        issue_url=ISSUE_URL,
        resource_count=10_000,
        event_count=10_000,
    )


# Not golden: the largest inputs the builders can be handed must still be valid Block Kit.
EXTREMES: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "intake_modal_bundled_catalogue": (
        VIEW,
        lambda: build_intake_modal(
            load_catalogue(BUNDLED_CATALOGUE), metadata=METADATA, limits=Limits(), initial=intake()
        ),
    ),
    "intake_modal_largest_catalogue_and_answers": (
        VIEW,
        lambda: build_intake_modal(
            _longest_catalogue(),
            metadata="m" * MAX_METADATA,
            limits=Limits(),
            initial=_largest_intake(),
        ),
    ),
    "card_every_note_and_longest_organisation": (
        MESSAGE,
        lambda: build_triage_card(_worst_snapshot()),
    ),
    "receipt_every_note_and_longest_organisation": (
        MESSAGE,
        lambda: build_receipt(_worst_snapshot(), triage_channel=TRIAGE_CHANNEL),
    ),
    "refusal_very_long_reason": (VIEW, lambda: refusal_view("Refused. " * 1000)),
    **{
        f"case_modal_{callback}_largest_case_number": (
            VIEW,
            lambda callback=callback: build_text_modal(callback, 2**31 - 1),
        )
        for callback in TEXT_MODALS
    },
    "case_modal_review_submit_largest_case_number": (
        VIEW,
        lambda: build_review_submit_modal(2**31 - 1),
    ),
    "case_modal_hand_over_largest_case_number": (VIEW, lambda: build_hand_over_modal(2**31 - 1)),
    "case_modal_gap_largest_case_number": (VIEW, lambda: build_gap_modal(2**31 - 1)),
    # A reason as long as the modal accepts, every character expanded by escaping.
    "dm_rescope_longest_reason": (
        MESSAGE,
        lambda: build_rescope_dm(_worst_snapshot(), "<&>" * (MAX_TEXT_INPUT // 3)),
    ),
    "dm_legal_denied_longest_reason": (
        MESSAGE,
        lambda: build_legal_decision_dm(
            _worst_snapshot(), approved=False, reason="<&>" * (MAX_TEXT_INPUT // 3)
        ),
    ),
    "dm_approved_every_note_and_longest_organisation": (
        MESSAGE,
        lambda: build_approved_dm(_worst_snapshot()),
    ),
    "dm_handed_over_every_note_and_longest_organisation": (
        MESSAGE,
        lambda: build_handed_over_dm(_worst_snapshot(), "U0LEAD"),
    ),
    "dm_rescoped_every_note_and_longest_organisation": (
        MESSAGE,
        lambda: build_rescoped_dm(
            replace(_worst_snapshot(), exception_unneeded=True, access_logs=True)
        ),
    ),
    "dm_released_longest_organisation": (MESSAGE, lambda: build_released_dm(_worst_snapshot())),
}

# The card in every state (each shows its own buttons), with both approvals given.
CARDS_BY_STATE: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    f"card_in_state_{state}": (
        MESSAGE,
        lambda state=state: build_triage_card(
            snapshot(
                state=state,
                owner_id=OWNER,
                issue_url=ISSUE_URL,
                approvals=(("Security", "U0SECURITY"), ("Legal", "U0LEGAL")),
            )
        ),
    )
    for state in State
}

ALL_SURFACES = {**SURFACES, **EXTREMES, **CARDS_BY_STATE}


def _as_json(surface: dict[str, Any]) -> Any:
    """What Slack receives: tuples become lists, and anything unserialisable fails here."""
    return json.loads(json.dumps(surface))


def _dump(surface: dict[str, Any]) -> str:
    return json.dumps(surface, indent=2, ensure_ascii=False) + "\n"


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SURFACES)
def test_builder_output_matches_its_golden_file(name: str) -> None:
    _, build = SURFACES[name]
    actual = _as_json(build())
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        before = path.read_text(encoding="utf-8") if path.exists() else None
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(_dump(actual), encoding="utf-8")
        change = "unchanged" if before == _dump(actual) else "changed"
        pytest.fail(
            f"UPDATE_GOLDEN=1 rewrote golden/{path.name} ({change}); review the diff, then run "
            "again without UPDATE_GOLDEN"
        )
    if not path.exists():
        pytest.fail(f"golden/{path.name} is missing: create it with UPDATE_GOLDEN=1 and review it")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected, (
        f"{name} differs from golden/{path.name}; if the change is intended, regenerate with "
        "UPDATE_GOLDEN=1 and review the diff"
    )


def test_every_golden_file_belongs_to_a_builder_case() -> None:
    stale = sorted(p.name for p in GOLDEN.glob("*.json") if p.stem not in SURFACES)
    assert stale == [], f"golden files no test compares against: {stale}"


def test_builders_are_deterministic() -> None:
    for name, (_, build) in SURFACES.items():
        assert _dump(build()) == _dump(build()), name


# --- Block Kit validity -------------------------------------------------------------------------


def _through_slack_sdk(kind: str, surface: dict[str, Any]) -> dict[str, Any]:
    """Parses the whole tree with slack_sdk's models (which validate on `to_dict`)."""
    if kind == VIEW:
        return View(**surface).to_dict()
    blocks = Block.parse_all(surface["blocks"])
    unknown = [i for i, block in enumerate(blocks) if block is None]
    assert unknown == [], f"slack_sdk does not know the block type at {unknown}"
    return {**surface, "blocks": [block.to_dict() for block in blocks]}


def limit_problems(kind: str, surface: dict[str, Any]) -> list[str]:
    """Block Kit limits slack_sdk's models do not check, each problem with its path."""
    problems: list[str] = []
    blocks = surface.get("blocks", [])
    most = MAX_MODAL_BLOCKS if kind == VIEW else MAX_MESSAGE_BLOCKS
    if len(blocks) > most:
        problems.append(f"{len(blocks)} blocks; a {kind} holds at most {most}")
    metadata = surface.get("private_metadata", "")
    if len(metadata) > MAX_METADATA:
        problems.append(f"private_metadata is {len(metadata)} characters; at most {MAX_METADATA}")
    if kind == MESSAGE and not surface.get("text"):
        problems.append("no `text`: notifications and screen readers would show nothing")
    if kind == VIEW and any(b.get("type") == "input" for b in blocks) and "submit" not in surface:
        problems.append("an input block but no `submit`: Slack refuses to open the modal")
    block_ids = Counter(b["block_id"] for b in blocks if "block_id" in b)
    problems += [f"block_id {b!r} is used {n} times" for b, n in block_ids.items() if n > 1]
    for path, node in walk(surface):
        if not isinstance(node, dict):
            continue
        for key in ("block_id", "action_id"):
            if len(node.get(key, "")) > MAX_ID:
                problems.append(f"{path}.{key} is {len(node[key])} characters; at most {MAX_ID}")
        options = [*node.get("options", ()), *node.get("initial_options", ())]
        if "initial_option" in node:
            options.append(node["initial_option"])
        for option in options:
            text, value = option["text"]["text"], option["value"]
            if len(text) > MAX_OPTION_TEXT:
                problems.append(f"{path}: option text {text[:20]!r}… exceeds {MAX_OPTION_TEXT}")
            if len(value) > MAX_OPTION_VALUE:
                problems.append(f"{path}: option value {value[:20]!r}… exceeds {MAX_OPTION_VALUE}")
        if node.get("type") == "plain_text_input":
            longest = node.get("max_length", MAX_TEXT_INPUT)
            if longest > MAX_TEXT_INPUT:
                problems.append(f"{path}.max_length is {longest}; at most {MAX_TEXT_INPUT}")
            if len(node.get("initial_value", "")) > longest:
                problems.append(f"{path}.initial_value is longer than its max_length")
    return problems


@pytest.mark.parametrize("name", ALL_SURFACES)
def test_slack_sdk_accepts_the_whole_tree_and_keeps_every_key(name: str) -> None:
    kind, build = ALL_SURFACES[name]
    surface = _as_json(build())
    # Equality also proves slack_sdk knew every key: it drops the ones it does not model.
    assert _through_slack_sdk(kind, surface) == surface


@pytest.mark.parametrize("name", ALL_SURFACES)
def test_output_stays_within_the_limits_slack_sdk_does_not_check(name: str) -> None:
    kind, build = ALL_SURFACES[name]
    assert limit_problems(kind, _as_json(build())) == []


def test_the_limit_checker_reports_each_broken_limit() -> None:
    option = {"text": {"type": "plain_text", "text": "t" * 76}, "value": "v" * 151}
    field = {"type": "plain_text_input", "max_length": 3001, "initial_value": "i" * 3002}
    broken = {
        "type": "modal",
        "private_metadata": "m" * (MAX_METADATA + 1),
        "blocks": [
            {"type": "input", "block_id": "b" * 256, "element": {"action_id": "a", **field}},
            {"type": "input", "block_id": "same", "element": {"options": [option]}},
            {"type": "input", "block_id": "same", "element": {"action_id": "a" * 256}},
            *({"type": "divider"} for _ in range(98)),
        ],
    }
    problems = "\n".join(limit_problems(VIEW, broken))
    for words in (
        "101 blocks",
        "private_metadata",
        "blocks[0].block_id",
        "'same' is used 2 times",
        "blocks[2].element.action_id",
        "option text",
        "option value",
        "max_length is 3001",
        "initial_value is longer",
        "no `submit`",
    ):
        assert words in problems
    assert "no `text`" in "\n".join(limit_problems(MESSAGE, {"blocks": []}))


# --- what each surface shows -------------------------------------------------------------------


def _buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize("state", list(State), ids=str)
def test_only_a_case_in_triage_can_be_claimed(state: State) -> None:
    card = build_triage_card(snapshot(state=state))
    claimable = ActionId.CLAIM.value in [b["action_id"] for b in _buttons(card)]
    assert claimable == (state is State.TRIAGE)


@pytest.mark.parametrize("state", list(State), ids=str)
def test_every_card_button_names_its_own_case(state: State) -> None:
    card = build_triage_card(snapshot(number=4711, state=state, owner_id=OWNER))
    for button in _buttons(card):
        assert decode_case_value(button.get("value")) == 4711, button["action_id"]


def test_long_window_notice_appears_only_for_long_windows() -> None:
    notice = window_notice()
    assert notice in _dump(build_receipt(SIRT_PENDING_LEGAL, triage_channel=TRIAGE_CHANNEL))
    assert notice not in _dump(build_receipt(SUPPORT_IN_TRIAGE, triage_channel=TRIAGE_CHANNEL))
    assert notice in _dump(build_confirmation_view(SIRT_PENDING_LEGAL))
    assert notice not in _dump(build_confirmation_view(SUPPORT_IN_TRIAGE))


def test_receipt_without_a_triage_channel_links_no_channel() -> None:
    receipt = build_receipt(SUPPORT_IN_TRIAGE, triage_channel=None)
    assert "<#" not in _dump(receipt)
    assert "*case 101*." in receipt["blocks"][0]["text"]["text"]


def test_prefilled_modal_selects_exactly_the_intakes_answers() -> None:
    blocks = {b.get("block_id"): b for b in intake_modal(intake())["blocks"]}
    chosen = [o["value"] for o in blocks["event_types"]["element"]["initial_options"]]
    assert chosen == ["sign_in", "pat"]
    assert blocks["plan"]["element"]["initial_option"]["value"] == "premium"
    assert blocks["ownership"]["element"]["initial_options"][0]["value"] == "owns"
    assert blocks["personal_data"]["element"]["initial_option"]["value"] == "no"


def test_empty_modal_preselects_nothing() -> None:
    for path, node in walk(intake_modal()):
        if isinstance(node, dict):
            preset = {"initial_value", "initial_option", "initial_options", "initial_date_time"}
            assert not preset & node.keys(), path


def test_modal_offers_other_after_the_catalogue() -> None:
    modal = intake_modal()
    events = next(b for b in modal["blocks"] if b.get("block_id") == "event_types")
    values = [o["value"] for o in events["element"]["options"]]
    assert values == [*(e.id for e in CATALOGUE), "other"]


def test_receipt_window_is_shown_in_utc_whatever_zone_the_snapshot_carries() -> None:
    berlin = timezone(timedelta(hours=1))
    case = snapshot(
        window_start=(NOW - timedelta(days=3)).astimezone(berlin),
        window_end=(NOW - timedelta(days=1)).astimezone(berlin),
    )
    receipt = build_receipt(case, triage_channel=None)
    utc = f"{NOW - timedelta(days=3):%Y-%m-%d %H:%M} → {NOW - timedelta(days=1):%Y-%m-%d %H:%M}"
    assert utc in receipt["blocks"][1]["fields"][2]["text"]
