"""`python -m bot demo`: a scripted case against local stand-ins, printed as people see it.

The bot runs for real (HTTP server, signed requests, database, outbox) on a temporary SQLite
file, against the local stand-in for Slack the test suite uses too (bot.standins, shipped with
the bot); nothing leaves this machine and no credentials are needed.
"""

from __future__ import annotations

import logging
import re
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.jobs.scheduler import tick
from bot.standins.desk import Desk, start_desk, stop_desk
from bot.standins.slack_payloads import checkboxes, plain_text_input, radio_buttons, static_select
from bot.standins.workspace import SHARED, intake_answers
from bot.wiring import build_worker
from db import migrate
from db.session import make_engine

PEOPLE = {
    "UREQ": "Priya (CSM)",
    "UEXT": "Mallory (outside the company)",
    "USUP": "Sam (Support)",
    "USEC": "Ana (Security)",
    "ULEGAL": "Lee (Legal)",
    "UREQ2": "Omar (CSM)",
}


def _in(message: dict[str, Any]) -> dict[str, str]:
    """Where a click on one of a DM's buttons happens."""
    return {"channel": message["channel"], "message_ts": message["ts"]}


# The bag digest `python -m bot dive` printed for the demo case.
DIGEST = "c018019b6a8b01ab5868cf4be8db327a7549ae03202548b9ffcd2671c4c2b624"


