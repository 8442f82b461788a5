"""Reading typed values and throttling refusal logs: pure helpers, checked on plain values."""

from __future__ import annotations

import logging

import pytest

from bot.slack.forms import FieldRefused, case_number, modal_count, modal_text, typed, whole_number
from bot.slack.log_throttle import LogThrottle
from messages.case_modals import MAX_CHARS
from messages.ids import INPUT, Block


def values(block: Block, value: object) -> dict:
    return {block.value: {INPUT: {"type": "plain_text_input", "value": value}}}


def test_typed_text_loses_nul_and_unpaired_surrogates_and_nothing_else():
    assert typed("a\x00b\ud800c\u2060é\n") == "ab\ufffdc\u2060é\n"
    assert typed(None) == "" and typed(42) == ""


@pytest.mark.parametrize("text", ["²", "¹²³", "4²", "٣", "-1", "1.5", "", " ", "1234567890"])
def test_only_digits_0_to_9_make_a_number(text):
    assert whole_number(text) is None


def test_numbers_and_case_numbers():
    assert whole_number(" 42 ") == 42 and whole_number("999999999") == 999_999_999
    assert case_number("#12") == 12 and case_number("12") == 12 and case_number("##12") is None


def test_a_modal_text_over_its_limit_is_refused_on_its_own_field():
    limit = MAX_CHARS[Block.ARTEFACT_CHECKSUM]
    assert modal_text(values(Block.ARTEFACT_CHECKSUM, " a\x00b "), Block.ARTEFACT_CHECKSUM) == "ab"
    with pytest.raises(FieldRefused) as refused:
        modal_text(values(Block.ARTEFACT_CHECKSUM, "x" * (limit + 1)), Block.ARTEFACT_CHECKSUM)
    assert list(refused.value.errors) == [Block.ARTEFACT_CHECKSUM]
    with pytest.raises(FieldRefused):
        modal_count(values(Block.ARTEFACT_COUNT, "²"), Block.ARTEFACT_COUNT, "the count")


def test_a_flood_of_refusals_is_one_line_a_minute_with_a_count(caplog):
    now = [0.0]
    throttle = LogThrottle(logging.getLogger("test.throttle"), interval=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "test.throttle"):
        for _ in range(500):
            throttle.warning("refused")
        now[0] = 61
        throttle.warning("refused")
    assert [r.getMessage() for r in caplog.records] == [
        "refused",
        "refused (and 499 more since the last such line)",
    ]
