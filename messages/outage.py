"""What people are told when GitLab keeps refusing a case's issue (no personal data: it also
goes to the leads channel)."""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import context, escape, section


def build_issue_not_opened(case: CaseSnapshot) -> dict[str, Any]:
    """To the owner and the leads: the issue could not be opened; the case goes on in Slack."""
    blocks = [
        section(
            f":warning: GitLab would not open the confidential issue for *case {case.number}* "
            f"({escape(case.organisation)}, {case.route.label}, {case.state.label}), even after "
            "repeated tries. The case goes on in Slack as usual: its GitLab notes wait, and go "
            "out in order once the issue exists."
        ),
        context(
            "For an operator: the worker's log says why (`python -m bot doctor` counts it as "
            "parked). Fix the cause, then run `python -m bot unpark`."
        ),
    ]
    text = f"Case {case.number}: the GitLab issue could not be opened"
    return {"text": text, "blocks": blocks}
