"""The use cases: everything the bot does to a case, one module per area.

- `filing`: a request becomes a case.
- `casework`: claim to close, each step one transaction.
- `cadence`: the relay contact's "update sent" and "snooze"; `reminders`: the sweep that
  finds updates due; `retention`: the purge of personal data.
- `queries`: read-only views of the desk and of one case; `inbox`: Slack's repeated events.
- `sync`: what people do in a case's GitLab issue (webhook deliveries, reconciliation).
- `effects`: what each step causes (messages, GitLab, the update clock); `steps`: the one
  path every change of a case takes.

Use cases are the only code that opens a session to write; they talk to no Slack or GitLab
client. What must reach Slack or GitLab is queued in the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.cadence import Cadence
from bot.app.casework import Casework
from bot.app.filing import Filing
from bot.app.inbox import Inbox
from bot.app.queries import Status
from bot.app.reminders import CadenceSweep
from bot.app.retention import RetentionPurge
from bot.app.sync import Sync


@dataclass(frozen=True)
class UseCases:
    filing: Filing
    casework: Casework
    cadence: Cadence
    status: Status
    sweep: CadenceSweep
    purge: RetentionPurge
    inbox: Inbox
    sync: Sync
