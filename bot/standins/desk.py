"""The bot served over HTTP against the fake Slack, with people to drive it.

`Desk` starts the real composition (settings → bot → Bolt app → waitress) on an ephemeral
port, in the workspace of :mod:`bot.standins.workspace`, and offers the moves a person
makes in Slack: type a command, fill in the modal, click a button. The demo,
the end-to-end tests and the benchmarks drive the bot through it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import func, select

from bot.config import Settings, load_settings
from bot.slack.forms import view_id as submitted_view_id
from bot.slack.server import make_server, run_until_stopped, socket_mode_handler, stop_server
from bot.standins.listeners import Tracked, track_listeners
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_payloads import state_values
from bot.standins.slack_requests import SlackSender
from bot.standins.slack_socket import SocketSender
from bot.standins.workspace import (
    SECRET,
    TEAM,
    TRIAGE,
    WORK,
    intake_answers,
    populate,
    settings_env,
)
from bot.wiring import Bot, build_bot, metrics_registry
from db.models import Case, OutboxMessage
from messages.ids import case_value
from messages.intake import FILING_TITLE

# The fake Slack and the bot share the test's process: on a loaded machine a modal can open
# later than the 3 s a real trigger lasts (a served test once saw its views.open time out).
# The desk's triggers last longer and the bot's modal calls wait as long as its other calls,
# so no test's outcome depends on the CPU; tests of a slow or refusing Slack set hangs,
# faults or `trigger_ttl` themselves.
TRIGGER_TTL = 30.0
MODAL_CALL_TIMEOUT = 10


def _patient(bot: Bot) -> Bot:
    """The bot as composed, its modal calls given MODAL_CALL_TIMEOUT seconds."""
    bot.gateway.interactive.timeout = MODAL_CALL_TIMEOUT
    return bot


@dataclass
class Desk:
    slack: FakeSlack
    sender: SlackSender
    bot: Bot
    server: Any  # the HTTP server, for tests of its limits
    url: str
    stop_bot: Callable[[], None]
    listeners: Tracked | None = None  # the Bolt app's listeners, to know when they are done

    # -- what people do -------------------------------------------------------------------
    def command(
        self,
        user: str,
        command: str = "/info-request",
        text: str = "",
        *,
        channel: str = WORK,
        team: str = TEAM,
    ) -> requests.Response:
        return self.sender.command(
            command,
            text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            trigger_id=self.slack.issue_trigger(user),
            response_url=self.slack.new_response_url(user, channel_id=channel),
        )

    def open_intake(self, user: str = "UREQ", **kwargs: Any) -> dict[str, Any]:
        """Types /info-request and returns the modal Slack shows."""
        before = len(self.slack.calls("views.open"))
        response = self.command(user, **kwargs)
        assert response.status_code == 200, response.text
        calls = self.wait_until(
            lambda: self.slack.calls("views.open")[before:], what="the modal to open"
        )
        assert len(calls) == 1
        return self.slack.get_view(calls[0].response["view"]["id"])

    def submit(
        self,
        view: dict[str, Any],
        answers: dict[str, Any],
        *,
        user: str = "UREQ",
        team: str = TEAM,
        **kwargs: Any,
    ) -> requests.Response:
        view_id = submitted_view_id({"id": kwargs.get("view_id") or view["id"]})
        shown_before = self._shown(view_id)
        response = self.sender.view_submission(view, answers, user_id=user, team_id=team, **kwargs)
        if isinstance(response, requests.Response) and response.ok and _filing(response):
            return Shown(response, self.wait_until_shown(view_id, after=shown_before))
        return response

    def wait_until_shown(self, view_id: str, *, after: int = 0) -> dict[str, Any]:
        """Waits until the bot has shown the outcome of an intake it acknowledged with
        "Filing…" (the case, a refusal, or a delay) and its filer is idle; returns the view
        as Slack has it. `after`: how many times the view had been updated before."""
        soon = self.bot.file_soon

        def shown() -> bool:
            return self._shown(view_id) > after and (soon is None or soon.idle())

        self.wait_until(shown, 10.0, what=f"the outcome of the intake in view {view_id}")
        try:
            return self.slack.get_view(view_id)
        except KeyError:  # a view id Slack never issued (a forged submission): what was sent
            return self._updates(view_id)[-1].args["view"]

    def _shown(self, view_id: str) -> int:
        return len(self._updates(view_id))

    def _updates(self, view_id: str) -> list[Any]:
        return [c for c in self.slack.calls("views.update") if c.args.get("view_id") == view_id]

    def file(self, user: str = "UREQ", **changes: Any) -> requests.Response:
        """Opens the modal and submits it with a valid request changed by `changes`."""
        view = self.open_intake(user)
        return self.submit(view, intake_answers(**changes), user=user)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str = TRIAGE,
        message_ts: str | None = None,
        team: str = TEAM,
    ) -> requests.Response:
        return self.sender.block_action(
            action_id,
            value,
            user_id=user,
            team_id=team,
            channel_id=channel,
            message_ts=message_ts,
            response_url=self.slack.new_response_url(
                user, channel_id=channel, message_ts=message_ts
            ),
            trigger_id=self.slack.issue_trigger(user),
        )

    def press(self, action_id: str, case: int, *, user: str, **kwargs: Any) -> None:
        """Clicks a case button and waits until what it caused has been delivered."""
        response = self.click(action_id, case_value(case), user=user, **kwargs)
        assert response.status_code == 200, response.text
        self.settle(case)

    def settle(self, case: int | None = None, timeout: float = 5.0) -> None:
        """Waits until the bot is done with what it was asked: every listener has finished
        (replies after the ack included), every Slack message the case (or, without one, any
        case) queued has gone out, and the Home tabs are published."""

        def delivered() -> bool:
            if self.listeners is not None and not self.listeners.idle():
                return False
            query = select(func.count()).select_from(OutboxMessage)
            query = query.where(OutboxMessage.topic == "slack", OutboxMessage.status == "pending")
            if case is not None:
                query = query.where(OutboxMessage.case_id == case)
            with self.bot.sessions() as session:
                pending = session.scalar(query)
            homes = self.bot.homes
            return pending == 0 and (homes is None or homes.settled())

        what = f"case {case}" if case is not None else "every case"
        self.wait_until(delivered, timeout, what=f"the bot to finish with {what}")

    def modal_from(self, action_id: str, case: int, *, user: str, **where: Any) -> dict[str, Any]:
        """Clicks a button that opens a modal and returns the modal; `where` places the click
        (channel, message_ts: a DM's button), the card's by default."""
        before = len(self.slack.calls("views.open"))
        self.click(action_id, case_value(case), user=user, **where)
        calls = self.wait_until(lambda: self.slack.calls("views.open")[before:], what="modal")
        return self.slack.get_view(calls[0].response["view"]["id"])

    def fill(
        self, action_id: str, case: int, answers: dict[str, Any], *, user: str, **where: Any
    ) -> requests.Response:
        """Clicks a button, fills in the modal it opens (block id → element value), submits."""
        view = self.modal_from(action_id, case, user=user, **where)
        values = state_values({(block, "input"): value for block, value in answers.items()})
        response = self.submit(view, values, user=user)
        self.settle(case)
        return response

    # -- what people see ------------------------------------------------------------------
    def wait_until(self, check, timeout: float = 5.0, what: str = "condition") -> Any:
        return wait_until(check, timeout, what, detail=self.slack.dump_calls)

    def cards(self) -> list[dict[str, Any]]:
        return self.slack.messages_in(TRIAGE)

    def wait_for_card(self, case_number: int) -> dict[str, Any]:
        """The case's card once it is up and the bot has recorded it (and queued its link)."""

        def find():
            return next(
                (m for m in self.cards() if f"Case {case_number}:" in m.get("text", "")), None
            )

        def recorded() -> bool:
            with self.bot.sessions() as session:
                query = select(Case.card_ts).where(Case.id == case_number)
                return session.scalar(query) is not None

        card = self.wait_until(find, what=f"card of case {case_number}")
        self.wait_until(recorded, what=f"the bot to record the card of case {case_number}")
        return card

    def wait_for_dm(self, user: str, words: str) -> dict[str, Any]:
        def find():
            return next((m for m in self.slack.dms_to(user) if words in m.get("text", "")), None)

        return self.wait_until(find, what=f"DM to {user} containing {words!r}")


def wait_until(
    check: Callable[[], Any],
    timeout: float = 5.0,
    what: str = "condition",
    detail: Callable[[], str] = lambda: "",
) -> Any:
    """What `check` returns once it is something; an AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}\n{detail()}")


class Shown(requests.Response):
    """An intake submission's answer as the requester ends up seeing it: the ack ("Filing…",
    kept as `ack`) with its view replaced by the one Slack shows once the case is filed."""

    def __init__(self, ack: requests.Response, view: dict[str, Any]) -> None:
        super().__init__()
        self.ack, self.status_code, self.headers = ack, ack.status_code, ack.headers
        self._content = json.dumps({**ack.json(), "view": view}).encode()
        self.encoding = "utf-8"


def _filing(response: requests.Response) -> bool:
    """Whether a submission was acknowledged with the intake's "Filing…" view."""
    try:
        view = response.json().get("view") or {}
    except ValueError:
        return False
    return (view.get("title") or {}).get("text") == FILING_TITLE


