"""What the listeners use, handed to each request by middleware (no module-level clients).

`provide` puts the `Deps` in Bolt's context and resolves the actor (the user with the roles
their Slack user groups give them), so a listener reads `context["deps"]` and
`context["actor"]` and never looks anything up itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.app import UseCases
from bot.cases.model import Limits
from bot.slack.gateway import SlackGateway
from bot.slack.homes import HomeTabs
from bot.slack.roles import Roles
from messages.catalogue import EventType


@dataclass(frozen=True)
class Deps:
    use_cases: UseCases
    roles: Roles
    gateway: SlackGateway
    catalogue: tuple[EventType, ...]
    limits: Limits
    homes: HomeTabs
    deliver: Callable[[int], None]  # send what a step queued for the case, after the ack
    file_soon: Callable[[], None]  # file the intakes received, after the ack


def provide(deps: Deps) -> Callable[..., Any]:
    """A Bolt global middleware: the deps, and the actor of a command, click or submission."""

    def middleware(context: Any, next: Callable[[], Any]) -> Any:
        context["deps"] = deps
        if context.user_id:
            context["actor"] = deps.roles.actor(context.user_id)
        return next()

    return middleware
