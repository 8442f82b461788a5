"""Command line: `python -m bot <command>`. Settings are read and checked once, here."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("bot")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token", "slack_signing_secret", "triage_channel")
    from bot.slack.server import EVENTS_PATH, make_server
    from bot.wiring import metrics_registry

    bot = _bot(settings)
    server = make_server(
        bot.slack_app(),
        host=args.host,
        port=settings.port,
        signing_secret=settings.signing_secrets,
        metrics=metrics_registry(bot),
    )
    log.info("serving Slack requests on http://%s:%s%s", args.host, settings.port, EVENTS_PATH)
    worker = _start_worker(settings, bot)
    try:
        server.run()
    finally:
        if worker is not None:
            worker.shutdown(wait=True)
    return 0


def _socket(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token", "slack_app_token", "triage_channel")
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
    results = tick(build_worker(_bot(settings)), now.astimezone(UTC))
    print(f"tick at {now.astimezone(UTC).isoformat()}: {results}")
    return 1 if "failed" in results.values() else 0


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
    from db import migrate
    from db.session import make_engine

    engine = make_engine(settings.database_url)
    if migrate.current_revision(engine) != migrate.head_revision():
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
        if name == "report":
            sub.add_argument("--days", type=int, default=30, help="the period, in days to now")
            sub.add_argument("--csv", action="store_true", help="CSV: figure,route,value")
    return root


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
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
