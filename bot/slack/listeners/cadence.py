"""The update reminder's buttons: "Update sent to customer" and "Snooze".

Like the card's buttons: decode the case (a forged value is refused), act before the ack so the
answer means "recorded", ack, then replace the reminder with what was done (its buttons go, so
it can't be pressed twice by accident). Refusals come back as an ephemeral message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.app.cadence import Cadence
from bot.cases.permissions import Actor
from bot.slack.deps import Deps
from bot.slack.replies import attempt, case_click, tell
from messages.ids import ActionId
from messages.reminders import slack_date


def _update_sent(cadence: Cadence, case_id: int, actor: Actor) -> str:
    cadence.record_customer_update(case_id, actor)
    return (
        f":white_check_mark: Recorded your update to the customer on case {case_id}. "
        "The clock restarts: the bot reminds you when the next one is due."
    )


def _snooze(hours: int, cadence: Cadence, case_id: int, actor: Actor) -> str:
    until = cadence.snooze(case_id, actor, hours)
    return f":zzz: Case {case_id}: the bot reminds you again {slack_date(until)}."


# button -> its use case, returning the line that replaces the reminder
BUTTONS: dict[ActionId, Callable[..., Any]] = {
    ActionId.UPDATE_SENT: _update_sent,
    ActionId.SNOOZE_1H: partial(_snooze, 1),
    ActionId.SNOOZE_2H: partial(_snooze, 2),
    ActionId.SNOOZE_4H: partial(_snooze, 4),
}


def clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    deps: Deps = context["deps"]
    if (click := case_click(ack, body, respond)) is None:
        return
    action_id, case_id = click
    call = partial(BUTTONS[action_id], deps.use_cases.cadence, case_id, context["actor"])
    done, refused = attempt(call, f"button {action_id.value}")
    ack()
    if refused:
        tell(respond, body, refused.text)
        return
    if isinstance(body.get("response_url"), str):
        respond(text=done, replace_original=True)  # type: ignore[arg-type]
    if action_id is ActionId.UPDATE_SENT:
        deps.deliver(case_id)  # the card, and the event to the GitLab mirror


def register(app: App) -> None:
    for action_id in BUTTONS:
        app.action(action_id.value)(clicked)
