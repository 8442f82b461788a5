"""Whether the database is at the schema's head, without importing Alembic when it plainly is.

Every long-running command checks this at start, and importing Alembic to answer it was a
good part of `serve`'s start (a restarted replica must answer Slack within 2 s). The plain
answer reads the revision ids from the migration files (`revision = "0013"`, `down_revision =
"0012"`) and the database's `alembic_version` row; only when that does not plainly say
"at head" (an older database, a file it cannot read, several heads) does Alembic decide.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_REVISION = re.compile(r"""^revision(?:\s*:[^=\n]+)?\s*=\s*["']([^"']+)["']\s*$""", re.M)
_DOWN = re.compile(r"""^down_revision(?:\s*:[^=\n]+)?\s*=\s*(?:None|["']([^"']+)["'])\s*$""", re.M)


def plain_head(folder: Path = VERSIONS) -> str | None:
    """The one head of a linear chain of migration files; None when it is not that plain."""
    revisions: set[str] = set()
    downs: set[str] = set()
    files = sorted(folder.glob("*.py"))
    for path in files:
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(found) != 1 or len(down) != 1:
            return None
        revisions.add(found[0])
        if down[0]:
            downs.add(down[0])
    heads = revisions - downs
    if len(revisions) != len(files) or len(heads) != 1:
        return None
    return heads.pop()


def is_current(engine: Engine) -> bool:
    """Whether the schema is at head: plainly, or else as Alembic says."""
    head = plain_head()
    if head is not None:
        try:
            with engine.connect() as connection:
                rows = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
        except SQLAlchemyError:
            rows = []  # no table yet: Alembic says so below
        if rows == [head]:
            return True
    from db import migrate

    return migrate.current_revision(engine) == migrate.head_revision()
