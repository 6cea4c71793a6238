"""Who an entry is: its id, its link with the tracking removed, and its text.

A feed that re-publishes a story (a new date, `?utm_source=` added to its link, `http`
turned `https`) must not make it a new story; `link_key` is the link as compared and
`clean_link` the link as stored.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from retrieval.records import short_hash

TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref"}
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def clean_link(url: str) -> str:
    """The link without tracking parameters and fragment (scheme and path kept)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if not _is_tracking(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def link_key(url: str) -> str:
    """The link as compared: no scheme, no `www.`, no trailing slash, sorted parameters."""
    url = clean_link(url)
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or ""
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def text_key(title: str, text: str) -> str:
    """The entry's words (title and text, case and spacing ignored)."""
    return short_hash(" ".join(title.casefold().split()), " ".join(text.casefold().split()))


def parse_every(text: str) -> int:
    """Seconds in a duration such as `30s`, `15m`, `2h`, `1d` (a bare number is seconds)."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not a duration like 30s, 15m or 2h: {text!r}")
    return max(1, round(float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]))


def format_every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
