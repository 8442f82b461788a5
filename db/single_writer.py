"""SQLite has one writer: one process serves it and one runs the jobs, never a second.

On SQLite a process's writers take turns on a lock of their own (`db.session`), and a second
process meets them only at SQLite's own lock, polling for it; two processes serving, or two
running the jobs, would fight over it all day. So on a SQLite file there is at most one
process serving Slack (`serve` or `socket`) and one running the scheduled jobs (`worker`, `tick`, or
`serve` with SERVE_RUNS_WORKER): each role is an exclusive `flock` on a lock file next to the
database, taken at start and held for the life of the process (the kernel drops it when the
process dies, however it dies). A second one exits at start saying so. Postgres has no such
limit: any number of each role share it.

The short commands (`migrate`, `doctor`, `report`, `unpark`, `scope`) take no lock: they write
little or nothing and are done in a moment, beside a running bot.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

SERVE, JOBS = "serve", "jobs"
_HELD: dict[tuple[str, str], int] = {}  # (lock file, role) -> its descriptor, never closed

_WHAT = {  # role -> (what it is doing, which commands do it)
    SERVE: ("serving Slack", "a `serve` or `socket`"),
    JOBS: ("running the scheduled jobs", "a `worker`, `tick`, or `serve` with SERVE_RUNS_WORKER"),
}


class SecondWriter(Exception):
    """Another process already holds this role on the SQLite file."""


def lock_path(database_url: str, role: str) -> Path | None:
    """The lock file of `role` beside the SQLite file; None for Postgres or in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database).resolve()
    return database.with_name(f"{database.name}.{role}.lock")


def hold(database_url: str, role: str) -> Path | None:
    """Takes `role` on the SQLite database for the life of this process (again: no-op).

    Raises SecondWriter, naming the process that holds it, when another does.
    """
    path = lock_path(database_url, role)
    if path is None or (str(path), role) in _HELD:
        return path
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise SecondWriter(refusal(database_url, role, holder)) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[(str(path), role)] = fd
    return path


def refusal(database_url: str, role: str, holder: str) -> str:
    database = make_url(database_url).database
    doing, who = _WHAT[role]
    return (
        f"another process (pid {holder}, {who}) is already {doing} on the SQLite database "
        f"{database}. SQLite allows one process serving and one running the jobs; stop that "
        "one first, or use Postgres (DATABASE_URL=postgresql+psycopg://...) to run several "
        "`serve` and `worker` processes (README: 'Deploying and scaling out')."
    )
