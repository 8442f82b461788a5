"""The log-dive kit's view of a case: its scope, with the case's pseudonym key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.cases.errors import NotFound
from bot.dive.scope import EventScope, Match, Scope
from db import cases as case_repo
from db.session import reading


@dataclass
class DiveScopes:
    sessions: sessionmaker[Session]
    matches: Mapping[str, tuple[Match, ...]]  # per event type id, from the catalogue

    def scope(self, case_id: int) -> Scope:
        """The case's scope as it stands, each event type with the lines that identify it."""
        with reading(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id)
            if case is None:
                raise NotFound(f"There is no case {case_id}.")
            if not case.dive_key or case.purged_at is not None:
                raise NotFound(f"Case {case_id} has no scope left to dive into.")
            return Scope(
                case=case.id,
                start=case.window_start_at,
                end=case.window_end_at,
                namespace=case.namespace,
                projects=tuple(case.projects),
                groups=tuple(case.groups),
                users=tuple(case.users),
                events=tuple(EventScope(e, self.matches.get(e, ())) for e in case.event_types),
                disclose_customer=case.personal_data,
                key=case.dive_key,
            )
