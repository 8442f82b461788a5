"""Cost against history: the cadence sweep and the leads' summary, small desk vs big desk.

Both desks hold the same due cases; the big one adds a long history around them. A sweep is
timed on a desk put back as seeded after each run (marks cleared, queued DMs removed), so
every run does the same work. The summary is compared with the bare SQL that computes the
same figures, run straight on the driver connection.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bench.report import median, settle_heap
from bench.seed import Seeded
from bot.app.queries import DEFAULT_UNCLAIMED_AFTER, Status
from bot.cases.permissions import Actor, Role
from db.models import Case, OutboxMessage
from db.session import make_engine, make_session_factory

LEAD = Actor(user_id="ULEAD", roles=frozenset({Role.LEAD}))
OPEN = "('pending_legal','triage','investigating','rescope_requested','in_review','approved'," \
    "'shared','submitted')"  # fmt: skip
RUNNING = "('triage','investigating','rescope_requested','in_review','approved')"

# What `/case-status` shows, in the fewest statements a person would write by hand.
BARE_SUMMARY = (
    f"SELECT state, route, count(*), min(created_at) FROM info_case WHERE state IN {OPEN} "
    "GROUP BY state, route",
    f"SELECT id, organisation, created_at FROM info_case WHERE state IN {OPEN} "
    "ORDER BY created_at, id LIMIT 1",
    f"SELECT id, organisation, next_update_due_at, count(*) OVER () FROM info_case "
    f"WHERE state IN {RUNNING} AND next_update_due_at < :now "
    "AND (snoozed_until_at IS NULL OR snoozed_until_at < :now) "
    "ORDER BY next_update_due_at LIMIT 10",
    "SELECT c.id, c.organisation, max(e.at) AS entered, count(*) OVER () FROM info_case c "
    "JOIN case_event e ON e.case_id = c.id AND e.to_state = 'triage' "
    "AND e.from_state <> 'triage' WHERE c.state = 'triage' GROUP BY c.id, c.organisation "
    "HAVING max(e.at) < :since ORDER BY entered LIMIT 10",
    "SELECT status, count(*) FROM outbox_message WHERE topic = 'gitlab' "
    "AND status IN ('pending', 'parked') GROUP BY status",
)


Timed = tuple[Callable[[], object], Callable[[], None] | None]  # (work, reset after it)


def _in_turn(runs: int, *pieces: Timed) -> list[float]:
    """Median seconds of each piece's `runs` timed calls, the pieces taking turns call by
    call after one untimed warm-up each, so a busy spell of the machine falls on all of them
    rather than on whichever ran then."""
    for work, reset in pieces:
        work()
        if reset:
            reset()
    samples: list[list[float]] = [[] for _ in pieces]
    for _ in range(runs):
        settle_heap()
        for (work, reset), times in zip(pieces, samples, strict=True):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
            if reset:
                reset()
    return [median(times) for times in samples]


def summary_seconds(small_url: str, big_url: str, now: datetime, runs: int) -> list[float]:
    """The bot's leads summary on the small and the big desk, and the bare SQL on the big one:
    median seconds of `runs`, taken in turn."""
    engines = [make_engine(url) for url in (small_url, big_url)]
    try:
        small, big = (
            Status(sessions=make_session_factory(engine), clock=lambda: now) for engine in engines
        )
        engine = engines[1]
        since = now - DEFAULT_UNCLAIMED_AFTER
        params = {"now": _param(engine, now), "since": _param(engine, since)}

        def bare() -> None:
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement in BARE_SUMMARY:
                    sql = str(text(statement).compile(engine, compile_kwargs={}))
                    ordered = _driver_params(engine, statement, params)
                    cursor.execute(sql, ordered)
                    cursor.fetchall()
                cursor.close()
                raw.rollback()
            finally:
                raw.close()

        return _in_turn(
            runs, (lambda: small.leads(LEAD), None), (lambda: big.leads(LEAD), None), (bare, None)
        )
    finally:
        for engine in engines:
            engine.dispose()


def _param(engine, value: datetime):
    if engine.dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _driver_params(engine, statement: str, params: dict):
    compiled = text(statement).compile(engine)
    if engine.dialect.name == "sqlite":
        return tuple(params[name] for name in compiled.positiontup or ())
    return {name: params[name] for name in compiled.params}


def sweep_factory() -> tuple[Callable[[sessionmaker[Session]], Callable[[datetime], object]], str]:
    """How to run one cadence sweep at an instant, or why it can't be measured yet."""
    try:
        module = importlib.import_module("bot.app.reminders")
    except ImportError:
        return None, "bot/app/reminders.py not present yet"  # type: ignore[return-value]
    sweep_class = getattr(module, "CadenceSweep", None)
    if sweep_class is not None:
        from bot.app.cadence import CadencePolicy

        return (lambda sessions: sweep_class(sessions=sessions, policy=CadencePolicy()).run), ""
    for name in ("run_sweep", "sweep", "run_once"):
        function = getattr(module, name, None)
        if callable(function):
            return (lambda sessions, f=function: lambda now: f(sessions, now)), ""
    return None, "bot/app/reminders.py has no sweep entry point yet"  # type: ignore[return-value]


def sweep_seconds(small: Seeded, big: Seeded, now: datetime, runs: int) -> tuple[float, float, int]:
    """Median seconds of one sweep at `now` on the small and on the big desk (taken in turn,
    each desk put back as seeded after every sweep), and how many DMs a sweep queues."""
    make_sweep, why = sweep_factory()
    if make_sweep is None:
        raise LookupError(why)
    desks = [_SweptDesk(seeded, make_sweep) for seeded in (small, big)]
    try:
        desks[1].run(now)
        dms = desks[1].queued()
        desks[1].reset()
        small_seconds, big_seconds = _in_turn(
            runs, *((lambda d=desk: d.run(now), desk.reset) for desk in desks)
        )
        return small_seconds, big_seconds, dms
    finally:
        for desk in desks:
            desk.engine.dispose()


class _SweptDesk:
    """A seeded desk a sweep runs on, and how to put it back as seeded."""

    def __init__(self, seeded: Seeded, make_sweep) -> None:
        self.seeded, self.engine = seeded, make_engine(seeded.url)
        self.sessions = make_session_factory(self.engine)
        with self.sessions() as session:
            self.last_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
        self.run = make_sweep(self.sessions)

    def reset(self) -> None:
        due = bindparam("due", expanding=True)
        with self.sessions.begin() as session:
            session.execute(
                update(Case)
                .where(Case.id.in_(due))
                .values(reminded_due_at=None, nudged_due_at=None, escalated_due_at=None)
                .execution_options(synchronize_session=False),
                {"due": self.seeded.due_ids},
            )
            session.execute(
                OutboxMessage.__table__.delete().where(OutboxMessage.id > self.last_outbox)
            )

    def queued(self) -> int:
        with self.sessions() as session:
            return session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.id > self.last_outbox)
            )
