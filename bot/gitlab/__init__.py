"""The GitLab mirror: a tracker adapter and the outbox sender that drives it.

`build_gitlab_drain` is what the composition root calls; it returns None when GitLab is not
configured, and the mirror operations then simply wait in the outbox until it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery.drain import Drain, drain_owner
from bot.delivery.kinds import Topic
from bot.delivery.mirror import HELD_BY, GitLabMirror, MirrorConfig
from bot.delivery.tracker import Tracker
from bot.gitlab.reader import GitLabReader
from bot.gitlab.tracker import DEFAULT_TIMEOUT, GitLabTracker
from messages.catalogue import load_catalogue

log = logging.getLogger(__name__)

# Operations claimed at once (one per case): a backlog after an outage is cleared with few
# claims; the lease is renewed while a long batch is sent.
BATCH = 200
REQUIRED = ("gitlab_token", "gitlab_sirt_project", "gitlab_gap_project")


def build_gitlab_drain(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    *,
    tracker: Tracker | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Drain | None:
    """The drain for topic "gitlab", or None (and a log line) while GitLab is not configured."""
    missing = [name.upper() for name in REQUIRED if not getattr(settings, name)]
    if missing:
        log.warning(
            "GitLab mirror is off: %s not set; mirror operations wait in the outbox",
            ", ".join(missing),
        )
        return None
    assert settings.gitlab_token and settings.gitlab_sirt_project and settings.gitlab_gap_project
    config = MirrorConfig(
        sirt_project=settings.gitlab_sirt_project,
        gap_project=settings.gitlab_gap_project,
        mention=settings.sirt_mention,
        event_labels={e.id: e.label for e in load_catalogue(settings.event_catalogue)},
    )
    tracker = tracker or GitLabTracker(settings.gitlab_url, settings.gitlab_token, timeout=timeout)
    mirror = GitLabMirror(tracker=tracker, config=config)
    # A batch's rows are leased together and each may take a few timed-out calls: the drain
    # renews their leases while it works, so a short lease only frees a dead drain's rows.
    return Drain(
        sessions=sessions,
        topic=Topic.GITLAB,
        send=mirror,
        clock=clock,
        owner=f"{drain_owner()}:gitlab"[-64:],
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        held_by=HELD_BY,
        on_parked=mirror.parked,
        batch=BATCH,
    )


def build_gitlab_reader(
    settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
) -> GitLabReader | None:
    """The client that reads the SIRT issues back (two-way sync), or None without GitLab."""
    if not (settings.gitlab_token and settings.gitlab_sirt_project):
        return None
    return GitLabReader(settings.gitlab_url, settings.gitlab_token, timeout=timeout)
