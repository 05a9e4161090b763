"""arXiv API (Atom): look-up by id and newest papers of a category, at most one request every 3 s.

Both layouts seen in the wild parse: the older one declares `arxiv:`/`opensearch:` namespaces on each
element and uses http:// ids; the newer one declares them on <feed> and uses https://. Elements are
matched by local name, so neither the prefix nor where it is declared matters.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from paperbot.bot.models import Paper
from paperbot.bot.sources import records
from paperbot.bot.sources.hf import DEADLINE_PER_TIMEOUT, BadResponse, SourceError, _retryable, strip_version
from paperbot.bot.sources.http import DeadlineExceeded, ResponseTooLarge, bounded_get

logger = logging.getLogger(__name__)

MIN_INTERVAL = 3.0  # arXiv API terms: one request every three seconds, one connection
_ABS_ID = re.compile(r"arxiv\.org/abs/(.+)$")
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in node if _local(c.tag) == name), None)


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if _local(c.tag) == name]


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def parse_feed(xml: str | bytes) -> list[Paper]:
    """Entries of an arXiv API Atom feed. An empty result is an empty list; a broken feed raises."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise BadResponse(f"arXiv sent malformed XML ({exc})") from None
    if _local(root.tag) != "feed":
        raise BadResponse(f"arXiv sent <{_local(root.tag)}>, not an Atom <feed>")
    papers = []
    for number, entry in enumerate(_children(root, "entry"), 1):
        id_text = _clean(getattr(_child(entry, "id"), "text", ""))
        match = _ABS_ID.search(id_text)
        title = _clean(getattr(_child(entry, "title"), "text", ""))
        if title == "Error":
            continue  # the API reports bad queries as an entry titled "Error"
        data = {
            "id": match.group(1) if match else None,
            "title": title,
            "summary": _clean(getattr(_child(entry, "summary"), "text", "")),
            "authors": [_clean(getattr(_child(a, "name"), "text", "")) for a in _children(entry, "author")],
            "published_at": _clean(getattr(_child(entry, "published"), "text", "")),
            "source": "arxiv",
        }
        try:
            papers.append(records.validate(records.ArxivRecord, data))
        except records.RecordError as exc:
            logger.warning("skipping arXiv entry %d (%s): %s", number, id_text[:60] or "without an id", exc)
    return papers


class ArxivClient:
    def __init__(
        self,
        base_url: str = "https://export.arxiv.org/api/query",
        *,
        timeout: float = 20.0,
        min_interval: float = MIN_INTERVAL,
        client: httpx.AsyncClient | None = None,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url
        self.deadline = deadline or timeout * DEADLINE_PER_TIMEOUT
        self.min_interval = min_interval
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_connections=1)
        )
        self._lock = asyncio.Lock()
        self._last = 0.0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _query(self, params: dict[str, str | int]) -> list[Paper]:
        async with self._lock:  # one request at a time, spaced by min_interval
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(_retryable),
                wait=wait_exponential(multiplier=self.min_interval, max=30.0),
                stop=stop_after_attempt(3),
                reraise=True,
            ):
                with attempt:
                    delay = self._last + self.min_interval - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    try:
                        response = await bounded_get(
                            self._client, self.base_url, params, deadline=self.deadline
                        )
                    finally:
                        self._last = time.monotonic()
                    response.raise_for_status()
        return parse_feed(response.content)

    async def _guarded(self, params: dict[str, str | int], what: str) -> list[Paper]:
        try:
            return await self._query(params)
        except httpx.HTTPError as exc:
            raise SourceError(f"{what} failed: {type(exc).__name__}") from exc
        except DeadlineExceeded as exc:
            raise SourceError(f"{what} timed out: {exc}") from None
        except ResponseTooLarge as exc:
            logger.warning("arXiv answer too large (%s); not read", exc)
            raise BadResponse(f"{what}: arXiv sent an answer over the size cap ({exc})") from None

    async def by_ids(self, ids: Sequence[str]) -> list[Paper]:
        clean = [strip_version(i) for i in ids if i.strip()]
        if not clean:
            return []
        return await self._guarded({"id_list": ",".join(clean), "max_results": len(clean)}, "arXiv look-up")

    async def newest(self, category: str, limit: int = 50) -> list[Paper]:
        if not _CATEGORY.match(category):
            raise ValueError(f"{category[:30]!r} is not an arXiv category like cs.LG")
        params: dict[str, str | int] = {
            "search_query": f"cat:{category}",
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "max_results": max(1, min(limit, 200)),
        }
        return await self._guarded(params, f"arXiv listing of {category}")
