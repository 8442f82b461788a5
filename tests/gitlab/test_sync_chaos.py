"""300 random edits on both sides, with GitLab's deliveries duplicated, reordered and dropped:
after one reconciliation the cases and their issues agree, every comment is a finding exactly
once, and nothing loops (the bot's GitLab writes are bounded by the edits)."""

from __future__ import annotations

import random

from sqlalchemy import select

from bot.standins.gitlab_hooks import Delivery
from bot.standins.slack_payloads import plain_text_input
from db.models import Case, Finding
from tests.gitlab.conftest import SIRT_PROJECT, drain_all
from tests.gitlab.syncing import SIRT, applied, deliver

EDITS = 300
CASES = 3
PEOPLE = (SIRT, "sirt-bob")
LABELS = ("state::triage", "state::closed", "state::approved", "state::in_review")


def _open_cases(desk, fake) -> dict[int, int]:
    """Case number -> issue iid, each case claimed (investigating)."""
    for number in range(1, CASES + 1):
        desk.file("UREQ")
        desk.wait_for_card(number)
        desk.press("case_claim", number, user="USUP")
    drain_all(desk.bot.delivery.gitlab_drain)
    deliver(desk, fake)
    with desk.bot.sessions() as session:
        return dict(session.execute(select(Case.id, Case.gitlab_issue_iid)).all())


class Network:
    """GitLab's deliveries on their way: 10% duplicated, 10% held back (reordered), 10% lost."""

    def __init__(self, rng: random.Random, fake) -> None:
        self.rng, self.fake = rng, fake
        self.held: list[Delivery] = []
        self.sent = self.dropped = 0

    def carry(self) -> None:
        going: list[Delivery] = []
        for delivery in self.fake.outgoing():
            roll = self.rng.random()
            if roll < 0.1:
                self.dropped += 1
            elif roll < 0.2:
                going += [delivery, delivery]
            elif roll < 0.3:
                self.held.append(delivery)
            else:
                going.append(delivery)
        if self.held and self.rng.random() < 0.3:  # some late ones arrive now, out of order
            going.append(self.held.pop(self.rng.randrange(len(self.held))))
        for delivery in going:
            assert self.fake.send(delivery) == 200
            self.sent += 1

    def flush(self) -> None:
        for delivery in reversed(self.held):
            assert self.fake.send(delivery) == 200
        self.held.clear()


def _edit(rng: random.Random, desk, fake, issues: dict[int, int], notes: dict[int, list]) -> None:
    number = rng.choice(list(issues))
    iid, who = issues[number], rng.choice(PEOPLE)
    roll = rng.random()
    if roll < 0.40:
        note = fake.comment(
            SIRT_PROJECT, iid, f"finding {rng.random():.6f}", by=who, internal=rng.random() < 0.3
        )
        notes[iid].append(note["id"])
    elif roll < 0.55 and notes[iid]:
        fake.edit_note(
            SIRT_PROJECT, iid, rng.choice(notes[iid]), f"edited {rng.random():.6f}", by=who
        )
    elif roll < 0.65:
        state = fake.issue(SIRT_PROJECT, iid)["state"]
        fake.change_issue(
            SIRT_PROJECT, iid, by=who, state_event="reopen" if state == "closed" else "close"
        )
    elif roll < 0.75:
        fake.change_issue(SIRT_PROJECT, iid, by=who, add_labels=rng.choice(LABELS))
    elif roll < 0.88:
        answers = {"text": plain_text_input(f"slack finding {rng.random():.6f}")}
        desk.fill("case_add_finding", number, answers, user="USUP")
    else:
        desk.press("case_update_sent", number, user="UREQ")


def test_both_sides_agree_after_chaos_and_one_reconciliation(hdesk, fake):
    desk, rng = hdesk, random.Random(15)
    issues = _open_cases(desk, fake)
    notes: dict[int, list] = {iid: [] for iid in issues.values()}
    network = Network(rng, fake)
    writes_before = len(fake.requests("POST")) + len(fake.requests("PUT"))

    for step in range(EDITS):
        _edit(rng, desk, fake, issues, notes)
        network.carry()
        if step % 10 == 9:  # the mirror catches up now and then, the applier keeps going
            drain_all(desk.bot.delivery.gitlab_drain)
    network.flush()
    applied(desk)
    drain_all(desk.bot.delivery.gitlab_drain)
    fake.outgoing()  # what the mirror's last writes caused: lost too

    desk.bot.use_cases.sync.reconcile()  # the one reconciliation
    for number in issues:  # it heals any case; the worker's drain would send what it queued
        desk.bot.delivery.deliver(number)
    drain_all(desk.bot.delivery.gitlab_drain)
    deliver(desk, fake)  # converges: raises if deliveries never stop

    assert network.dropped and network.held == [] and network.sent
    with desk.bot.sessions() as session:
        cases = {c.id: c for c in session.scalars(select(Case))}
        imported = list(session.scalars(select(Finding).where(Finding.gitlab_note_id.is_not(None))))
    by_note = {f.gitlab_note_id: f for f in imported}
    assert len(by_note) == len(imported)  # exactly once
    for number, iid in issues.items():
        issue, case = fake.issue(SIRT_PROJECT, iid), cases[number]
        people = [n for n in fake.notes(SIRT_PROJECT, iid) if n["author"]["username"] in PEOPLE]
        assert {n["id"] for n in people} == {
            f.gitlab_note_id for f in imported if f.case_id == number
        }
        for note in people:
            assert by_note[note["id"]].text == note["body"]
            assert by_note[note["id"]].internal == note["internal"]
        assert issue["confidential"] is True
        labels = [label for label in issue["labels"] if label.startswith("state::")]
        assert labels == [f"state::{case.state}"]
        assert (issue["state"] == "closed") == (case.gitlab_closed_at is not None)
    writes = len(fake.requests("POST")) + len(fake.requests("PUT")) - writes_before
    assert writes <= 2 * EDITS  # no loop: a note (and a label move) per edit at most
