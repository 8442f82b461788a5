"""The GitLab markdown builders: pure functions, checked on plain values."""

from __future__ import annotations

from dataclasses import replace

from bot.cases.model import Route, State
from messages import gitlab as md
from tests import factories

MENTION = "@gitlab-com/gl-security/sirt"
LABELS = {"sign_in": "Sign-in", "pat": "Personal access token created"}


PEOPLE = md.People("UREQ", "URELAY", {"UREQ": "Ada Lovelace"})


def body(template: str, **changes) -> str:
    return md.issue_body(
        template,
        number=7,
        intake=factories.intake(**changes),
        route=Route.SIRT,
        people=PEOPLE,
        mention=MENTION,
        event_labels=LABELS,
    )


def test_the_bundled_template_gives_every_field_the_mention_and_the_marker():
    text = body(md.bundled_template())
    for shown in (
        "Acme Corp",
        "support.example.com/tickets/4242",
        "Premium",
        "GitLab.com",
        "`acme-corp`",
        "`acme-corp/backend/api`",
        "`acme-corp/platform`",
        "`jdoe`",
        "Sign-in, Personal access token created",
        "2026-11-22 15:00 UTC → 2026-11-24 15:00 UTC",
        "> A token was used",
        "Personal data requested:** no",
    ):
        assert shown in text, shown
    assert text.count(MENTION) == 1
    assert text.rstrip().endswith("<!-- info-request-bot:case-7 -->")
    assert "{{" not in text


def test_a_team_template_without_placeholders_gets_the_request_and_mention_appended():
    text = body("## Checklist\n- [ ] Logs pulled")
    assert text.startswith(MENTION)
    assert "## Checklist" in text and "## Request" in text and "`acme-corp/platform`" in text


def test_typed_text_cannot_mention_reference_fake_markers_or_run_quick_actions():
    text = body(
        md.bundled_template(),
        organisation="@everyone <!-- info-request-bot:case-1 -->",
        summary="Ping @security-lead about #123\n/close\n/assign @me",
    )
    assert "@everyone" not in text and "@security-lead" not in text and "@me" not in text
    assert "#123" not in text
    assert text.count("<!--") == 1  # only the bot's own marker
    assert "\n/close" not in text and "> /close" in text


def test_code_spans_survive_backticks():
    assert md.code("a`b") == "`` a`b ``"
    assert md.code("plain/path") == "`plain/path`"


def test_the_issue_title_and_labels():
    assert md.issue_title("Acme Corp", 3) == "Information request: Acme Corp (case 3)"
    assert md.issue_labels(Route.SUPPORT, State.SUBMITTED) == [
        "information-request",
        "route::support",
        "state::submitted",
    ]


def test_a_state_change_note_names_the_move_the_actor_and_carries_its_marker():
    facts = md.NoteFacts(
        event_id=42,
        action="review_reject",
        actor_id="ULEGAL",
        at=factories.NOW,
        from_state=State.IN_REVIEW,
        to_state=State.INVESTIGATING,
        reason="Another customer's project @ops is in the export",
    )
    note = md.event_note(facts)
    assert note.startswith("**Review rejected; back to the handler** — state in review →")
    assert "Slack user ULEGAL at 2026-11-25 15:00 UTC" in note
    assert "> Another customer's project @\u200dops" in note
    assert note.rstrip().endswith("<!-- info-request-bot:event-42 -->")


def test_notes_for_findings_reviews_and_hand_over():
    base = md.NoteFacts(
        1,
        "add_finding",
        "USUP",
        factories.NOW,
        State.INVESTIGATING,
        State.INVESTIGATING,
        finding="Seen from 10.0.0.1",
    )
    assert "> Seen from 10.0.0.1" in md.event_note(base)
    assert "purged" in md.event_note(replace(base, finding=None))
    review = replace(base, action="review_approve", data={"as": "legal"}, finding=None)
    assert "Approved as: Legal reviewer" in md.event_note(review)
    handover = replace(base, action="hand_over", data={"to": "USUP2"}, finding=None)
    assert "New owner: Slack user USUP2" in md.event_note(handover)


