"""Listeners, one module per surface, wired explicitly by `register_listeners`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import cadence, casework, intake, status
from bot.slack.runtime import Runtime


def register_listeners(app: App, rt: Runtime) -> None:
    intake.register(app, rt)
    casework.register(app, rt)
    cadence.register(app, rt)
    status.register(app, rt)
