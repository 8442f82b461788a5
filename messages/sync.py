"""What the bot says when people act on a case's GitLab issue: the owner's DMs, the leads'
post, and the reasons it writes on the issue when it puts something back.

The leads' post goes to a channel: case number, organisation and what happened, nothing more.
"""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import context, escape, section


def _issue_link(case: CaseSnapshot) -> str:
    return f"<{case.issue_url}|its GitLab issue>" if case.issue_url else "its GitLab issue"


def build_closed_in_gitlab_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the owner: the issue was closed in GitLab, but the case keeps its gates."""
    text = (
        f":warning: *Case {case.number}* ({escape(case.organisation)}) was closed in GitLab "
        f"({_issue_link(case)}), but it is still {case.state.label} here: close the case here "
        "with the gap step."
    )
    return {
        "text": f"Case {case.number}: closed in GitLab: close the case here with the gap step",
        "blocks": [section(text), context("Only the case's own steps change its state.")],
    }


def build_reopened_in_gitlab_dm(case: CaseSnapshot) -> dict[str, Any]:
    """To the owner: the issue someone closed in GitLab is open again."""
    text = (
        f":arrows_counterclockwise: *Case {case.number}* ({escape(case.organisation)}): "
        f"{_issue_link(case)} was reopened in GitLab. The case is {case.state.label}."
    )
    return {"text": f"Case {case.number}: reopened in GitLab", "blocks": [section(text)]}


def build_exposed_post(case: CaseSnapshot) -> dict[str, Any]:
    """To the leads channel, once: the issue lost its confidentiality and the bot restored it."""
    text = (
        f":lock: The GitLab issue of *case {case.number}* ({escape(case.organisation)}) was "
        "made visible beyond the project (made non-confidential, or the customer's account "
        "was added to it). The bot has made it confidential again and noted why on the issue; "
        "check who could see it meanwhile."
    )
    return {"text": f"Case {case.number}: its GitLab issue was exposed", "blocks": [section(text)]}


def exposed_reason(*, public: bool, customers: list[str]) -> str:
    """The note on the issue: why the bot put it back."""
    parts = []
    if public:
        parts.append("This issue was made non-confidential")
    if customers:
        parts.append(f"the customer's account ({', '.join(customers)}) was added to it")
    done = "; ".join(parts) or "This issue was exposed"
    removed = " and removed the customer's account" if customers else ""
    return (
        f"{done[0].upper()}{done[1:]}. Information requests carry customer data and stay "
        f"confidential to the security team, so the bot has made it confidential again"
        f"{removed}. The leads have been told."
    )


def label_reason(expected: str, removed: list[str]) -> str:
    moved = f" (it was moved to {', '.join(removed)})" if removed else ""
    return (
        f"The state label follows the case in Slack, where its steps are recorded: the bot "
        f"put back `{expected}`{moved}. Change the case's state with its own steps."
    )
