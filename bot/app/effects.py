"""What each step causes, declared in one place: the Slack messages (and to whom), the GitLab
operation, and the customer-update clock.

`bot.app.steps.record` applies a row for every event a use case records; a step that records
two events (an approval that completes the review) sends each message once. The cadence sweep
queues its reminders from `DUE`. Adding a notification is one row here, one builder in
`messages/`, and its line in the Slack sender's table of builders.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.cases.states import Action
from bot.delivery.kinds import Mirror, Notice, To


class Clock(enum.Enum):
    """The customer-update clock (see `bot.app.cadence`)."""

    START = "start"  # the case reached triage: updates are owed from now
    RESTART = "restart"  # an update was sent: the next is owed 12 business hours on
    STOP = "stop"  # the case left triage..approved: nothing is owed
    RETIME = "retime"  # a new relay contact: the due time is computed again in their zone


@dataclass(frozen=True)
class Send:
    notice: Notice
    to: To


@dataclass(frozen=True)
class Effects:
    slack: tuple[Send, ...] = ()
    gitlab: Mirror | None = Mirror.NOTE
    clock: Clock | None = None


CARD = Send(Notice.CARD, To.TRIAGE)
RECEIPT = Send(Notice.RECEIPT, To.REQUESTER)
RESCOPED = Send(Notice.RESCOPED, To.REQUESTER)
LEGAL_ASK = Send(Notice.LEGAL_ASK, To.LEGAL)
SETTLED = Send(Notice.ASKS_SETTLED, To.ASKED)  # the decision DMs show it: none acts on a stale one

EFFECTS: dict[Action, Effects] = {
    Action.SUBMIT: Effects(gitlab=Mirror.OPEN_ISSUE),
    Action.ACCEPT: Effects((CARD, RECEIPT), clock=Clock.START),
    Action.REFER_TO_LEGAL: Effects((CARD, RECEIPT, LEGAL_ASK)),
    Action.LEGAL_APPROVE: Effects(
        (CARD, Send(Notice.LEGAL_APPROVED, To.REQUESTER), SETTLED), clock=Clock.START
    ),
    Action.LEGAL_DENY: Effects(
        (CARD, Send(Notice.LEGAL_DENIED, To.REQUESTER), SETTLED), clock=Clock.STOP
    ),
    Action.CLAIM: Effects((CARD, Send(Notice.CLAIMED, To.OWNER))),
    Action.UNCLAIM: Effects((CARD,)),
    Action.HAND_OVER: Effects(
        (CARD, Send(Notice.HANDED_OVER, To.OWNER), Send(Notice.HANDED_AWAY, To.FORMER_OWNER))
    ),
    Action.ADD_FINDING: Effects((CARD,)),
    Action.REQUEST_RESCOPE: Effects((CARD, Send(Notice.RESCOPE, To.REQUESTER))),
    Action.RESCOPE: Effects((CARD, RESCOPED)),
    Action.RESCOPE_TO_LEGAL: Effects((CARD, RESCOPED, LEGAL_ASK), clock=Clock.STOP),
    Action.RELEASE: Effects((CARD, Send(Notice.RELEASED, To.FORMER_OWNER))),
    Action.RESUME: Effects((CARD, Send(Notice.RESUMED, To.OWNER))),
    Action.COST_NOTICE: Effects((CARD, Send(Notice.COST_NOTICE, To.RELAY))),
    Action.COST_CONFIRMED: Effects((CARD,)),
    Action.SUBMIT_FOR_REVIEW: Effects((CARD, Send(Notice.REVIEW_ASK, To.REVIEWERS))),
    Action.REVIEW_APPROVE: Effects((CARD, SETTLED)),
    Action.REVIEW_COMPLETE: Effects((CARD, Send(Notice.APPROVED, To.RELAY), SETTLED)),
    Action.REVIEW_REJECT: Effects((CARD, SETTLED)),
    Action.MARK_SHARED: Effects((CARD,), clock=Clock.STOP),
    Action.RECORD_GAP: Effects((CARD,), gitlab=Mirror.GAP_NOTE),
    Action.CLOSE: Effects((CARD,), clock=Clock.STOP),
    Action.WITHDRAW: Effects((CARD, SETTLED), clock=Clock.STOP),
    Action.DECLINE: Effects((CARD, Send(Notice.DECLINED, To.REQUESTER)), clock=Clock.STOP),
    Action.CUSTOMER_UPDATE: Effects((CARD,), clock=Clock.RESTART),
    Action.RELAY_HAND_OVER: Effects(
        (CARD, Send(Notice.RELAY_TAKEN, To.RELAY), Send(Notice.RELAY_GIVEN, To.FORMER_RELAY)),
        clock=Clock.RETIME,
    ),
    Action.PURGE: Effects((SETTLED,)),  # the decision DMs drop the request with the case
    # From the GitLab issue (bot.app.sync): never mirrored back as a note of the bot's own.
    Action.GITLAB_FINDING: Effects((CARD,), gitlab=None),
    Action.GITLAB_CLOSED: Effects((CARD, Send(Notice.CLOSED_IN_GITLAB, To.OWNER)), gitlab=None),
    Action.GITLAB_REOPENED: Effects((CARD, Send(Notice.REOPENED_IN_GITLAB, To.OWNER)), gitlab=None),
    Action.RESTORE_CONFIDENTIAL: Effects(
        (CARD, Send(Notice.EXPOSED, To.LEADS)), gitlab=Mirror.RESTORE_CONFIDENTIAL
    ),
    Action.RESTORE_LABEL: Effects((CARD,), gitlab=Mirror.RESTORE_LABEL),
}


class Due(enum.Enum):
    """What the cadence sweep finds due at a case's update due time."""

    REMINDER = "reminder"  # the update is due: remind the relay contact
    NUDGE = "nudge"  # it is near and the owner logged nothing since the last update
    ESCALATION = "escalation"  # it is well overdue: tell the leads


DUE: dict[Due, Send] = {
    Due.REMINDER: Send(Notice.REMINDER, To.RELAY),
    Due.NUDGE: Send(Notice.NUDGE, To.OWNER),
    Due.ESCALATION: Send(Notice.ESCALATION, To.LEADS),
}
