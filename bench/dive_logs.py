"""GitLab-shaped JSON logs for the log-dive bench: API lines of 1-3 KB (dozens of `db_*` and
`redis_*` counters, the flat `meta.*` context keys), about 1% of them about one customer."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

CUSTOMER = "acme-widgets"
START = datetime(2026, 11, 20, tzinfo=UTC)
ROUTES = (
    "/api/:version/projects/:id/merge_requests",
    "/api/:version/projects/:id/repository/files/:file_path",
    "/api/:version/projects/:id/pipelines",
    "/api/:version/groups/:id/members",
    "/api/:version/personal_access_tokens",
    "/api/:version/projects/:id/variables",
)
COUNTERS = [f"db_{t}_{m}" for t in ("primary", "replica", "main", "ci") for m in (
    "count", "write_count", "cached_count", "duration_s", "wal_count", "wal_cached_count",
)] + [f"redis_{t}_{m}" for t in ("cache", "shared_state", "queues", "sessions", "rate_limiting")
      for m in ("calls", "duration_s", "read_bytes", "write_bytes")]  # fmt: skip


def line(rng: random.Random, at: datetime, customer: bool) -> dict[str, object]:
    namespace = CUSTOMER if customer else f"group-{rng.randrange(200_000)}"
    user = f"user{rng.randrange(5_000_000)}"
    project = f"{namespace}/project-{rng.randrange(400)}"
    entry: dict[str, object] = {
        "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "severity": "INFO",
        "duration_s": round(rng.random(), 5),
        "status": rng.choice((200, 200, 200, 201, 204, 304, 401, 403, 404)),
        "method": rng.choice(("GET", "GET", "POST", "PUT", "DELETE")),
        "path": f"/api/v4/projects/{rng.randrange(10**8)}/merge_requests",
        "params": [
            {"key": "private_token", "value": "[FILTERED]"},
            {"key": "page", "value": str(rng.randrange(50))},
        ],
        "host": "gitlab.com",
        "remote_ip": f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}."
        f"{rng.randrange(256)}, 10.0.0.{rng.randrange(256)}",
        "ua": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0",
        "route": rng.choice(ROUTES),
        "user_id": rng.randrange(10**7),
        "username": user,
        "token_type": "PersonalAccessToken",
        "token_id": rng.randrange(10**7),
        "correlation_id": f"{rng.getrandbits(104):026x}",
        "meta.caller_id": "GET /api/:version/projects/:id/merge_requests",
        "meta.remote_ip": f"{rng.randrange(1, 224)}.{rng.randrange(256)}.1.{rng.randrange(256)}",
        "meta.feature_category": "code_review_workflow",
        "meta.user": user,
        "meta.user_id": rng.randrange(10**7),
        "meta.project": project,
        "meta.root_namespace": namespace,
        "meta.client_id": f"user/{rng.randrange(10**7)}",
        "request_urgency": "default",
        "target_duration_s": 1,
        "cpu_s": round(rng.random(), 6),
        "mem_objects": rng.randrange(10**6),
        "mem_bytes": rng.randrange(10**9),
        "queue_duration_s": round(rng.random() / 100, 6),
        "view_duration_s": round(rng.random() / 10, 5),
    }
    for name in rng.sample(COUNTERS, rng.randrange(20, len(COUNTERS))):
        entry[name] = rng.randrange(500) if "duration" not in name else round(rng.random(), 4)
    if rng.random() < 0.3:  # some lines carry a backtrace: long, and never kept
        entry["exception.backtrace"] = [
            f"app/models/thing_{rng.randrange(100)}.rb:{rng.randrange(900)}:in `call'"
            for _ in range(rng.randrange(5, 25))
        ]
    return entry


def write_log(path: Path, lines: int, seed: int = 1, *, share: float = 0.01) -> int:
    """Writes `lines` lines, gzip'd; returns how many are the customer's."""
    rng = random.Random(seed)
    mine = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as sink:
        for n in range(lines):
            customer = rng.random() < share
            mine += customer
            at = START + timedelta(seconds=n * 86_400 * 7 / lines)
            sink.write(json.dumps(line(rng, at, customer), separators=(",", ":")) + "\n")
    return mine