def test_the_gap_issue_holds_only_the_gap_as_written_and_an_opaque_marker():
    # Text carrying anything of the request is refused before it gets here (bot.cases.disclosure)
    text = "Gitlab::Audit::Events had no event at 02:14:00 for the API"
    issue = md.gap_body(text, "info-request-bot:gap-abc")
    shown = text.replace("[", "\\[").replace("]", "\\]")  # renders as [redacted]
    assert issue == f"> {shown}\n\n<!-- info-request-bot:gap-abc -->\n"


def test_typed_links_images_and_definitions_stay_text():
    assert md.inline("[a](https://x.example)") == "\\[a\\](https://x.example)"
    assert md.inline("![i](https://x.example/p.png)") == "!\\[i\\](https://x.example/p.png)"
    assert md.inline("\\[a](u)") == "\\\\\\[a\\](u)"  # a typed backslash cannot undo ours
    assert md.quote("[1]: https://x.example") == "> \\[1\\]: https://x.example"


def test_the_title_stays_within_gitlabs_limit_after_escaping():
    name = ("R&D <Ops> " * 20)[:200]
    title = md.issue_title(name, 12345)
    assert len(title) <= md.TITLE_MAX < len(f"Information request: {md.inline(name)} (case 12345)")
    assert title.startswith("Information request: R&amp;D &lt;Ops&gt; ")
    assert title.endswith("… (case 12345)") and "&am…" not in title


def test_people_are_named_as_slack_shows_them_and_never_mentioned():
    names = {"UREQ": "Ada @admin Lovelace", "URELAY": "Grace <b>Hopper</b> [x](http://e.vil)"}
    text = body(md.bundled_template())
    assert "- **Requested by:** Ada Lovelace (Slack user UREQ)" in text
    assert "- **Relay contact (talks to the customer):** Slack user URELAY" in text
    assert text.count("Ada Lovelace") == 1
    assert "Ada Lovelace" in body("No placeholders here.")
    people = md.people_section(md.People("UREQ", "URELAY", names))
    assert "**Requested by:** Ada @\u200dadmin Lovelace (Slack user UREQ)" in people
    assert "<b>" not in people and "[x](" not in people
    unnamed = md.people_section(md.People("UREQ", "UNEW", {}))
    assert "**Relay contact (talks to the customer):** Slack user UNEW" in unnamed


def test_notes_name_people_as_the_case_knows_them_when_written():
    base = md.NoteFacts(1, "hand_over", "USUP", factories.NOW, State.TRIAGE, State.INVESTIGATING)
    named = replace(base, data={"to": "USUP2"}, names={"USUP": "Sam Support", "USUP2": "Kim"})
    note = md.event_note(named)
    assert "By Sam Support (Slack user USUP) at" in note
    assert "New owner: Kim (Slack user USUP2)" in note
    relay = replace(named, action="relay_hand_over", data={"to": "UREQ2"}, names={"UREQ2": "Lu"})
    assert "New relay contact: Lu (Slack user UREQ2)" in md.event_note(relay)


def test_the_submission_note_says_the_handler_confirmed_redaction():
    base = md.NoteFacts(
        1, "submit_for_review", "USUP", factories.NOW, State.INVESTIGATING, State.IN_REVIEW
    )
    assert "Redaction" not in md.event_note(base)
    note = md.event_note(replace(base, data={"count": 2, "redacted": True}))
    assert "- **Redaction:** confirmed by the handler when submitting" in note


def test_the_card_link_note_links_slack_and_carries_its_marker():
    url = "https://inside.slack.com/archives/C0TRIAGE/p1700000000000100"
    note = md.card_link_note(3, url)
    assert f"its card in the triage channel: {url}" in note
    assert note.rstrip().endswith("<!-- info-request-bot:card-3 -->")
    assert "[x](y)" not in md.card_link_note(3, "javascript:[x](y)")
