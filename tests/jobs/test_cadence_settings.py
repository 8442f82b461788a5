"""The cadence's settings: defaults, and one clear line naming the variable when one is wrong."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.wiring import cadence_policy


def settings(**env: str):
    return load_settings(env, dotenv_path=None)


def test_defaults():
    s = settings()
    assert (s.business_hours, s.business_days, s.holiday_country) == (
        "09:00-17:00",
        "mon-fri",
        None,
    )
    assert (s.escalation_margin_hours, s.nudge_lead_hours, s.retention_days) == (4, 2, 90)
    assert s.serve_runs_worker is False
    policy = cadence_policy(s)
    assert (policy.escalation_margin, policy.nudge_lead) == (timedelta(hours=4), timedelta(hours=2))


def test_values_are_read():
    s = settings(
        BUSINESS_HOURS="08:30-16:30",
        BUSINESS_DAYS="sun-thu",
        HOLIDAY_COUNTRY="nz",
        ESCALATION_MARGIN_HOURS="6",
        NUDGE_LEAD_HOURS="3",
        RETENTION_DAYS="30",
        SERVE_RUNS_WORKER="true",
    )
    assert (s.hours.start, s.hours.end, s.hours.weekdays) == (
        time(8, 30),
        time(16, 30),
        frozenset({6, 0, 1, 2, 3}),
    )
    assert s.holiday_country == "NZ" and s.serve_runs_worker is True
    assert cadence_policy(s).nudge_lead == timedelta(hours=3)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BUSINESS_HOURS", "9-5", "09:00-17:00"),
        ("BUSINESS_HOURS", "17:00-09:00", "09:00-17:00"),
        ("BUSINESS_DAYS", "weekdays", "mon-fri"),
        ("HOLIDAY_COUNTRY", "Narnia", "country code"),
        ("ESCALATION_MARGIN_HOURS", "soon", "whole number"),
        ("NUDGE_LEAD_HOURS", "-1", "whole number"),
        ("RETENTION_DAYS", "0", "whole number"),
        ("SERVE_RUNS_WORKER", "maybe", "true or false"),
    ],
)
def test_a_wrong_value_names_its_variable(variable, value, expected):
    with pytest.raises(ConfigError) as error:
        settings(**{variable: value})
    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: expected ") and expected in str(error.value)
