"""The front door under attack from outside: connections held open, drip-fed requests, junk
signatures and oversized bodies. The bot must keep answering Slack, never answer 500, and
write at most a short line now and then to its log.

These tests look at the HTTP server, not at cases, so they run on SQLite only.
"""

from __future__ import annotations

import gzip
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from bot.standins.desk import Desk, start_desk
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, TEAM, WORK
from tests.reliability.conftest import HELD, SENT, _check_and_stop, count, migrated_url

IDLE, SLOW = 300, 120
SLACK_DEADLINE = 3.0  # Slack gives up on an acknowledgement after three seconds


@pytest.fixture
def door(tmp_path) -> Iterator[Desk]:
    desk = start_desk(migrated_url("sqlite", tmp_path))
    yield desk
    _check_and_stop(desk)


@pytest.fixture
def strict_door(tmp_path) -> Iterator[Desk]:
    """The bot with short limits, so a test sees them applied without waiting long."""
    desk = start_desk(
        migrated_url("sqlite", tmp_path), server_options={"request_deadline": 2, "idle_timeout": 2}
    )
    yield desk
    _check_and_stop(desk)


def address(desk: Desk) -> tuple[str, int]:
    return "127.0.0.1", desk.server.effective_port


class Dripper:
    """Slow-loris connections: a request line, then one header line every `every` seconds."""

    def __init__(self, desk: Desk, n: int, every: float) -> None:
        self.sockets = []
        for _ in range(n):
            s = socket.create_connection(address(desk))
            s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n")
            self.sockets.append(s)
        self.closed_by_server: set[int] = set()
        self.lines = 0
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._drip, name="dripper", daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(self._every):
            for i, s in enumerate(self.sockets):
                if i in self.closed_by_server:
                    continue
                try:
                    s.sendall(f"X-Drip-{self.lines}: 1\r\n".encode())
                    self.lines += 1
                except OSError:  # reset: the server hung up
                    self.closed_by_server.add(i)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.sockets:
            s.close()


def signed_command(desk: Desk, timeout: float) -> requests.Response:
    with SlackSender(desk.url, SECRET, timeout=timeout) as sender:
        return sender.command(
            "/case-status",
            "help",
            user_id="ULEAD",
            team_id=TEAM,
            channel_id=WORK,
            trigger_id=desk.slack.issue_trigger("ULEAD"),
            response_url=desk.slack.new_response_url("ULEAD", channel_id=WORK),
        )


# -- 1. connections held open --------------------------------------------------------------
def test_a_signed_request_is_acknowledged_while_300_idle_and_120_slow_connections_are_held(door):
    idle = [socket.create_connection(address(door)) for _ in range(IDLE)]
    slow = Dripper(door, SLOW, every=1.0)
    HELD["idle"] += IDLE
    HELD["drip-fed"] += SLOW
    try:
        health = requests.get(f"{door.url}/healthz", timeout=SLACK_DEADLINE)
        SENT["front door"] += 1
        answer = count("front door", signed_command(door, timeout=SLACK_DEADLINE))
        assert health.status_code == 200
        assert answer.status_code == 200 and "case-status" in answer.text
        # The answers came while every connection was still held: none was dropped to make room.
        door.wait_until(
            lambda: len(door.server.active_channels) >= IDLE + SLOW, what="connections accepted"
        )
        assert slow.closed_by_server == set()
    finally:
        slow.stop()
        for s in idle:
            s.close()


def closed_by_peer(s: socket.socket) -> bool:
    """True once the server has closed this connection (without reading what it may send)."""
    s.setblocking(False)
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_a_drip_fed_request_is_cut_at_the_request_deadline_and_idle_ones_at_the_idle_timeout(
    strict_door,
):
    door = strict_door
    idle = [socket.create_connection(address(door)) for _ in range(IDLE)]
    slow = Dripper(door, SLOW, every=0.5)  # active: waitress's idle timeout never fires
    HELD["idle"] += IDLE
    HELD["drip-fed"] += SLOW
    try:
        door.wait_until(
            lambda: all(closed_by_peer(s) for s in slow.sockets),
            timeout=15,
            what="the drip-fed requests to be cut",
        )
        door.wait_until(
            lambda: all(closed_by_peer(s) for s in idle), timeout=15, what="idle ones to close"
        )
        assert slow.lines > SLOW  # they were dripping while they were cut
        assert count("front door", signed_command(door, timeout=SLACK_DEADLINE)).status_code == 200
    finally:
        slow.stop()
        for s in idle:
            s.close()


# -- 2. junk in the signature headers and the body -----------------------------------------
ZEROS = "v0=" + "0" * 64


def junk_requests() -> list[tuple[str, dict[str, str], bytes]]:
    """(what, headers, body): unsigned requests that once made the bot answer 500."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"command=%2Finfo-request&user_id=UREQ"
    return [
        ("timestamp of a Unicode digit", {**form, "X-Slack-Request-Timestamp": "²"}, body),
        ("timestamp of Unicode digits", {**form, "X-Slack-Request-Timestamp": "¹²³"}, body),
        ("timestamp of 5,000 digits", {**form, "X-Slack-Request-Timestamp": "9" * 5000}, body),
        ("non-ASCII signature", {**form, "X-Slack-Signature": "v0=é" + "0" * 63}, body),
        ("body not UTF-8", form, b"payload=\xff\xfe\xfa{}"),
        (
            "gzip body",
            {**form, "Content-Encoding": "gzip"},
            gzip.compress(b"payload=%7B%22type%22%3A%22block_actions%22%7D"),
        ),
    ]


def test_two_hundred_junk_signed_requests_get_401_and_almost_no_log(door, caplog):
    kinds, now = junk_requests(), str(int(time.time()))
    answers: Counter[int] = Counter()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    with requests.Session() as session:
        for i in range(200):
            _, headers, body = kinds[i % len(kinds)]
            headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": ZEROS, **headers}
            response = session.post(f"{door.url}/slack/events", data=body, headers=headers)
            answers[count("junk signatures", response).status_code] += 1
    # What the server wrote while answering (its loop and worker threads), not other threads.
    lines = [r for r in caplog.records if r.threadName.startswith(("waitress", "bot-http"))]
    assert answers == {401: 200}
    assert len(lines) <= 2, [r.getMessage()[:200] for r in lines]
    for record in lines:
        assert record.exc_info is None and len(record.getMessage()) < 200


# -- 3. oversized bodies are refused before they arrive ------------------------------------
def first_line(desk: Desk, sent: bytes, timeout: float = 5.0) -> bytes | None:
    """Sends part of a request and returns the first line of the answer, if one comes."""
    with socket.create_connection(address(desk)) as s:
        s.settimeout(timeout)
        s.sendall(sent)
        received = b""
        try:
            while b"\r\n" not in received:
                chunk = s.recv(4096)
                if not chunk:
                    break
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return received.split(b"\r\n")[0] if b"\r\n" in received else None


def test_a_five_megabyte_upload_is_refused_when_its_headers_arrive(door):
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000000\r\n\r\n"
    )
    SENT["oversized bodies"] += 1
    assert first_line(door, head + b"x" * 65536) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_chunked_upload_is_refused_once_it_passes_the_limit(door):
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    SENT["oversized bodies"] += 1
    # 1.1 MB sent, and no closing chunk: the bot must not wait for the end to refuse.
    assert first_line(door, head + chunk * 17) == b"HTTP/1.1 413 Request Entity Too Large"
