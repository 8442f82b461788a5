"""The served bot, per test, on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.standins.desk import Desk, start_desk, stop_desk


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    desk = start_desk(db_url)
    yield desk
    stop_desk(desk)
    assert desk.slack.validation_errors == [], "the bot sent Block Kit that Slack would refuse"
    assert desk.slack.internal_errors == []
