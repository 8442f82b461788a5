"""Send correctly signed Slack requests (commands, interactions, events) to a bot over HTTP.

The bot under test runs its real HTTP adapter, so requests must be signed
exactly as Slack signs them (``v0:<timestamp>:<body>`` HMAC-SHA256 with the
signing secret) and shaped like Slack's payloads. ``timestamp=``/``signature=``
overrides let tests send stale or forged requests.

Interaction state values have the shape Slack sends::

    {block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}

Build them with :func:`state_values` and the element helpers::

    values = state_values({
        ("customer", "customer"): plain_text_input("ACME"),
        ("kind", "kind"): static_select("logs"),
    })
    sender.view_submission(view, values, user_id="U1", team_id="T0INSIDE")
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.standins.slack_objects import APP_ID, TEAM_DOMAIN

OptionSpec = str | tuple[str, str]  # a value, or (value, text)


# --------------------------------------------------------- state value builders
def _option(spec: OptionSpec) -> dict[str, Any]:
    value, text = (spec, spec) if isinstance(spec, str) else spec
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


def plain_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def url_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "url_text_input", "value": value}


def static_select(option: OptionSpec | None) -> dict[str, Any]:
    """Selected option by value; its text is filled from the view when submitted."""
    return {"type": "static_select", "selected_option": _option(option) if option else None}


def multi_static_select(options: Iterable[OptionSpec]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_option(o) for o in options]}


def radio_buttons(option: OptionSpec | None) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": _option(option) if option else None}


def checkboxes(options: Iterable[OptionSpec]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_option(o) for o in options]}


def datetimepicker(selected_date_time: int | None) -> dict[str, Any]:
    """Epoch seconds, as Slack sends for a datetimepicker."""
    return {"type": "datetimepicker", "selected_date_time": selected_date_time}


def state_values(entries: Mapping[str | tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """Nest element values by block and action id.

    Keys are ``(block_id, action_id)`` or a single string used as both.
    """
    values: dict[str, dict[str, Any]] = {}
    for key, element_value in entries.items():
        block_id, action_id = (key, key) if isinstance(key, str) else key
        values.setdefault(block_id, {})[action_id] = element_value
    return values


def _elements_by_id(blocks: Iterable[Any]) -> dict[tuple[str | None, str], dict[str, Any]]:
    """Map (block_id, action_id) to the interactive element in a list of blocks."""
    found: dict[tuple[str | None, str], dict[str, Any]] = {}
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                found[(block.get("block_id"), element["action_id"])] = element
    return found


def _complete_options(blocks: Iterable[Any], values: dict[str, Any]) -> dict[str, Any]:
    """Replace selected options with the full option objects defined in the view.

    Slack echoes the option exactly as the app defined it (text, emoji flag,
    description), so the bot must cope with that, not with our shorthand.
    """
    elements = _elements_by_id(blocks)
    completed = json.loads(json.dumps(values))
    for block_id, actions in completed.items():
        for action_id, state in actions.items():
            element = elements.get((block_id, action_id), {})
            defined = {
                o.get("value"): o
                for o in [
                    *element.get("options", []),
                    *(o for g in element.get("option_groups", []) for o in g.get("options", [])),
                ]
            }
            if state.get("selected_option"):
                value = state["selected_option"]["value"]
                state["selected_option"] = defined.get(value, state["selected_option"])
            if state.get("selected_options"):
                state["selected_options"] = [
                    defined.get(o["value"], o) for o in state["selected_options"]
                ]
    return completed


# ------------------------------------------------------------------- sender
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
        view_id = view_id or view.get("id") or f"V{secrets.token_hex(5).upper()}"
        submitted = {
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "external_id": "",
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "app_installed_team_id": team_id,
            "bot_id": self.bot_id,
            **view,
            "id": view_id,
            "team_id": team_id,
            "state": {"values": _complete_options(view.get("blocks", []), values)},
            "hash": view.get("hash") or f"{int(time.time())}.{secrets.token_hex(4)}",
        }
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        if callback_id is not None:
            submitted["callback_id"] = callback_id
        payload = {
            "type": "view_submission",
            **self._envelope(user_id, team_id, user_name),
            "trigger_id": trigger_id or _random_trigger_id(),
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
        element = next(
            (
                (bid, el)
                for (bid, aid), el in _elements_by_id(blocks).items()
                if aid == action_id and (block_id is None or bid == block_id)
            ),
            (block_id, {"type": "button", "text": {"type": "plain_text", "text": "Button"}}),
        )
        action = {
            "action_id": action_id,
            "block_id": element[0] or block_id or secrets.token_hex(3),
            "type": element[1].get("type", "button"),
            "action_ts": f"{time.time():.6f}",
        }
        if "text" in element[1]:
            action["text"] = element[1]["text"]
        if value is not None:
            action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            **self._envelope(user_id, team_id, user_name),
            "trigger_id": trigger_id or _random_trigger_id(),
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
            payload["message"] = dict(message) if message else _bot_message(ts, self.bot_user_id)
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


def _random_trigger_id() -> str:
    """A well-formed trigger_id the fake never issued (use fake.issue_trigger for real ones)."""
    return f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def _bot_message(ts: str | None, bot_user_id: str) -> dict[str, Any]:
    return {"type": "message", "user": bot_user_id, "ts": ts, "text": "", "blocks": []}
