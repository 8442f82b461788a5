"""The log-dive kit in the owner's DMs: how to get the case's scope and make the bag."""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import escape, section


def dive_hint(number: int) -> str:
    """The two commands of a log-dive, for the case's owner."""
    return (
        ":mag: *Doing the log-dive:* where the bot runs, "
        f"`python -m bot scope {number} --out case-{number}-scope.json` writes the case's scope "
        "(keep it as confidential as the case). Where the logs are, "
        f"`python -m bot dive --scope case-{number}-scope.json --logs <files> "
        f"--out case-{number}-bag` makes the bag and prints its digest: submit that digest "
        "for review."
    )


def build_claimed_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the handler who claimed a case: it is theirs, and how to do its log-dive."""
    blocks = [
        section(
            f":raising_hand: You claimed *case {case.number}* ({escape(case.organisation)}, "
            f"{case.route.label}). The card in the triage channel has its actions."
        ),
        section(dive_hint(case.number)),
    ]
    return {"text": f"You claimed case {case.number}", "blocks": blocks}
