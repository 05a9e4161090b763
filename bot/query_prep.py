"""Query preparation: the parsed query with stopwords dropped, acronyms and long forms expanded from the
corpus's own definitions, typos corrected from the title dictionary, and compounds written both ways."""

from __future__ import annotations

import difflib
import itertools
import logging

import sqlite_utils

from paperbot.bot.aliases import normalize_long
from paperbot.bot.query import (
    STOPWORDS,
    ParsedQuery,
    Phrase,
    parse,
    quote,
)
from paperbot.storage import aliases as alias_store
from paperbot.storage import search_index

logger = logging.getLogger(__name__)

MIN_TYPO_LEN = 5
MAX_LONG_FORM = 6
MIN_PLURAL_DEFINITIONS = 2
MIN_SPLIT_LEN = 7  # a closed compound is at least this long ("multimodal", "selfdriving")
MIN_PART_LEN = 3
MIN_COMPOUND_PAPERS = 2  # the other spelling must be how at least this many papers write it
COMPOUND_WINDOW = 50_000  # ... among the newest this many
MAX_PHRASES = 3  # each phrase costs position-list reads over the whole scope


def _drop_stopwords(query: ParsedQuery) -> None:
    kept = [c for c in query.concepts if not (len(c.phrases[0]) == 1 and c.phrases[0][0] in STOPWORDS)]
    if kept:
        query.concepts = kept


def _expand_aliases(db: sqlite_utils.Database, query: ParsedQuery, original: list[Phrase]) -> None:
    """Acronym <-> long form, so "moe" finds "mixture-of-experts" and "mixture of experts" finds "MoE".
    Not for text typed in quotes: there only the phrase itself counts (an "RM" may be a reflective mask)."""
    for concept in query.concepts:
        if concept.exact:
            continue
        first = concept.phrases[0]
        if len(first) == 1:
            word = first[0]
            forms = alias_store.long_forms(db, word)
            # "ssms", "llms"; but an everyday plural ("cars") is read as an acronym's plural only when the
            # archive agrees that the acronym exists: one paper's "CAR" is not enough.
            plural = not forms and len(word) > 3 and word.endswith("s")
            if plural and alias_store.definitions(db, word[:-1]) >= MIN_PLURAL_DEFINITIONS:
                forms = alias_store.long_forms(db, word[:-1])
            for long in forms:
                concept.add(tuple(long.split()))
        else:
            for short in alias_store.short_forms(db, normalize_long(" ".join(first))):
                concept.add((short,))
    # A long form typed out word by word ("mixture of experts", "key value cache"): give each of its words
    # the acronym as an alternative, so a paper that only says "MoE" still covers every word.
    words = [p[0] for p in original if len(p) == 1]
    for size in range(min(MAX_LONG_FORM, len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            shorts = alias_store.short_forms(db, normalize_long(" ".join(span)))
            if not shorts:
                continue
            for concept in query.concepts:
                if not concept.exact and len(concept.phrases[0]) == 1 and concept.phrases[0][0] in span:
                    for short in shorts:
                        concept.add((short,))


def _compound_count(db: sqlite_utils.Database, spelling: Phrase) -> int:
    # Among the newest COMPOUND_WINDOW papers: "under standing" is a rare phrase of common words, and
    # FTS5 finds that out by walking both words' doclists to the end.
    return search_index.fts_count(db, quote(spelling), cap=MIN_COMPOUND_PAPERS, newest=COMPOUND_WINDOW)


def _expand_compounds(db: sqlite_utils.Database, query: ParsedQuery) -> None:
    """Closed and open compounds both ways, as the archive writes them: "multimodal" also finds
    "multi-modal" / "multi modal", and "self driving" (or "self-driving") also finds "selfdriving"."""
    typed = [c for c in query.concepts if c.weight == 1.0 and not c.exact and len(c.phrases[0]) == 1]
    for concept in typed:
        word = concept.phrases[0][0]
        if len(word) < MIN_SPLIT_LEN or word.isdigit():
            continue
        for at in range(MIN_PART_LEN, len(word) - MIN_PART_LEN + 1):
            parts = (word[:at], word[at:])
            if _compound_count(db, parts) >= MIN_COMPOUND_PAPERS:
                concept.add(parts)
                break
    for left, right in itertools.pairwise(typed):
        a, b = left.phrases[0][0], right.phrases[0][0]
        closed = (a + b,)
        if a in STOPWORDS or b in STOPWORDS or len(closed[0]) < MIN_SPLIT_LEN:
            continue
        if _compound_count(db, closed) >= MIN_COMPOUND_PAPERS:
            left.add(closed)
            right.add(closed)


def _correct_typos(db: sqlite_utils.Database, query: ParsedQuery) -> dict[str, str]:
    """A word no paper contains is swapped for the closest indexed word, if one is close enough."""
    fixed: dict[str, str] = {}
    for concept in query.concepts:
        if len(concept.phrases) != 1 or len(concept.phrases[0]) != 1:
            continue
        word = concept.phrases[0][0]
        if len(word) < MIN_TYPO_LEN or word.isdigit() or search_index.fts_has(db, quote((word,))):
            continue
        # Words sharing the first three letters, then the first two: listing a prefix's words walks their
        # doclists ("di" holds "diffusion", ~17 ms at a million papers), and most typos keep three.
        for prefix in (word[:3], word[:2]):
            vocab = search_index.title_words(db, prefix)
            close = difflib.get_close_matches(word, [t for t, _ in vocab], n=3, cutoff=0.8)
            if close:
                break
        if close:
            counts = dict(vocab)
            best = max(close, key=lambda t: (difflib.SequenceMatcher(None, word, t).ratio(), counts[t]))
            concept.add((best,))
            concept.label = best  # a card's "matched:" names the word the paper holds, not the typo
            fixed[word] = best
    return fixed


def phrase_variants(query: ParsedQuery) -> list[Phrase]:
    """The typed words as one phrase ("mixture of experts"), and with one word's alternative swapped in
    ("key value cache" for "kv cache")."""
    if sum(1 for c in query.concepts if c.weight == 1.0) < 2:
        return []
    variants = [query.typed]
    for concept in query.concepts:
        word = concept.phrases[0]
        if concept.weight != 1.0 or len(word) != 1 or word[0] not in query.typed:
            continue
        at = query.typed.index(word[0])
        variants += [(*query.typed[:at], *alt, *query.typed[at + 1 :]) for alt in concept.phrases[1:]]
    return variants[:MAX_PHRASES]


def prepare(db: sqlite_utils.Database, text: str) -> tuple[ParsedQuery, dict[str, str]]:
    query = parse(text)
    original = [c.phrases[0] for c in query.concepts]
    _drop_stopwords(query)
    _expand_aliases(db, query, original)
    corrections = _correct_typos(db, query)
    _expand_compounds(db, query)
    return query, corrections
