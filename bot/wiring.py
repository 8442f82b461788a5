"""The composition root: settings in, a wired bot out. Every entry point builds here.

`build_bot` wires the database, the Slack client, the use cases and the delivery; the served
app (`bot.slack.app.build_app`) and the worker (`build_worker`) are made from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import UseCases
from bot.app.cadence import Cadence, CadencePolicy, holiday_check
from bot.app.casework import Casework
from bot.app.filing import Filing
from bot.app.inbox import Inbox
from bot.app.queries import Status
from bot.app.reminders import CadenceSweep
from bot.app.reports import DeskReport
from bot.app.retention import RetentionPurge
from bot.app.sync import Sync
from bot.cases.model import Limits, State
from bot.config import ConfigError, Settings
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.drain import Drain, drain_owner
from bot.delivery.kinds import Topic
from bot.delivery.pacing import Pacer
from bot.delivery.slack import SlackSender
from bot.delivery.soon import Soon
from bot.gitlab import build_gitlab_drain, build_gitlab_reader
from bot.gitlab.reader import GitLabReader
from bot.gitlab.webhook import Receiver
from bot.slack.app import build_app
from bot.slack.deps import Deps
from bot.slack.filer import IntakeFiler
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.homes import HomeTabs
from bot.slack.notifier import SlackNotifier, group_members
from bot.slack.roles import Roles
from bot.telemetry import DeskCollector, registry
from db.session import make_engine, make_session_factory
from db.singleton import Singletons
from messages.catalogue import CatalogueError, EventType, load_catalogue

if TYPE_CHECKING:  # APScheduler is imported by the worker only, not on `serve`'s start path
    from bot.jobs.scheduler import Jobs


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Bot:
    """Everything the entry points use, wired once from one validated Settings."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    use_cases: UseCases
    gateway: SlackGateway
    roles: Roles
    catalogue: tuple[EventType, ...]
    homes: HomeTabs
    delivery: Dispatcher
    pacer: Pacer  # Slack's rate limits, shared by every thread that delivers
    filer: IntakeFiler | None = None  # files the intakes received, in `serve`
    file_soon: Soon | None = None  # runs the filer after an intake's ack
    gitlab_hook: Receiver | None = None  # POST /gitlab/webhook
    apply_soon: Soon | None = None  # applies stored deliveries after the ack

    @property
    def limits(self) -> Limits:
        return self.use_cases.filing.limits

    def stop(self, timeout: float = 10.0) -> None:
        """Files the intakes acknowledged, then lets the deliveries in hand finish (the rest
        wait in the outbox for the worker); nothing touches the database after."""
        if self.file_soon is not None:
            self.file_soon.join(timeout)
        self.delivery.stop(timeout)

    def slack_app(self, *, socket_mode: bool = False) -> App:
        """The Bolt app, its listeners handed what they use."""
        deps = Deps(
            use_cases=self.use_cases,
            roles=self.roles,
            gateway=self.gateway,
            catalogue=self.catalogue,
            limits=self.limits,
            homes=self.homes,
            deliver=self.delivery.deliver,
            file_soon=self.file_soon or (lambda: None),
        )
        secret = self.settings.slack_signing_secret
        return build_app(deps, signing_secret=secret, socket_mode=socket_mode)


def cadence_policy(settings: Settings) -> CadencePolicy:
    """The business calendar and margins of the customer-update cadence."""
    return CadencePolicy(
        hours=settings.hours,
        is_holiday=holiday_check(settings.holiday_country),
        escalation_margin=timedelta(hours=settings.escalation_margin_hours),
        nudge_lead=timedelta(hours=settings.nudge_lead_hours),
    )


def _use_cases(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    gateway: SlackGateway,
    reader: GitLabReader | None = None,
) -> UseCases:
    limits = Limits(max_resources=settings.max_resources, max_event_types=settings.max_event_types)
    policy = cadence_policy(settings)
    return UseCases(
        filing=Filing(sessions=sessions, clock=clock, limits=limits),
        casework=Casework(sessions=sessions, clock=clock, limits=limits),
        cadence=Cadence(sessions=sessions, clock=clock, policy=policy),
        status=Status(
            sessions=sessions,
            clock=clock,
            unclaimed_after=timedelta(hours=settings.unclaimed_after_hours),
            report=DeskReport(sessions=sessions, clock=clock, policy=policy),
        ),
        sweep=CadenceSweep(
            sessions=sessions, policy=policy, tz_of=lambda user_id: gateway.user(user_id).tz
        ),
        purge=RetentionPurge(sessions=sessions, retention=timedelta(days=settings.retention_days)),
        inbox=Inbox(sessions=sessions, clock=clock),
        sync=Sync(
            sessions=sessions,
            clock=clock,
            reader=reader,
            project=settings.gitlab_sirt_project or "",
        ),
    )


