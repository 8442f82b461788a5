"""The update reminder's buttons: "Update sent to customer" and "Snooze".

Like the card's buttons: decode the case (a forged value is refused), act before the ack so the
answer means "recorded", ack, then replace the reminder with what was done (its buttons go, so
it can't be pressed twice by accident). Refusals come back as an ephemeral message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.cases.errors import CaseError
from bot.slack.forms import read_click
from bot.slack.replies import tell, unexpected
from bot.slack.runtime import Runtime
from messages.ids import ActionId
from messages.reminders import slack_date

log = logging.getLogger(__name__)

FORGED = "This button doesn't belong to a case the bot knows."
SNOOZE_HOURS = {ActionId.SNOOZE_1H: 1, ActionId.SNOOZE_2H: 2, ActionId.SNOOZE_4H: 4}


def _act(rt: Runtime, action_id: ActionId, case_id: int, user_id: str) -> str:
    """Does what the button says; returns the line that replaces the reminder."""
    actor = rt.actor(user_id)
    if action_id is ActionId.UPDATE_SENT:
        rt.cadence.record_customer_update(case_id, actor)
        return (
            f":white_check_mark: Recorded your update to the customer on case {case_id}. "
            "The clock restarts: the bot reminds you when the next one is due."
        )
    until = rt.cadence.snooze(case_id, actor, SNOOZE_HOURS[action_id])
    return f":zzz: Case {case_id}: the bot reminds you again {slack_date(until)}."


def register(app: App, rt: Runtime) -> None:
    def clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        action_id, user_id, case_id = read_click(body)
        done = refused = None
        try:
            if case_id is None:
                refused = FORGED
            else:
                done = _act(rt, action_id, case_id, user_id)
        except CaseError as error:
            refused = error.user_text
        except Exception:
            refused = unexpected(log, f"button {action_id.value}")
        ack()
        if refused:
            tell(respond, body, refused)
            return
        if isinstance(body.get("response_url"), str):
            respond(text=done, replace_original=True)
        if action_id is ActionId.UPDATE_SENT:
            rt.deliver(case_id)  # the card, and the event to the GitLab mirror

    for action_id in (ActionId.UPDATE_SENT, *SNOOZE_HOURS):
        app.action(action_id.value)(clicked)
