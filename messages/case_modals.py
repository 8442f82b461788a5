"""The small modals of working a case: a reason, a finding, the artefacts, a handover, the gap."""

from __future__ import annotations

from typing import Any

from messages.blocks import context, plain, section
from messages.ids import INPUT, Block, Callback, encode

# The most each text input takes (its `max_length`); a submission over it is refused on the
# field, since a hand-made one is not held to the modal's limit by Slack.
MAX_CHARS: dict[Block, int] = {
    Block.TEXT: 3000,
    Block.ARTEFACT_DESCRIPTION: 2000,
    Block.ARTEFACT_COUNT: 9,
    Block.ARTEFACT_LOCATION: 500,
    Block.ARTEFACT_CHECKSUM: 200,
    Block.GAP: 3000,
    Block.NO_GAP: 3000,
    Block.SUMMARY: 300,
}


def _modal(
    callback: Callback,
    title: str,
    case_number: int,
    blocks: list[dict[str, Any]],
    submit: str = "Save",
    **metadata: Any,
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback.value,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"case": case_number, **metadata}),
        "blocks": blocks,
    }


def _text_input(
    block: Block,
    label: str,
    *,
    hint: str = "",
    multiline: bool = True,
    optional: bool = False,
    initial: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": multiline,
        "max_length": MAX_CHARS[block],
    }
    if initial:
        element["initial_value"] = initial[: MAX_CHARS[block]]
    result: dict[str, Any] = {
        "type": "input",
        "block_id": block.value,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        result["hint"] = plain(hint)
    return result


# callback → (title, label, hint, submit label)
TEXT_MODALS: dict[Callback, tuple[str, str, str, str]] = {
    Callback.FINDING: (
        "Add a finding",
        "What did you find?",
        "Dated and kept on the case; the relay contact sees it in the next "
        "update reminder. It goes to the confidential issue, never a channel.",
        "Add",
    ),
    Callback.RESCOPE_REASON: (
        "Request re-scope",
        "Why is the scope too broad?",
        "The requester gets this with a button to edit the request.",
        "Send",
    ),
    Callback.COST_NOTICE: (
        "Cost notice",
        "What must the customer be told about the cost?",
        "Recorded on the case. The relay contact gets it in a DM, tells the customer and "
        "confirms; their update reminders repeat it until they do.",
        "Record",
    ),
    Callback.REVIEW_REJECT: (
        "Reject artefacts",
        "What must change?",
        "The case goes back to the handler with this reason.",
        "Reject",
    ),
    Callback.LEGAL_DENY: (
        "Deny exception",
        "Reason for the denial",
        "The requester reads this in a DM.",
        "Deny",
    ),
    Callback.DECLINE: (
        "Decline request",
        "Why is the request declined?",
        "For a request that is unreasonable as it stands. The requester reads this in a DM; "
        "the case ends and its issue is closed.",
        "Decline",
    ),
    Callback.WITHDRAW: (
        "Withdraw request",
        "Why is it withdrawn?",
        "The case ends; its history stays.",
        "Withdraw",
    ),
}


def build_text_modal(callback: Callback, case_number: int) -> dict[str, Any]:
    title, label, hint, submit = TEXT_MODALS[callback]
    blocks = [section(f"*Case {case_number}*"), _text_input(Block.TEXT, label, hint=hint)]
    return _modal(callback, title, case_number, blocks, submit)


def build_review_submit_modal(case_number: int) -> dict[str, Any]:
    """What was collected; the artefacts themselves never pass through Slack or the bot."""
    blocks = [
        section(
            f"*Case {case_number}*: describe what you collected. Don't attach or paste "
            "the artefacts: they stay where they are stored."
        ),
        _text_input(Block.ARTEFACT_DESCRIPTION, "What was collected"),
        _text_input(Block.ARTEFACT_COUNT, "Number of log entries", multiline=False),
        _text_input(
            Block.ARTEFACT_LOCATION,
            "Where it is stored",
            multiline=False,
            hint="A path or link reviewers can open.",
        ),
        _text_input(
            Block.ARTEFACT_CHECKSUM,
            "Bag digest",
            multiline=False,
            hint="The SHA-256 `python -m bot dive` printed: reviewers approve this digest.",
        ),
        {
            "type": "input",
            "block_id": Block.REDACTED.value,
            "label": plain("Redaction"),
            "element": {
                "type": "checkboxes",
                "action_id": INPUT,
                "options": [
                    {
                        "text": plain(
                            "Redacted: no other accounts' data, no "
                            "GitLab-confidential or system info",
                            75,
                        ),
                        "value": "redacted",
                    }
                ],
            },
        },
    ]
    return _modal(Callback.REVIEW_SUBMIT, "Submit for review", case_number, blocks, "Submit")


def _pick_user(label: str, hint: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": Block.USER.value,
        "label": plain(label),
        "element": {"type": "users_select", "action_id": INPUT},
        "hint": plain(hint),
    }


def build_hand_over_modal(case_number: int) -> dict[str, Any]:
    blocks = [
        section(f"*Case {case_number}*"),
        _pick_user("Hand the case to", "Another Support or SIRT handler who can take this route."),
    ]
    return _modal(Callback.HAND_OVER, "Hand over", case_number, blocks, "Hand over")


def build_relay_hand_over_modal(case_number: int) -> dict[str, Any]:
    blocks = [
        section(f"*Case {case_number}*: who talks to the customer from now on?"),
        _pick_user(
            "Hand the relay role to",
            "A member of the requester groups. They get the update reminders and the notices "
            "for the customer from now; you both get a DM.",
        ),
    ]
    return _modal(
        Callback.RELAY_HAND_OVER, "Hand over relay role", case_number, blocks, "Hand over"
    )


def build_update_sent_modal(case_number: int, **reminder: str) -> dict[str, Any]:
    """ "Update sent", with an optional line of what the customer was told. `reminder` names
    the reminder DM it was opened from (channel, ts), to replace it once recorded."""
    blocks = [
        section(f"*Case {case_number}*: you sent the customer a status update."),
        _text_input(
            Block.SUMMARY,
            "What did you tell them? (optional)",
            multiline=False,
            optional=True,
            hint="One line, kept with the case and shown in /case-status.",
        ),
    ]
    return _modal(Callback.UPDATE_SENT, "Update sent", case_number, blocks, "Record", **reminder)


def build_gap_modal(case_number: int, draft: str = "") -> dict[str, Any]:
    """The gap step, its text started from what the requester said Audit Events showed."""
    blocks = [
        section(
            f"*Case {case_number}*: before closing, document the gap in Audit Events "
            "that made this request necessary."
        ),
        _text_input(
            Block.GAP,
            "Missing audit information",
            optional=True,
            hint="Becomes a public issue labelled Category:Audit Events and Enterprise "
            "Edition. Text naming the organisation (or a word of it), the namespace, resources, "
            "users, emails, IP addresses, links, ticket numbers or tokens is refused.",
            initial=draft,
        ),
        _text_input(Block.NO_GAP, "Or: why there is no gap", optional=True),
        context("Fill in one of the two."),
    ]
    return _modal(Callback.GAP, "Audit Events gap", case_number, blocks, "Close case")
