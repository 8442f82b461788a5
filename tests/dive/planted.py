"""Small GitLab-shaped logs with planted values that must not leave, and the truth about them:
which lines are in scope (by construction, not by the predicate under test)."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.dive.scope import EventScope, Match, Scope

START = datetime(2026, 11, 20, tzinfo=UTC)
END = START + timedelta(days=2)
NAMESPACE, USERS = "acme-corp", ("jdoe", "asmith")
CUSTOMER_IPS = ("192.0.2.10", "192.0.2.11")  # the customer's own addresses


def scope(*, case: int = 42, key: str = "ab" * 32, disclose: bool = True, events=()) -> Scope:
    return Scope(
        case=case,
        start=START,
        end=END,
        namespace=NAMESPACE,
        projects=("acme-corp/app",),
        groups=("acme-corp/platform",),
        users=USERS,
        events=tuple(events),
        disclose_customer=disclose,
        key=key,
    )


GIT_PUSH = EventScope("git_push", (Match("production", "action", ("git_receive_pack",)),))


@dataclass
class Planted:
    """Every value that must not leave, and the correlation ids of the in-scope lines."""

    secrets: list[str] = field(default_factory=list)
    in_scope: set[str] = field(default_factory=set)
    out_of_scope: set[str] = field(default_factory=set)
    lines: int = 0
    malformed: int = 0

    def new(self, kind: str) -> str:
        n = len(self.secrets)
        value = {
            "ns": f"zz-other-ns-{n:04d}",
            "person": f"zzperson{n:04d}",
            "email": f"zzmail{n:04d}@example.org",
            "ip": f"198.18.{n // 250}.{n % 250 + 1}",
            "token": random.Random(n).choice(
                (
                    f"glpat-zzTok{n:04d}abcdefghij",
                    f"gldt-zzTok{n:04d}abcdefghij",
                    f"glrt-zzTok{n:04d}abcdefghij",
                    f"GR1348941zzTok{n:04d}abcdefghij",
                    f"glptt-zzTok{n:04d}abcdefghij",
                    f"glimt-zzTok{n:04d}abcdefghij",
                )
            ),
        }[kind]
        self.secrets.append(value)
        return value


def _line(rng: random.Random, p: Planted, kind: str, n: int) -> dict[str, object]:
    """One line of `kind`; which of five situations it is in decides whether it is in scope."""
    situation = rng.choice(("namespace", "user", "late", "other_ns", "untied"))
    inside = START + timedelta(seconds=rng.randrange(2 * 86_400))
    when = END + timedelta(hours=1) if situation == "late" else inside
    cid = f"cid-{kind}-{n:05d}"
    (p.in_scope if situation in ("namespace", "user") else p.out_of_scope).add(cid)
    line: dict[str, object] = {
        "time": when.isoformat().replace("+00:00", "Z"),
        "severity": "INFO",
        "correlation_id": cid,
        # never allowed anywhere: dropped whatever they hold
        "db_count": rng.randrange(40),
        "exception.backtrace": [f"app/x.rb:1 {p.new('person')} {p.new('email')}"],
        "db_query": f"SELECT * FROM users WHERE email = '{p.new('email')}' /* {p.new('ns')} */",
        "request.headers": {"Authorization": f"Bearer {p.new('token')}"},
    }
    if situation in ("namespace", "late"):
        line["meta.root_namespace"] = NAMESPACE
        line["meta.project"] = "acme-corp/app"
        line["meta.user"] = p.new("person")  # someone else, working in the customer's group
        line["meta.remote_ip"] = p.new("ip")
    elif situation == "user":
        line["meta.user"] = rng.choice(USERS)
        line["meta.remote_ip"] = rng.choice(CUSTOMER_IPS)
    elif situation == "other_ns":
        other = p.new("ns")
        line["meta.root_namespace"] = other
        line["meta.project"] = f"{other}/app"
        line["meta.user"] = rng.choice((rng.choice(USERS), p.new("person")))
    else:
        line["meta.user"] = p.new("person")
    line.update(_fields(rng, p, kind, customer=situation == "user"))
    if kind == "audit" and situation in ("namespace", "late"):
        line["entity_path"] = NAMESPACE
    elif kind == "audit" and situation != "user":
        line["entity_path"] = p.new("ns")
    return line


def _fields(rng: random.Random, p: Planted, kind: str, *, customer: bool) -> dict[str, object]:
    """Allowed fields of the kind, holding planted values where a value can hide."""
    if kind == "audit":
        user_target = rng.random() < 0.5
        return {
            "author_name": rng.choice(USERS) if customer else p.new("person"),
            "author_id": rng.randrange(10**6),
            "entity_type": "Group",
            "target_type": "User" if user_target else "Project",
            "target_details": p.new("person") if user_target else f"{p.new('ns')}/repo",
            "ip_address": rng.choice(CUSTOMER_IPS) if customer else p.new("ip"),
            "custom_message": f"Invited {p.new('email')} from {p.new('ip')}",
        }
    if kind == "sidekiq":
        return {
            "class": "ProjectExportWorker",
            "job_status": "done",
            "message": f"export mailed to {p.new('email')} with {p.new('token')}",
        }
    return {
        "method": "GET",
        "path": f"/{p.new('ns')}/app/-/issues?private_token={p.new('token')}",
        "status": 200,
        "action": rng.choice(("show", "git_receive_pack")),
        "controller": "Projects::IssuesController",
        "params": [
            {"key": "password", "value": "[FILTERED]"},
            {"key": "note", "value": f"ping {p.new('email')} and {p.new('token')}"},
            {"key": "namespace_path", "value": f"{p.new('ns')}/sub"},
        ],
        "remote_ip": (rng.choice(CUSTOMER_IPS) if customer else p.new("ip")) + ", 10.0.0.1",
        "username": rng.choice(USERS) if customer else p.new("person"),
        "ua": f"curl/8.5.0 ({p.new('email')})",
    }


FILES = (
    ("api_json.log.gz", "api"),
    ("production_json.log", "production"),
    ("audit_json.log.1.gz", "audit"),
    ("sidekiq.log", "sidekiq"),
)
MALFORMED = (b"not json at all\n", b'{"time": "2026-11-20T01:00:00Z", "meta.user": "jdoe"\n')


def write_logs(directory: Path, *, values: int = 1000, seed: int = 7) -> tuple[list[Path], Planted]:
    """The four kinds of log, with at least `values` planted values among them."""
    rng, planted = random.Random(seed), Planted()
    lines: dict[str, list[bytes]] = {name: [] for name, _ in FILES}
    n = 0
    while len(planted.secrets) < values:
        name, kind = FILES[n % len(FILES)]
        lines[name].append(json.dumps(_line(rng, planted, kind, n)).encode() + b"\n")
        n += 1
    paths = []
    for name, _ in FILES:
        body = b"".join(lines[name]) + b"".join(MALFORMED)
        planted.lines += len(lines[name]) + len(MALFORMED)
        planted.malformed += len(MALFORMED)
        path = directory / name
        path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
        paths.append(path)
    return paths, planted
