"""What listeners need, handed to them at registration (no module-level clients)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from functools import partial

from bot.cadence import Cadence
from bot.cases.model import Limits
from bot.cases.permissions import Actor, Role
from bot.casework import Casework
from bot.config import Settings
from bot.outbox import Drain
from bot.services import Services
from bot.slack.courier import Courier
from bot.slack.gateway import SlackGateway, SlackUnavailable
from bot.slack.homes import HomeTabs
from messages.catalogue import EventType

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    services: Services
    casework: Casework
    gateway: SlackGateway
    catalogue: tuple[EventType, ...]
    slack_drain: Drain
    gitlab_drain: Drain | None = None
    cadence: Cadence | None = None  # the customer-update buttons; built by bot.wiring
    homes: HomeTabs | None = None  # participants' Home tabs, refreshed when deliveries are done
    _courier: Courier = dataclasses.field(init=False, repr=False)
    _mirror_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    _mirror_thread: threading.Thread | None = dataclasses.field(default=None, repr=False)
    _mirror_again: bool = dataclasses.field(default=False, repr=False)

    def __post_init__(self) -> None:
        self._courier = Courier(
            first=partial(self.deliver_slack, first_only=True),
            rest=self.deliver_slack,
            idle=self.when_quiet,
        )

    @property
    def limits(self) -> Limits:
        return self.services.limits

    def is_requester(self, user_id: str) -> bool:
        """Members of REQUESTER_GROUPS may file; unconfigured or unanswerable means no."""
        try:
            return self.gateway.is_member(user_id, self.settings.requester_group_ids)
        except SlackUnavailable as error:
            log.warning("group check for %s failed closed: %s", user_id, error)
            return False

    def actor(self, user_id: str) -> Actor:
        """The user with the roles their Slack user groups give; a failed lookup gives none."""
        s = self.settings
        groups = {
            Role.REQUESTER: s.requester_group_ids,
            Role.SUPPORT: (s.support_group,),
            Role.SIRT: (s.sirt_group,),
            Role.SECURITY: (s.security_review_group,),
            Role.LEGAL: (s.legal_group,),
            Role.LEAD: (s.leads_group,),
        }
        roles = set()
        for role, ids in groups.items():
            configured = tuple(group for group in ids if group)
            try:
                if configured and self.gateway.is_member(user_id, configured):
                    roles.add(role)
            except SlackUnavailable as error:
                log.warning("role %s for %s failed closed: %s", role, user_id, error)
        return Actor(user_id=user_id, roles=frozenset(roles))

    def deliver_slack(self, case_id: int, *, first_only: bool = False) -> None:
        """Sends the case's queued Slack messages now (`first_only`: its oldest, a new case's
        card); whatever fails stays for the worker."""
        try:
            self.slack_drain.run(case_id=case_id, max_rounds=1 if first_only else 1000)
        except Exception:
            log.exception("delivering Slack messages for case %s failed; left queued", case_id)

    def deliver(self, case_id: int) -> None:
        """Has the courier send what the case's last step queued; returns at once."""
        self._courier.send(case_id)

    def when_quiet(self) -> None:
        """Once the courier has nothing queued: the Home tabs, then the GitLab mirror."""
        if self.homes is not None:
            self.homes.refresh()
        self.mirror_soon()

    def mirror_soon(self) -> None:
        """Mirrors what is queued for GitLab in one background thread, started if none runs.

        Slack never waits on GitLab: the mirror runs in its own thread (every GitLab call has
        a timeout), at most one at a time however many cases are filed at once, and it goes
        round again when asked while it runs. What it can't send stays queued for the worker.
        """
        if self.gitlab_drain is None:
            return
        with self._mirror_lock:
            self._mirror_again = True
            if self._mirror_thread is None:
                self._mirror_thread = threading.Thread(
                    target=self._mirror, name="gitlab-mirror-run", daemon=True
                )
                self._mirror_thread.start()

    def _mirror(self) -> None:
        assert self.gitlab_drain is not None
        # Its own lease owner, so it never marks a row the worker's drain holds.
        drain = dataclasses.replace(
            self.gitlab_drain, owner=f"{self.gitlab_drain.owner}:serve"[-64:]
        )
        while True:
            with self._mirror_lock:
                if not self._mirror_again:
                    self._mirror_thread = None
                    return
                self._mirror_again = False
            try:
                drain.run()
            except Exception:
                log.exception("mirroring to GitLab failed; left queued for the worker")
