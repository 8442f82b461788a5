"""`python -m bot demo` runs as a newcomer would run it: no credentials, no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_walks_a_case_from_intake_to_closed_and_exits_0(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    for line in (
        "GitLab cannot produce logs for self-managed instances",
        "Your request meets the conditions: filing it now.",
        "Filed as *case 1* (Support)",
        "*Case 1* · Acme Corp",
        "[Claim]",
        "Your log request for *Acme Corp* is *case 1*",
        "shared outside the company",
        "only works for members of this workspace",
        "Only Security reviewers and Legal can review the artefacts.",
        "A status update to the customer is due for *case 1*",
        "12 h after acceptance, within her business hours",
        "asks for a narrower scope",
        "*Scope*: 1 resources, 2 event types",
        "*State*: closed",
        "Priya goes on leave: from her receipt DM she hands the relay role to Omar",
        "has artefacts waiting on Security and Legal review",
        "Case 2* (Acme Corp, SIRT) asks for an exception",
        "Nothing waits on you here now",
        "A lead types /case-status",
        "*Last 30 days*",
        "Filed: 2 (sirt 1, support 1)",
        "Closed (any end): 1 (support 1)",
        "Time to claim: median",
        "Done: case 1 closed",
    ):
        assert line in transcript, line
    assert "Traceback" not in result.stderr
