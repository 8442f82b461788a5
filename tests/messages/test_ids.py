"""Button values and private_metadata come back from Slack: forged or broken ones become None."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messages.ids import MAX_METADATA, case_value, decode, decode_case_value, encode

# No example database: the run writes nothing outside the temporary directories.
QUICK = settings(database=None, max_examples=200, deadline=None)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"v": 1},
        {"case": 42, "note": "ünïcødé ✓", "nested": {"list": [1, 2.5, None, True]}},
        {"text": "x" * (MAX_METADATA - 20)},
    ],
    ids=["empty", "version", "nested", "near-limit"],
)
def test_decode_returns_what_encode_stored(data: dict) -> None:
    assert decode(encode(data)) == data


def test_encode_is_compact_and_stable() -> None:
    assert encode({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_encode_refuses_metadata_slack_would_reject() -> None:
    with pytest.raises(ValueError, match="too long"):
        encode({"text": "x" * MAX_METADATA})


@pytest.mark.parametrize(
    "text",
    [
        None,
        42,
        b'{"case": 1}',
        {"case": 1},
        ["{}"],
        "",
        "not json",
        '{"case": 1',
        "[1, 2]",
        "1",
        '"{}"',
        "null",
        "true",
        '{"text": "' + "x" * MAX_METADATA + '"}',
    ],
    ids=[
        "none",
        "int",
        "bytes",
        "dict",
        "list",
        "empty",
        "not-json",
        "truncated",
        "json-array",
        "json-number",
        "json-string",
        "json-null",
        "json-bool",
        "over-long",
    ],
)
def test_decode_returns_none_for_anything_but_a_json_object(text: object) -> None:
    assert decode(text) is None


def test_decode_returns_none_for_deeply_nested_json() -> None:
    assert decode("[" * MAX_METADATA) is None


@pytest.mark.parametrize("number", [1, 42, 2**31 - 1])
def test_claim_button_value_carries_the_case_number(number: int) -> None:
    assert decode_case_value(case_value(number)) == number


FORGED_CASE_VALUES = {
    "true": '{"case": true}',
    "false": '{"case": false}',
    "zero": '{"case": 0}',
    "negative": '{"case": -5}',
    "float": '{"case": 7.0}',
    "fraction": '{"case": 7.5}',
    "exponent": '{"case": 1e3}',
    "nan": '{"case": NaN}',
    "infinity": '{"case": Infinity}',
    "string": '{"case": "7"}',
    "null": '{"case": null}',
    "too-big": '{"case": 2147483648}',
    "huge": '{"case": ' + "9" * 400 + "}",
    "list": '{"case": [7]}',
    "object": '{"case": {"case": 7}}',
    "wrapped-in-list": '[{"case": 7}]',
    "other-key": '{"Case": 7}',
    "no-key": "{}",
    "bare-number": "7",
    "not-a-string": 7,
}


@pytest.mark.parametrize("value", FORGED_CASE_VALUES.values(), ids=FORGED_CASE_VALUES.keys())
def test_forged_claim_values_name_no_case(value: object) -> None:
    assert decode_case_value(value) is None


@QUICK
@given(st.text(max_size=MAX_METADATA + 10))
def test_decoding_arbitrary_text_never_raises(text: str) -> None:
    decoded = decode(text)
    assert decoded is None or isinstance(decoded, dict)
    number = decode_case_value(text)
    assert number is None or (type(number) is int and 0 < number < 2**31)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@QUICK
@given(st.one_of(JSON, st.dictionaries(st.just("case"), JSON, min_size=1)))
def test_decoding_arbitrary_json_never_raises_or_forges_a_case(value: object) -> None:
    text = json.dumps(value)
    decoded = decode(text)
    assert decoded is None or isinstance(decoded, dict)
    number = decode_case_value(text)
    if number is not None:
        assert isinstance(value, dict) and value["case"] == number
        assert type(value["case"]) is int and 0 < number < 2**31


@QUICK
@given(st.integers(min_value=1, max_value=2**31 - 1))
def test_every_valid_case_number_survives_the_round_trip(number: int) -> None:
    assert decode_case_value(case_value(number)) == number
