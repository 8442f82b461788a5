"""The latency baseline: a bare Bolt app that acks and opens a fixed modal, nothing else.

The fixed modal is the bot's intake modal, built once at start.

Served by the bot's own `make_server` (waitress, same threads and timeouts) with the same
listener pool, so the only difference from `python -m bot serve` is the bot's own work.
Run as `python -m bench.bare_app`; reads PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and
SLACK_API_URL from the environment.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.cases.model import Limits
from bot.config import BUNDLED_CATALOGUE
from bot.slack.server import make_server
from messages.catalogue import load_catalogue
from messages.ids import encode
from messages.intake import build_intake_modal

# The modal the bot opens, built once: Slack (here the fake) then carries and checks a view
# of the same size for both apps, and the difference left is the bot's own work.
MODAL = build_intake_modal(
    load_catalogue(BUNDLED_CATALOGUE), metadata=encode({"v": 1}), limits=Limits()
)
DONE = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Request"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Filed."}}],
}


def build() -> App:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="listener"),
    )

    @app.command(re.compile(".+"))
    def command(ack, body) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view(re.compile(".*"))
    def submission(ack) -> None:
        ack(response_action="update", view=DONE)

    return app


if __name__ == "__main__":
    make_server(
        build(),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    ).run()
