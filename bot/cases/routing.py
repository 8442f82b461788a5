"""Who works a case: Support for small, recent, impersonal requests; SIRT for the rest."""

from __future__ import annotations

from datetime import datetime

from bot.cases.model import Intake, Route
from bot.cases.windows import reaches_past_support_window


def route_for(intake: Intake, *, now: datetime, exception: bool) -> Route:
    """Support takes a window within 7 days, with no personal data and no exception.

    `exception` is whether a rule is actually waived (`Assessment.waived`), not whether the
    requester typed a justification.
    """
    simple = (
        not reaches_past_support_window(intake.window_start, now, intake.requester_tz)  # type: ignore[arg-type]
        and not intake.personal_data
        and not exception
    )
    return Route.SUPPORT if simple else Route.SIRT


def is_long_window(intake: Intake, *, now: datetime) -> bool:
    """A window reaching back more than 7 days from the request takes longer to search."""
    return reaches_past_support_window(intake.window_start, now, intake.requester_tz)  # type: ignore[arg-type]
