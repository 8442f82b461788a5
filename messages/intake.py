"""The intake modal (`/info-request`) and the confirmation it turns into once a case exists."""

from __future__ import annotations

from typing import Any

from bot.cases.model import PLAN_LABELS, CaseSnapshot, Deployment, Intake, Limits
from bot.cases.rules import Field
from messages.blocks import context, option, plain, section
from messages.catalogue import OTHER, EventType  # type: ignore[attr-defined]
from messages.ids import INPUT, Callback
from messages.text import access_logs_left_out, exception_not_needed, next_steps, window_notice

YES_NO = (option("Yes", "yes"), option("No", "no"))
DEPLOYMENTS = (
    option("GitLab.com (SaaS)", Deployment.SAAS.value),
    option("Self-managed", Deployment.SELF_MANAGED.value),
)


def _input(
    field: Field,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    optional: bool = False,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.value,
        "label": plain(label),
        "element": {**element, "action_id": INPUT},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _text(
    initial: str = "", *, max_length: int, multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _choice(kind: str, options: tuple[dict[str, Any], ...], selected: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "options": list(options)}
    chosen = [o for o in options if o["value"] == selected]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _datetime(initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datetimepicker"}
    if initial is not None:
        element["initial_date_time"] = int(initial.timestamp())
    return element


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def build_intake_modal(
    catalogue: tuple[EventType, ...],
    *,
    metadata: str,
    limits: Limits,
    initial: Intake | None = None,
    title: str = "Request log search",
) -> dict[str, Any]:
    """The questions of the process, in the order a CSM has the answers to hand."""
    i = initial
    plans = tuple(option(label, plan.value) for plan, label in PLAN_LABELS.items())
    events = (*(option(e.label, e.id) for e in catalogue), option("Other (describe below)", OTHER))
    ownership = option("I have verified that the customer owns this namespace", "owns")
    event_element: dict[str, Any] = {"type": "multi_static_select", "options": list(events)}
    if i and i.event_types:
        event_element["initial_options"] = [o for o in events if o["value"] in i.event_types]
    ownership_element: dict[str, Any] = {"type": "checkboxes", "options": [ownership]}
    if i and i.owns_namespace:
        ownership_element["initial_options"] = [ownership]
    belong = option("I have verified that these users belong to the customer's namespace", "belong")
    belong_element: dict[str, Any] = {"type": "checkboxes", "options": [belong]}
    if i and i.users_in_namespace:
        belong_element["initial_options"] = [belong]
    blocks = [
        section(
            "GitLab searches its own logs for a paying GitLab.com customer when Audit Events "
            "don't show enough. The customer never sees this form or the case; you relay updates."
        ),
        _input(
            Field.ORGANISATION,
            "Customer organisation",
            _text(i.organisation if i else "", max_length=200, placeholder="Acme Corp"),
        ),
        _input(
            Field.TICKET_URL,
            "Support ticket or CRM link",
            {"type": "url_text_input", **({"initial_value": i.ticket_url} if i else {})},
        ),
        _input(
            Field.PLAN,
            "Customer's plan",
            _choice("static_select", plans, i.plan.value if i and i.plan else None),
            hint="Only Premium and Ultimate customers qualify without an exception.",
        ),
        _input(
            Field.DEPLOYMENT,
            "Where does the customer run GitLab?",
            _choice(
                "radio_buttons", DEPLOYMENTS, i.deployment.value if i and i.deployment else None
            ),
        ),
        _input(
            Field.OWN_USE,
            "Does the incident result from the customer's own use of GitLab?",
            _choice("radio_buttons", YES_NO, _yes_no(i.own_use) if i else None),
            hint="This process is for incidents in the customer's own implementation or use "
            "of GitLab.com.",
        ),
        _input(
            Field.NAMESPACE,
            "Top-level group the customer owns",
            _text(i.namespace if i else "", max_length=255, placeholder="acme-corp"),
            hint="The group path as in gitlab.com/<path>.",
        ),
        _input(
            Field.OWNERSHIP,
            "Ownership",
            ownership_element,
            optional=True,
            hint="Requests only cover accounts the customer owns; other accounts need a "
            "legal subpoena.",
        ),
        _input(
            Field.WINDOW_START,
            "Window start",
            _datetime(i.window_start if i else None),
            hint="In your time zone. At most one calendar month back; more than 7 days back "
            "takes longer to search.",
        ),
        _input(Field.WINDOW_END, "Window end", _datetime(i.window_end if i else None)),
        _input(
            Field.PROJECTS,
            "Projects of interest",
            _text(
                "\n".join(i.projects) if i else "",
                max_length=3000,
                multiline=True,
                placeholder="acme-corp/backend/api",
            ),
            optional=True,
            hint="One project path per line.",
        ),
        _input(
            Field.GROUPS,
            "Groups of interest",
            _text(
                "\n".join(i.groups) if i else "",
                max_length=3000,
                multiline=True,
                placeholder="acme-corp/platform",
            ),
            optional=True,
            hint="One group path per line.",
        ),
        _input(
            Field.USERS,
            "Users of interest",
            _text(
                "\n".join(i.users) if i else "", max_length=3000, multiline=True, placeholder="jdoe"
            ),
            optional=True,
            hint=f"One GitLab username per line. Name at least one project, group or user; "
            f"at most {limits.max_resources} in total.",
        ),
        _input(
            Field.USERS_IN_NAMESPACE,
            "Users belong to the customer",
            belong_element,
            optional=True,
            hint="Needed when users are named: requests only cover the customer's own account.",
        ),
        _input(
            Field.EVENT_TYPES,
            "Events of interest",
            event_element,
            optional=True,
            hint=f"At most {limits.max_event_types}. Pick 'Other' and describe it below if "
            "it isn't listed.",
        ),
        _input(
            Field.EVENT_OTHER,
            "Other events",
            _text(i.event_other if i else "", max_length=300),
            optional=True,
        ),
        _input(
            Field.PERSONAL_DATA,
            "Must user names or IP addresses be disclosed?",
            _choice("radio_buttons", YES_NO, _yes_no(i.personal_data) if i else None),
            hint="Disclosing personal data sends the case to SIRT.",
        ),
        _input(
            Field.ACCESS_LOGS,
            "Is the customer asking for access logs (HTTP requests)?",
            _choice("radio_buttons", YES_NO, _yes_no(i.access_logs) if i else None),
            hint="GitLab can't search access logs: if they are asked for, the request goes on "
            "and only application logs are searched.",
        ),
        _input(
            Field.SUMMARY,
            "Incident summary",
            _text(i.summary if i else "", max_length=limits.summary_max_chars, multiline=True),
            hint="What happened, when it was noticed, what the customer needs to know.",
        ),
        _input(
            Field.AUDIT_EVENTS,
            "What did the customer see in Audit Events?",
            _text(i.audit_events if i else "", max_length=3000, multiline=True),
            hint="What Audit Events showed and why it is not enough. It also starts the "
            "Audit Events gap note at the end of the case.",
        ),
        _input(
            Field.EXCEPTION,
            "Exception request",
            _text(i.exception_justification if i else "", max_length=3000, multiline=True),
            optional=True,
            hint="Only when the customer's plan is not Premium or Ultimate: say why. Legal "
            "must approve it before work starts.",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": Callback.INTAKE.value,
        "title": plain(title, 24),
        "submit": plain("Submit", 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": blocks,
    }


FILING_TITLE = "Filing request"


def build_filing_view() -> dict[str, Any]:
    """What the modal shows between the ack and the case number (a moment, as a rule)."""
    return _filing_modal(
        section(":hourglass_flowing_sand: Your request meets the conditions: filing it now."),
        context(
            "The case number shows here in a moment. You may close this: a receipt with "
            "the details comes to your DMs from the bot either way."
        ),
    )


def build_filing_delayed_view(error_id: str) -> dict[str, Any]:
    """What the modal shows when filing failed after the ack: the request is kept and filed
    again without anyone resubmitting it."""
    return _filing_modal(
        section(
            f":warning: Something went wrong on our side while filing (error id "
            f"`{error_id}`). Your request is kept: the bot files it again by itself within "
            "a few minutes, so please don't submit it again."
        ),
        context(
            "A receipt with the case number comes to your DMs once it is filed. If none "
            "comes within the hour, give the error id to the bot's operators."
        ),
    )


def _filing_modal(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": Callback.INTAKE.value,
        "title": plain(FILING_TITLE, 24),
        "close": plain("Close", 24),
        "blocks": list(blocks),
    }


def build_confirmation_view(case: CaseSnapshot) -> dict[str, Any]:
    """What the modal shows once the case is filed: only the requester sees it."""
    blocks = [
        section(f":white_check_mark: Filed as *case {case.number}* ({case.route.label})."),
        section(next_steps(case)),
    ]
    if case.long_window:
        blocks.append(context(window_notice()))
    if case.exception_unneeded:
        blocks.append(context(exception_not_needed()))
    if case.access_logs:
        blocks.append(context(access_logs_left_out()))
    blocks.append(context("A receipt with these details is in your DMs from the bot."))
    return {
        "type": "modal",
        "callback_id": Callback.INTAKE.value,
        "title": plain("Request filed", 24),
        "close": plain("Done", 24),
        "blocks": blocks,
    }
