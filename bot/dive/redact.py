"""What a kept line may show: allow-listed fields only, people, addresses and other namespaces
as keyed pseudonyms, tokens, emails and secrets masked.

Pseudonyms are HMAC-SHA256 under the case's key: the same value reads the same throughout a
case's bag (a handler can follow one address) and differently in another case's.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from bot.dive.kinds import ALLOWED, Treat
from bot.dive.scope import Scope, customer_actor, under

FILTERED = "[FILTERED]"  # GitLab's own mask: kept as it is
MASKED_TOKEN = "[MASKED-TOKEN]"
MASKED_EMAIL = "[MASKED-EMAIL]"
MASKED = "[MASKED]"

# GitLab's token prefixes (personal, OAuth, deploy, runner, CI job, trigger, feed, incoming
# mail, agent, SCIM, feature-flag client, workspace), with or without an instance prefix, and
# the legacy runner registration token.
TOKEN = re.compile(
    r"(?:[A-Za-z0-9]{1,16}-)?gl(?:pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|wt|sst)-"
    r"[\w.\-]{8,}|GR1348941[\w\-]{8,}"
)
EMAIL = re.compile(r"[\w.+%-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
SECRET = re.compile(
    r"(?i)\b(password|passwd|secret|token|private_token|access_token|refresh_token|api_key|"
    r"apikey|client_secret|code|key|signature|sig)=(?!\[FILTERED\])([^&\s\"',;]+)"
)
BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{8,}")
IP = re.compile(
    r"(?<![\w./:])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)
SECRET_KEYS = re.compile(r"(?i)password|secret|token|key|credential|signature|otp")
# Top-level routes that are GitLab's own, not a namespace.
ROUTES = frozenset(
    (
        *("-", "admin", "api", "assets", "dashboard", "explore", "favicon.ico", "health_check"),
        *("help", "import", "jwt", "oauth", "profile", "projects", "robots.txt", "s", "search"),
        *("sitemap", "uploads", "users", "v2"),
    )
)
API_OWNERS = frozenset(("projects", "groups", "namespaces"))


@dataclass
class Tally:
    dropped: int = 0  # fields not on the kind's allow-list
    pseudonymised: int = 0
    masked: int = 0


class Redactor:
    """Projects and redacts lines of one case (one key, one namespace, one policy)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.key = bytes.fromhex(scope.key)
        self.users = {u.lower() for u in scope.users}
        self.tally = Tally()

    def line(self, kind: str, line: dict[str, Any]) -> dict[str, Any]:
        allowed = ALLOWED.get(kind, ALLOWED["other"])
        disclose = self.scope.disclose_customer and customer_actor(line, self.scope)
        out: dict[str, Any] = {}
        for name, treat in allowed.items():
            if name in line:
                out[name] = self._field(treat, line[name], line, disclose)
        self.tally.dropped += len(line) - len(out)
        return out

    def pseudonym(self, family: str, value: str) -> str:
        self.tally.pseudonymised += 1
        digest = hmac.new(self.key, f"{family}:{value.lower()}".encode(), hashlib.sha256)
        return f"{family}-{digest.hexdigest()[:12]}"

    def _field(self, treat: Treat, value: Any, line: dict[str, Any], disclose: bool) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value if treat is not Treat.PERSON_ID or disclose else self._id(value)
        if treat is Treat.PARAMS:
            return self._params(value)
        if not isinstance(value, str):
            return self.text(repr(value))
        if treat is Treat.PERSON:
            return value if disclose and value.lower() in self.users else self._person(value)
        if treat is Treat.PERSON_ID:
            return value if disclose else self._id(value)
        if treat is Treat.ADDRESS:
            return ", ".join(self._address(ip.strip(), disclose) for ip in value.split(","))
        if treat is Treat.PATH:
            return self._path(value)
        if treat is Treat.URL:
            return self._url(value)
        if treat is Treat.TARGET:
            kind = str(line.get("target_type", ""))
            if kind == "User":
                return self._field(Treat.PERSON, value, line, disclose)
            if kind in ("Project", "Group", "Namespace"):
                return self._path(value)
        return self.text(value)

    def text(self, value: str) -> str:
        """Free text: tokens, emails and secrets masked, any address pseudonymised (whose it
        is cannot be told from the text). Each pattern runs only where it could match."""
        if value == FILTERED or value.isalnum():
            return value
        masked = 0
        if "gl" in value or "GR1348941" in value:
            value, found = TOKEN.subn(MASKED_TOKEN, value)
            masked += found
        if "@" in value:
            value, found = EMAIL.subn(MASKED_EMAIL, value)
            masked += found
        if "=" in value:
            value, found = SECRET.subn(lambda m: f"{m[1]}={MASKED}", value)
            masked += found
        if " " in value or "\t" in value:
            value, found = BEARER.subn(lambda m: f"{m[1]} {MASKED}", value)
            masked += found
        self.tally.masked += masked
        if "." not in value and ":" not in value:
            return value
        return IP.sub(lambda m: self._address(m[0], disclose=False, strict=True), value)

    def _person(self, value: str) -> str:
        return value if value == FILTERED else self.pseudonym("user", value)

    def _id(self, value: Any) -> str:
        return self.pseudonym("uid", str(value))

    def _address(self, value: str, disclose: bool, *, strict: bool = False) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if strict:  # a look-alike in free text (a version number): not an address
                return value
        return value if disclose or not value else self.pseudonym("ip", value)

    def _path(self, value: str) -> str:
        return value if under(value, self.scope.namespace) else self.pseudonym("ns", value)

    def _url(self, value: str) -> str:
        path, mark, query = value.partition("?")
        parts = path.split("/")
        if len(parts) > 4 and parts[1] == "api" and parts[3] in API_OWNERS:
            owner = unquote(parts[4])  # /api/v4/projects/acme%2Fapp/...
            if not owner.isdigit() and not under(owner, self.scope.namespace):
                parts[4] = quote(self.pseudonym("ns", owner), safe="")
        elif len(parts) > 1 and parts[1] and parts[1] not in ROUTES:
            end = parts.index("-") if "-" in parts else len(parts)
            owner = "/".join(parts[1:end])
            if not under(owner, self.scope.namespace):
                parts[1:end] = [self.pseudonym("ns", owner)]
        return self.text("/".join(parts)) + mark + self.text(query)

    def _params(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._param(str(k), v) for k, v in value.items()}
        if not isinstance(value, list):
            return self.text(repr(value))
        out: list[Any] = []
        for item in value:
            if isinstance(item, dict) and "key" in item:
                key = str(item["key"])
                out.append({"key": key, "value": self._param(key, item.get("value"))})
            else:
                out.append(self.text(repr(item)))
        return out

    def _param(self, key: str, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float) or value == FILTERED:
            return value
        if SECRET_KEYS.search(key):
            self.tally.masked += 1
            return FILTERED
        text = value if isinstance(value, str) else repr(value)
        if "/" in text and " " not in text and not text.startswith(("/", "http")):
            return self._path(text)  # a group or project path
        return self.text(text)
