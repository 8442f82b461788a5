"""Who someone is to the bot: the roles their Slack user groups give them.

Unconfigured groups mean nobody, and a lookup Slack cannot answer gives no role: the bot
fails closed.
"""

from __future__ import annotations

import logging

from bot.cases.permissions import Actor, Role
from bot.config import Settings
from bot.slack.gateway import SlackGateway, SlackUnavailable

log = logging.getLogger(__name__)


class Roles:
    def __init__(self, gateway: SlackGateway, settings: Settings) -> None:
        self.gateway = gateway
        self.groups = {
            Role.REQUESTER: settings.requester_group_ids,
            Role.SUPPORT: (settings.support_group,),
            Role.SIRT: (settings.sirt_group,),
            Role.SECURITY: (settings.security_review_group,),
            Role.LEGAL: (settings.legal_group,),
            Role.LEAD: (settings.leads_group,),
        }

    def is_requester(self, user_id: str) -> bool:
        """Members of REQUESTER_GROUPS may file."""
        return self._in(user_id, Role.REQUESTER)

    def actor(self, user_id: str) -> Actor:
        """The user with the roles their Slack user groups give them."""
        return Actor(
            user_id=user_id,
            roles=frozenset(role for role in self.groups if self._in(user_id, role)),
        )

    def members(self, role: Role) -> frozenset[str]:
        """Everyone the role's groups hold; raises SlackUnavailable when Slack can't say."""
        groups = tuple(group for group in self.groups[role] if group)
        return frozenset().union(*(self.gateway.group_members(group) for group in groups))

    def _in(self, user_id: str, role: Role) -> bool:
        configured = tuple(group for group in self.groups[role] if group)
        try:
            return bool(configured) and self.gateway.is_member(user_id, configured)
        except SlackUnavailable as error:
            log.warning("role %s for %s failed closed: %s", role, user_id, error)
            return False
