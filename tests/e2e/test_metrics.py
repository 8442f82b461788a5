"""Prometheus metrics, scraped over HTTP from the served bot and the worker and parsed with
`prometheus_client.parser`: what they count, their names, labels and size."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.standins.desk import wait_until

ROOT = Path(__file__).resolve().parents[2]
ORG = "Acme Corp"  # the organisation the desk files for
# Every label the bot's own metrics use, and those of the client's process and Python metrics.
LABELS = {"kind", "outcome", "route", "role", "timing", "state", "topic", "status", "le"}
LABELS |= {"generation", "implementation", "major", "minor", "patchlevel", "version"}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = requests.get(f"{url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_served_bot_counts_requests_cases_and_claims(desk):
    before = scrape(desk.url)
    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    desk.settle(1)
    requests.post(f"{desk.url}/slack/events", data=b"command=/info-request", timeout=5)
    after = scrape(desk.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"outcome": "ok"}
    assert grew("info_request_slack_requests_total", kind="command", **ok) == 1
    assert grew("info_request_slack_requests_total", kind="view_submission", **ok) == 1
    assert grew("info_request_slack_requests_total", kind="block_actions", **ok) == 1
    assert grew("info_request_slack_requests_total", kind="other", outcome="refused") == 1
    assert grew("info_request_slack_ack_seconds_count", kind="command") == 1
    assert grew("info_request_cases_filed_total", route="support") == 1
    assert grew("info_request_time_to_claim_seconds_count") == 1
    # The desk as the database has it.
    assert value(after, "info_request_cases", state="investigating") == 1
    assert value(after, "info_request_cases", state="closed") == 0
    assert value(after, "info_request_customer_updates_overdue") == 0
    assert ("info_request_outbox_messages", (("status", "parked"), ("topic", "gitlab"))) in after
    assert ("info_request_outbox_oldest_age_seconds", (("topic", "slack"),)) in after


def test_review_waits_and_customer_updates_are_counted(desk):
    from tests.e2e.test_casework import ARTEFACTS

    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    before = scrape(desk.url)
    desk.fill("case_submit_review", 1, ARTEFACTS, user="USUP")
    desk.press("case_approve", 1, user="USEC")
    desk.press("case_approve", 1, user="ULEGAL")
    desk.fill("case_update_sent", 1, {}, user="UREQ")  # the summary is optional
    after = scrape(desk.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("info_request_review_wait_seconds_count", role="security") == 1
    assert grew("info_request_review_wait_seconds_count", role="legal") == 1
    # Recorded before its due time was even worked out: on time.
    assert grew("info_request_customer_updates_total", timing="on_time") == 1


def test_names_labels_and_size_follow_the_conventions(desk):
    desk.file()
    desk.wait_for_card(1)
    text = requests.get(f"{desk.url}/metrics", timeout=5).text
    families = list(text_string_to_metric_families(text))
    samples = [s for f in families for s in f.samples]
    series = {(s.name, tuple(sorted(s.labels.items()))) for s in samples}
    assert len(series) < 300
    ours = [f for f in families if f.name.startswith("info_request_")]
    for family in ours:
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
    assert {label for s in samples for label in s.labels} <= LABELS
    # Nobody and no case: no user id, organisation or case number in any label value.
    shown = {v for s in samples for v in s.labels.values()}
    assert not {v for v in shown if (v.startswith("U") and v.isupper()) or ORG in v}
    assert "UREQ" not in text and ORG not in text


def test_the_rest_of_the_front_door_still_answers(desk):
    assert requests.get(f"{desk.url}/healthz", timeout=5).text == "ok\n"
    assert requests.get(f"{desk.url}/metricsx", timeout=5).status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_worker_serves_metrics_on_metrics_port(tmp_path, db_url):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=db_url,
        SLACK_BOT_TOKEN="xoxb-1-abc",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: Slack calls fail at once
        LEADS_CHANNEL="C0LEADS",
        METRICS_PORT=str(port),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def scraped():
            try:
                return scrape(f"http://127.0.0.1:{port}")
            except requests.ConnectionError:
                assert worker.poll() is None, worker.stderr.read()
                return None

        reminders = ("info_request_reminders_total", (("kind", "reminder"),))
        samples = wait_until(
            lambda: (found := scraped()) and reminders in found and found,
            timeout=30,
            what="the worker's /metrics after its first sweep",
        )
        assert value(samples, "info_request_cases", state="triage") == 0
        assert samples[reminders] == 0
    finally:
        worker.terminate()
        worker.wait(timeout=30)


COUNT_ONE = """
from bot import telemetry
telemetry.CASES_FILED.labels("support").inc()
"""

SHOW_ALL = """
import sys
from bot import telemetry
print(telemetry.exposition(telemetry.registry(multiprocess_dir=sys.argv[1]))[0].decode())
"""


@pytest.mark.parametrize("processes", [2])
def test_processes_sharing_a_host_add_up_under_multiproc_dir(tmp_path, processes):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for _ in range(processes):
        subprocess.run([sys.executable, "-c", COUNT_ONE], env=env, check=True, timeout=60)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ALL, str(folder)],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(shown)
        for s in family.samples
    }
    assert value(samples, "info_request_cases_filed_total", route="support") == processes
