"""Direct messages about an edited request: to its requester, and to an owner it affects."""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot, Route, State
from messages.blocks import context, escape, section
from messages.dm import request_as_filed
from messages.text import next_steps


def _team(route: Route) -> str:
    return "Support" if route is Route.SUPPORT else "SIRT"


def _what_next(case: CaseSnapshot) -> str:
    if case.state is State.PENDING_LEGAL:
        return next_steps(case)
    if case.owner_id:
        return f"<@{case.owner_id}> goes on with it."
    return f"It is back in the triage channel for a {_team(case.route)} handler to claim."


def build_rescoped_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the requester: the edited request as it now stands, assessed like a new one."""
    blocks = [
        section(
            f":pencil2: Your edited request for *case {case.number}* "
            f"({escape(case.organisation)}) is recorded and was checked like a new one."
        ),
        *request_as_filed(case, _what_next(case)),
    ]
    text = f"Case {case.number}: edited request recorded ({case.route.label}, {case.state.label})"
    return {"text": text, "blocks": blocks}


def build_released_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the owner an edit took the case from: it now needs a team they are not in."""
    team = _team(case.route)
    said = (
        f":twisted_rightwards_arrows: The edited request of *case {case.number}* "
        f"({escape(case.organisation)}) now needs {team}, so it goes back to triage, unowned, "
        f"for a {team} handler to claim."
    )
    if case.state is State.PENDING_LEGAL:
        said += " Legal decides on its exception first."
    blocks = [section(said), context("Nothing more for you to do on it.")]
    return {"text": f"Case {case.number}: now {team}'s", "blocks": blocks}


def build_resumed_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the owner: Legal approved the exception an edit asked for; work goes on."""
    blocks = [
        section(
            f":scales: Legal approved the exception in the edited request of *case "
            f"{case.number}* ({escape(case.organisation)}). It is back with you, "
            f"{case.state.label}; the card in the triage channel has its actions."
        )
    ]
    return {"text": f"Case {case.number}: back with you", "blocks": blocks}
