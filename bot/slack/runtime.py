"""What listeners need, handed to them at registration (no module-level clients)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

from bot.cadence import Cadence
from bot.cases.model import Limits
from bot.cases.permissions import Actor, Role
from bot.casework import Casework
from bot.config import Settings
from bot.outbox import Drain
from bot.services import Services
from bot.slack.courier import Courier
from bot.slack.gateway import SlackGateway, SlackUnavailable
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
    _courier: Courier = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._courier = Courier(self.deliver_now)

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

    def deliver_slack(self, case_id: int) -> None:
        """Sends the case's queued Slack messages now; whatever fails stays for the worker."""
        try:
            self.slack_drain.run(case_id=case_id)
        except Exception:
            log.exception("delivering Slack messages for case %s failed; left queued", case_id)

    def deliver(self, case_id: int) -> None:
        """Has the courier send what the case's last step queued; returns at once."""
        self._courier.send(case_id)

    def deliver_now(self, case_id: int) -> threading.Thread | None:
        """Sends the case's Slack messages now, then mirrors it to GitLab in the background.

        Slack never waits on GitLab: the mirror runs in its own short-lived thread (every GitLab
        call has a timeout), and whatever it can't send stays queued for the outbox worker.
        """
        self.deliver_slack(case_id)
        if self.gitlab_drain is None:
            return None
        # Its own lease owner, so it never marks a row another thread of this process holds.
        owner = f"{self.gitlab_drain.owner}:deliver-{case_id}"[-64:]
        drain = dataclasses.replace(self.gitlab_drain, owner=owner)

        def mirror() -> None:
            try:
                drain.run(case_id=case_id)
            except Exception:
                log.exception("mirroring case %s to GitLab failed; left queued", case_id)

        thread = threading.Thread(target=mirror, name=f"gitlab-mirror-{case_id}", daemon=True)
        thread.start()
        return thread
