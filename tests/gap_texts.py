"""Hostile and harmless Audit Events gap texts, for a request whose every value is findable.

A hostile text is ordinary gap prose with something of the request (or an email, an address,
a link, a token) slipped in, in any case, with any punctuation around it. A harmless text is
the prose alone. The same request is filed through the served bot and handed to the core.
"""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from bot.cases.disclosure import Request

ORGANISATION = "Zyqorp Vantelli GmbH"
NAMESPACE = "zyq-vantelli"
PROJECT = "zyq-vantelli/quobble/intake-api"
GROUP = "zyq-vantelli/florpteam"
USERS = ("jane.dovetti", "mkrastov")
TICKET = "https://support.example.com/tickets/98431"
REQUEST = Request(
    organisation=ORGANISATION,
    namespace=NAMESPACE,
    ticket_url=TICKET,
    projects=(PROJECT,),
    groups=(GROUP,),
    users=USERS,
)
# Every piece of the request that must never reach the public issue, lower-cased.
SECRETS = ("zyqorp", "vantelli", "quobble", "florpteam", "dovetti", "mkrastov", "98431")

PROSE = (
    "No audit event records",
    "when a personal access token is used",
    "Gitlab::Audit::Events has nothing for",
    "sign-ins through the API",
    "the project export",
    "group membership changes made by",
    "at 02:14:00 UTC",
    "runner registration",
    "which left the customer guessing about",
    "SAML group links",
    "(and the IP of the client)",
    "over the last 30 days.",
)


def _cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from((text, text.upper(), text.lower(), text.title()))


def _ipv4() -> st.SearchStrategy[str]:
    return st.ip_addresses(v=4).map(str)


def _ipv6() -> st.SearchStrategy[str]:
    # `::` alone (the unspecified address) is no one's address, and no different from `::` prose
    return (
        st.ip_addresses(v=6)
        .filter(lambda a: int(a) != 0)
        .flatmap(lambda a: st.sampled_from((a.compressed, a.exploded, f"[{a.compressed}]")))
    )


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=10)
LEAKS = st.one_of(
    _cased("Zyqorp"),
    _cased("Vantelli"),
    _cased(ORGANISATION),
    _cased("ZyqorpVantelli"),
    _cased(NAMESPACE),
    _cased(PROJECT),
    _cased("quobble/intake-api"),
    _cased(GROUP),
    st.sampled_from(USERS).map(lambda u: "@" + u),
    _cased("jane.dovetti"),
    _cased("Jane Dovetti"),
    _cased("mkrastov"),
    st.builds(lambda a, b, c: f"{a}.{b}@{c}.example.com", _word, _word, _word),
    _ipv4(),
    _ipv6(),
    st.builds(lambda a, b: f"https://{a}.example.org/{b}", _word, _word),
    st.builds(lambda a: f"www.{a}.com", _word),
    st.just(TICKET),
    st.just("98431"),
    st.builds(lambda t: f"glpat-{t}", st.text(alphabet="ABCDEFabcdef0123456789_-", min_size=20)),
)
_AROUND = st.sampled_from(("", " ", "(", ")", ",", ".", "'s", '"', "\n", ": ", "`"))
_prose = st.lists(st.sampled_from(PROSE), min_size=1, max_size=4)


@st.composite
def hostile_texts(draw) -> str:
    """Gap prose with one or more leaks slipped in."""
    parts = draw(_prose)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        leak = draw(_AROUND) + draw(LEAKS) + draw(_AROUND)
        parts.insert(draw(st.integers(min_value=0, max_value=len(parts))), leak)
    return " ".join(parts)


harmless_texts = _prose.map(" ".join)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
