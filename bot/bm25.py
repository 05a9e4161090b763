"""BM25 over a few hundred candidates' own text, with document frequencies estimated from a sample.

FTS5's `bm25()` first counts, for every phrase of the expression, the documents holding it across the
whole index: a walk of the whole doclist of every common word ("model" is in nine papers of ten), 30 ms a
word at a million papers, paid on every query whatever its LIMIT. Here the same formula runs over the
candidates' title, abstract and keywords, with the column weights FTS5 was given, and each word's document
frequency comes from a bounded sample of the index (storage.search_index.doc_shares), so the cost is the
candidates' text, not the archive's size.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass

from paperbot.storage.papers import BM25_WEIGHTS

K1, B = 1.2, 0.75  # FTS5's constants
SHORT = 4  # words this long or shorter are counted whole (with their plural), not by prefix
MIN_IDF = 1e-6  # as FTS5: a word in most documents still counts a little, never negatively
TITLE_W, ABSTRACT_W, KEYWORDS_W = BM25_WEIGHTS[:3]  # the weights FTS5's bm25() is given
# ASCII punctuation and symbols become spaces, so every word (and hyphenated part) follows a space.
_TO_SPACE = bytes.maketrans(
    (string.punctuation + "\t\n\r").encode(), b" " * len(string.punctuation + "\t\n\r")
)


def prefixes(term: str) -> tuple[str, ...]:
    """What a query word's inflections start with, each counted where a word starts: a long word by its
    first letters ("reasoning" -> "reason", "transformers" -> "transfor"), approximating the index's
    stemmer; a short one only as itself and its plural ("cars" -> "car ", "cars "), since a short prefix
    starts unrelated words ("car" in "careful", "moe" in "moebius")."""
    if len(term) > 3 and term.endswith("s") and not term.endswith("ss"):
        term = term[:-1]  # "cars" -> "car"
    if len(term) <= SHORT:
        return (term + " ", term + "s ")
    return (term[: max(SHORT + 1, len(term) - 3)],)


@dataclass(frozen=True)
class Terms:
    """The query's words as counted here: their prefixes and inverse document frequencies."""

    prefixes: tuple[tuple[str, ...], ...]
    idf: tuple[float, ...]
    papers: float  # the papers holding each word, summed: what FTS5's bm25() would count first

    @classmethod
    def of(cls, shares: Mapping[str, float], total: int) -> Terms:
        """`shares`: each query word's estimated share of documents holding it; `total`: documents."""
        words = sorted(shares)
        idf = []
        for word in words:
            df = shares[word] * total
            idf.append(max(math.log((total - df + 0.5) / (df + 0.5)), MIN_IDF))
        papers = sum(shares.values()) * total
        return cls(tuple(prefixes(w) for w in words), tuple(idf), papers)


def scores(docs: Mapping[int, tuple[str, str, str]], terms: Terms) -> dict[int, float]:
    """pk -> BM25 (larger is better) for docs given as (title, keywords, abstract)."""
    if not docs or not terms.prefixes:
        return dict.fromkeys(docs, 0.0)
    flat = [b" " + p.encode() for alternatives in terms.prefixes for p in alternatives]
    owner = [k for k, alternatives in enumerate(terms.prefixes) for _ in alternatives]
    weighted: dict[int, tuple[list[float], int]] = {}
    for pk, (title, keywords, abstract) in docs.items():
        # lower, encode, translate and count run in C: this reads every candidate's abstract.
        t, k, a = (
            f" {text} ".lower().encode("utf-8", "ignore").translate(_TO_SPACE)
            for text in (title, keywords, abstract)
        )
        tf = [0.0] * len(terms.prefixes)
        for term, p in zip(owner, flat, strict=True):
            tf[term] += TITLE_W * t.count(p) + KEYWORDS_W * k.count(p) + ABSTRACT_W * a.count(p)
        weighted[pk] = (tf, title.count(" ") + keywords.count(" ") + abstract.count(" ") + 3)
    average = sum(length for _, length in weighted.values()) / len(weighted)
    result = {}
    for pk, (tf, length) in weighted.items():
        norm = K1 * (1 - B + B * length / average)
        result[pk] = sum(idf * f * (K1 + 1) / (f + norm) for idf, f in zip(terms.idf, tf, strict=True) if f)
    return result


def best(found: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The `limit` best (pk, score), ties to the newer paper (larger pk)."""
    return sorted(found.items(), key=lambda row: (-row[1], -row[0]))[:limit]