def build_bot(
    settings: Settings, *, engine: Engine | None = None, clock: Callable[[], datetime] = utc_now
) -> Bot:
    """Wires database, Slack client, use cases and delivery from one validated Settings."""
    try:
        catalogue = load_catalogue(settings.event_catalogue)
    except CatalogueError as error:
        raise ConfigError("EVENT_CATALOGUE", f"a valid event catalogue: {error}") from None
    sessions = make_session_factory(engine or make_engine(settings.database_url))
    gateway = SlackGateway(
        make_client(settings.slack_bot_token, settings.slack_api_url),
        interactive=make_client(
            settings.slack_bot_token, settings.slack_api_url, timeout=3, wait_on_rate_limit=False
        ),
    )
    reader = build_gitlab_reader(settings)
    use_cases = _use_cases(settings, sessions, clock, gateway, reader)
    # Delivery waits out no 429 in slack_sdk: the pacer blocks the channel or method until
    # Retry-After and the row goes back to the outbox (bot.slack.notifier).
    delivering = make_client(
        settings.slack_bot_token, settings.slack_api_url, wait_on_rate_limit=False
    )
    pacer = Pacer() if settings.slack_paced else Pacer(rates={})
    homes = HomeTabs(delivering, use_cases.status, pacer)
    roles = Roles(gateway, settings)
    sender = SlackSender(
        SlackNotifier(SlackGateway(delivering), pacer),
        triage_channel=settings.triage_channel,
        leads_channel=settings.leads_channel,
        cards_changed=homes.mark_stale,
        members=partial(group_members, roles),
    )
    slack_drain = Drain(
        sessions=sessions,
        topic=Topic.SLACK,
        clock=clock,
        owner=drain_owner(),
        send=sender,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    gitlab_drain = build_gitlab_drain(settings, sessions, clock, tracker=reader)
    delivery = Dispatcher(slack_drain, gitlab_drain, when_quiet=homes.refresh)

    def apply_deliveries() -> None:
        for case_id in sorted(use_cases.sync.apply_pending()):
            delivery.deliver(case_id)

    apply_soon = Soon(apply_deliveries, name="gitlab-hook-apply")
    filer = IntakeFiler(
        use_cases.filing,
        gateway,
        deliver=delivery.deliver,
        give_way=delivery.in_flight.give_way,
    )
    return Bot(
        settings=settings,
        sessions=sessions,
        clock=clock,
        use_cases=use_cases,
        gateway=gateway,
        roles=roles,
        catalogue=catalogue,
        homes=homes,
        delivery=delivery,
        pacer=pacer,
        filer=filer,
        file_soon=Soon(filer.run, name="intake-filer"),
        gitlab_hook=Receiver(
            settings.gitlab_webhook_secret, store=use_cases.sync.receive, after=apply_soon
        ),
        apply_soon=apply_soon,
    )


def build_worker(bot: Bot) -> Jobs:
    """The worker's jobs: each a timer over a use case or a drain."""
    from bot.jobs.scheduler import Jobs

    return Jobs(
        sweep=bot.use_cases.sweep,
        purge=bot.use_cases.purge,
        # Intakes a `serve` acknowledged and died before filing (it files within a moment).
        file_intakes=IntakeFiler(bot.use_cases.filing, bot.gateway).run,
        slack_drain=bot.delivery.slack_drain,
        gitlab_drain=bot.delivery.gitlab_drain,
        after_slack=bot.homes.refresh,
        sync=bot.use_cases.sync,
        exclusive=Singletons(bot.sessions.kw["bind"]).hold,
    )


def metrics_registry(bot: Bot) -> CollectorRegistry:
    """What `/metrics` shows: what this process (or, under PROMETHEUS_MULTIPROC_DIR, every
    process on the host) counted, and the desk as the database has it now."""
    folder = bot.settings.prometheus_multiproc_dir
    if folder is not None:
        from prometheus_client import values

        if values.ValueClass.__name__ != "MmapedValue":
            raise ConfigError(
                "PROMETHEUS_MULTIPROC_DIR",
                "set in the environment itself, not only in .env (prometheus-client reads it "
                "when it is imported)",
            )
    report = DeskReport(sessions=bot.sessions, clock=bot.clock)
    desk = DeskCollector(report.gauges, [s.value for s in State], [t.value for t in Topic])
    return registry(desk, multiprocess_dir=str(folder) if folder else None)