def start_desk(
    database_url: str, *, server_options: dict[str, Any] | None = None, **env: str
) -> Desk:
    """The fake Slack with the workspace, and the bot served against it; `env` overrides
    settings, `server_options` the HTTP server's limits."""
    slack = FakeSlack(trigger_ttl=TRIGGER_TTL).start()
    populate(slack)
    settings = load_settings({**settings_env(slack, database_url), **env}, dotenv_path=None)
    bot, server, listeners, stop_bot = serve_bot(settings, server_options)
    url = f"http://127.0.0.1:{server.effective_port}"
    return Desk(
        slack=slack,
        sender=SlackSender(url, SECRET),
        bot=bot,
        server=server,
        url=url,
        stop_bot=stop_bot,
        listeners=listeners,
    )


def start_socket_desk(database_url: str, **env: str) -> Desk:
    """The desk with the bot connected in Socket Mode, as `python -m bot socket` runs it:
    requests arrive as envelopes over the fake Slack's WebSocket, not over HTTP."""
    slack = FakeSlack(trigger_ttl=TRIGGER_TTL).start()
    populate(slack)
    hub = slack.socket_mode()
    environ = {**settings_env(slack, database_url), "SLACK_APP_TOKEN": hub.app_token, **env}
    settings = load_settings(environ, dotenv_path=None)
    bot = _patient(build_bot(settings))
    app = bot.slack_app(socket_mode=True)
    listeners = track_listeners(app)
    # Checked every second (not every 10), so a dropped connection is noticed quickly.
    handler = socket_mode_handler(app, hub.app_token, settings.slack_api_url, ping_interval=1)
    handler.connect()
    hub.wait_connected()

    def stop() -> None:
        handler.close()
        bot.stop()
        bot.sessions.kw["bind"].dispose()

    sender = SocketSender(hub)
    return Desk(slack, sender, bot, None, "", stop, listeners=listeners)


