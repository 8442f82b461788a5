"""The latency baseline: a bare Bolt app that opens a fixed modal and stores a submission.

The fixed modal is the bot's intake modal, built once at start. A submission is committed as
one row (the view's answers as JSON) in the same database the bot uses, through the bot's own
engine settings and writer path, then acknowledged: the least any app that keeps a request
must do.

Served by the bot's own `make_server` (waitress, same threads and timeouts) with the same
listener pool, so the only difference from `python -m bot serve` is the bot's own work.
Run as `python -m bench.bare_app`; reads PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
SLACK_API_URL and DATABASE_URL from the environment.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table

from bot.cases.model import Limits
from bot.config import BUNDLED_CATALOGUE
from bot.slack.server import make_server
from db.session import make_engine, make_session_factory, transaction
from messages.catalogue import load_catalogue
from messages.ids import encode
from messages.intake import build_intake_modal

# The modal the bot opens, built once: Slack (here the fake) then carries and checks a view
# of the same size for both apps, and the difference left is the bot's own work.
MODAL = build_intake_modal(
    load_catalogue(BUNDLED_CATALOGUE), metadata=encode({"v": 1}), limits=Limits()
)
SUBMISSIONS = Table(
    "bench_bare_submission",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("view_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("answers", JSON, nullable=False),
)
DONE = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Request"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Filed."}}],
}


def build() -> App:
    engine = make_engine(os.environ["DATABASE_URL"])
    SUBMISSIONS.create(engine, checkfirst=True)
    sessions = make_session_factory(engine)
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
    def submission(ack, body) -> None:
        view = body["view"]
        with transaction(sessions) as session:
            session.execute(
                SUBMISSIONS.insert().values(
                    view_id=view["id"], user_id=body["user"]["id"], answers=view["state"]["values"]
                )
            )
        ack(response_action="update", view=DONE)

    return app


if __name__ == "__main__":
    make_server(
        build(),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    ).run()
