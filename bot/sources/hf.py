"""Hugging Face Daily Papers: `GET {HF_API_URL}/api/daily_papers?date=D&limit=&p=`, parsed into ListedPaper.

The response is a bare JSON array; optional fields are absent, never null, and the schema has grown over
the years (2024: `mediaUrl`, no AI fields; 2025: `ai_summary`; 2026: `organization`, `githubStars`).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from paperbot.bot.models import ListedPaper, Paper

logger = logging.getLogger(__name__)

PAGE_LIMIT = 100  # the API caps `limit` at 100
MAX_PAGES = 20
MAX_RETRY_AFTER = 120.0
_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


class SourceError(Exception):
    """A source could not be read; the message is one line for a user or a log."""


class BadResponse(SourceError):
    pass


class Unreachable(SourceError):
    """No connection at all (refused, DNS, timeout) even after retries: the next request will not fare
    better, so a run of many days stops at the first one."""


def strip_version(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id.strip())


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def parse_item(item: Any) -> Paper:
    """One daily_papers item -> Paper. Raises BadResponse when the item is not a paper."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise BadResponse("daily_papers item has no 'paper' object")
    raw = item["paper"]
    paper_id = raw.get("id")
    title = _text(raw.get("title")) or _text(item.get("title"))
    if not isinstance(paper_id, str) or not _ARXIV_ID.match(paper_id.strip()) or not title:
        raise BadResponse(f"daily_papers item without a valid arXiv id or title: {str(paper_id)[:40]!r}")
    authors = tuple(
        name
        for a in raw.get("authors") or []
        if isinstance(a, dict) and not a.get("hidden") and (name := _text(a.get("name")))
    )
    org = raw.get("organization") or item.get("organization")
    keywords = tuple(k for k in (raw.get("ai_keywords") or []) if isinstance(k, str) and k.strip())
    published = raw.get("publishedAt")
    return Paper(
        id=strip_version(paper_id),
        title=title,
        summary=(raw.get("summary") or item.get("summary") or "").strip(),
        authors=authors,
        published_at=published[:10] if isinstance(published, str) else None,
        upvotes=_int(raw.get("upvotes")) or 0,
        comments=_int(item.get("numComments")) or 0,
        stars=_int(raw.get("githubStars")),
        github_repo=_text(raw.get("githubRepo")),
        project_page=_text(raw.get("projectPage")),
        ai_summary=_text(raw.get("ai_summary")),
        ai_keywords=keywords,
        organization=_text(org.get("fullname") or org.get("name")) if isinstance(org, dict) else None,
        source="hf",
    )


def listed_day(item: dict[str, Any]) -> str | None:
    """The day an item was listed on Daily Papers (`paper.submittedOnDailyAt`), if the schema has it."""
    stamp = item.get("paper", {}).get("submittedOnDailyAt")
    if isinstance(stamp, str) and re.match(r"^\d{4}-\d{2}-\d{2}", stamp):
        return stamp[:10]
    return None


def parse_daily(items: Any, day: str | None = None) -> list[ListedPaper]:
    """A whole response. Items that are not papers are skipped with a warning, never fatal."""
    if not isinstance(items, list):
        raise BadResponse(f"expected a JSON array of papers, got {type(items).__name__}")
    out: list[ListedPaper] = []
    for item in items:
        try:
            paper = parse_item(item)
        except BadResponse as exc:
            logger.warning("skipping daily_papers item: %s", exc)
            continue
        item_day = day or listed_day(item)
        if item_day is None:
            raise BadResponse("cannot tell which day this list is for; pass a date")
        out.append(ListedPaper(paper=paper, day=item_day, rank=len(out) + 1))
    return out


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


class _RetryAfterOrBackoff:
    """Honour a 429's Retry-After (bounded); otherwise exponential backoff with jitter."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.backoff = wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code == 429:
            header = exc.response.headers.get("Retry-After", "")
            try:
                return min(max(float(header), 0.0), MAX_RETRY_AFTER)
            except ValueError:
                pass
        return float(self.backoff(state))


class HFClient:
    """Async client for the Daily Papers API with paging, timeouts and retries."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        attempts: int = 4,
        backoff: float = 1.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), headers={"User-Agent": "paperbot (+https://github.com/paperbot)"}
        )

    async def __aenter__(self) -> HFClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get_page(self, day: str, page: int) -> list[Any]:
        url = f"{self.base_url}/api/daily_papers"
        params: dict[str, str | int] = {"date": day, "limit": PAGE_LIMIT, "p": page}
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retryable),
            wait=_RetryAfterOrBackoff(self.backoff, 30.0),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._client.get(url, params=params)
                    response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            raise SourceError(
                f"Hugging Face answered HTTP {exc.response.status_code} for {day} (page {page})"
            ) from exc
        except httpx.TransportError as exc:
            raise Unreachable(
                f"Hugging Face is unreachable at {self.base_url}: {type(exc).__name__}"
            ) from exc
        try:
            data = response.json()
        except ValueError as exc:
            raise BadResponse(f"Hugging Face sent something that is not JSON for {day}") from exc
        if not isinstance(data, list):
            raise BadResponse(f"Hugging Face sent a {type(data).__name__}, not a list, for {day}")
        return data

    async def daily(self, day: date | str) -> list[ListedPaper]:
        """Every paper listed on `day`, in the API's order, across as many pages as it takes."""
        day_text = day.isoformat() if isinstance(day, date) else day
        date.fromisoformat(day_text)  # a bad date is a caller bug; fail before any request
        items: list[Any] = []
        seen: set[str] = set()
        for page in range(MAX_PAGES):
            batch = await self._get_page(day_text, page)
            fresh = [i for i in batch if isinstance(i, dict) and _key(i) not in seen]
            seen.update(_key(i) for i in fresh)
            items.extend(fresh)
            # A short page is the last one; a page that adds nothing new means the API ignores `p`.
            if len(batch) < PAGE_LIMIT or not fresh:
                break
        return parse_daily(items, day_text)


def _key(item: dict[str, Any]) -> str:
    paper = item.get("paper")
    return str(paper.get("id")) if isinstance(paper, dict) else repr(item)[:80]
