"""How strongly a paper's own words support a query or topic: pure functions over title, keywords, abstract.

FTS5 finds candidates with Porter stems, which join unrelated words ("transformer" and "transforming"
both stem to "transform") and see "world model" inside "open-world model". This module reads the
candidates' text again with stricter rules, so "matched" can be a claim:

- words match as written or as a close variant (plural/singular: "models" = "model", "approaches" =
  "approach"), never by a shared stem;
- a word written as an acronym ("CAR", "LoRA") only stands for a typed word when the query knows that word
  as an acronym (from the mined definitions); otherwise it is another sense ("CAR" is not "cars");
- a phrase must not cut a hyphenated compound: "world model" is not found in "open-world model", while
  "long context" is found in "long-context"; a single word inside a compound counts for less;
- where a concept appears (title, keywords, abstract) and how often sets its strength.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from paperbot.bot.query import STOPWORDS, Phrase

_GROUP = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
_PART = re.compile(r"[^\W_]+")

# Evidence from each field, combined as independent pieces (1 - the product of what each leaves missing).
TITLE, KEYWORDS, ABSTRACT = 1.0, 0.5, 0.3
ABSTRACT_REPEAT = 0.1  # each further mention in the abstract adds this much, up to ABSTRACT_REPEAT_MAX
ABSTRACT_REPEAT_MAX = 0.3
DENSITY, DENSITY_SCALE = 0.4, 10.0  # full density bonus once the topic is a tenth of the abstract's words
PHRASE_IN_ABSTRACT = 0.6  # the whole topic written out in the abstract says more than its words apart
IN_COMPOUND = 0.75
SCATTERED = 0.3  # a multi-concept topic whose words appear apart, not all in the title  # "language" inside "vision-language"
# A topic labels a paper when it covers every concept and its strength reaches this. Measured on the public
# real-data set with bench/subscriptions.py (0.6 to 0.8 tried): the topic in the title, its phrase twice in the
# abstract or once beside a keyword, or a keyword the abstract uses twice pass; one passing mention does not.
MATCH_THRESHOLD = 0.7


@dataclass(frozen=True)
class Token:
    word: str  # lower case, close variants folded (plural -> singular)
    acronym: bool  # written with two or more capitals ("CAR", "LoRA", "MoE")
    first: bool  # starts its hyphenated compound (or stands alone)
    last: bool  # ends it
    closed: str = ""  # on a compound's first part, the compound written closed: "multi-modal" -> "multimodal"


def variant(word: str) -> str:
    """Fold close variants: lower case and plural to singular, nothing stem-like beyond that."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    if w.endswith("ing") and len(w) >= 8:  # "benchmarking" = "benchmark"; "transforming" stays apart
        return w[:-3]  # from "transformer", which folds to itself
    return w


def tokenize(text: str | None) -> tuple[Token, ...]:
    out: list[Token] = []
    for group in _GROUP.findall(text or ""):
        parts = _PART.findall(group)
        closed = variant("".join(parts)) if len(parts) > 1 else ""
        for i, part in enumerate(parts):
            caps = sum(c.isupper() for c in part)
            out.append(Token(variant(part), caps >= 2, i == 0, i == len(parts) - 1, closed if i == 0 else ""))
    return tuple(out)


@dataclass(frozen=True)
class Doc:
    title: tuple[Token, ...]
    keywords: tuple[Token, ...]
    abstract: tuple[Token, ...]

    @classmethod
    def of(cls, title: str | None, keywords: str | None, abstract: str | None) -> Doc:
        return cls(tokenize(title), tokenize(keywords), tokenize(abstract))


@dataclass(frozen=True)
class Topic:
    """A query as evidence reads it: per concept its written forms, and the forms of the whole phrase."""

    concepts: tuple[tuple[Phrase, ...], ...]  # each concept's forms, variant-folded
    acronyms: frozenset[str]  # words the query knows as acronyms (they match "LoRA" as well as "lora")
    phrases: tuple[Phrase, ...]  # the topic written as one phrase (multi-concept topics only)


def make_topic(
    concepts: Sequence[Sequence[Phrase]], acronyms: Sequence[str], phrases: Sequence[Phrase]
) -> Topic:
    def fold(p: Phrase) -> Phrase:
        return tuple(variant(w) for w in p)

    return Topic(
        tuple(tuple(dict.fromkeys(fold(p) for p in forms)) for forms in concepts),
        frozenset(variant(a) for a in acronyms),
        tuple(dict.fromkeys(fold(p) for p in phrases if len(p) > 1)),
    )


