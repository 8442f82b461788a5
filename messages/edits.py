"""Direct messages about an edited request: to its requester, and to an owner it affects."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.cases.model import CaseSnapshot, Route, State
from messages.blocks import context, escape, fields, section
from messages.text import access_logs_left_out, exception_not_needed, next_steps, window_notice


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
        fields(
            ("Route", case.route.label),
            ("State", case.state.label),
            (
                "Window (UTC)",
                f"{case.window_start.astimezone(UTC):%Y-%m-%d %H:%M} → "
                f"{case.window_end.astimezone(UTC):%Y-%m-%d %H:%M}",
            ),
            ("Scope", f"{case.resource_count} resources, {case.event_count} event types"),
        ),
        section(_what_next(case)),
    ]
    if case.long_window:
        blocks.append(section(window_notice()))
    if case.exception_unneeded:
        blocks.append(section(exception_not_needed()))
    if case.access_logs:
        blocks.append(section(access_logs_left_out()))
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
