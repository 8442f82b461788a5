"""What of a request a text would disclose: the Audit Events gap issue is public.

`disclosures` finds, in a text meant for the public gap issue, anything of the request (the
organisation's name or any distinctive word of it, the namespace or a part of it, project and
group paths, user names or the parts of a name they contain, the ticket link or its number)
and anything that identifies someone whatever the request says (email addresses, IP
addresses, links, access tokens). The gap step refuses such a text, saying what to remove:
nothing is silently rewritten.

Text is compared after Unicode normalisation (NFKC), with invisible format characters
removed and without regard to case, so `Ａｃｍｅ` or `Ac\u200bme` is still Acme.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """The parts of a case's request that identify the customer."""

    organisation: str
    namespace: str
    ticket_url: str
    projects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    what: str  # the kind, as the person fixing the text reads it
    text: str  # as it appears in the text


# Words of an organisation or namespace that say nothing about who the customer is.
_GENERIC_WORDS = """
    a an and the of for de la le les der die das und et y
    inc incorporated ltd limited llc llp plc gmbh mbh ag kg se sa sas sarl srl spa bv nv oy ab
    as asa aps pty pte co corp corporation company companies group holding holdings
    international global worldwide
"""
GENERIC = frozenset(_GENERIC_WORDS.split())
MIN_WORD = 3  # shorter words of a name match too much ordinary text to be told apart
# Terms this long are found even inside other words (`sZyqorp`, `acmecorp`); shorter ones
# only standing alone, or `ion` would be found in every `version`.
ANYWHERE = 5

_NAME_WORD = re.compile(r"[^\W_]+")
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'`)\]]+", re.IGNORECASE)
# Four dotted numbers that are not part of a longer dotted number (a version, an OID).
_IPV4 = re.compile(r"(?<!\d)(?<!\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\d)(?!\.\d)")
# A run of hex digits and colons with at least two colons, not followed by a letter or digit:
# `Gitlab::Audit::Events` never qualifies, since other letters follow its colons.
_IPV6 = re.compile(r"(?<![0-9a-f:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:%\w+)?(?!\w)", re.I)
# Host names under common top-level domains (GitLab's own are no one's).
_DOMAIN = re.compile(
    r"(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|dev|app|ai|co|uk|de|fr|nl|eu|ch|se|es|it|"
    r"jp|cn|in|au|ca|us|info|biz|cloud|tech|online|site|xyz|me|ly|gl)(?![a-z0-9-])"
)
_OURS = re.compile(r"(?:^|\.)gitlab\.(?:com|io|net)$")
_TOKEN = re.compile(
    r"\b(?:gl(?:pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|wt|sapat)-|GR1348941)"
    r"[\w.-]{8,}"
    r"|(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{24,}(?![\w-])"
)
_INVISIBLE = {"Cf"}  # zero-width joiners, bidi marks and the like


def normalise(text: str) -> str:
    """NFKC, without invisible format characters, case-folded: what is compared."""
    kept = "".join(
        c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) not in _INVISIBLE
    )
    return kept.casefold()


def _words(name: str) -> list[str]:
    """The distinctive words of a name: `Acme Widgets GmbH` → acme, widgets."""
    words = _NAME_WORD.findall(normalise(name))
    return [w for w in words if len(w) >= MIN_WORD and w not in GENERIC]


def _pattern(term: str) -> re.Pattern[str]:
    """Where `term` counts as found: see ANYWHERE; a number is found between non-digits."""
    if term.isdigit():
        return re.compile(rf"(?<!\d){term}(?!\d)")
    if len(term) >= ANYWHERE:
        return re.compile(re.escape(term))
    return re.compile(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])")


def _terms(request: Request) -> list[tuple[str, str]]:
    """(what, term) for every piece of the request to look for, longest first."""
    terms: list[tuple[str, str]] = []
    organisation = normalise(request.organisation).strip()
    if organisation:
        terms.append(("the organisation name", organisation))
        joined = "".join(_words(request.organisation))
        if len(_words(request.organisation)) > 1:
            terms.append(("the organisation name", joined))
    terms += [("a word of the organisation name", w) for w in _words(request.organisation)]
    namespace = normalise(request.namespace).strip()
    if namespace:
        terms.append(("the namespace", namespace))
        terms += [("a part of the namespace", w) for w in _words(request.namespace)]
    for kind, paths in (("a project path", request.projects), ("a group path", request.groups)):
        for path in paths:
            segments = [s for s in normalise(path).strip("/").split("/") if s]
            # the path, and every tail of it with a slash (`backend/api`); single segments
            # other than the namespace are often ordinary words
            terms += [(kind, "/".join(segments[i:])) for i in range(len(segments) - 1)]
    for user in request.users:
        name = normalise(user).lstrip("@")
        if name:
            terms.append(("a user name", name))
            parts = _words(user)
            if len(parts) > 1:
                terms += [("a part of a user's name", p) for p in parts]
    terms += _ticket_terms(request.ticket_url)
    unique: dict[str, str] = {}
    for what, term in terms:  # a term named twice keeps its first, most telling, name
        if term:
            unique.setdefault(term, what)
    return sorted(((what, term) for term, what in unique.items()), key=lambda t: -len(t[1]))


def _ticket_terms(url: str) -> list[tuple[str, str]]:
    """The ticket link, and the ticket's number in it (`…/tickets/4242` → 4242)."""
    url = normalise(url).strip()
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return [("the ticket link", url)]
    numbers = re.findall(r"\d{3,}", f"{parts.path}?{parts.query}#{parts.fragment}")
    return [("the ticket link", url), *(("the ticket number", n) for n in numbers)]


def _valid_ip(candidate: str) -> bool:
    address = candidate.split("%")[0]
    # `…:ab59:` or `…8a00:::` may end a sentence with a colon
    for form in (address, address[:-1], address.rstrip(":")):
        try:
            ipaddress.ip_address(form)
        except ValueError:
            continue
        return True
    return False


def disclosures(text: str, request: Request) -> list[Found]:
    """Everything in `text` that must not reach a public issue, in the order found."""
    plain = normalise(text)
    found: list[tuple[int, Found]] = []
    for what, pattern in (
        ("an email address", _EMAIL),
        ("a link", _URL),
        ("an access token", _TOKEN),
    ):
        found += [(m.start(), Found(what, m.group())) for m in pattern.finditer(plain)]
    found += [
        (m.start(), Found("a link", m.group()))
        for m in _DOMAIN.finditer(plain)
        if not _OURS.search(m.group())
    ]
    for pattern in (_IPV4, _IPV6):
        found += [
            (m.start(), Found("an IP address", m.group()))
            for m in pattern.finditer(plain)
            if any(ch.isdigit() or ch in "abcdef" for ch in m.group()) and _valid_ip(m.group())
        ]
    for what, term in _terms(request):
        found += [(m.start(), Found(what, term)) for m in _pattern(term).finditer(plain)]
    unique: dict[Found, int] = {}
    for at, item in sorted(found, key=lambda pair: pair[0]):
        unique.setdefault(item, at)
    return list(unique)


def refusal(found: list[Found], *, limit: int = 6) -> str:
    """The field error: the issue is public, and what to remove from the text."""
    shown = ", ".join(f"{f.what} ({f.text[:60]})" for f in found[:limit])
    more = f", and {len(found) - limit} more" if len(found) > limit else ""
    return (
        "The gap issue is public: describe only what Audit Events lack. Remove "
        f"{shown}{more}. Leave out the organisation name or any word of it, the namespace, "
        "resources, user names, emails, IP addresses, links, ticket numbers and tokens."
    )
