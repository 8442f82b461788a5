"""The table of effects agrees with the state machine and with delivery."""

from __future__ import annotations

from bot.app.effects import DUE, EFFECTS, Clock
from bot.cases.model import CADENCE_STATES
from bot.cases.states import TRANSITIONS, Action
from bot.delivery.kinds import Notice, To
from bot.delivery.letters import BUILDERS, FORMER, RECIPIENTS
from bot.delivery.slack import GROUPS


def test_every_action_has_a_row():
    assert set(EFFECTS) == set(Action)


def test_the_update_clock_starts_and_stops_with_the_states_that_owe_updates():
    for (before, action), after in TRANSITIONS.items():
        entering = before not in CADENCE_STATES and after in CADENCE_STATES
        leaving = before in CADENCE_STATES and after not in CADENCE_STATES
        if entering:
            assert EFFECTS[action].clock is Clock.START, (before, action)
        if leaving:
            assert EFFECTS[action].clock is Clock.STOP, (before, action)


def test_every_notice_sent_has_a_builder_and_a_recipient_delivery_knows():
    sends = [send for row in EFFECTS.values() for send in row.slack] + list(DUE.values())
    for send in sends:
        assert send.notice in BUILDERS, send
        known = (*RECIPIENTS, *FORMER, *GROUPS, To.ASKED, To.TRIAGE, To.LEADS)
        assert send.to in known, send
    assert set(BUILDERS) == set(Notice)


def test_only_filing_opens_the_issue_and_every_step_shows_on_the_card():
    opening = [action for action, row in EFFECTS.items() if row.gitlab == "open_issue"]
    assert opening == [Action.SUBMIT]
    silent = {Action.SUBMIT, Action.PURGE}  # the filing's second event and the purge
    for action, row in EFFECTS.items():
        assert (Notice.CARD in {s.notice for s in row.slack}) is (action not in silent), action


def test_every_decision_updates_the_dms_that_asked_for_it():
    """A DM with Approve/Deny left on an undecided look is a trap: each step that ends or
    advances a decision settles the asks (and the purge takes the request out of them)."""
    settling = {
        a for a, row in EFFECTS.items() if Notice.ASKS_SETTLED in {s.notice for s in row.slack}
    }
    assert settling >= {
        Action.LEGAL_APPROVE,
        Action.LEGAL_DENY,
        Action.REVIEW_APPROVE,
        Action.REVIEW_REJECT,
        Action.REVIEW_COMPLETE,
        Action.WITHDRAW,
        Action.PURGE,
    }
