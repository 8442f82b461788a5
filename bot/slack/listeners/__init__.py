"""Listeners, one module per surface, each a set of module-level functions registered by
its `register(app)`; `register_listeners` wires them all in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import cadence, casework, intake, status


def register_listeners(app: App) -> None:
    for surface in (intake, casework, cadence, status):
        surface.register(app)