def render(blocks: list[dict[str, Any]]) -> list[str]:
    """Block Kit as plain lines, roughly as Slack lays it out."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            for field in block.get("fields", []):
                lines.append("  " + field["text"].replace("\n", ": ", 1))
        elif kind == "context":
            lines.extend("  " + e.get("text", "") for e in block["elements"])
        elif kind == "actions":
            lines.append("  " + "  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"  ▢ {block['label']['text']}{optional}")
    return [_people(line) for line in lines]


def _people(text: str) -> str:
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)  # Slack shows local time
    for user, name in PEOPLE.items():
        text = text.replace(f"<@{user}>", f"@{name.split()[0]}")
    return text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")


class Transcript:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def step(self, title: str) -> None:
        print(f"\n── {title} " + "─" * max(0, 70 - len(title)), file=self.out)

    def sees(self, who: str, where: str, lines: list[str]) -> None:
        print(f"{who} sees in {where}:", file=self.out)
        for line in lines:
            print(textwrap.indent(line, "    │ "), file=self.out)


def run_demo(out: TextIO) -> int:
    # The transcript is the output; the bot's own logging would only interleave with it.
    for name in ("", "alembic"):
        logging.getLogger(name).setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="info-request-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        desk = start_desk(url)
        show = Transcript(out)
        try:
            print(
                "Info-request bot demo: a local Slack stand-in, a temporary SQLite database.",
                file=out,
            )
            show.step("Priya, a CSM, types /info-request")
            view = desk.open_intake("UREQ")
            show.sees(
                PEOPLE["UREQ"],
                f"a modal titled '{view['title']['text']}'",
                [*render(view["blocks"])[:6], "    … 17 questions in all"],
            )

            show.step("She submits it, but the customer runs GitLab self-managed")
            body = desk.submit(view, intake_answers(deployment=radio_buttons("self_managed")))
            errors = body.json()["errors"]
            show.sees(
                PEOPLE["UREQ"],
                "the modal, next to the field",
                [f"{field}: {text}" for field, text in errors.items()],
            )

            show.step("She corrects it: the account is on GitLab.com")
            body = desk.submit(view, intake_answers())
            ack = body.ack.json()["view"]  # type: ignore[attr-defined]
            show.sees(PEOPLE["UREQ"], "the modal, at once", render(ack["blocks"]))
            show.sees(
                PEOPLE["UREQ"], "the modal, a moment later", render(body.json()["view"]["blocks"])
            )

            card = desk.wait_for_card(1)
            show.step("The card lands in the private triage channel (no personal data)")
            show.sees("Support and SIRT", "#log-requests-triage", render(card["blocks"]))

            receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
            show.step("Priya gets her receipt")
            show.sees(PEOPLE["UREQ"], "a DM from the bot", render(receipt["blocks"]))

            show.step("Someone tries from a channel shared with the customer")
            refused = desk.command("UREQ", channel=SHARED).json()
            show.sees(PEOPLE["UREQ"], "an ephemeral reply", [refused["text"]])
            refused = desk.command("UEXT", team="T0OUTSIDE").json()
            show.sees(PEOPLE["UEXT"], "an ephemeral reply", [refused["text"]])

            _work_the_case(desk, show)
            _ask_legal(desk, show)
            _leads_view(desk, show)
            posts = desk.slack.channel_posts()
            print(
                "\nDone: case 1 closed, case 2 in triage with Legal's approval; "
                f"{len(posts)} versions of channel messages, "
                f"{len(desk.slack.calls('chat.postMessage'))} message(s) sent in all.",
                file=out,
            )
        finally:
            stop_desk(desk)
    return 0


def _work_the_case(desk: Desk, show: Transcript) -> None:
    """Claim, a finding, review by Security and Legal, share, the Audit Events gap, close."""

    def card(title: str) -> None:
        show.step(title)
        show.sees(
            "Support and SIRT", "#log-requests-triage", render(desk.wait_for_card(1)["blocks"])
        )

    desk.press("case_claim", 1, user="USUP")
    card("Sam from Support claims it")
    desk.fill(
        "case_add_finding",
        1,
        {"text": plain_text_input("3 sign-ins from 203.0.113.77")},
        user="USUP",
    )
    show.step("Sam logs a finding (kept on the case, never in a channel)")
    _remind(desk, show)
    desk.fill(
        "case_request_rescope",
        1,
        {"text": plain_text_input("Four accounts is too broad: which one signed in oddly?")},
        user="USUP",
    )
    show.step("Sam asks for a narrower scope")
    show.sees(
        PEOPLE["UREQ"],
        "a DM from the bot",
        render(desk.wait_for_dm("UREQ", "re-scope requested")["blocks"]),
    )
    edit = desk.modal_from("case_edit_scope", 1, user="UREQ")
    desk.submit(
        edit,
        intake_answers(
            users=plain_text_input("jdoe-acme"),
            projects=plain_text_input(""),
            groups=plain_text_input(""),
        ),
        user="UREQ",
    )
    desk.settle(1)
    card("Priya edits the request down to one user; the case is back with Sam")
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    omar = {"user": {"type": "users_select", "selected_user": "UREQ2"}}
    desk.fill("case_relay_hand_over", 1, omar, user="UREQ", **_in(receipt))
    show.step("Priya goes on leave: from her receipt DM she hands the relay role to Omar")
    show.sees(
        PEOPLE["UREQ2"],
        "a DM from the bot",
        render(desk.wait_for_dm("UREQ2", "you relay it to the customer now")["blocks"]),
    )
    desk.fill(
        "case_submit_review",
        1,
        {
            "artefact_description": plain_text_input("Sign-in events for the named users"),
            "artefact_count": plain_text_input("42"),
            "artefact_location": plain_text_input("the SIRT evidence bucket, case-1/"),
            "artefact_checksum": plain_text_input(DIGEST),
            "redacted": checkboxes(["redacted"]),
        },
        user="USUP",
    )
    card("Sam submits what he collected for review (the artefacts stay where they are)")
    desk.press("case_approve", 1, user="USUP")
    refusal = desk.wait_until(lambda: desk.slack.ephemerals_to("USUP"), what="refusal")
    show.sees(PEOPLE["USUP"], "an ephemeral reply when he tries to approve", [refusal[-1]["text"]])
    ask = desk.wait_for_dm("USEC", "artefacts to review")
    show.step("Ana (Security) and Lee (Legal) are asked in a DM, with what to review")
    show.sees(PEOPLE["USEC"], "a DM from the bot", render(ask["blocks"]))
    desk.press("case_approve", 1, user="USEC", **_in(ask))
    desk.press("case_approve", 1, user="ULEGAL", **_in(desk.wait_for_dm("ULEGAL", "to review")))
    card("Both approve from their DMs")
    show.sees(
        PEOPLE["ULEGAL"],
        "his DM, updated: no buttons left to press by mistake",
        render(desk.wait_for_dm("ULEGAL", "artefacts to review")["blocks"])[-1:],
    )
    approved = desk.wait_for_dm("UREQ2", "approved, share")
    show.sees(PEOPLE["UREQ2"], "a DM from the bot", render(approved["blocks"]))
    desk.press("case_mark_shared", 1, user="UREQ2", **_in(approved))
    desk.fill(
        "case_close_gap",
        1,
        {
            "gap": plain_text_input(
                "Audit Events don't record sign-ins by IP address for group members"
            )
        },
        user="USUP",
    )
    card("Omar shares the artefacts; Sam records the Audit Events gap, and the case closes")


def _ask_legal(desk: Desk, show: Transcript) -> None:
    """A request that needs an exception: Legal is asked by DM and decides from it."""
    view = desk.open_intake("UREQ")
    desk.submit(
        view,
        intake_answers(
            plan=static_select("trial"),
            exception=plain_text_input("The customer's renewal is signed; the incident is live"),
        ),
    )
    ask = desk.wait_for_dm("ULEGAL", "Case 2: exception to decide")
    show.step("Priya files a second request on a trial plan, asking for an exception")
    show.sees(PEOPLE["ULEGAL"], "a DM from the bot", render(ask["blocks"]))
    desk.press("case_legal_approve", 2, user="ULEGAL", **_in(ask))
    show.step("Lee approves from the DM; the case goes to triage, and the DM says so")
    show.sees(
        PEOPLE["ULEGAL"],
        "his DM, updated",
        render(desk.wait_for_dm("ULEGAL", "Case 2: exception to decide")["blocks"])[-1:],
    )


def _leads_view(desk: Desk, show: Transcript) -> None:
    """The leads' `/case-status`: the open work, and the desk's last 30 days."""
    reply = desk.command("ULEAD", "/case-status").json()
    show.step("A lead types /case-status: the open work and the last 30 days")
    show.sees("A lead", "an ephemeral reply", render(reply["blocks"]))


def _remind(desk: Desk, show: Transcript) -> None:
    """The worker's sweep at the moment Priya's first customer update falls due."""
    jobs = build_worker(desk.bot)
    tick(jobs, datetime.now(UTC))  # works out when the update is due, in Priya's time zone
    due = desk.bot.use_cases.status.case(desk.bot.roles.actor("ULEAD"), 1).next_update_due
    tick(jobs, due)  # type: ignore[arg-type]
    local = due.astimezone(ZoneInfo(desk.slack.users["UREQ"].tz))  # type: ignore[union-attr]
    show.step(
        f"An update falls due {local:%A %H:%M} in Priya's zone ({local.tzname()}): 12 h after "
        "acceptance, within her business hours"
    )
    show.sees(
        PEOPLE["UREQ"],
        "a DM from the bot",
        render(desk.wait_for_dm("UREQ", "a customer update is due")["blocks"]),
    )