def stop_desk(desk: Desk) -> None:
    desk.sender.close()
    desk.stop_bot()
    desk.slack.stop()


def serve_bot(
    settings: Settings, server_options: dict[str, Any] | None = None
) -> tuple[Bot, Any, Tracked, Callable[[], None]]:
    """The bot composed from `settings` and served on an ephemeral port: (bot, server, its
    listeners' executor, stop).

    The desk's one contact with the bot's composition (wiring, Bolt app, HTTP server).
    """
    bot = _patient(build_bot(settings))
    app = bot.slack_app()
    listeners = track_listeners(app)
    server = make_server(
        app,
        host="127.0.0.1",
        port=0,
        signing_secret=settings.signing_secrets or SECRET,
        metrics=metrics_registry(bot),
        loop_timeout=0.05,
        gitlab_hook=bot.gitlab_hook,
        in_flight=bot.delivery.in_flight,
        **(server_options or {}),
    )
    thread = threading.Thread(
        target=run_until_stopped, args=(server,), name="bot-http", daemon=True
    )
    thread.start()

    def stop() -> None:
        stop_server(server)
        thread.join(timeout=5)
        bot.stop()  # no filer or courier may hold the database once the bot is stopped
        bot.sessions.kw["bind"].dispose()

    return bot, server, listeners, stop
