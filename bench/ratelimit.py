"""Cards into one channel under Slack's rate limit: `python -m bench.ratelimit [--db ...]`.

`python -m bot serve` runs as a subprocess against the fake Slack (in this process), which
enforces Slack's limits: one post a second per channel after a burst of five, the tiers for
the other methods. Ten clients submit 100 intake views as fast as they are acknowledged;
the fake stamps each card it accepts in the triage channel. The figure is the rate from the
first card to the hundredth against the limit itself (the best any bot could do: five at
once, then one a second, 95 s in all), and the 429s the bot was answered on the way.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.databases import Target, available
from bench.latency import Timings, _open_intake, _submission
from bench.report import Figure, not_measured, render
from bench.served import bot_env, free_port, start
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, TRIAGE, populate

CARDS = 100
CLIENTS = 10
POSTS_PER_SECOND, BURST = 1.0, 5
IDEAL = (CARDS - BURST) / POSTS_PER_SECOND  # seconds from the first card to the last, at best


@dataclass
class Burst:
    cards: int  # distinct cards that reached the channel
    duplicates: int  # cards posted more than once
    seconds: float  # from the first card to the last
    refused: int  # 429s the fake answered, every method
    refused_posts: int  # of which chat.postMessage into the triage channel
    too_soon: int  # calls for a key made before its Retry-After had passed
    homes_before_last_card: int  # Home tabs published while cards were still to come
    submitted: int


def measure(database_url: str, timeout: float = 300.0, *, paced: bool = True) -> Burst:
    """Serves the bot, files CARDS cases at once, waits for their cards; what came of it.

    `paced=False` serves it with SLACK_PACED=false, for comparison: only the 429s pace it.
    """
    slack = FakeSlack().start()
    populate(slack)
    limits = slack.enforce_rate_limits(posts_per_second=POSTS_PER_SECOND, post_burst=BURST)
    env = bot_env(slack, database_url, free_port())  # told to pace itself, as against Slack
    env["SLACK_PACED"] = "true" if paced else "false"
    bot = start(["bot", "serve"], env)
    try:
        view = _open_intake(bot, slack)
        timings = Timings()

        def client(index: int) -> None:
            with SlackSender(bot.url, SECRET) as sender:
                for n in range(index, CARDS, CLIENTS):
                    _submission(view, timings, "RL")(sender, n)

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        deadline = time.monotonic() + timeout
        while len(_cards(slack)) < len(timings.sent_at) and time.monotonic() < deadline:
            time.sleep(0.5)
        cards = _cards(slack)
    finally:
        bot.stop()
        slack.stop()
    stamps = sorted(cards.values())
    last = stamps[-1] if stamps else 0.0
    homes = [c for c in slack.calls("views.publish") if c.status == 200 and c.time < last]
    posts = [c for c in slack.calls("chat.postMessage") if c.args.get("channel") == TRIAGE]
    return Burst(
        cards=len(cards),
        duplicates=sum(1 for c in posts if c.status == 200) - len(cards),
        seconds=last - stamps[0] if stamps else 0.0,
        refused=limits.refused_total(),
        refused_posts=limits.refused[("chat.postMessage", TRIAGE)],
        too_soon=len(limits.violations),
        homes_before_last_card=len(homes),
        submitted=len(timings.sent_at),
    )


def _cards(slack: FakeSlack) -> dict[str, float]:
    """Each case's card (by its number) and when the fake accepted it."""
    arrived: dict[str, float] = {}
    for call in slack.calls("chat.postMessage"):
        text = str(call.args.get("text", ""))
        if call.status == 200 and call.args.get("channel") == TRIAGE and text.startswith("Case "):
            arrived.setdefault(text[5 : text.index(":")], call.time)
    return arrived


def figures(db: str, burst: Burst) -> list[Figure]:
    """The rows of the main table: the cards' rate against the limit, and the 429s."""
    name = f"cards/s into one channel, {CARDS}-case burst, Slack at 1/s after 5"
    if burst.cards < CARDS or burst.seconds <= 0:
        why = f"{burst.cards} of {burst.submitted} cards arrived"
        return [not_measured(db, name, "≥ 0.9x", why)]
    rate, ideal = CARDS / burst.seconds, CARDS / IDEAL
    notes = [f"{burst.seconds:.1f} s for {CARDS} cards"]
    if burst.duplicates:
        notes.append(f"{burst.duplicates} cards posted twice")
    if burst.homes_before_last_card:
        notes.append(f"{burst.homes_before_last_card} Home tabs before the last card")
    rate_ok = rate / ideal >= 0.9 and not burst.duplicates
    refused_ok = burst.refused * 10 <= CARDS and not burst.too_soon
    extra = f"{burst.refused_posts} on cards" + (
        f"; {burst.too_soon} calls before their Retry-After" if burst.too_soon else ""
    )
    return [
        Figure(db, name, f"{rate:.2f} /s", f"{ideal:.2f} /s", rate / ideal, "≥ 0.9x", rate_ok,
               note="; ".join(notes)),
        Figure(db, f"429s received in the {CARDS}-case burst", str(burst.refused),
               f"{CARDS // 10}", None, "≤ 1 per 10 cards", refused_ok, note=extra),
    ]  # fmt: skip


def run_db(kind: str, *, paced: bool = True) -> list[Figure]:
    """The figures on a fresh database of `kind`; what the main bench calls."""
    reason = available(kind)
    if reason:
        return [not_measured(kind, "cards/s into one channel", "≥ 0.9x", reason)]
    target = Target(kind)
    try:
        label = kind if paced else f"{kind}, unpaced"
        return figures(label, measure(target.fresh("ratelimit"), paced=paced))
    finally:
        shutil.rmtree(target.workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--unpaced", action="store_true", help="serve with SLACK_PACED=false, for comparison"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    rows: list[Figure] = []
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        rows += run_db(kind, paced=not args.unpaced)
    print(render(rows))
    return 1 if any(f.ok is False for f in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
