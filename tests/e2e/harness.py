"""The bot served over HTTP against the fake Slack, with people to drive it.

`Desk` starts the real composition (settings → bot → Bolt app → waitress) on an ephemeral
port, with a workspace of staff, an outsider, a guest and a shared channel, and offers the
moves a person makes in Slack: type a command, fill in the modal, click a button.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select

from bot.config import load_settings
from bot.slack.server import make_server, run_until_stopped, stop_server
from bot.wiring import build_bot
from db.models import OutboxMessage
from messages.ids import case_value
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    SlackSender,
    checkboxes,
    datetimepicker,
    multi_static_select,
    plain_text_input,
    radio_buttons,
    state_values,
    static_select,
    url_text_input,
)

TEAM = "T0INSIDE"
OUTSIDE_TEAM = "T0OUTSIDE"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TRIAGE, LEADS, WORK, SHARED = "C0TRIAGE", "C0LEADS", "C0WORK", "C0SHARED"
REQUESTERS, SUPPORT, SIRT = "S0REQ", "S0SUPPORT", "S0SIRT"
SECURITY, LEGAL, LEAD_GROUP = "S0SECURITY", "S0LEGAL", "S0LEADS"

STAFF = {
    "UREQ": REQUESTERS,
    "UREQ2": REQUESTERS,
    "USUP": SUPPORT,
    "USUP2": SUPPORT,
    "USIRT": SIRT,
    "USEC": SECURITY,
    "ULEGAL": LEGAL,
    "ULEAD": LEAD_GROUP,
}


def settings_env(slack: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": slack_token(slack),
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "TRIAGE_CHANNEL": TRIAGE,
        "LEADS_CHANNEL": LEADS,
        "REQUESTER_GROUPS": REQUESTERS,
        "SUPPORT_GROUP": SUPPORT,
        "SIRT_GROUP": SIRT,
        "SECURITY_REVIEW_GROUP": SECURITY,
        "LEGAL_GROUP": LEGAL,
        "LEADS_GROUP": LEAD_GROUP,
    }


def slack_token(slack: FakeSlack) -> str:
    return slack.bot_token if hasattr(slack, "bot_token") else "xoxb-test-token"


def populate(slack: FakeSlack) -> None:
    """The workspace every end-to-end test starts from."""
    for user in STAFF:
        slack.add_user(user, tz="Europe/London")
    slack.add_user("UAKL", tz="Pacific/Auckland")
    slack.add_user("UEXT", team_id=OUTSIDE_TEAM)
    slack.add_user("UGUEST", is_restricted=True)
    slack.add_user("UNOBODY")
    groups: dict[str, list[str]] = {}
    for user, group in STAFF.items():
        groups.setdefault(group, []).append(user)
    groups[REQUESTERS] += ["UAKL", "UGUEST", "UEXT"]
    slack.add_user("USIRTSEC")  # a SIRT handler who is also a Security reviewer
    groups[SIRT].append("USIRTSEC")
    groups[SECURITY].append("USIRTSEC")
    for group, members in groups.items():
        slack.add_usergroup(group, members)
    slack.add_channel(TRIAGE, name="log-requests-triage")
    slack.add_channel(LEADS, name="log-requests-leads")
    slack.add_channel(WORK, is_private=False, name="support-team")
    slack.add_channel(SHARED, is_private=False, is_shared=True, is_ext_shared=True, name="acme-ext")


@dataclass
class Desk:
    slack: FakeSlack
    sender: SlackSender
    bot: Any
    server: Any
    thread: threading.Thread
    url: str
    listeners: Tracked | None = None
    submissions: list[str] = field(default_factory=list)

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
        return self.sender.view_submission(view, answers, user_id=user, team_id=team, **kwargs)

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

    def settle(self, case: int | None = None) -> None:
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
        self.wait_until(delivered, what=f"the bot to finish with {what}")

    def modal_from(self, action_id: str, case: int, *, user: str) -> dict[str, Any]:
        """Clicks a button that opens a modal and returns the modal."""
        before = len(self.slack.calls("views.open"))
        self.click(action_id, case_value(case), user=user)
        calls = self.wait_until(lambda: self.slack.calls("views.open")[before:], what="modal")
        return self.slack.get_view(calls[0].response["view"]["id"])

    def fill(
        self, action_id: str, case: int, answers: dict[str, Any], *, user: str
    ) -> requests.Response:
        """Clicks a button, fills in the modal it opens (block id → element value), submits."""
        view = self.modal_from(action_id, case, user=user)
        values = state_values({(block, "input"): value for block, value in answers.items()})
        response = self.submit(view, values, user=user)
        self.settle(case)
        return response

    # -- what people see ------------------------------------------------------------------
    def wait_until(self, check, timeout: float = 5.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}\n{self.slack.dump_calls()}")

    def cards(self) -> list[dict[str, Any]]:
        return self.slack.messages_in(TRIAGE)

    def wait_for_card(self, case_number: int) -> dict[str, Any]:
        def find():
            return next(
                (m for m in self.cards() if f"Case {case_number}:" in m.get("text", "")), None
            )

        return self.wait_until(find, what=f"card of case {case_number}")

    def wait_for_dm(self, user: str, words: str) -> dict[str, Any]:
        def find():
            return next((m for m in self.slack.dms_to(user) if words in m.get("text", "")), None)

        return self.wait_until(find, what=f"DM to {user} containing {words!r}")


def intake_answers(now: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """Modal state values of a valid Support request (3 days back); `changes` override."""
    now = now or datetime.now(UTC)
    answers: dict[str, Any] = {
        "organisation": plain_text_input("Acme Corp"),
        "ticket_url": url_text_input("https://support.example.com/tickets/4242"),
        "plan": static_select("premium"),
        "deployment": radio_buttons("saas"),
        "namespace": plain_text_input("acme-corp"),
        "ownership": checkboxes(["owns"]),
        "window_start": datetimepicker(int((now - timedelta(days=3)).timestamp())),
        "window_end": datetimepicker(int((now - timedelta(days=1)).timestamp())),
        "projects": plain_text_input("acme-corp/backend/api"),
        "groups": plain_text_input("acme-corp/platform"),
        "users": plain_text_input("@jdoe-acme\nmallory-acme"),
        "users_in_namespace": checkboxes(["belong"]),
        "own_use": radio_buttons("yes"),
        "audit_events": plain_text_input("Audit Events show the token's creation, not its use."),
        "event_types": multi_static_select(["sign_in", "pat"]),
        "event_other": plain_text_input(None),
        "personal_data": radio_buttons("no"),
        "access_logs": radio_buttons("no"),
        "summary": plain_text_input("A token was used from 203.0.113.77 on Monday."),
        "exception": plain_text_input(None),
    }
    for name, value in changes.items():
        answers[name] = value
    return state_values({(name, "input"): value for name, value in answers.items()})


class Tracked(Executor):
    """The listeners' executor, counting what still runs, so `Desk.settle` knows when the
    bot has finished answering (a reply sent after the ack included)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._running = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            self._running += 1
        try:
            future = self.inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object) -> None:
        with self._lock:
            self._running -= 1

    def idle(self) -> bool:
        with self._lock:
            return self._running == 0

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        self.inner.shutdown(wait, **kwargs)


def track_listeners(app: Any) -> Tracked:
    """Has the Bolt app run its listeners through a `Tracked` executor."""
    runner = app.listener_runner
    tracked = Tracked(runner.listener_executor)
    runner.listener_executor = tracked
    runner.lazy_listener_runner.executor = tracked
    return tracked


def start_desk(database_url: str, **env: str) -> Desk:
    slack = FakeSlack().start()
    populate(slack)
    settings = load_settings({**settings_env(slack, database_url), **env}, dotenv_path=None)
    bot = build_bot(settings)
    app = bot.slack_app()
    listeners = track_listeners(app)
    server = make_server(app, host="127.0.0.1", port=0, signing_secret=SECRET, loop_timeout=0.05)
    thread = threading.Thread(
        target=run_until_stopped, args=(server,), name="bot-http", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    sender = SlackSender(url, SECRET)
    return Desk(
        slack=slack,
        sender=sender,
        bot=bot,
        server=server,
        thread=thread,
        url=url,
        listeners=listeners,
    )


def stop_desk(desk: Desk) -> None:
    desk.sender.close()
    stop_server(desk.server)
    desk.thread.join(timeout=5)
    desk.bot.sessions.kw["bind"].dispose()
    desk.slack.stop()
