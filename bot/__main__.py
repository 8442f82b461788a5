"""Command line: `python -m bot <command>`. Settings are read and checked once, here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from bot.config import ConfigError, Settings, load_settings

SERVE, JOBS = "serve", "jobs"  # the roles of db.single_writer (imported when used)


class NotStarted(Exception):
    """Another process already does this on the SQLite database (db.single_writer)."""


log = logging.getLogger("bot")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token", "slack_signing_secret", "triage_channel")
    _single_writer(settings, SERVE, *([JOBS] if settings.serve_runs_worker else []))
    from bot.slack.server import EVENTS_PATH, GITLAB_PATH, make_server
    from bot.wiring import metrics_registry

    bot = _bot(settings)
    server = make_server(
        bot.slack_app(),
        host=args.host,
        port=settings.port,
        signing_secret=settings.signing_secrets,
        gitlab_hook=bot.gitlab_hook,
        metrics=metrics_registry(bot),
        in_flight=bot.delivery.in_flight,
    )
    log.info("serving Slack requests on http://%s:%s%s", args.host, settings.port, EVENTS_PATH)
    if settings.gitlab_webhook_secret:
        log.info("and GitLab webhook deliveries on %s", GITLAB_PATH)
    worker = _start_worker(settings, bot)
    try:
        server.run()
    finally:
        bot.stop()  # what was acknowledged is filed and sent; the rest waits in the outbox
        if worker is not None:
            worker.shutdown(wait=True)
    return 0


def _socket(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token", "slack_app_token", "triage_channel")
    _single_writer(settings, SERVE)
    from bot.slack.server import socket_mode_handler

    bot = _bot(settings)
    app_token, api_url = settings.slack_app_token, settings.slack_api_url
    handler = socket_mode_handler(bot.slack_app(socket_mode=True), app_token, api_url)
    log.info("connecting to Slack in Socket Mode")
    handler.start()
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from db import migrate
    from db.session import make_engine

    engine = make_engine(settings.database_url)
    logging.getLogger("alembic").setLevel(logging.INFO)  # show each revision applied
    migrate.upgrade(engine)
    print(f"database at revision {migrate.current_revision(engine)} (head)")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(out=sys.stdout)


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    return run_doctor(settings, sys.stdout)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token", "leads_channel")
    _single_writer(settings, JOBS)
    from bot.jobs.scheduler import run_worker
    from bot.wiring import build_worker, metrics_registry, utc_now

    bot = _bot(settings)
    if settings.metrics_port is not None:
        from bot.telemetry import serve_metrics

        serve_metrics(metrics_registry(bot), settings.metrics_port)
        log.info("serving Prometheus metrics on port %s, path /metrics", settings.metrics_port)
    return run_worker(build_worker(bot), utc_now)


def _tick(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.jobs.scheduler import tick
    from bot.wiring import build_worker

    now = datetime.now(UTC)
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise ConfigError("--now", "an ISO time like 2026-11-30T09:00Z", args.now) from None
        if now.tzinfo is None:
            raise ConfigError("--now", "an ISO time with its offset (Z or +01:00)", args.now)
    _single_writer(settings, JOBS)
    results = tick(build_worker(_bot(settings)), now.astimezone(UTC))
    print(f"tick at {now.astimezone(UTC).isoformat()}: {results}")
    return 1 if "failed" in results.values() else 0


def _single_writer(settings: Settings, *roles: str) -> None:
    """On SQLite, this process takes its roles (serving, the jobs) or refuses to start."""
    from db.single_writer import SecondWriter, hold

    try:
        for role in roles:
            hold(settings.database_url, role)
    except SecondWriter as error:
        raise NotStarted(str(error)) from None


def _start_worker(settings: Settings, bot):
    """SERVE_RUNS_WORKER: the scheduled jobs in this process too (one-process SQLite setups)."""
    if not settings.serve_runs_worker:
        return None
    from bot.jobs.scheduler import start_scheduler
    from bot.wiring import build_worker, utc_now

    return start_scheduler(build_worker(bot), utc_now)


def _unpark(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app.operations import Operations
    from bot.wiring import utc_now
    from db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    count = Operations(make_session_factory(engine), utc_now).unpark()
    engine.dispose()
    print(f"{count} parked message(s) will be tried again by the next drain")
    return 0


def _scope(settings: Settings, args: argparse.Namespace) -> int:
    import json
    import os

    scope = _case_scope(settings, args.case)
    text = json.dumps(scope.to_json(), indent=2) + "\n"
    if args.out:
        # it holds the case's pseudonym key: readable by its owner only
        with open(
            os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as sink:
            sink.write(text)
        print(f"case {args.case}: scope written to {args.out} (confidential, like the case)")
    else:
        sys.stdout.write(text)
    return 0


def _dive(settings: Settings, args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from bot.dive.bag import DiveError, dive
    from bot.dive.scope import ScopeError, scope_from_json

    logging.getLogger("bagit").setLevel(logging.WARNING)
    try:
        if args.scope:
            scope = scope_from_json(json.loads(Path(args.scope).read_text(encoding="utf-8")))
        else:
            scope = _case_scope(settings, args.case)
        if args.print_sql:
            from bot.dive.sql import print_sql

            print(print_sql(scope, args.print_sql))
            return 0
        if not args.logs or not args.out:
            raise DiveError("give the log files (--logs) and a folder for the bag (--out)")
        engine: Callable[..., Any] | None = None
        if args.engine == "duckdb":
            from bot.dive.sql import duckdb_engine as engine
        result = dive(
            scope,
            [Path(p) for p in args.logs],
            Path(args.out),
            processes=args.processes,
            progress=sys.stderr,
            engine=engine,
        )
    except (OSError, ValueError, ScopeError, DiveError) as error:
        print(f"dive: {error}", file=sys.stderr)
        return 2
    c = result.counts
    print(
        f"case {scope.case}: {c.lines_kept:,} of {c.lines_read:,} lines kept, "
        f"{c.lines_malformed:,} malformed, {c.fields_dropped:,} fields dropped, "
        f"{c.values_pseudonymised:,} values pseudonymised, {c.values_masked:,} masked"
    )
    print(f"bag: {result.bag}")
    print(f"digest: {result.digest}")
    return 0


def _case_scope(settings: Settings, case_id: int | None):
    """The case's scope from the database (the event filters from the catalogue)."""
    from bot.app.dive import DiveScopes
    from bot.cases.errors import CaseError
    from bot.dive.scope import Match
    from db import migrate
    from db.session import make_engine, make_session_factory
    from messages.catalogue import CatalogueError, load_catalogue

    if case_id is None:
        raise ConfigError("--case", "a case number (or --scope FILE)")
    try:
        catalogue = load_catalogue(settings.event_catalogue)
    except CatalogueError as error:
        raise ConfigError("EVENT_CATALOGUE", f"a valid event catalogue: {error}") from None
    matches = {
        e.id: tuple(Match(m.kind, m.field, m.values, m.prefixes) for m in e.matches)
        for e in catalogue
    }
    engine = make_engine(settings.database_url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            raise ConfigError("DATABASE_URL", "a migrated database: run `python -m bot migrate`")
        return DiveScopes(make_session_factory(engine), matches).scope(case_id)
    except CaseError as error:
        raise ConfigError("case", str(error)) from None
    finally:
        engine.dispose()


def _report(settings: Settings, args: argparse.Namespace) -> int:
    import csv

    from bot.app.reports import DeskReport
    from bot.wiring import cadence_policy, utc_now
    from db.session import make_engine, make_session_factory
    from messages.metrics import csv_rows, text_report

    if args.days < 1:
        raise ConfigError("--days", "a whole number of days, 1 or more", str(args.days))
    engine = make_engine(settings.database_url)
    report = DeskReport(make_session_factory(engine), utc_now, cadence_policy(settings))
    figures = report.figures(args.days)
    engine.dispose()
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("figure", "route", "value"))
        writer.writerows(csv_rows(figures))
    else:
        sys.stdout.write(text_report(figures))
    return 0


