"""Parse at the border: every record a source hands over is validated into a Paper here, field by field.

The rule, for Hugging Face, arXiv and import files alike:
- identity and text (id, title, summary) must be there and be text, or the record is rejected;
- everything else is coerced or dropped on its own: a count that is not a whole number is unknown, one past
  2^63 is clamped, a date that is not a real calendar day is unknown, a link that is not a plain web address
  is dropped (bot.links), authors given as one string are split on commas;
- every string is capped, so one record cannot carry megabytes into the index or a message.
A rejected record raises RecordError with a one-line reason; callers skip it, count it and go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from paperbot.bot.links import image_url, safe_url
from paperbot.bot.models import Paper

INT_MAX = 2**63 - 1  # SQLite's INTEGER
TITLE_MAX = 1_000
SUMMARY_MAX = 20_000
NAME_MAX = 200
AUTHORS_MAX = 200
KEYWORD_MAX = 100
KEYWORDS_MAX = 50
ID_MAX = 64
# Dates outside this range are typos or placeholders, not publication days.
FIRST_YEAR, LAST_YEAR = 1900, 2200

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
FILE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")


class RecordError(ValueError):
    """A record that cannot become a Paper; the message is one line naming the field."""


def strip_version(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id.strip())


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# C0 and C1 control characters (but tab and newline) and DEL: an escape sequence in a title must not
# reach a terminal (`\x1b[2J` clears the operator's screen) or a chat message.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    return CONTROL.sub("", value)


def one_line(value: str) -> str:
    return " ".join(printable(value).split())


def _clamped_int(text: str) -> int:
    # Python refuses to convert integers of over 4,300 digits; no count needs more than SQLite's range.
    if len(text.lstrip("-")) > 19:
        return -INT_MAX if text.startswith("-") else INT_MAX
    return int(text)


def loads(text: str | bytes) -> Any:
    """JSON from a source: huge integers clamped, absurd nesting a ValueError like any other bad JSON."""
    try:
        return json.loads(text, parse_int=_clamped_int)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _required(limit: int, *, collapse: bool) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {_kind(value)}")
        text = one_line(value) if collapse else printable(value).strip()
        if not text:
            raise ValueError("is empty")
        return _cap(text, limit)

    return check


def _summary(value: Any) -> str:
    # Hugging Face omits an unknown abstract (and a broken record may say null): that is an empty one.
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {_kind(value)}")
    return _cap(printable(value).strip(), SUMMARY_MAX)


def _optional(limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return _cap(one_line(value), limit) if isinstance(value, str) and value.strip() else None

    return check


def count(value: Any) -> int | None:
    """A counter: a whole number, clamped into SQLite's range; anything else is unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isdecimal():
        value = _clamped_int(value.strip())
    if not isinstance(value, int) or value < 0:
        return None
    return min(value, INT_MAX)


def day(value: Any) -> str | None:
    """YYYY-MM-DD when `value` starts with a real calendar day in a plausible year, else None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return parsed.isoformat() if FIRST_YEAR <= parsed.year <= LAST_YEAR else None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        if value.get("hidden") is True:
            return None
        value = value.get("name")
    return _cap(one_line(value), NAME_MAX) if isinstance(value, str) and value.strip() else None


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return ()
    names = (_name(v) for v in value[: AUTHORS_MAX * 2])
    return tuple(n for n in names if n)[:AUTHORS_MAX]


def _keywords(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    words = (_cap(one_line(k), KEYWORD_MAX) for k in value[: KEYWORDS_MAX * 2] if isinstance(k, str))
    return tuple(w for w in words if w)[:KEYWORDS_MAX]


def _organization(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("fullname") or value.get("name")
    return _optional(NAME_MAX)(value)


def _id(pattern: re.Pattern[str], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"is missing (got {_kind(value)})")
        text = value.strip()
        if len(text) > ID_MAX or not pattern.match(text):
            raise ValueError(f"{text[:40]!r} is not {what}")
        return strip_version(text)

    return check


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


Text = Annotated[str, BeforeValidator(_required(TITLE_MAX, collapse=True))]
Summary = Annotated[str, BeforeValidator(_summary)]
Count = Annotated[int | None, BeforeValidator(count)]
Link = Annotated[str | None, BeforeValidator(safe_url)]
Image = Annotated[str | None, BeforeValidator(image_url)]
Day = Annotated[str | None, BeforeValidator(day)]


class PaperRecord(BaseModel):
    """A paper from an import file: any plain id (letters, digits, `._/:-`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Annotated[str, BeforeValidator(_id(FILE_ID, "a plain paper id"))]
    title: Text
    summary: Summary
    authors: Annotated[tuple[str, ...], BeforeValidator(_names)] = ()
    published_at: Day = None
    upvotes: Count = None
    comments: Count = None
    stars: Count = None
    github_repo: Link = None
    project_page: Link = None
    ai_summary: Annotated[str | None, BeforeValidator(_optional(SUMMARY_MAX))] = None
    ai_keywords: Annotated[tuple[str, ...], BeforeValidator(_keywords)] = ()
    organization: Annotated[str | None, BeforeValidator(_organization)] = None
    source: str = "file"
    thumbnail: Image = None

    def paper(self) -> Paper:
        return Paper(**self.model_dump())


class ArxivRecord(PaperRecord):
    """A paper from Hugging Face or arXiv: keyed by its arXiv id, without version."""

    id: Annotated[str, BeforeValidator(_id(ARXIV_ID, "an arXiv id"))]


def validate(model: type[PaperRecord], data: dict[str, Any]) -> Paper:
    """`data` (already in Paper's field names) as a Paper, or RecordError with the first reason."""
    try:
        return model.model_validate(data).paper()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "record"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise RecordError(f"{field} {message}") from None


def describe(record: Any) -> str:
    """A short name for a record in a warning: its id when it has a readable one."""
    candidate = record.get("id") if isinstance(record, dict) else None
    if isinstance(record, dict) and isinstance(record.get("paper"), dict):
        candidate = record["paper"].get("id")
    if isinstance(candidate, str) and candidate.strip():
        return repr(one_line(candidate)[:40])
    return "without an id"
