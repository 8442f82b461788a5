"""GitLab's log kinds, told by file name, and the fields each may keep.

Every field a kind keeps is listed with how it is treated (`Treat`); everything else is
dropped: `db_*` and `redis_*` counters, backtraces, headers, anything new GitLab adds.
"""

from __future__ import annotations

import enum
from pathlib import PurePath


class Treat(enum.Enum):
    KEEP = "keep"  # kept; in strings, tokens, emails and secrets masked, addresses pseudonymised
    PERSON = "person"  # a username: pseudonym unless it is the customer's, disclosed
    PERSON_ID = "person_id"  # a user id: as the person the line is about
    ADDRESS = "address"  # an IP or a chain of them: pseudonyms unless the customer's
    PATH = "path"  # a group or project path: pseudonym unless inside the namespace
    URL = "url"  # a request path: another namespace's segment pseudonymised, query masked
    PARAMS = "params"  # Lograge's [{key, value}] list: values as text, secret keys masked
    TARGET = "target"  # audit target_details: a person or a path, as target_type says


# Rotated and compressed files keep their stem: api_json.log.1.gz, sidekiq.log-20261130.gz.
KINDS = (
    ("production_json", "production"),
    ("api_json", "api"),
    ("audit_json", "audit"),
    ("auth_json", "auth"),
    ("application_json", "application"),
    ("graphql_json", "graphql"),
    ("sidekiq", "sidekiq"),
)

_CONTEXT = {
    "time": Treat.KEEP,
    "severity": Treat.KEEP,
    "correlation_id": Treat.KEEP,
    "meta.caller_id": Treat.KEEP,
    "meta.feature_category": Treat.KEEP,
    "meta.root_namespace": Treat.PATH,
    "meta.project": Treat.PATH,
    "meta.user": Treat.PERSON,
    "meta.user_id": Treat.PERSON_ID,
    "meta.remote_ip": Treat.ADDRESS,
}
_REQUEST = {
    "method": Treat.KEEP,
    "path": Treat.URL,
    "status": Treat.KEEP,
    "params": Treat.PARAMS,
    "remote_ip": Treat.ADDRESS,
    "user_id": Treat.PERSON_ID,
    "username": Treat.PERSON,
    "ua": Treat.KEEP,
    "duration_s": Treat.KEEP,
}

ALLOWED: dict[str, dict[str, Treat]] = {
    "production": _CONTEXT
    | _REQUEST
    | {"controller": Treat.KEEP, "action": Treat.KEEP, "format": Treat.KEEP},
    "api": _CONTEXT
    | _REQUEST
    | {"route": Treat.KEEP, "token_type": Treat.KEEP, "token_id": Treat.KEEP},
    "audit": _CONTEXT
    | {
        "author_id": Treat.PERSON_ID,
        "author_name": Treat.PERSON,
        "entity_id": Treat.KEEP,
        "entity_type": Treat.KEEP,
        "entity_path": Treat.PATH,
        "change": Treat.KEEP,
        "from": Treat.KEEP,
        "to": Treat.KEEP,
        "with": Treat.KEEP,
        "target_id": Treat.KEEP,
        "target_type": Treat.KEEP,
        "target_details": Treat.TARGET,
        "ip_address": Treat.ADDRESS,
        "custom_message": Treat.KEEP,
    },
    "auth": _CONTEXT | _REQUEST | {"message": Treat.KEEP, "env": Treat.KEEP},
    "application": _CONTEXT | {"message": Treat.KEEP, "class": Treat.KEEP},
    "graphql": _CONTEXT | {"operation_name": Treat.KEEP, "duration_s": Treat.KEEP},
    "sidekiq": _CONTEXT
    | {
        "class": Treat.KEEP,
        "queue": Treat.KEEP,
        "jid": Treat.KEEP,
        "job_status": Treat.KEEP,
        "duration_s": Treat.KEEP,
        "message": Treat.KEEP,
    },
    "other": _CONTEXT,
}


def kind_of(path: str | PurePath) -> str:
    """The log kind a file holds, from its name; unknown files keep only the context keys."""
    name = PurePath(path).name
    return next((kind for stem, kind in KINDS if name.startswith(stem)), "other")
