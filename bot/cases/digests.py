"""The review gate approves a bag's digest: what a handler submits must be one.

The digest is the SHA-256 of the bag's tag manifest, as `python -m bot dive` prints it: 64
hexadecimal characters (a `sha256:` prefix and upper case are accepted and normalised).
"""

from __future__ import annotations

import re

HEX = re.compile(r"[0-9a-f]{64}")
PROBLEM = (
    "Give the bag's digest: the 64 hexadecimal characters `python -m bot dive` printed (a SHA-256)."
)


def bag_digest(text: str) -> str | None:
    """The digest in its one written form, or None when `text` is not a SHA-256 digest."""
    value = text.strip().lower().removeprefix("sha256:").strip()
    return value if HEX.fullmatch(value) else None
