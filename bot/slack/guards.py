"""Inside only: every command, click and submission is checked before any listener runs.

Refused: a user of another team, a guest, a stranger; a command or click in a channel shared
outside the workspace; anything when Slack cannot say. A refusal answers the person in the
way their surface allows, is logged with actor, action and reason, and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.context.respond import Respond

from bot.slack.gateway import SlackGateway, SlackUnavailable
from messages.refusals import refusal_view

log = logging.getLogger(__name__)

OUTSIDE_USER = "This bot only works for members of this workspace."
SHARED_CHANNEL = (
    "This channel is shared outside the company, so the bot won't work here. "
    "Use it from a direct message or an internal channel."
)
UNKNOWN = (
    "Slack couldn't confirm who you are or where this is, so the bot refused. Try again, "
    "from a direct message with the bot or an internal channel."
)


def refusal_reason(
    gateway: SlackGateway,
    *,
    user_id: str | None,
    team_id: str | None,
    channel_id: str | None,
    fresh_channel: bool = False,
) -> str | None:
    """Why this actor may not use the bot here, or None when they may."""
    if not user_id:
        return UNKNOWN
    try:
        our_team = gateway.team_id()
        user = gateway.user(user_id)
        if team_id and team_id != our_team:
            return OUTSIDE_USER
        if user.team_id != our_team or user.is_guest or user.is_stranger or user.deleted:
            return OUTSIDE_USER
        if channel_id and gateway.channel(channel_id, fresh=fresh_channel).is_external:
            return SHARED_CHANNEL
    except SlackUnavailable as error:
        log.warning("refused %s: Slack unavailable (%s)", user_id, error)
        return UNKNOWN
    return None


NOT_A_TARGET = (
    "Cases can only be handed to members of this workspace: not to guests, people from "
    "other organisations, deactivated accounts or bots."
)
UNKNOWN_TARGET = "Slack couldn't confirm who that is. Pick the person again, or someone else."


def target_refusal(gateway: SlackGateway, user_id: str) -> str | None:
    """Why a case may not be handed to this person, checked as if they were acting; or None.

    A user group may list a guest or someone from another organisation; membership alone
    (the case's route is checked by the hand-over itself) does not make them a handler.
    """
    reason = refusal_reason(gateway, user_id=user_id, team_id=None, channel_id=None)
    if reason == UNKNOWN:
        return UNKNOWN_TARGET
    if reason is not None:
        return NOT_A_TARGET
    try:
        return NOT_A_TARGET if gateway.user(user_id).is_bot else None
    except SlackUnavailable:
        return UNKNOWN_TARGET


def inside_only(gateway: SlackGateway) -> Callable[..., Any]:
    """A Bolt global middleware that stops outsiders before any listener sees the request."""

    def middleware(body: dict[str, Any], context: Any, respond: Respond, next: Callable[[], Any]):
        kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
        if kind in ("url_verification", "event_callback"):
            return next()
        reason = refusal_reason(
            gateway,
            user_id=context.user_id,
            team_id=_actor_team(body) or context.team_id,
            channel_id=context.channel_id,
            # A click on a card acts on a case: check the channel as it is now, not a minute ago.
            fresh_channel=kind == "block_actions",
        )
        if reason is None:
            return next()
        log.warning(
            "refused actor=%s action=%s reason=%r",
            context.user_id,
            _what(body),
            reason,
        )
        return _refuse(kind, body, respond, reason)

    return middleware


def _actor_team(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("team_id"), str):
        return user["team_id"]
    return body.get("team_id") if isinstance(body.get("team_id"), str) else None


def _what(body: dict[str, Any]) -> str:
    if "command" in body:
        return str(body["command"])
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return str(actions[0].get("action_id"))
    view = body.get("view")
    return str(view.get("callback_id")) if isinstance(view, dict) else str(body.get("type"))


def _refuse(kind: str, body: dict[str, Any], respond: Respond, reason: str) -> BoltResponse:
    if kind == "view_submission":
        return BoltResponse(
            status=200,
            body={"response_action": "update", "view": refusal_view(reason)},
            headers={"content-type": "application/json"},
        )
    if kind == "block_actions" and isinstance(body.get("response_url"), str):
        try:
            respond(text=reason, response_type="ephemeral", replace_original=False)
        except Exception:  # the refusal stands even if Slack can't show it
            log.warning("could not show refusal to %s", body.get("user"), exc_info=True)
        return BoltResponse(status=200, body="")
    if kind == "slash_command":
        return BoltResponse(
            status=200,
            body={"response_type": "ephemeral", "text": reason},
            headers={"content-type": "application/json"},
        )
    return BoltResponse(status=200, body="")
