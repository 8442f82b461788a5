"""GitLab webhook acknowledgement under 20 concurrent deliveries, against a bare endpoint.

The bot is served as the tests serve it (the desk: waitress, the real composition, a fake
GitLab holding the case's issue), and each delivery is a real `Confidential Note Hook` for that
issue, so the applier re-reads the issue through the API while the acks are measured. The
baseline is a bare WSGI app on the same server settings that reads the body and inserts it
into a table of the same database, nothing else. 20 clients each send their next delivery as
soon as the last is answered; rounds alternate between the two. Target: p99 ≤ 1.5x.

    python -m bench.webhook [--db-url URL] [--per-client N] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import sqlalchemy as sa

from bot.slack.server import make_server, run_until_stopped, stop_server
from bot.standins.desk import start_desk, stop_desk
from bot.standins.gitlab_api import FakeGitLab
from db import migrate
from db.models import Case
from db.session import make_engine

CLIENTS = 20
SECRET = "bench-hook-secret-0123456789"
PROJECT = "gitlab-com/gl-security/sirt/info-requests"


def _bare_server(database_url: str):
    """The baseline: store the body, answer 200."""
    engine = make_engine(database_url)
    table = sa.Table(
        "bench_hook_body",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with engine.begin() as connection:
            connection.execute(table.insert().values(body=body.decode()))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]

    server = make_server(None, host="127.0.0.1", port=0, signing_secret="x" * 32)  # type: ignore[arg-type]
    server.application = app
    thread = threading.Thread(target=run_until_stopped, args=(server,), daemon=True)
    thread.start()

    def stop() -> None:
        stop_server(server)
        thread.join(timeout=5)
        table.drop(engine, checkfirst=True)
        engine.dispose()

    return f"http://127.0.0.1:{server.effective_port}/hook", stop


def _hammer(url: str, delivery, per_client: int) -> list[float]:
    def client(_: int) -> list[float]:
        timings = []
        with requests.Session() as session:
            for _ in range(per_client):
                headers = {**delivery.headers, "Idempotency-Key": str(uuid.uuid4())}
                headers["X-Gitlab-Event-UUID"] = str(uuid.uuid4())
                started = time.perf_counter()
                response = session.post(url, data=delivery.body, headers=headers, timeout=30)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        return timings

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [t for result in pool.map(client, range(CLIENTS)) for t in result]


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def run(database_url: str, per_client: int, rounds: int) -> dict[str, float]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    with FakeGitLab() as fake:
        fake.add_project(PROJECT)
        fake.add_project("gitlab-org/gitlab")
        env = {
            "GITLAB_URL": fake.url,
            "GITLAB_TOKEN": fake.token,
            "GITLAB_SIRT_PROJECT": PROJECT,
            "GITLAB_GAP_PROJECT": "gitlab-org/gitlab",
            "GITLAB_WEBHOOK_SECRET": SECRET,
        }
        desk = start_desk(database_url, **env)
        bare_url, stop_bare = _bare_server(database_url)
        try:
            desk.file("UREQ")
            with desk.bot.sessions() as session:  # a database used before holds other cases
                number = session.scalar(sa.select(sa.func.max(Case.id)))
            desk.wait_for_card(number)
            desk.bot.delivery.gitlab_drain.run()
            hook_url = f"{desk.url}/gitlab/webhook"
            fake.add_hook(PROJECT, hook_url, token=SECRET, confidential_note_events=True)
            fake.outgoing()
            [issue] = fake.issues(PROJECT)
            fake.comment(PROJECT, issue["iid"], "Sign-ins from a new ASN", by="sirt-alice")
            [delivery] = fake.outgoing()
            bot: list[float] = []
            bare: list[float] = []
            for _ in range(rounds):
                bot += _hammer(hook_url, delivery, per_client)
                bare += _hammer(bare_url, delivery, per_client)
        finally:
            stop_bare()
            stop_desk(desk)
    return {
        "bot p50": _p(bot, 50),
        "bot p99": _p(bot, 99),
        "bare p50": _p(bare, 50),
        "bare p99": _p(bare, 99),
        "n": len(bot),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="a SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.db_url or f"sqlite:///{scratch}/bench.db"
        figures = run(url, args.per_client, args.rounds)
    ratio50 = figures["bot p50"] / figures["bare p50"]
    ratio99 = figures["bot p99"] / figures["bare p99"]
    print(f"{int(figures['n'])} deliveries from {CLIENTS} concurrent clients, {url.split(':')[0]}")
    print(
        f"ack p50: {figures['bot p50']:.1f} ms vs bare {figures['bare p50']:.1f} ms: {ratio50:.2f}x"
    )
    print(
        f"ack p99: {figures['bot p99']:.1f} ms vs bare {figures['bare p99']:.1f} ms: {ratio99:.2f}x"
    )
    verdict = "pass" if ratio99 <= 1.5 else "MISS"
    print(f"target p99 <= 1.5x: {verdict}")
    return 0 if verdict == "pass" else 1


if __name__ == "__main__":
    raise SystemExit(main())
