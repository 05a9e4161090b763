"""Links are data, not markup: the one check every URL passes before it can reach a message.

A paper's `githubRepo` or `projectPage` is whatever its authors typed. Slack reads `<!channel|code>` as a
ping and Discord reads `[label](url)` as a link, so a "URL" that is not plainly a web address is dropped,
never escaped into a half-working link.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

MAX_URL = 2000
# Characters that are markup on some platform (or whitespace): a URL carrying one is not shown as a link.
_MARKUP = re.compile(r"[\s<>|`\[\]()\\\"'{}^]")
_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def safe_url(value: object) -> str | None:
    """`value` when it is an http(s) URL with a plain host name and no markup characters, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL or _MARKUP.search(url) or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    host = (parts.hostname or "").lower()
    if not _HOST.match(host) or (port is not None and not 0 < port < 65536):
        return None
    return url


def image_url(value: object) -> str | None:
    """An image a platform will fetch and show: a safe URL, and https only (a plain-http image is mixed
    content for Slack's and Discord's clients and leaks the reader's address in clear)."""
    url = safe_url(value)
    return url if url is not None and urlsplit(url).scheme.lower() == "https" else None


def paper_path(paper_id: str) -> str:
    """A paper id as a URL path segment: ids come from files too, so quote whatever is not plain."""
    return quote(paper_id, safe="./-_")