def _bot(settings: Settings):
    """The wired bot, after checking the database schema is current."""
    from bot.wiring import build_bot
    from db.schema_check import is_current
    from db.session import make_engine

    engine = make_engine(settings.database_url)
    if not is_current(engine):
        raise ConfigError("DATABASE_URL", "a migrated database: run `python -m bot migrate`")
    return build_bot(settings, engine=engine)


COMMANDS = {
    "serve": (_serve, "serve Slack over HTTP on PORT (path /slack/events)"),
    "socket": (_socket, "connect to Slack in Socket Mode (no public URL needed)"),
    "migrate": (_migrate, "upgrade the database schema to the latest revision"),
    "demo": (_demo, "run a scripted case against local stand-ins; no credentials needed"),
    "doctor": (_doctor, "check settings, database, Slack channels and groups, GitLab access"),
    "worker": (_worker, "run the scheduled jobs: update reminders, outbox, retention purge"),
    "unpark": (_unpark, "try parked outbox messages again (after fixing their cause)"),
    "tick": (_tick, "run every scheduled job once (at --now, an ISO time, if given)"),
    "scope": (_scope, "write a case's scope as JSON, for a log-dive away from the database"),
    "dive": (_dive, "turn GitLab's JSON logs into a scoped, redacted BagIt bag; print its digest"),
    "report": (_report, "the desk metrics of the last --days (30) as text, or --csv"),
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, metavar="command")
    for name, (_, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == "serve":
            sub.add_argument("--host", default="0.0.0.0", help="address to listen on")
        if name == "tick":
            sub.add_argument("--now", help="the instant to run at (ISO, with offset)")
        if name == "scope":
            sub.add_argument("case", type=int, help="the case number")
            sub.add_argument("--out", help="the file to write (default: standard output)")
        if name == "dive":
            _dive_arguments(sub)
        if name == "report":
            sub.add_argument("--days", type=int, default=30, help="the period, in days to now")
            sub.add_argument("--csv", action="store_true", help="CSV: figure,route,value")
    return root


def _dive_arguments(sub: argparse.ArgumentParser) -> None:
    which = sub.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", type=int, help="the case number (needs the database)")
    which.add_argument("--scope", help="a scope file from `python -m bot scope`")
    sub.add_argument("--logs", nargs="+", metavar="PATH", help="log files, plain or gzip")
    sub.add_argument("--out", help="a new folder for the bag")
    sub.add_argument("--processes", type=int, help="files read at once (default: CPU cores)")
    sub.add_argument(
        "--engine",
        choices=("stream", "duckdb"),
        default="stream",
        help="duckdb: select the lines with SQL (needs the dive-sql extra)",
    )
    sub.add_argument(
        "--print-sql",
        choices=("bigquery", "duckdb"),
        help="print the scope as SQL for logs kept in that database, and stop",
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        from bot.logs import configure

        configure(settings.log_level, settings.log_format)
        if settings.log_level != "DEBUG":
            logging.getLogger("alembic").setLevel(logging.WARNING)
        return COMMANDS[args.command][0](settings, args)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except NotStarted as error:
        print(f"not started: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
