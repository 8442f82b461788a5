"""Property tests: the scope predicate and the pseudonyms, over generated lines and values."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.dive.reader import prefilter_tokens
from bot.dive.redact import Redactor
from bot.dive.scope import in_scope, scope_from_json, under
from tests.dive import planted as logs

SCOPE = logs.scope()
segment = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
paths = st.lists(segment, min_size=1, max_size=3).map("/".join)
times = st.integers(-86_400, 3 * 86_400).map(lambda s: logs.START + timedelta(seconds=s))
names = st.one_of(st.sampled_from(logs.USERS), segment)


@st.composite
def lines(draw):
    line = {"time": draw(times).isoformat().replace("+00:00", "Z")}
    if draw(st.booleans()):
        line["meta.root_namespace"] = draw(st.one_of(st.just(logs.NAMESPACE), segment))
    if draw(st.booleans()):
        root = draw(st.one_of(st.just(logs.NAMESPACE), segment))
        line["meta.project"] = f"{root}/{draw(paths)}"
    if draw(st.booleans()):
        line["meta.user"] = draw(names)
    return line


@given(lines())
def test_a_kept_line_is_in_the_window_and_tied_to_the_customer_and_no_one_else(line):
    kept = in_scope("api", line, SCOPE)
    inside = SCOPE.start <= datetime.fromisoformat(line["time"]) <= SCOPE.end
    spaces = [line[k] for k in ("meta.root_namespace", "meta.project") if k in line]
    ours = all(under(p, logs.NAMESPACE) for p in spaces)
    tied = bool(spaces) or line.get("meta.user") in logs.USERS
    assert kept == (inside and ours and tied)


@given(lines(), st.booleans())
def test_every_line_in_scope_passes_the_prefilter_whatever_its_case(line, shout):
    if shout:
        line = {k: v if k == "time" else v.upper() for k, v in line.items()}
    if in_scope("api", line, SCOPE):
        raw = json.dumps(line).lower().encode()
        assert any(token in raw for token in prefilter_tokens(SCOPE))


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_pseudonyms_are_stable_keyed_and_distinct(first, second):
    one, again = Redactor(SCOPE), Redactor(SCOPE)
    other = Redactor(logs.scope(case=43, key="cd" * 32))
    assert one.pseudonym("user", first) == again.pseudonym("user", first)
    assert one.pseudonym("user", first) != other.pseudonym("user", first)
    if first.lower() != second.lower():
        assert one.pseudonym("user", first) != one.pseudonym("user", second)


@given(st.booleans(), st.lists(segment, max_size=3))
def test_a_scope_file_reads_back_as_the_same_scope(disclose, users):
    scope = logs.scope(disclose=disclose, events=[logs.GIT_PUSH])
    scope = type(scope)(**{**scope.__dict__, "users": tuple(users)})
    assert scope_from_json(scope.to_json()) == scope
    assert scope_from_json(scope.to_json()).digest() == scope.digest()
