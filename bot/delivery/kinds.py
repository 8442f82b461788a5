"""The outbox's one vocabulary: its topics, the Slack messages and GitLab operations it carries,
and who a Slack message is for.

Use cases name these when they queue work (through the table in `bot.app.effects`); the
senders in this package dispatch on them. The string values are stored in `outbox_message`
rows, so they never change once released.
"""

from __future__ import annotations

import enum


class Topic(enum.StrEnum):
    SLACK = "slack"
    GITLAB = "gitlab"


class Notice(enum.StrEnum):
    """A Slack message about a case, rendered from the case when it is sent."""

    CARD = "card"
    RECEIPT = "dm_receipt"
    RESCOPE = "dm_rescope"
    APPROVED = "dm_approved"
    LEGAL_APPROVED = "dm_legal_approved"
    LEGAL_DENIED = "dm_legal_denied"
    HANDED_OVER = "dm_handed_over"
    COST_NOTICE = "dm_cost_notice"
    RESCOPED = "dm_rescoped"  # the requester's edited request, as it now stands
    RELEASED = "dm_released"  # an edit made the case one its owner can't handle
    RESUMED = "dm_resumed"  # Legal approved an edited case: back to its owner
    DECLINED = "dm_declined"  # a handler declined the request, with the reason
    CLAIMED = "dm_claimed"  # to the owner: the case is theirs, and how to do its log-dive
    REMINDER = "dm_update_reminder"
    NUDGE = "dm_owner_nudge"
    ESCALATION = "leads_escalation"
    LEGAL_ASK = "dm_legal_ask"  # to Legal: an exception waits on your decision
    REVIEW_ASK = "dm_review_ask"  # to the reviewers: artefacts wait on your review
    ASKS_SETTLED = "dm_asks_settled"  # those DMs, updated after a decision (never posted anew)
    RELAY_TAKEN = "dm_relay_taken"  # to the new relay contact
    RELAY_GIVEN = "dm_relay_given"  # to the former relay contact
    HANDED_AWAY = "dm_handed_away"  # to the former owner, when someone else handed the case on
    CLOSED_IN_GITLAB = "dm_closed_in_gitlab"  # a person closed the issue; the case is open
    REOPENED_IN_GITLAB = "dm_reopened_in_gitlab"
    EXPOSED = "leads_issue_exposed"  # the issue lost its confidentiality; restored
    ISSUE_NOT_OPENED = "issue_not_opened"  # GitLab kept refusing the issue: its notes wait


class To(enum.StrEnum):
    """Where a Slack message goes: a configured channel, or one of the case's people."""

    TRIAGE = "triage"
    LEADS = "leads"
    REQUESTER = "requester"
    RELAY = "relay"
    OWNER = "owner"
    FORMER_OWNER = "former_owner"  # named in the event's data: the case no longer has them
    FORMER_RELAY = "former_relay"  # named in the event's data, like the former owner
    LEGAL = "legal"  # each member of the Legal group
    REVIEWERS = "reviewers"  # each Security reviewer and Legal member who may approve
    ASKED = "asked"  # everyone a LEGAL or REVIEWERS DM of the case went to


class Mirror(enum.StrEnum):
    """What one case event does in GitLab."""

    OPEN_ISSUE = "open_issue"  # the confidential SIRT issue, from the intake
    NOTE = "note"  # an internal note; the state label follows; closed when the case ends
    GAP_NOTE = "gap_note"  # the public Audit Events gap issue when there is a gap, then a note
    RESTORE_CONFIDENTIAL = "restore_confidential"  # confidential again, customers off, a note
    RESTORE_LABEL = "restore_label"  # the state label that matches the case back, a note
    CARD_LINK = "card_link"  # a note linking the card in Slack, once it is up (payload: url)
