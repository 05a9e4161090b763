"""Hugging Face Daily Papers: `GET {HF_API_URL}/api/daily_papers?date=D&limit=&p=`, parsed into ListedPaper.

The response is a bare JSON array; optional fields are absent, never null, and the schema has grown over
the years (2024: `mediaUrl`, no AI fields; 2025: `ai_summary`; 2026: `organization`, `githubStars`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
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
from paperbot.bot.sources import records
from paperbot.bot.sources.http import MAX_RESPONSE_BYTES, DeadlineExceeded, ResponseTooLarge, bounded_get
from paperbot.bot.sources.records import strip_version

__all__ = ["BadResponse", "HFClient", "SourceError", "parse_daily", "parse_item", "strip_version"]

logger = logging.getLogger(__name__)

PAGE_LIMIT = 100  # the API caps `limit` at 100
MAX_PAGES = 20
# Real days list 5-150 papers. A day claiming more is cut here, with a warning, so one odd answer cannot
# flood the index, a digest or the event loop.
MAX_PAPERS_PER_DAY = 1000
DEADLINE_PER_TIMEOUT = 3  # a request's total deadline, in multiples of the per-read timeout
MAX_RETRY_AFTER = 120.0


class SourceError(Exception):
    """A source could not be read; the message is one line for a user or a log."""


class BadResponse(SourceError):
    pass


class Unreachable(SourceError):
    """No connection at all (refused, DNS, timeout) even after retries: the next request will not fare
    better, so a run of many days stops at the first one."""


def parse_item(item: Any) -> Paper:
    """One daily_papers item -> Paper. Raises BadResponse (one line) when the item is not a usable paper."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise BadResponse("has no 'paper' object")
    raw = item["paper"]
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        title = item.get("title", title)
    summary = raw.get("summary")
    if summary is None:
        summary = item.get("summary")
    data = {
        "id": raw.get("id"),
        "title": title,
        "summary": summary,
        "authors": raw.get("authors"),
        "published_at": raw.get("publishedAt"),
        "upvotes": raw.get("upvotes"),
        "comments": item.get("numComments"),
        "stars": raw.get("githubStars"),
        "github_repo": raw.get("githubRepo"),
        "project_page": raw.get("projectPage"),
        "ai_summary": raw.get("ai_summary"),
        "ai_keywords": raw.get("ai_keywords"),
        "organization": raw.get("organization") or item.get("organization"),
        "source": "hf",
        # The social image sits beside `paper` in the item; older schemas put it inside.
        "thumbnail": item.get("thumbnail") or raw.get("thumbnail"),
    }
    try:
        paper = records.validate(records.ArxivRecord, data)
    except records.RecordError as exc:
        raise BadResponse(str(exc)) from None
    # Unknown counters are 0 on Hugging Face: the list itself says the paper is there.
    return replace(paper, upvotes=paper.upvotes or 0, comments=paper.comments or 0)


def listed_day(item: Any) -> str | None:
    """The day an item was listed on Daily Papers (`paper.submittedOnDailyAt`), if the schema has it."""
    paper = item.get("paper") if isinstance(item, dict) else None
    return records.day(paper.get("submittedOnDailyAt")) if isinstance(paper, dict) else None


@dataclass
class DayList:
    """One day's list as parsed: the papers in order, and one reason per record that was skipped."""

    listed: list[ListedPaper] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_day(items: Any, day: str | None = None, limit: int | None = None) -> DayList:
    """A whole response. A bad record is skipped with one warning naming it; never fatal for the day."""
    if not isinstance(items, list):
        raise BadResponse(f"expected a JSON array of papers, got {type(items).__name__}")
    out = DayList()
    for number, item in enumerate(items, 1):
        if limit is not None and len(out.listed) >= limit:
            logger.warning(
                "daily_papers %s: more than %d papers listed; keeping the first %d", day, limit, limit
            )
            break
        try:
            paper = parse_item(item)
            item_day = day or listed_day(item)
            if item_day is None:
                raise BadResponse("has no listing date (paper.submittedOnDailyAt); pass a date")
        except BadResponse as exc:
            reason = f"item {number} ({records.describe(item)}): {exc}"
            logger.warning("skipping daily_papers %s", reason)
            out.skipped.append(reason)
            continue
        out.listed.append(ListedPaper(paper=paper, day=item_day, rank=len(out.listed) + 1))
    return out


def parse_daily(items: Any, day: str | None = None) -> list[ListedPaper]:
    """The papers of a whole response, bad records skipped (see parse_day)."""
    return parse_day(items, day).listed


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
        deadline: float | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
        max_papers: int = MAX_PAPERS_PER_DAY,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self.backoff = backoff
        self.deadline = deadline or timeout * DEADLINE_PER_TIMEOUT
        self.max_bytes = max_bytes
        self.max_papers = max_papers
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
                    response = await bounded_get(
                        self._client, url, params, deadline=self.deadline, max_bytes=self.max_bytes
                    )
                    response.raise_for_status()
        except DeadlineExceeded as exc:
            # Not retried: a server that trickles will trickle again, and the caller has a schedule.
            raise SourceError(f"Hugging Face timed out for {day} (page {page}): {exc}") from None
        except ResponseTooLarge as exc:
            logger.warning("Hugging Face answer for %s page %d too large (%s); not read", day, page, exc)
            raise BadResponse(
                f"Hugging Face sent an answer over {self.max_bytes:,} bytes for {day} (page {page})"
            ) from None
        except httpx.HTTPStatusError as exc:
            raise SourceError(
                f"Hugging Face answered HTTP {exc.response.status_code} for {day} (page {page})"
            ) from exc
        except httpx.TransportError as exc:
            raise Unreachable(
                f"Hugging Face is unreachable at {self.base_url}: {type(exc).__name__}"
            ) from exc
        try:
            data = records.loads(response.content)
        except ValueError as exc:
            raise BadResponse(f"Hugging Face sent something that is not JSON for {day}") from exc
        if not isinstance(data, list):
            raise BadResponse(f"Hugging Face sent a {type(data).__name__}, not a list, for {day}")
        return data

    async def daily(self, day: date | str) -> list[ListedPaper]:
        """Every paper listed on `day`, in the API's order, across as many pages as it takes."""
        return (await self.day_list(day)).listed

    async def day_list(self, day: date | str) -> DayList:
        """`daily`, with the reasons for every record skipped (bad records never fail the day)."""
        day_text = day.isoformat() if isinstance(day, date) else day
        date.fromisoformat(day_text)  # a bad date is a caller bug; fail before any request
        items: list[Any] = []
        seen: set[str] = set()
        for page in range(MAX_PAGES):
            batch = await self._get_page(day_text, page)
            fresh = [i for i in batch if _key(i) not in seen]
            seen.update(_key(i) for i in fresh)
            items.extend(fresh)
            # A short page is the last one; a page that adds nothing new means the API ignores `p`.
            if len(batch) < PAGE_LIMIT or not fresh or len(items) > self.max_papers:
                break
        return parse_day(items, day_text, limit=self.max_papers)


def _key(item: Any) -> str:
    paper = item.get("paper") if isinstance(item, dict) else None
    return str(paper.get("id"))[:80] if isinstance(paper, dict) else repr(item)[:80]
