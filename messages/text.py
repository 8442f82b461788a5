"""Sentences shared by several messages, so every surface says the same thing."""

from __future__ import annotations

from bot.cases.model import CaseSnapshot, Route, State


def window_notice() -> str:
    return (
        ":hourglass: The window reaches back more than 7 days from the request, so the search "
        "takes longer to complete. Let the customer know."
    )


def access_logs_left_out() -> str:
    return (
        ":information_source: Access logs (HTTP requests) were asked for, but GitLab can't "
        "search them: only application logs and logs of other production components will be "
        "searched. Let the customer know."
    )


def exception_not_needed() -> str:
    return (
        ":information_source: You wrote an exception request, but nothing in this request needs "
        "one, so it was not needed: it was not sent to Legal and is not kept with the case."
    )


def next_steps(case: CaseSnapshot) -> str:
    if case.state is State.PENDING_LEGAL:
        return (
            "An exception was requested, so GitLab Legal reviews the request first. You'll get "
            "a DM with their decision; work starts only after they approve."
        )
    team = (
        "GitLab Support" if case.route is Route.SUPPORT else "the Security Incident Response Team"
    )
    return (
        f"{team} picks the case up from the triage channel. You relay status updates to the "
        "customer about every 12 hours on business days; the bot DMs you when one is due. "
        "The customer must not contact the security team directly."
    )
