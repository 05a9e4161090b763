"""Who a channel follows: parsing `author:"Tri Dao"` / `org:"Kwai Keye"`, and matching papers to follows.

Pure functions. Names compare folded (NFKD, accents dropped, case-folded, punctuation and runs of space
made one space), so "Tri Dao", "tri  dao" and "Trí Dào" are one author. An author is followed by full
name only: "Li" alone would match every Li, so a single word is refused. Organisations also compare with
spaces removed, so Hugging Face's name ("KwaiKeye") and display name ("Kwai Keye") are one follow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from paperbot.bot.models import Paper

MAX_NAME_CHARS = 100
MAX_FOLLOWS = 50
_NOT_WORD = re.compile(r"[^\w]+")
_SYNTAX = re.compile(r"^(author|org)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
USAGE = '/papers follow author:"Tri Dao" or /papers follow org:"Kwai Keye"'


class Kind(StrEnum):
    AUTHOR = "author"
    ORG = "org"


@dataclass(frozen=True)
class Follow:
    kind: Kind
    key: str  # the folded name it matches on
    name: str  # as the user wrote it, tidied, for display
    since: str = ""  # when the channel started following (stored papers added before it never alert)

    @property
    def label(self) -> str:
        return f'{self.kind}:"{self.name}"'


def fold(name: str) -> str:
    """Accent-, case- and punctuation-insensitive form of a name: "Trí  DAO" -> "tri dao"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())


def _key(kind: Kind, name: str) -> str:
    folded = fold(name)
    return folded.replace(" ", "") if kind is Kind.ORG else folded


def parse_follow(text: str) -> Follow:
    """`author:"Full Name"` or `org:"Name"` -> Follow; ValueError with a one-line, user-facing reason."""
    match = _SYNTAX.match(" ".join((text or "").split()))
    if not match:
        raise ValueError(f"say whom to follow, e.g. {USAGE}")
    kind = Kind(match.group(1).lower())
    name = match.group(2).strip().strip('"“”').strip()
    if not name:
        raise ValueError(f"{kind}: needs a name, e.g. {USAGE}")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a name can be at most {MAX_NAME_CHARS} characters (this one has {len(name)})")
    key = _key(kind, name)
    if not key:
        raise ValueError(f"“{name[:40]}” has no letters or digits to match on")
    if kind is Kind.AUTHOR and len(key.split()) < 2:
        raise ValueError(
            f"“{name[:40]}” alone would match every author with that name; give the full name, "
            f'e.g. author:"Tri Dao"'
        )
    return Follow(kind, key, name)


def author_keys(authors: Iterable[str]) -> set[str]:
    return {fold(a) for a in authors}


def matches(paper: Paper, follows: Sequence[Follow], added_at: str = "") -> list[Follow]:
    """The follows a paper matches, in the channel's order; given when the paper was first stored,
    only the follows that already existed then (a follow is about papers from now on)."""
    authors = author_keys(paper.authors)
    org = _key(Kind.ORG, paper.organization) if paper.organization else ""
    found = []
    for follow in follows:
        if added_at and added_at < follow.since:
            continue
        if (follow.kind is Kind.AUTHOR and follow.key in authors) or (
            follow.kind is Kind.ORG and follow.key == org
        ):
            found.append(follow)
    return found


def new_from(paper: Paper, follows: Sequence[Follow], added_at: str = "") -> str:
    """The mark "new from Tri Dao" (or several names); empty when the paper matches no follow."""
    # As the paper spells the name (the follow may be typed without accents or in lower case).
    spelled = {fold(a): a for a in paper.authors}
    names = [
        spelled.get(f.key, f.name) if f.kind is Kind.AUTHOR else paper.organization or f.name
        for f in matches(paper, follows, added_at)
    ]
    return f"new from {', '.join(names)}" if names else ""
