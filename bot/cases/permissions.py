"""Who may do what to a case, decided from the actor's roles and their part in the case.

Roles come from Slack user groups (resolved at the edge); a role nobody configured is held by
nobody. Every check runs on the server for every click: a button being shown is no permission.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.cases.errors import NotAllowed
from bot.cases.model import Route
from bot.cases.states import Action


class Role(enum.StrEnum):
    REQUESTER = "requester"
    SUPPORT = "support"
    SIRT = "sirt"
    SECURITY = "security"
    LEGAL = "legal"
    LEAD = "lead"


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Parties:
    """The people a case already names."""

    requester_id: str
    relay_contact_id: str
    owner_id: str | None
    route: Route
    submitter_id: str | None = None  # who submitted the artefacts under review


def can_handle(actor: Actor, route: Route) -> bool:
    """Support handles Support cases; SIRT handles SIRT cases and may take Support's too."""
    return actor.has(Role.SIRT) or (route is Route.SUPPORT and actor.has(Role.SUPPORT))


def _is_owner(actor: Actor, parties: Parties) -> bool:
    return parties.owner_id is not None and actor.user_id == parties.owner_id


def _is_relay(actor: Actor, parties: Parties) -> bool:
    return actor.user_id in (parties.requester_id, parties.relay_contact_id)


HANDLER_ONLY = {
    Action.UNCLAIM,
    Action.HAND_OVER,
    Action.ADD_FINDING,
    Action.REQUEST_RESCOPE,
    Action.COST_NOTICE,
    Action.SUBMIT_FOR_REVIEW,
    Action.RECORD_GAP,
    Action.CLOSE,
}

# what a lead may do for an owner who is away: release the case, or give it to someone else
LEAD_MAY = {Action.UNCLAIM, Action.HAND_OVER}


def authorise(action: Action, actor: Actor, parties: Parties) -> None:
    """Raises NotAllowed, with the reason the actor reads, unless they may do `action`."""
    route = parties.route
    if action is Action.CLAIM:
        if not can_handle(actor, route):
            team = "Support or SIRT" if route is Route.SUPPORT else "SIRT"
            raise NotAllowed(f"Only {team} handlers can claim this {route.label} case.")
    elif action is Action.DECLINE:
        if not can_handle(actor, route):
            raise NotAllowed(f"Only a handler who can take this {route.label} case can decline it.")
        if parties.owner_id is not None and not _is_owner(actor, parties):
            raise NotAllowed("Only the case's owner can decline it once it is claimed.")
    elif action in HANDLER_ONLY:
        if not _is_owner(actor, parties) and not (action in LEAD_MAY and actor.has(Role.LEAD)):
            raise NotAllowed("Only the case's owner can do this. Claim it first if it's free.")
    elif action in (Action.LEGAL_APPROVE, Action.LEGAL_DENY):
        if not actor.has(Role.LEGAL):
            raise NotAllowed("Only GitLab Legal can decide on an exception.")
    elif action in (Action.REVIEW_APPROVE, Action.REVIEW_COMPLETE, Action.REVIEW_REJECT):
        if not (actor.has(Role.SECURITY) or actor.has(Role.LEGAL)):
            raise NotAllowed("Only Security reviewers and Legal can review the artefacts.")
        if _is_owner(actor, parties):
            raise NotAllowed("The handler who collected the artefacts can't review them.")
        if actor.user_id == parties.submitter_id:  # a hand-over during review changes nothing
            raise NotAllowed("Whoever submitted the artefacts can't review them.")
    elif action in (
        Action.MARK_SHARED,
        Action.RESCOPE,
        Action.RESCOPE_TO_LEGAL,
        Action.CUSTOMER_UPDATE,
        Action.COST_CONFIRMED,
    ):
        if not _is_relay(actor, parties):
            raise NotAllowed("Only the requester who relays to the customer can do this.")
    elif action is Action.WITHDRAW:
        if not (_is_relay(actor, parties) or actor.has(Role.LEAD)):
            raise NotAllowed("Only the requester or a lead can withdraw a case.")
    elif action is Action.RELAY_HAND_OVER:
        if not (_is_relay(actor, parties) or actor.has(Role.LEAD)):
            raise NotAllowed(
                "Only the requester, the relay contact or a lead can hand over the relay role."
            )
    else:
        raise NotAllowed("That can't be done from Slack.")


class ReviewRole(enum.StrEnum):
    SECURITY = "security"
    LEGAL = "legal"


def review_role(actor: Actor, approved: dict[ReviewRole, str]) -> ReviewRole:
    """Which pending approval this reviewer gives; refuses a second approval by one person."""
    if actor.user_id in approved.values():
        raise NotAllowed("You've already approved this review; it needs someone else.")
    for role, group in ((ReviewRole.SECURITY, Role.SECURITY), (ReviewRole.LEGAL, Role.LEGAL)):
        if role not in approved and actor.has(group):
            return role
    raise NotAllowed("Your approval is already in; the other review must come from the other team.")
