"""The Bolt app: verification, the inside-only guard, the deps and actor, the listeners,
and the handler of surprises no listener expected."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse, Respond

from bot.logs import ContextExecutor
from bot.slack.deps import Deps, provide
from bot.slack.guards import inside_only
from bot.slack.listeners import register_listeners
from bot.slack.replies import unexpected

log = logging.getLogger(__name__)

# How long a request waits for its listener's ack. Bolt waits 3 s (Slack's deadline) and then
# answers `404 unhandled request` while the listener runs on and, say, files the case: on a
# loaded machine a person got that for a submission the bot then carried out. The bot's own
# answer is sent however late instead; every listener acks on every path, and the longest
# wait on the request path is a Slack look-up (10 s client timeout) or SQLite's lock (15 s).
ACK_WAIT = 30


def build_app(deps: Deps, *, signing_secret: str | None, socket_mode: bool = False) -> App:
    app = App(
        name="info-request-bot",  # unnamed, Bolt reads the caller's source to name it (~0.1 s)
        client=deps.gateway.client,
        signing_secret=signing_secret or "socket-mode-unused",
        token_verification_enabled=False,
        # Over HTTP the front door (bot.slack.server) has checked the signature against every
        # accepted secret (the current one and, while rotating, the previous) before Bolt runs.
        request_verification_enabled=False,
        ignoring_self_events_enabled=True,
        listener_executor=ContextExecutor(max_workers=32, thread_name_prefix="listener"),
    )
    app.use(inside_only(deps.gateway))
    app.use(provide(deps))
    register_listeners(app)
    for listener in app._listeners:  # Bolt's registration methods take no ack timeout
        listener.ack_timeout = ACK_WAIT

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Respond) -> BoltResponse:
        # Reached only by surprises: listeners turn refusals into replies themselves.
        text = unexpected(log, str(body.get("type") or body.get("command") or "request"))
        if body.get("response_url"):
            try:
                respond(text=text, response_type="ephemeral", replace_original=False)
            except Exception:
                log.warning("could not tell the user about error", exc_info=True)
        return BoltResponse(status=200, body="")

    return app
