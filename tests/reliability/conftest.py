"""Fixtures of the reliability campaign: served desks on a database of each kind, a request
counter for the figures in RELIABILITY.md, and the scans every hostile test applies.

The Postgres runs use a database of their own (``<TEST_DATABASE_URL db>_reliability``, created
when the role may) so a campaign never empties a database another test run is using.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.standins.desk import Desk, start_desk, stop_desk
from db import migrate
from db.models import Case, CaseEvent, Finding, OutboxMessage
from db.session import make_engine, transaction
from tests.conftest import _postgres_or_skip, _reset_postgres

# Signed (or deliberately unsigned) requests sent to the served bot, by kind, for the report.
SENT: collections.Counter[str] = collections.Counter()
# Connections opened and held without a complete request (idle or drip-fed), by kind.
HELD: collections.Counter[str] = collections.Counter()

# What must never reach a person: a stack trace or the name of an exception class.
LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \"|\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
    r"|sqlalchemy|psycopg|sqlite3"
)


def count(kind: str, response: requests.Response) -> requests.Response:
    SENT[kind] += 1
    return response


def summary(terminalreporter: Any) -> None:
    """The figures for RELIABILITY.md, summed over the xdist workers (tests/conftest.py)."""
    if SENT:
        total = sum(SENT.values())
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(SENT.items()))
        terminalreporter.write_line(f"reliability: {total} requests sent to the bot ({parts})")
    if HELD:
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(HELD.items()))
        terminalreporter.write_line(f"reliability: connections held open ({parts})")


# -- databases ---------------------------------------------------------------------------------
def _own_postgres(url: str, suffix: str) -> str:
    """A sibling database `<db>_<suffix>`, created if the role may; else the given one."""
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return base.set(database=name).render_as_string(hide_password=False)
    except Exception:
        return url
    finally:
        admin.dispose()


def migrated_url(kind: str, directory, sibling: str = "reliability") -> str:
    """An empty database of `kind` (Postgres: the sibling `<db>_<sibling>`), migrated."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'bot.db'}"
    else:
        url = _own_postgres(_postgres_or_skip(), sibling)
        engine = make_engine(url)
        _reset_postgres(engine)
        engine.dispose()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def rel_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    return migrated_url(request.param, tmp_path)


def _check_and_stop(desk: Desk) -> None:
    stop_desk(desk)
    assert desk.slack.validation_errors == [], "the bot sent Block Kit that Slack would refuse"
    assert desk.slack.internal_errors == []


@pytest.fixture
def desk(rel_db_url: str) -> Iterator[Desk]:
    """A served bot per test, on each database (for tests that change the workspace)."""
    desk = start_desk(rel_db_url)
    yield desk
    _check_and_stop(desk)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Desk]:
    """ONE served bot for a whole module of generated requests, on each database."""
    url = migrated_url(request.param, tmp_path_factory.mktemp("served"))
    desk = start_desk(url)
    desk.kind = request.param  # type: ignore[attr-defined]
    yield desk
    _check_and_stop(desk)


# -- what the tests look at --------------------------------------------------------------------
def case_facts(desk: Desk) -> dict[int, tuple[Any, ...]]:
    """Per case: state, owner, approvers, events, findings and queued messages."""
    with transaction(desk.bot.sessions) as session:
        facts = {}
        for case in session.scalars(select(Case).order_by(Case.id)):
            events = session.scalar(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
            )
            findings = session.scalar(
                select(func.count()).select_from(Finding).where(Finding.case_id == case.id)
            )
            queued = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.case_id == case.id)
            )
            facts[case.id] = (
                case.state,
                case.owner_id,
                case.security_approver_id,
                case.legal_approver_id,
                case.requester_id,
                case.organisation,
                events,
                findings,
                queued,
            )
        return facts


def what_people_saw(desk: Desk, since: int = 0) -> str:
    """Everything the bot showed people (modals, ephemerals, response_url posts, messages)."""
    shown = [
        {"method": call.method, "args": call.args}
        for call in desk.slack.calls()[since:]
        if call.method
        in (
            "views.open",
            "views.update",
            "views.push",
            "views.publish",
            "chat.postEphemeral",
            "chat.postMessage",
            "chat.update",
            "response_url",
        )
    ]
    return json.dumps(shown, ensure_ascii=False)


def assert_no_leak(what: str, where: str) -> None:
    found = LEAK.search(what)
    if found is not None:
        around = what[max(found.start() - 300, 0) : found.end() + 300]
        raise AssertionError(f"{where} shows {found.group(0)!r}: ...{around}...")
