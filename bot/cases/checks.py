"""The predicates the rules table (bot.cases.rules) is made of, and what they may look at."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.cases.model import Intake, Limits
from bot.cases.windows import earliest_allowed_start


@dataclass(frozen=True)
class Context:
    """What a check may look at besides the intake: the moment of the request and the limits."""

    now: datetime
    limits: Limits


Check = Callable[[Intake, Context], bool]


# GitLab paths: letters, digits, '_', '-', '.'; groups nest with '/'.
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}"
GROUP_PATH = re.compile(rf"^{_SEGMENT}$")
NESTED_PATH = re.compile(rf"^{_SEGMENT}(/{_SEGMENT})*$")
USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")


def blank(text: str) -> bool:
    return not text.strip()


def not_a_ticket_url(intake: Intake, _: Context) -> bool:
    url = intake.ticket_url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" where a host should be
        return True
    return len(url) > 2000 or parts.scheme not in ("http", "https") or not parts.netloc


def inside(path: str, namespace: str) -> bool:
    path, namespace = path.lower(), namespace.lower()
    return path == namespace or path.startswith(namespace + "/")


def outside_namespace(paths: tuple[str, ...], namespace: str) -> list[str]:
    """The paths that do not sit under the owned namespace (GitLab paths ignore case)."""
    return [path for path in paths if not inside(path, namespace)]


def projects_outside(intake: Intake, _: Context) -> bool:
    return valid_namespace(intake) and bool(outside_namespace(intake.projects, intake.namespace))


def groups_outside(intake: Intake, _: Context) -> bool:
    return valid_namespace(intake) and bool(outside_namespace(intake.groups, intake.namespace))


def valid_namespace(intake: Intake) -> bool:
    """Until the namespace itself is right, the namespace field carries the only error."""
    return bool(GROUP_PATH.match(intake.namespace))


def window_too_old(intake: Intake, ctx: Context) -> bool:
    return intake.window_start < earliest_allowed_start(ctx.now, intake.requester_tz)  # type: ignore[operator]