def _credit(tokens: tuple[Token, ...], form: Phrase, acronyms: frozenset[str]) -> list[float]:
    """Credit of each occurrence of `form` in `tokens` (1 clean, less inside a compound, 0 when it cuts one)."""
    n = len(form)
    found: list[float] = []
    joined = "".join(form)
    if n == 1 or len(joined) >= 6:  # "multimodal" written "multi-modal", "self driving" written "selfdriving"
        found += [
            1.0 for t in tokens if t.closed == joined or (n > 1 and t.word == joined and t.first and t.last)
        ]
    for i in range(len(tokens) - n + 1):
        window = tokens[i : i + n]
        if any(t.word != w for t, w in zip(window, form, strict=True)):
            continue
        if any(
            t.acronym and w not in acronyms and w not in STOPWORDS for t, w in zip(window, form, strict=True)
        ):
            continue  # "CAR" is an acronym of something else, not "cars"
        whole = window[0].first and window[-1].last
        if whole:
            found.append(1.0)
        elif n == 1:
            found.append(IN_COMPOUND)
        # a longer phrase cutting a compound ("world model" in "open-world model") is not the phrase
    return found


@dataclass(frozen=True)
class Presence:
    strength: float  # 0..1, title, keywords and abstract combined as independent pieces of evidence
    title: float  # best credit in the title (1 clean, IN_COMPOUND inside a compound)
    keywords: float


def _presence(doc: Doc, forms: Sequence[Phrase], acronyms: frozenset[str], abstract_base: float) -> Presence:
    def best(tokens: tuple[Token, ...]) -> float:
        return max((max(c) for form in forms if (c := _credit(tokens, form, acronyms))), default=0.0)

    title, keywords = best(doc.title), best(doc.keywords)
    mentions = [(c, len(form)) for form in forms for c in _credit(doc.abstract, form, acronyms)]
    abstract = 0.0
    if mentions:
        repeats = min(ABSTRACT_REPEAT * (len(mentions) - 1), ABSTRACT_REPEAT_MAX)
        # A mention weighs more in a short abstract than in a long one: its share of the words.
        share = sum(n for _, n in mentions) / max(len(doc.abstract), 1)
        dense = DENSITY * min(1.0, share * DENSITY_SCALE)
        abstract = min(abstract_base + repeats + dense, 1.0) * max(c for c, _ in mentions)
    missing = (1 - TITLE * title) * (1 - KEYWORDS * keywords) * (1 - abstract)
    return Presence(1 - missing, title, keywords)


@dataclass(frozen=True)
class Strength:
    coverage: float  # share of the topic's concepts the paper's words cover, 0..1
    score: float  # 0..1: how strongly it covers them (0 unless every concept is covered)
    phrase: bool  # the whole topic appears as one phrase
    concepts: tuple[float, ...] = ()  # each concept's own strength, 0 when absent
    in_title: tuple[bool, ...] = ()  # each concept named in the title

    @property
    def matches(self) -> bool:
        return self.coverage >= 1.0 and self.score >= MATCH_THRESHOLD


def strength(doc: Doc, topic: Topic) -> Strength:
    if not topic.concepts:
        return Strength(0.0, 0.0, False)
    found = [_presence(doc, forms, topic.acronyms, ABSTRACT) for forms in topic.concepts]
    per_concept = tuple(p.strength for p in found)
    titled = tuple(p.title > 0 for p in found)
    covered = sum(1 for s in per_concept if s > 0) / len(per_concept)
    if covered < 1.0:
        return Strength(covered, 0.0, False, per_concept, titled)
    phrase = (
        _presence(doc, topic.phrases, topic.acronyms, PHRASE_IN_ABSTRACT).strength if topic.phrases else 0.0
    )
    # Words apart count for their weakest concept (a topic is as present as its least present part), and
    # only when the title names one and title or keywords name every one, each as a word of its own:
    # words scattered through an abstract, or "real-world" beside "models", are how unrelated papers
    # share common words.
    apart = min(per_concept)
    named = all(max(p.title, p.keywords) >= 1.0 for p in found) and any(p.title >= 1.0 for p in found)
    if len(per_concept) > 1 and not named:
        apart = min(apart, SCATTERED)
    return Strength(1.0, max(phrase, apart), phrase > 0, per_concept, titled)
