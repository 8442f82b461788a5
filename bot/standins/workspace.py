"""The workspace the desk serves: its teams, channels, user groups, people, and a valid request.

Staff in every role, an outsider from another team, a guest, a member of no group, a
Security reviewer who also handles SIRT cases, private channels for triage and leads, a
public channel and one shared with a customer; and the answers of a valid intake modal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.standins.slack_api import FakeSlack
from bot.standins.slack_payloads import (
    checkboxes,
    datetimepicker,
    multi_static_select,
    plain_text_input,
    radio_buttons,
    state_values,
    static_select,
    url_text_input,
)

TEAM = "T0INSIDE"
OUTSIDE_TEAM = "T0OUTSIDE"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TRIAGE, LEADS, WORK, SHARED = "C0TRIAGE", "C0LEADS", "C0WORK", "C0SHARED"
REQUESTERS, SUPPORT, SIRT = "S0REQ", "S0SUPPORT", "S0SIRT"
SECURITY, LEGAL, LEAD_GROUP = "S0SECURITY", "S0LEGAL", "S0LEADS"

# The bot token's scopes: the manifest's (slack-manifest.yml), which a test keeps in step.
SCOPES = frozenset(
    (
        "commands",
        "chat:write",
        "im:write",
        "channels:read",
        "groups:read",
        "im:read",
        "mpim:read",
        "groups:history",
        "im:history",
        "users:read",
        "usergroups:read",
    )
)

STAFF = {
    "UREQ": REQUESTERS,
    "UREQ2": REQUESTERS,
    "USUP": SUPPORT,
    "USUP2": SUPPORT,
    "USIRT": SIRT,
    "USEC": SECURITY,
    "ULEGAL": LEGAL,
    "ULEAD": LEAD_GROUP,
}


def settings_env(slack: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "TRIAGE_CHANNEL": TRIAGE,
        "LEADS_CHANNEL": LEADS,
        "REQUESTER_GROUPS": REQUESTERS,
        "SUPPORT_GROUP": SUPPORT,
        "SIRT_GROUP": SIRT,
        "SECURITY_REVIEW_GROUP": SECURITY,
        "LEGAL_GROUP": LEGAL,
        "LEADS_GROUP": LEAD_GROUP,
        # The bot paces itself only when this Slack enforces Slack's rate limits.
        "SLACK_PACED": "true" if slack.rate_limits is not None else "false",
    }


def populate(slack: FakeSlack) -> None:
    """The workspace every end-to-end test starts from."""
    slack.scopes = SCOPES
    for user in STAFF:
        slack.add_user(user, tz="Europe/London")
    slack.add_user("UAKL", tz="Pacific/Auckland")
    slack.add_user("UEXT", team_id=OUTSIDE_TEAM)
    slack.add_user("UGUEST", is_restricted=True)
    slack.add_user("UNOBODY")
    groups: dict[str, list[str]] = {}
    for user, group in STAFF.items():
        groups.setdefault(group, []).append(user)
    groups[REQUESTERS] += ["UAKL", "UGUEST", "UEXT"]
    slack.add_user("USIRTSEC")  # a SIRT handler who is also a Security reviewer
    groups[SIRT].append("USIRTSEC")
    groups[SECURITY].append("USIRTSEC")
    for group, members in groups.items():
        slack.add_usergroup(group, members)
    slack.add_channel(TRIAGE, name="log-requests-triage")
    slack.add_channel(LEADS, name="log-requests-leads")
    slack.add_channel(WORK, is_private=False, name="support-team")
    slack.add_channel(SHARED, is_private=False, is_shared=True, is_ext_shared=True, name="acme-ext")


def intake_answers(now: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """Modal state values of a valid Support request (3 days back); `changes` override."""
    now = now or datetime.now(UTC)
    answers: dict[str, Any] = {
        "organisation": plain_text_input("Acme Corp"),
        "ticket_url": url_text_input("https://support.example.com/tickets/4242"),
        "plan": static_select("premium"),
        "deployment": radio_buttons("saas"),
        "namespace": plain_text_input("acme-corp"),
        "ownership": checkboxes(["owns"]),
        "window_start": datetimepicker(int((now - timedelta(days=3)).timestamp())),
        "window_end": datetimepicker(int((now - timedelta(days=1)).timestamp())),
        "projects": plain_text_input("acme-corp/backend/api"),
        "groups": plain_text_input("acme-corp/platform"),
        "users": plain_text_input("@jdoe-acme\nmallory-acme"),
        "users_in_namespace": checkboxes(["belong"]),
        "own_use": radio_buttons("yes"),
        "audit_events": plain_text_input("Audit Events show the token's creation, not its use."),
        "event_types": multi_static_select(["sign_in", "pat"]),
        "event_other": plain_text_input(None),
        "personal_data": radio_buttons("no"),
        "access_logs": radio_buttons("no"),
        "summary": plain_text_input("A token was used from 203.0.113.77 on Monday."),
        "exception": plain_text_input(None),
    }
    for name, value in changes.items():
        answers[name] = value
    return state_values({(name, "input"): value for name, value in answers.items()})
