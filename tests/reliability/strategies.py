"""Hypothesis strategies for hostile Slack requests: junk of every type, huge and Unicode-heavy
strings, malformed dates, forged case references, and request bodies missing or adding fields.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from bot.cases.rules import Field
from bot.standins.workspace import OUTSIDE_TEAM, SHARED, TEAM, TRIAGE, WORK
from messages.ids import ActionId, Block, Callback, Command, case_value, encode

# People who may not touch the seeded cases (UAKL is a requester, but not of these cases).
NOT_ALLOWED = ("UNOBODY", "UGUEST", "UEXT", "UAKL")
SEEDED = (1, 2, 3)

SPECIAL_TEXT = (
    "",
    " ",
    "\x00",
    "\x00nul\x00",
    "\u202eevil\u202c",
    "<!channel> <!here> <@UREQ> <#C0TRIAGE>",
    "*bold* _it_ ~s~ `code` ```block```",
    "'; DROP TABLE info_case; --",
    "${jndi:ldap://x}",
    "{{7*7}} %s %n %x",
    "../../../../etc/passwd",
    "https://[::1",
    "https://[not-an-ip]/x",
    "http://",
    "javascript:alert(1)",
    "🔥" * 500,
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " * 300,
    "ﷺ" * 1000,
    "a" * 3001,
    "x" * 40_000,
    "\n" * 2000,
    "acme-corp/" * 400,
    "#1",
    "1",
    "-1",
    "99999999999999999999",
    "mine",
    "help",
)

unicode_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200
)
hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    unicode_text,
    st.text(max_size=20),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(100, 2000)),
)

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
junk = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)


def _forged_json(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


case_reference = st.one_of(
    st.sampled_from(SEEDED).map(case_value),  # real cases the actor has nothing to do with
    st.integers(min_value=-(2**40), max_value=2**40).map(lambda n: _forged_json({"case": n})),
    junk.map(lambda v: _forged_json({"case": v})),
    st.sampled_from(
        [
            '{"case": "1"}',
            '{"case": true}',
            '{"case": 1.0}',
            '{"case": 1, "case": 2}',
            '{"case": [1]}',
            "[" * 5000 + "]" * 5000,
            '{"v": 1}',
            encode({"case": 1, "as": "admin"}),
            "null",
            "1",
        ]
    ),
    junk.map(_forged_json),
    hostile_text,
    st.none(),
)

# Mostly known people (their Slack lookups are cached, as in production), a quarter forged ids.
users = st.one_of(
    st.sampled_from(NOT_ALLOWED),
    st.sampled_from(NOT_ALLOWED),
    st.sampled_from(NOT_ALLOWED),
    st.one_of(st.from_regex(r"\AU[A-Z0-9]{1,10}\Z"), hostile_text),
)
teams = st.one_of(st.sampled_from([TEAM, TEAM, OUTSIDE_TEAM, ""]), hostile_text)
channels = st.one_of(
    st.sampled_from([TRIAGE, WORK, SHARED, "DUAKL", "C0NOPE"]), hostile_text, st.none()
)
moments = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63),
    st.sampled_from([0, 253402300799, 253402300800, -1, 1_700_000_000]),
    junk,
)


def _element(kind: str, value: Any) -> dict[str, Any]:
    key = {
        "plain_text_input": "value",
        "url_text_input": "value",
        "static_select": "selected_option",
        "radio_buttons": "selected_option",
        "checkboxes": "selected_options",
        "multi_static_select": "selected_options",
        "datetimepicker": "selected_date_time",
        "users_select": "selected_user",
    }[kind]
    return {"type": kind, key: value}


option = st.one_of(
    st.builds(
        lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v},
        st.one_of(
            st.sampled_from(
                [
                    "premium",
                    "ultimate",
                    "free",
                    "saas",
                    "self_managed",
                    "yes",
                    "no",
                    "owns",
                    "redacted",
                    "sign_in",
                    "pat",
                    "other",
                ]
            ),
            junk,
        ),
    ),
    junk,
)
element_value = st.one_of(
    st.builds(_element, st.just("plain_text_input"), st.one_of(hostile_text, junk)),
    st.builds(_element, st.just("url_text_input"), st.one_of(hostile_text, junk)),
    st.builds(_element, st.just("static_select"), option),
    st.builds(_element, st.just("radio_buttons"), option),
    st.builds(_element, st.just("checkboxes"), st.one_of(st.lists(option, max_size=4), junk)),
    st.builds(
        _element, st.just("multi_static_select"), st.one_of(st.lists(option, max_size=40), junk)
    ),
    st.builds(_element, st.just("datetimepicker"), moments),
    st.builds(_element, st.just("users_select"), st.one_of(users, st.just("USUP"), junk)),
    junk,
)
BLOCK_IDS = [f.value for f in Field] + [b.value for b in Block]
state_values = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(BLOCK_IDS), st.text(max_size=8)),
        st.one_of(
            st.dictionaries(st.one_of(st.just("input"), st.text(max_size=6)), element_value),
            junk,
        ),
        max_size=8,
    ),
    junk,
)

callbacks = st.one_of(st.sampled_from([c.value for c in Callback]), hostile_text)
action_ids = st.one_of(
    st.sampled_from([a.value for a in ActionId]),
    st.sampled_from(["case_delete", "admin", "case_claim ", "CASE_CLAIM"]),
    st.text(max_size=30),
)
commands = st.one_of(st.sampled_from([c.value for c in Command]), hostile_text)
