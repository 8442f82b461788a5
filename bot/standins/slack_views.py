"""The views.* methods of the fake Slack: modals opened, pushed and updated, and Home tabs.

Views are checked as Slack checks them (Block Kit, a trigger_id used once and in time,
external ids unique) before the world stores them.
"""

from __future__ import annotations

from typing import Any

from bot.standins.slack_methods import SlackError, method
from bot.standins.slack_objects import real_monotonic
from bot.standins.slack_validation import validate_view
from bot.standins.slack_world import SlackWorld


@method("views.open")
def views_open(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(world, "views.open", args)
    owner = _exchange_trigger(world, args)
    _reject_duplicate_external_id(world, view)
    return {"view": world.store_view(view, owner=owner)}


@method("views.push")
def views_push(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(world, "views.push", args)
    owner = _exchange_trigger(world, args)
    _reject_duplicate_external_id(world, view)
    # Push onto the user's most recent modal stack, as Slack does for the trigger's modal.
    previous = next(
        (
            v
            for v_id, v in reversed(world.views.items())
            if world.view_owners.get(v_id) == owner and v.get("type") == "modal"
        ),
        None,
    )
    return {
        "view": world.store_view(
            view,
            owner=owner,
            root_view_id=previous["root_view_id"] if previous else None,
            previous_view_id=previous["id"] if previous else None,
        )
    }


@method("views.update")
def views_update(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(world, "views.update", args)
    if not args.get("view_id") and not args.get("external_id"):
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing view_id"]})
    view_id = args.get("view_id") or world.external_ids.get(str(args["external_id"]))
    current = world.views.get(str(view_id or ""))
    if current is None:
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    return {
        "view": world.store_view(
            view,
            owner=world.view_owners.get(current["id"]),
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
    }


@method("views.publish")
def views_publish(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(world, "views.publish", args)
    user_id = args.get("user_id")
    if not user_id:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing user_id"]})
    if view.get("type") != "home":
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["view type must be home"]}
        )
    current_id = world.home_views.get(user_id)
    if current_id and args.get("hash") and args["hash"] != world.views[current_id]["hash"]:
        raise SlackError("hash_conflict")
    stored = world.store_view(view, owner=user_id, view_id=current_id)
    world.home_views[user_id] = stored["id"]
    return {"view": stored}


def _checked_view(world: SlackWorld, method_name: str, args: dict[str, Any]) -> dict[str, Any]:
    view = args.get("view")
    if view is None:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing view"]})
    errors = validate_view(view)
    if errors:
        messages = [f"[ERROR] {e}" for e in errors]
        world.validation_errors.extend(f"{method_name}: {e}" for e in errors)
        raise SlackError("invalid_arguments", response_metadata={"messages": messages})
    return view


def _exchange_trigger(world: SlackWorld, args: dict[str, Any]) -> str:
    """Consume a trigger_id; Slack allows one use within a few seconds of the interaction."""
    trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
    if not trigger_id:
        raise SlackError(
            "invalid_arguments", response_metadata={"messages": ["missing trigger_id"]}
        )
    trigger = world.triggers.get(trigger_id)
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if real_monotonic() > trigger.expires_at:
        raise SlackError("expired_trigger_id")
    trigger.used = True
    return trigger.user_id


def _reject_duplicate_external_id(world: SlackWorld, view: dict[str, Any]) -> None:
    if view.get("external_id") and view["external_id"] in world.external_ids:
        raise SlackError("duplicate_external_id")
