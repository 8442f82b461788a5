"""Filing what the intake listener acknowledged, off the request thread.

The listener keeps the checked answers (one row) and acknowledges with "Filing…"; the filer
then files each case, replaces the requester's view with the confirmation (`views.update`)
and hands the case to delivery. `serve` runs it in one background thread right after each
ack, giving way to the requests it is answering; the worker runs it for rows a process left
behind when it died between the ack and the filing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app.filing import Filing, IntakeRejected
from bot.slack.gateway import SlackGateway
from messages.intake import build_confirmation_view, build_filing_delayed_view
from messages.refusals import refusal_view

log = logging.getLogger(__name__)


@dataclass
class IntakeFiler:
    filing: Filing
    gateway: SlackGateway
    deliver: Callable[[int], object] = lambda case: None  # the worker's drain sends instead
    give_way: Callable[[], object] = lambda: None  # to the Slack requests in flight

    def run(self, *, received_before: datetime | None = None) -> int:
        """Files every received view (those received before a moment); returns how many
        cases it filed."""
        filed = 0
        for view_id in self.filing.waiting(received_before=received_before):
            self.give_way()
            try:
                outcome = self.filing.file_received(view_id)
            except Exception:  # the row stays: the worker files it again
                error_id = uuid.uuid4().hex[:10]
                log.exception("unexpected error %s while filing view %s", error_id, view_id)
                self._show(view_id, build_filing_delayed_view(error_id))
                continue
            if outcome is None:
                continue  # another process filed it
            if isinstance(outcome, IntakeRejected):
                reasons = " ".join(outcome.errors.values())
                log.warning("received view %s no longer meets the rules: %s", view_id, reasons)
                self._show(view_id, refusal_view(f"{outcome.user_text} {reasons}"))
                continue
            case = outcome.case
            if outcome.created:
                filed += 1
                log.info(
                    "case %s filed (%s)", case.number, case.route.value, extra={"case": case.number}
                )
            self._show(view_id, build_confirmation_view(case))
            self.deliver(case.number)
        return filed

    def _show(self, view_id: str, view: dict[str, Any]) -> None:
        try:
            self.gateway.interactive.views_update(view_id=view_id, view=view)
        except (SlackApiError, SlackClientError) as error:
            # Closed by the requester, or expired: the receipt DM says the same.
            log.info("view %s not updated: %s", view_id, error)
