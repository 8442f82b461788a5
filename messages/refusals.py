"""What a person sees when the bot refuses, or when something unexpected went wrong."""

from __future__ import annotations

from typing import Any

from messages.blocks import context, plain, section


def refusal_view(reason: str) -> dict[str, Any]:
    """Replaces a modal whose submission was refused (no input blocks, so no submit)."""
    return {
        "type": "modal",
        "title": plain("Not filed", 24),
        "close": plain("Close", 24),
        "blocks": [section(f":no_entry: {reason}"), context("Nothing was recorded.")],
    }


def unexpected_text(error_id: str) -> str:
    return (
        f"Something went wrong on our side (error id `{error_id}`). Nothing was lost; "
        "try again, and if it keeps happening, give the error id to the bot's operators."
    )
