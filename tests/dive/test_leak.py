"""The leak test: what must not leave does not, and every line in scope is there."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest

from bot.dive.bag import dive, validate
from tests.dive import planted as logs


def bag_text(bag: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(bag.rglob("*")) if p.is_file())


def kept_lines(bag: Path) -> list[dict]:
    return [
        json.loads(line)
        for part in sorted((bag / "data").glob("*.jsonl"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]


@pytest.fixture(scope="module")
def dived(tmp_path_factory):
    directory = tmp_path_factory.mktemp("logs")
    paths, truth = logs.write_logs(directory, values=1000)
    result = dive(logs.scope(), paths, directory / "bag", processes=2)
    return result, truth


def test_no_planted_value_leaves_in_the_clear(dived):
    result, truth = dived
    assert len(truth.secrets) >= 1000
    text = bag_text(result.bag).lower()
    leaked = [value for value in truth.secrets if value.lower() in text]
    assert leaked == []


def test_every_line_in_scope_is_there_and_no_other(dived):
    result, truth = dived
    kept = [line["correlation_id"] for line in kept_lines(result.bag)]
    assert len(kept) == len(set(kept))
    assert set(kept) == truth.in_scope
    assert result.counts.lines_kept == len(truth.in_scope)


def test_counts_reach_the_bag_info_and_malformed_lines_are_not_fatal(dived):
    result, truth = dived
    info = bagit.Bag(str(result.bag)).info
    assert info["Case-Number"] == "42"
    assert info["Lines-Read"] == str(truth.lines)
    assert info["Lines-Malformed"] == str(truth.malformed)
    assert info["Lines-Kept"] == str(len(truth.in_scope))
    assert int(info["Fields-Dropped"]) > 0 and int(info["Values-Pseudonymised"]) > 0
    assert int(info["Values-Masked"]) > 0
    assert info["Scope-SHA256"] == logs.scope().digest()
    assert info["Redaction-Policy-Version"] == "1-disclose"


def test_the_customer_reads_its_own_names_and_addresses_and_filtered_stays(dived):
    result, _ = dived
    lines = kept_lines(result.bag)
    mine = [line for line in lines if line.get("meta.user") in logs.USERS]
    assert mine and all(line["meta.remote_ip"] in logs.CUSTOMER_IPS for line in mine)
    others = [line for line in lines if line.get("meta.user") not in logs.USERS]
    assert others and all(line["meta.user"].startswith("user-") for line in others)
    params = [p for line in lines for p in line.get("params", ())]
    assert {"key": "password", "value": "[FILTERED]"} in params
    assert not any(k.startswith(("db_", "exception.", "request.")) for line in lines for k in line)


def test_validate_passes_and_a_changed_byte_fails(dived, tmp_path):
    result, _ = dived
    validate(result.bag)
    part = next((result.bag / "data").glob("*.jsonl"))
    original = part.read_bytes()
    part.write_bytes(original[:10] + bytes([original[10] ^ 1]) + original[11:])
    try:
        with pytest.raises(bagit.BagValidationError):
            validate(result.bag)
    finally:
        part.write_bytes(original)
    validate(result.bag)


def test_pseudonyms_are_stable_within_a_case_and_differ_across_cases(tmp_path):
    paths, _ = logs.write_logs(tmp_path, values=200)
    first = dive(logs.scope(), paths, tmp_path / "a", processes=1)
    again = dive(logs.scope(), paths, tmp_path / "b", processes=1)
    other = dive(logs.scope(case=43, key="cd" * 32), paths, tmp_path / "c", processes=1)
    users = [{line["meta.user"] for line in kept_lines(r.bag)} for r in (first, again, other)]
    assert users[0] == users[1]
    assert (users[0] - set(logs.USERS)).isdisjoint(users[2])


def test_event_types_narrow_the_lines_and_other_keeps_all(tmp_path):
    paths, truth = logs.write_logs(tmp_path, values=200)
    pushes = dive(logs.scope(events=[logs.GIT_PUSH]), paths, tmp_path / "push", processes=1)
    kept = kept_lines(pushes.bag)
    assert kept and all(line["action"] == "git_receive_pack" for line in kept)
    other = logs.scope(events=[logs.GIT_PUSH, logs.EventScope("other")])
    everything = dive(other, paths, tmp_path / "all", processes=1)
    assert everything.counts.lines_kept == len(truth.in_scope)


def test_without_disclosure_the_customer_is_pseudonymised_too(tmp_path):
    paths, _ = logs.write_logs(tmp_path, values=200)
    result = dive(logs.scope(disclose=False), paths, tmp_path / "bag", processes=1)
    text = bag_text(result.bag)
    assert not any(ip in text for ip in logs.CUSTOMER_IPS)
    assert all(f'"{user}"' not in text for user in logs.USERS)
