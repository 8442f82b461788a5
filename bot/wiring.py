"""The composition root: settings in, a ready runtime out. Every entry point builds here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.cadence import Cadence, CadencePolicy, holiday_check
from bot.cases.model import Limits
from bot.casework import Casework
from bot.config import ConfigError, Settings
from bot.gitlab import build_gitlab_drain
from bot.outbox import Drain, drain_owner
from bot.services import SLACK, Services
from bot.slack.delivery import SlackDelivery
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.homes import HomeTabs
from bot.slack.runtime import Runtime
from bot.status import Status
from db.session import make_engine, make_session_factory
from messages.catalogue import CatalogueError, load_catalogue


def utc_now() -> datetime:
    return datetime.now(UTC)


def cadence_policy(settings: Settings) -> CadencePolicy:
    """The business calendar and margins of the customer-update cadence."""
    return CadencePolicy(
        hours=settings.hours,
        is_holiday=holiday_check(settings.holiday_country),
        escalation_margin=timedelta(hours=settings.escalation_margin_hours),
        nudge_lead=timedelta(hours=settings.nudge_lead_hours),
    )


def build_runtime(
    settings: Settings, *, engine: Engine | None = None, clock: Callable[[], datetime] = utc_now
) -> Runtime:
    """Wires database, Slack client, services and drains from one validated Settings."""
    try:
        catalogue = load_catalogue(settings.event_catalogue)
    except CatalogueError as error:
        raise ConfigError("EVENT_CATALOGUE", f"a valid event catalogue: {error}") from None
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    gateway = SlackGateway(
        make_client(settings.slack_bot_token, settings.slack_api_url),
        interactive=make_client(
            settings.slack_bot_token, settings.slack_api_url, timeout=3, wait_on_rate_limit=False
        ),
    )
    limits = Limits(max_resources=settings.max_resources, max_event_types=settings.max_event_types)
    services = Services(sessions=sessions, clock=clock, limits=limits)
    status = Status(
        sessions=sessions,
        clock=clock,
        unclaimed_after=timedelta(hours=settings.unclaimed_after_hours),
    )
    homes = HomeTabs(gateway.client, status)
    slack_drain = Drain(
        sessions=sessions,
        topic=SLACK,
        clock=clock,
        owner=drain_owner(),
        send=SlackDelivery(sessions, gateway, settings, homes),
    )
    casework = Casework(sessions=sessions, clock=clock, limits=limits)
    return Runtime(
        settings=settings,
        services=services,
        casework=casework,
        gateway=gateway,
        catalogue=catalogue,
        slack_drain=slack_drain,
        gitlab_drain=build_gitlab_drain(settings, sessions, clock),
        cadence=Cadence(sessions=sessions, clock=clock, policy=cadence_policy(settings)),
        homes=homes,
    )
