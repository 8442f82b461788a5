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

from bench.report import median
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


def _best_of(runs: int, work: Callable[[], object], reset: Callable[[], None] | None = None):
    """Median seconds of `runs` timed calls after one untimed warm-up."""
    work()
    if reset:
        reset()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        if reset:
            reset()
    return median(samples)


def summary_seconds(url: str, now: datetime, runs: int) -> tuple[float, float]:
    """(the bot's leads summary, the bare SQL) in seconds, median of `runs`."""
    engine = make_engine(url)
    try:
        status = Status(sessions=make_session_factory(engine), clock=lambda: now)
        bot = _best_of(runs, lambda: status.leads(LEAD))
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

        return bot, _best_of(runs, bare)
    finally:
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


def sweep_seconds(seeded: Seeded, now: datetime, runs: int) -> tuple[float, int]:
    """Median seconds of one sweep at `now`, and how many DMs it queued."""
    make_sweep, why = sweep_factory()
    if make_sweep is None:
        raise LookupError(why)
    engine = make_engine(seeded.url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        last_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
    run = make_sweep(sessions)
    due = bindparam("due", expanding=True)

    def reset() -> None:
        with sessions.begin() as session:
            session.execute(
                update(Case)
                .where(Case.id.in_(due))
                .values(reminded_due_at=None, nudged_due_at=None, escalated_due_at=None)
                .execution_options(synchronize_session=False),
                {"due": seeded.due_ids},
            )
            session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id > last_outbox))

    def queued() -> int:
        with sessions() as session:
            return session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.id > last_outbox)
            )

    try:
        run(now)
        dms = queued()
        reset()
        return _best_of(runs, lambda: run(now), reset), dms
    finally:
        engine.dispose()
