"""Every Slack string id the bot uses, and the one place button values and metadata are coded.

Listeners match on these names and builders emit them, so a rename happens here only.
Values that come back from Slack are decoded defensively: anything malformed or forged
becomes `None`, and the caller answers with a clear refusal.
"""

from __future__ import annotations

import enum
import json
from typing import Any

# The intake modal's input blocks are named after the rule fields (bot.cases.rules.Field);
# every input element inside them uses this action id.
INPUT = "input"


class Command(enum.StrEnum):
    INFO_REQUEST = "/info-request"
    CASE_STATUS = "/case-status"


class Callback(enum.StrEnum):
    INTAKE = "intake"
    RESCOPE_EDIT = "rescope_edit"  # the intake modal, pre-filled, for a re-scope
    FINDING = "finding"
    RESCOPE_REASON = "rescope_reason"
    COST_NOTICE = "cost_notice"
    REVIEW_SUBMIT = "review_submit"
    REVIEW_REJECT = "review_reject"
    LEGAL_DENY = "legal_deny"
    HAND_OVER = "hand_over"
    GAP = "gap"
    WITHDRAW = "withdraw"
    DECLINE = "decline"
    RELAY_HAND_OVER = "relay_hand_over"
    UPDATE_SENT = "update_sent"  # "update sent", with an optional one-line summary


class ActionId(enum.StrEnum):
    CLAIM = "case_claim"
    UNCLAIM = "case_unclaim"
    HAND_OVER = "case_hand_over"
    ADD_FINDING = "case_add_finding"
    REQUEST_RESCOPE = "case_request_rescope"
    COST_NOTICE = "case_cost_notice"
    SUBMIT_REVIEW = "case_submit_review"
    APPROVE = "case_approve"
    REJECT = "case_reject"
    LEGAL_APPROVE = "case_legal_approve"
    LEGAL_DENY = "case_legal_deny"
    MARK_SHARED = "case_mark_shared"
    CLOSE_GAP = "case_close_gap"
    WITHDRAW = "case_withdraw"
    DECLINE = "case_decline"
    EDIT_SCOPE = "case_edit_scope"
    RELAY_HAND_OVER = "case_relay_hand_over"
    COST_CONFIRMED = "case_cost_confirmed"
    # the update reminder's buttons
    UPDATE_SENT = "case_update_sent"
    SNOOZE_1H = "case_snooze_1h"
    SNOOZE_2H = "case_snooze_2h"
    SNOOZE_4H = "case_snooze_4h"


class Block(enum.StrEnum):
    CARD_ACTIONS = "card_actions"
    DM_ACTIONS = "dm_actions"
    REMINDER_ACTIONS = "reminder_actions"
    HOME_ACTIONS = "home_actions"  # one per case on the App Home: home_actions_<n>
    STATUS_ACTIONS = "status_actions"
    # inputs of the case modals
    TEXT = "text"
    USER = "user"
    ARTEFACT_DESCRIPTION = "artefact_description"
    ARTEFACT_COUNT = "artefact_count"
    ARTEFACT_LOCATION = "artefact_location"
    ARTEFACT_CHECKSUM = "artefact_checksum"
    REDACTED = "redacted"
    GAP = "gap"
    NO_GAP = "no_gap"
    SUMMARY = "summary"


MAX_METADATA = 3000


def encode(data: dict[str, Any]) -> str:
    """Compact JSON for `private_metadata` and button values (Slack caps them at 3000/2000)."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    if len(text) > MAX_METADATA:
        raise ValueError("metadata too long for Slack")
    return text


def decode(text: object) -> dict[str, Any] | None:
    """The dict encoded by `encode`, or None for anything else."""
    if not isinstance(text, str) or not text or len(text) > MAX_METADATA:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # forged values may nest arbitrarily deep
        return None
    return data if isinstance(data, dict) else None


def case_value(case_number: int) -> str:
    return encode({"case": case_number})


def decode_case_value(text: object) -> int | None:
    """The case number a button carries, or None when the value is not one of ours."""
    data = decode(text)
    number = data.get("case") if data else None
    if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 2**31:
        return number
    return None
