"""The fake Slack's rate limits: off unless asked, then 429s as Slack sends them, counted,
and a client that comes back before its Retry-After is caught."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standins.slack_api import FakeSlack
from bot.standins.slack_limits import Limit, RateLimits


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1")
        fake.add_channel("C1", members=("UBOT", "U1"))
        fake.add_channel("C2", members=("UBOT", "U1"))
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.base_url, retry_handlers=[])


def test_without_being_asked_the_fake_limits_nothing(fake: FakeSlack, client: WebClient):
    for n in range(20):
        client.chat_postMessage(channel="C1", text=f"post {n}")
    assert fake.rate_limits is None


def test_posts_beyond_the_burst_get_429_with_retry_after_per_channel(fake, client):
    limits = fake.enforce_rate_limits(posts_per_second=1.0, post_burst=3)
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"post {n}")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="one too many")
    answer = refused.value.response
    assert answer.status_code == 429 and answer["error"] == "ratelimited"
    assert answer.headers["Retry-After"] == "1"  # whole seconds, rounded up
    assert client.chat_postMessage(channel="C2", text="another channel")["ok"]
    assert limits.refused == {("chat.postMessage", "C1"): 1}
    assert len(fake.messages_in("C1")) == 3


def test_a_call_before_its_retry_after_is_recorded_as_a_violation(fake, client):
    limits = fake.enforce_rate_limits(posts_per_second=0.5, post_burst=1)
    client.chat_postMessage(channel="C1", text="first")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="too soon")
    assert refused.value.response.headers["Retry-After"] == "2"
    assert limits.violations == []  # early, but not yet told to wait
    later = limits._clock() + 0.5
    limits._clock = lambda: later  # back half a second later, 1.5 s before its Retry-After
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hot retry")
    assert limits.violations and limits.violations[0].startswith("chat.postMessage C1")


def test_methods_are_limited_at_their_tier_and_an_injected_429_counts(fake, client):
    limits = fake.enforce_rate_limits(tiers={"users.info": Limit(1.0, 2)})
    client.users_info(user="U1")
    client.users_info(user="U1")
    with pytest.raises(SlackApiError):
        client.users_info(user="U1")
    fake.fail_next("chat.update", status=429, retry_after=4)
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel="C1", ts="1.0", text="x")
    assert refused.value.response.headers["Retry-After"] == "4"
    assert limits.refused_total() == 2 and limits.refused_total("users.info") == 1


def test_the_buckets_refill_with_time():
    now = [0.0]
    limits = RateLimits(Limit(1.0, 2), clock=lambda: now[0])
    post = {"channel": "C1"}
    assert [limits.admit("chat.postMessage", post) for _ in range(3)] == [None, None, 1]
    now[0] = 1.0
    assert limits.admit("chat.postMessage", post) is None  # a token is back after a second
    assert limits.admit("chat.postMessage", post) == 1
    assert limits.admit("views.publish", {"user_id": "U1"}) is None  # Tier 4: a hundred
