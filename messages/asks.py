"""The DMs that ask someone to decide (Legal on an exception, the reviewers on artefacts), and
the request as the case's participants may read it in Slack.

These go only to people, never to a channel: they carry the scope, the justification and where
the artefacts are. Each ask is rendered from the case as it is now, so the same builder posts
it and, after a decision, replaces it: the buttons stay only while the decision is still open,
and once the case's details are purged the request goes from the DM too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from bot.cases.model import CaseSnapshot, Collected, Intake, State
from messages.blocks import actions, button, context, escape, fields, quote, section
from messages.ids import ActionId, Block, case_value


def _listed(items: Sequence[str]) -> str:
    return ", ".join(f"`{escape(item)}`" for item in items) or "—"


def request_blocks(intake: Intake, waived: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The scope and the justification, for the case's participants (never a channel)."""
    start, end = intake.window_start, intake.window_end
    window = (
        f"{start.astimezone(UTC):%Y-%m-%d %H:%M} → {end.astimezone(UTC):%Y-%m-%d %H:%M}"
        if start and end
        else "—"
    )
    events = [*intake.event_types, *([intake.event_other] if intake.event_other else [])]
    blocks = [
        fields(
            ("Window (UTC)", window),
            ("Namespace", _listed([intake.namespace] if intake.namespace else [])),
            ("Projects", _listed(intake.projects)),
            ("Groups", _listed(intake.groups)),
            ("Users", _listed(intake.users)),
            ("Events", _listed(events)),
            ("Personal data", "to be disclosed" if intake.personal_data else "none"),
        )
    ]
    if intake.exception_justification:
        rules = ", ".join(escape(rule) for rule in waived) or "no rule"
        blocks.append(section(f"*Exception asked* (waives: {rules}):"))
        blocks.extend(quote(intake.exception_justification))
    return blocks


def _headline(emoji: str, case: CaseSnapshot, what: str) -> dict[str, Any]:
    return section(
        f"{emoji} *Case {case.number}* ({escape(case.organisation)}, {case.route.label}) {what}"
    )


def _settled(case: CaseSnapshot, waited: State) -> dict[str, Any] | None:
    """A line saying the decision is no longer open, or None while it is."""
    if case.state is waited:
        return None
    return context(f"Nothing waits on you here now (state: *{case.state.label}*).")


def _decide(
    case: CaseSnapshot, yes: str, approve: ActionId, no: str, refuse: ActionId
) -> dict[str, Any]:
    value = case_value(case.number)
    return actions(
        Block.DM_ACTIONS.value,
        button(yes, approve.value, value, style="primary"),
        button(no, refuse.value, value, style="danger"),
    )


def _purged(case: CaseSnapshot, what: str) -> dict[str, Any]:
    text = f"Case {case.number}: {what}"
    return {"text": text, "blocks": [section(f"{text}. The case ended; its details are gone.")]}


def build_legal_ask(
    case: CaseSnapshot, intake: Intake | None, waived: Sequence[str]
) -> dict[str, Any]:
    """To each Legal member: an exception waits on their decision, with Approve/Deny."""
    what = "exception to decide"
    if intake is None:
        return _purged(case, what)
    blocks = [
        _headline(":scales:", case, "asks for an exception: it waits on Legal's decision."),
        *request_blocks(intake, waived),
    ]
    if (done := _settled(case, State.PENDING_LEGAL)) is not None:
        blocks.append(done)
    else:
        blocks.append(
            _decide(
                case,
                "Approve exception",
                ActionId.LEGAL_APPROVE,
                "Deny exception",
                ActionId.LEGAL_DENY,
            )
        )
    return {"text": f"Case {case.number}: {what}", "blocks": blocks}


def build_review_ask(
    case: CaseSnapshot, intake: Intake | None, collected: Collected | None
) -> dict[str, Any]:
    """To each Security reviewer and Legal member: artefacts wait on review, Approve/Reject."""
    what = "artefacts to review"
    if intake is None or collected is None:
        return _purged(case, what)
    given = dict(case.approvals)
    blocks = [
        _headline(":mag_right:", case, "has artefacts waiting on Security and Legal review."),
        fields(
            ("Collected", escape(collected.description)),
            ("Log entries", str(collected.count)),
            ("Stored at", escape(collected.location)),
            ("Bag digest", f"`{escape(collected.checksum)}`"),
            *(
                (role, f"approved by <@{given[role]}>" if role in given else "waiting")
                for role in ("Security", "Legal")
            ),
        ),
        context(f"<@{collected.submitted_by}> submitted them and confirmed they are redacted."),
        *request_blocks(intake),
    ]
    if (done := _settled(case, State.IN_REVIEW)) is not None:
        blocks.append(done)
    else:
        blocks.append(_decide(case, "Approve", ActionId.APPROVE, "Reject", ActionId.REJECT))
    return {"text": f"Case {case.number}: {what}", "blocks": blocks}
