"""Prometheus metrics: what the bot did (counted where it happens) and the desk as it is now.

Counters and histograms are process-wide, as `prometheus-client` wants them: each process
counts what it did, and Prometheus adds the replicas up. Where several processes share one
host or container (`serve` and `worker` side by side, or a pre-forking server), set
PROMETHEUS_MULTIPROC_DIR in the environment to an empty directory: every process then writes
its figures there and each scrape adds them up (`multiprocess_dir` in `registry`).

The desk's state (open cases by state, outbox backlog and oldest age per topic, overdue
updates) is read from the database at each scrape, so every replica reports the same value:
aggregate those with `max`, not `sum`.

No label ever names a user, a case or an organisation: labels are the small fixed sets below,
so the whole exposition stays under 300 series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

HOUR = 3600.0
# Time to claim and review waits run from minutes to days.
HOURS_BUCKETS = tuple(h * HOUR for h in (0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 72, 120, 240))
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)  # Slack gives up at 3 s

REQUEST_KINDS = ("command", "block_actions", "view_submission", "view_closed", "event", "other")
OUTCOMES = ("ok", "refused", "error")
GITLAB_ERRORS = ("network", "rate_limited", "refused", "access", "server", "other")

REQUESTS = Counter(
    "info_request_slack_requests",
    "Requests from Slack, by kind and outcome (refused: unsigned or too large).",
    ["kind", "outcome"],
)
ACK_SECONDS = Histogram(
    "info_request_slack_ack_seconds",
    "Time from a Slack request's arrival to its acknowledgement, by kind.",
    ["kind"],
    buckets=ACK_BUCKETS,
)
CASES_FILED = Counter("info_request_cases_filed", "Cases filed, by route.", ["route"])
TIME_TO_CLAIM = Histogram(
    "info_request_time_to_claim_seconds",
    "Elapsed time from a case entering triage to its claim.",
    buckets=HOURS_BUCKETS,
)
REVIEW_WAIT = Histogram(
    "info_request_review_wait_seconds",
    "Elapsed time from artefacts submitted for review to each approval, by reviewer role.",
    ["role"],
    buckets=HOURS_BUCKETS,
)
REMINDERS = Counter(
    "info_request_reminders",
    "Cadence messages queued: reminders to relay contacts, nudges to owners, escalations.",
    ["kind"],
)
CUSTOMER_UPDATES = Counter(
    "info_request_customer_updates",
    "Customer updates recorded, by whether they came by their due time.",
    ["timing"],
)
SLACK_RATE_LIMITED = Counter(
    "info_request_slack_rate_limited", "Slack Web API answers of 429 (rate limited)."
)
GITLAB_ERRORS_TOTAL = Counter(
    "info_request_gitlab_errors", "Failed GitLab API calls, by kind.", ["kind"]
)


def request_kind(kind: str) -> str:
    """A Slack payload type as one of REQUEST_KINDS (anything else is "other")."""
    return kind if kind in REQUEST_KINDS else "other"


def gitlab_error(code: int | None) -> str:
    """The kind of a GitLab API error from its HTTP status (network failures are "network")."""
    if code == 429:
        return "rate_limited"
    if code in (400, 422):
        return "refused"
    if code in (401, 403, 404):
        return "access"
    return "server" if code is not None and code >= 500 else "other"


@dataclass(frozen=True)
class DeskGauges:
    """The desk as the database has it at one instant."""

    cases_by_state: dict[str, int] = field(default_factory=dict)
    outbox_pending: dict[str, int] = field(default_factory=dict)  # by topic
    outbox_parked: dict[str, int] = field(default_factory=dict)
    outbox_oldest_seconds: dict[str, float] = field(default_factory=dict)
    updates_overdue: int = 0


class DeskCollector(Collector):
    """Reads the desk's gauges at each scrape."""

    def __init__(
        self, read: Callable[[], DeskGauges], states: Iterable[str], topics: Iterable[str]
    ):
        self.read, self.states, self.topics = read, tuple(states), tuple(topics)

    def collect(self) -> Iterator[Metric]:
        desk = self.read()
        cases = GaugeMetricFamily("info_request_cases", "Cases by state.", labels=["state"])
        for state in self.states:
            cases.add_metric([state], desk.cases_by_state.get(state, 0))
        backlog = GaugeMetricFamily(
            "info_request_outbox_messages",
            "Outbox messages not yet sent, by topic and status (pending or parked).",
            labels=["topic", "status"],
        )
        oldest = GaugeMetricFamily(
            "info_request_outbox_oldest_age_seconds",
            "Age of the oldest pending outbox message, by topic (0 when none).",
            labels=["topic"],
        )
        for topic in self.topics:
            backlog.add_metric([topic, "pending"], desk.outbox_pending.get(topic, 0))
            backlog.add_metric([topic, "parked"], desk.outbox_parked.get(topic, 0))
            oldest.add_metric([topic], desk.outbox_oldest_seconds.get(topic, 0.0))
        overdue = GaugeMetricFamily(
            "info_request_customer_updates_overdue",
            "Cases whose customer update is past due (and not snoozed).",
            value=desk.updates_overdue,
        )
        yield from (cases, backlog, oldest, overdue)


class _ThisProcess(Collector):
    """The process-wide metrics, when each process is scraped on its own."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry(*collectors: Collector, multiprocess_dir: str | None = None) -> CollectorRegistry:
    """What one scrape shows: this process's metrics (or all processes' under
    PROMETHEUS_MULTIPROC_DIR) and the given collectors."""
    shown = CollectorRegistry()
    if multiprocess_dir:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(shown, path=multiprocess_dir)
    else:
        shown.register(_ThisProcess())
    for collector in collectors:
        shown.register(collector)
    return shown


def exposition(shown: CollectorRegistry) -> tuple[bytes, str]:
    """The text exposition of `shown` and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST

    return generate_latest(shown), CONTENT_TYPE_LATEST


def serve_metrics(shown: CollectorRegistry, port: int, host: str = "0.0.0.0") -> Any:
    """Serves `shown` on http://host:port/metrics in a background thread (for the worker)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=shown)
    return server
