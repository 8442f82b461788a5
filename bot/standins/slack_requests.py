"""Send correctly signed Slack requests (commands, interactions, events) to a bot over HTTP.

The bot under test runs its real HTTP adapter, so requests must be signed
exactly as Slack signs them (``v0:<timestamp>:<body>`` HMAC-SHA256 with the
signing secret) and shaped like Slack's payloads. ``timestamp=``/``signature=``
overrides let tests send stale or forged requests. State values for a submission
are built with the helpers of :mod:`bot.standins.slack_payloads`::

    values = state_values({("customer", "customer"): plain_text_input("ACME")})
    sender.view_submission(view, values, user_id="U1", team_id="T0INSIDE")
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.standins.slack_objects import APP_ID, TEAM_DOMAIN
from bot.standins.slack_payloads import (
    bot_message,
    clicked_action,
    random_trigger_id,
    submitted_view,
)


class SlackSender:
    """Posts signed Slack requests to ``<base_url>/slack/events`` of the bot under test."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        api_app_id: str = APP_ID,
        team_domain: str = TEAM_DOMAIN,
        verification_token: str = "deprecated-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.verifier = SignatureVerifier(signing_secret)
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.api_app_id = api_app_id
        self.team_domain = team_domain
        self.verification_token = verification_token
        self.timeout = timeout
        self.session = requests.Session()

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self.session.close()

    def __enter__(self) -> SlackSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---------------------------------------------------------- low level
    def post_raw(self, body: bytes | str, headers: Mapping[str, str]) -> requests.Response:
        """Send anything, unsigned unless the headers say otherwise (hostile-input tests)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.session.post(self.url, data=data, headers=dict(headers), timeout=self.timeout)

    def post_signed(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Sign ``body`` as Slack does and post it; overrides allow stale or forged requests."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature
            or self.verifier.generate_signature(timestamp=ts, body=body)
            or "",
            **(extra_headers or {}),
        }
        return self.post_raw(body, headers)

    def _post_payload(self, payload: dict[str, Any], **overrides: Any) -> requests.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post_signed(body, "application/x-www-form-urlencoded", **overrides)

    def _envelope(self, user_id: str, team_id: str, user_name: str | None) -> dict[str, Any]:
        name = user_name or user_id.lower()
        return {
            "team": {"id": team_id, "domain": self.team_domain},
            "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    # ------------------------------------------------------------ payloads
    def command(
        self,
        command: str = "/info-request",
        text: str = "",
        *,
        user_id: str,
        team_id: str,
        channel_id: str,
        trigger_id: str,
        response_url: str,
        user_name: str | None = None,
        channel_name: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        """A slash command, form-encoded with the fields Slack sends."""
        if channel_name is None:
            channel_name = "directmessage" if channel_id.startswith("D") else channel_id.lower()
        form = {
            "token": self.verification_token,
            "team_id": team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.post_signed(
            urlencode(form),
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
        )

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: dict[str, Any],
        *,
        user_id: str,
        team_id: str,
        view_id: str | None = None,
        private_metadata: str | None = None,
        callback_id: str | None = None,
        trigger_id: str | None = None,
        user_name: str | None = None,
        response_urls: list[dict[str, Any]] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        """Submit a modal: ``view`` is the view as opened (e.g. ``fake.get_view(id)``)."""
        submitted = submitted_view(
            view,
            values,
            team_id=team_id,
            view_id=view_id,
            app_id=self.api_app_id,
            bot_id=self.bot_id,
        )
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        if callback_id is not None:
            submitted["callback_id"] = callback_id
        payload = {
            "type": "view_submission",
            **self._envelope(user_id, team_id, user_name),
            "trigger_id": trigger_id or random_trigger_id(),
            "view": submitted,
            "response_urls": response_urls or [],
        }
        return self._post_payload(payload, timestamp=timestamp, signature=signature)

    def block_action(
        self,
        action_id: str,
        value: str | None,
        *,
        user_id: str,
        team_id: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        block_id: str | None = None,
        container: dict[str, Any] | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        view: Mapping[str, Any] | None = None,
        message: Mapping[str, Any] | None = None,
        user_name: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        """A button click in a message (channel_id + message_ts) or in a view / App Home.

        Pass ``message`` (e.g. from ``fake.messages_in``) or ``view`` so the
        block_id and button text are taken from what the bot actually sent.
        """
        blocks = (view or message or {}).get("blocks") or []
        action = clicked_action(blocks, action_id, value, block_id)
        payload: dict[str, Any] = {
            "type": "block_actions",
            **self._envelope(user_id, team_id, user_name),
            "trigger_id": trigger_id or random_trigger_id(),
            "actions": [action],
        }
        if view is not None:
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
            payload["view"] = {"state": {"values": {}}, **view}
            payload["state"] = payload["view"]["state"]
        else:
            ts = message_ts or (message or {}).get("ts")
            payload["container"] = container or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": (channel_id or "").lower()}
            payload["message"] = dict(message) if message else bot_message(ts, self.bot_user_id)
            payload["state"] = {"values": {}}
        if response_url is not None:
            payload["response_url"] = response_url
        return self._post_payload(payload, timestamp=timestamp, signature=signature)

    def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str,
        event_id: str,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        event_time: int | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        """An Events API ``event_callback`` envelope (JSON), optionally marked as a retry."""
        envelope = {
            "token": self.verification_token,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time or int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post_signed(
            json.dumps(envelope),
            "application/json",
            timestamp=timestamp,
            signature=signature,
            extra_headers=headers,
        )
