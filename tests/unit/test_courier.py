"""The couriers end when delivery stops, whichever of them takes the stop signals; they give
way to the requests being answered, and never wait on them for long."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.delivery.courier import Courier, InFlight


def _until(condition: Callable[[], object], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_every_courier_ends_when_delivery_stops():
    sent: list[int] = []
    gate = threading.Event()

    def deliver(case_id: int) -> None:
        gate.wait(5)
        sent.append(case_id)

    courier = Courier(first=deliver, rest=lambda case_id: None, idle=lambda: None, threads=3)
    for case_id in range(1, 6):
        courier.send(case_id)
    gate.set()
    courier.stop(timeout=30)
    assert not [t for t in courier._threads if t.is_alive()]  # none left waiting for work
    assert set(sent) == {1, 2, 3, 4, 5}  # the deliveries in hand were finished
    courier.send(6)  # after the stop: left in the outbox for the worker
    assert not [t for t in courier._threads if t.is_alive()]


def test_a_delivery_waits_while_a_request_is_being_answered():
    in_flight, sent = InFlight(), []
    courier = Courier(
        first=sent.append, rest=lambda case_id: None, idle=lambda: None,
        in_flight=in_flight, give_way=60,
    )  # fmt: skip
    with in_flight.serving():
        courier.send(1)
        assert _until(lambda: in_flight.waiting)  # the courier is giving way
        assert sent == []
    assert _until(lambda: sent == [1])  # the answer went out: the card follows at once
    courier.stop()


def test_requests_that_never_stop_coming_do_not_hold_deliveries_back_for_long():
    in_flight, sent = InFlight(), []
    courier = Courier(
        first=sent.append, rest=lambda case_id: None, idle=lambda: None,
        in_flight=in_flight, give_way=0.05,
    )  # fmt: skip
    with in_flight.serving():
        courier.send(1)
        assert _until(lambda: sent == [1])
    courier.stop()


def test_a_case_queued_during_the_receipts_has_its_card_before_the_next_receipt():
    steps: list[tuple[str, int]] = []
    idle = threading.Event()
    gate = threading.Event()
    courier: Courier

    def first(case_id: int) -> None:
        gate.wait(5)  # until both cases are in hand
        steps.append(("card", case_id))

    def rest(case_id: int) -> None:
        steps.append(("receipt", case_id))
        if case_id == 1:
            courier.send(3)  # filed while the receipts go out

    courier = Courier(first=first, rest=rest, idle=idle.set, threads=1)
    courier.send(1)
    courier.send(2)
    gate.set()
    assert idle.wait(5)
    courier.stop()
    assert steps == [
        ("card", 1), ("card", 2), ("receipt", 1), ("card", 3), ("receipt", 2), ("receipt", 3),
    ]  # fmt: skip
