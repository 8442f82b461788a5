"""Direct messages to a case's own participants (they may carry the case's details)."""

from __future__ import annotations

from typing import Any

from bot.cases.model import CaseSnapshot
from messages.blocks import context, escape, fields, section
from messages.text import next_steps, window_notice


def build_receipt(case: CaseSnapshot, *, triage_channel: str | None) -> dict[str, Any]:
    """The requester's receipt: the number to quote, who works it, and what happens next."""
    where = f" in <#{triage_channel}>" if triage_channel else ""
    blocks = [
        section(
            f":inbox_tray: Your log request for *{escape(case.organisation)}* is "
            f"*case {case.number}*{where}."
        ),
        fields(
            ("Route", case.route.label),
            ("State", case.state.label),
            (
                "Window (UTC)",
                f"{case.window_start:%Y-%m-%d %H:%M} → {case.window_end:%Y-%m-%d %H:%M}",
            ),
            ("Scope", f"{case.resource_count} resources, {case.event_count} event types"),
        ),
        section(next_steps(case)),
    ]
    if case.long_window:
        blocks.append(section(window_notice()))
    blocks.append(context(f"Quote case {case.number} in `/case-status {case.number}`."))
    text = f"Case {case.number} filed: {case.organisation} ({case.route.label})"
    return {"text": text, "blocks": blocks}
