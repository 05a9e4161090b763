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

_WORDS = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_HYPHENS = "-‐‑"
_SEP = r"[\s\-‐‑]+"  # between the words of a phrase: spaces or a hyphen ("long-context" = "long context")
MIN_CLOSED = 6  # a phrase is also looked for written closed from this length on ("selfdriving")

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
# An abstract opens with what the paper is about; a concept first named near its end is usually a tool or an
# evaluation domain ("... trained with GRPO", "... on math and code generation benchmarks"). Abstract
# evidence is scaled by 1 - LATE * (where the first mention starts, as a share of the abstract's length),
# unless that is in the opening sentence.
# Measured 0 to 0.8: search nDCG@10 real 0.840 (0) / 0.846 (0.4) / 0.860 (0.5) / 0.854 (0.6) / 0.851 (0.8),
# seed 0.872 to 0.878; subscriptions label precision 0.855 -> 0.914, on-topic lead 0.849 -> 0.877 from 0.5.
LATE = 0.5


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


def _spellings(word: str) -> str:
    """A regular expression for the spellings `variant` folds to `word` ("model": model, models)."""
    w = re.escape(word)
    alternatives = [f"{w}es", f"{w}s", w]
    if word.endswith("y"):
        alternatives.append(re.escape(word[:-1]) + "ies")
    if len(word) >= 5:
        alternatives.append(f"{w}ing")
    return "(?:" + "|".join(alternatives) + ")"


@dataclass(frozen=True)
class Form:
    words: Phrase  # variant-folded
    check_case: tuple[bool, ...]  # per word: an acronym-looking spelling ("CAR") is another sense


@dataclass(frozen=True)
class Forms:
    """Every way of writing one concept (or the whole topic), compiled into one expression."""

    forms: tuple[Form, ...]
    pattern: re.Pattern[str] | None  # anchored, for lower-case text, tried only where a form can start
    prefixes: tuple[str, ...]  # what every spelling of some form starts with (found with str.find)
    anywhere: re.Pattern[str] | None  # case-insensitive search, for text whose lower-casing moves letters
    # For a word the query puts before another ("self" in "self-driving cars"): the words that may follow it
    # inside a paper's hyphenated compound. "self-distillation" is another thing than "self driving".
    heads: frozenset[str] | None = None

    @classmethod
    def of(
        cls, phrases: Sequence[Phrase], acronyms: frozenset[str], heads: frozenset[str] | None = None
    ) -> Forms:
        forms = tuple(
            Form(p, tuple(w not in acronyms and w not in STOPWORDS for w in p))
            for p in dict.fromkeys(tuple(variant(w) for w in p) for p in phrases if p)
        )
        groups = []
        for k, form in enumerate(forms):
            spelled = _SEP.join(_spellings(w) for w in form.words)
            closed = "".join(form.words)
            if len(form.words) > 1 and len(closed) >= MIN_CLOSED:  # "self driving" written "selfdriving"
                spelled = f"{spelled}|{_spellings(closed)}"
            groups.append(f"(?P<f{k}>{spelled})")
        if not groups:
            return cls(forms, None, (), None, heads)
        body = "|".join(groups)
        prefixes = {f.words[0][:-1] if f.words[0].endswith("y") else f.words[0] for f in forms}
        return cls(
            forms,
            re.compile(rf"(?:{body})(?!\w)"),
            tuple(sorted(p for p in prefixes if p)),
            re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE),
            heads,
        )

    def _matches(self, text: str, lower: str) -> list[re.Match[str]]:
        if self.pattern is None or self.anywhere is None:
            return []
        if len(lower) != len(text):
            return list(self.anywhere.finditer(text))
        starts = set()
        for prefix in self.prefixes:
            at = lower.find(prefix)
            while at != -1:
                if at == 0 or not (lower[at - 1].isalnum() or lower[at - 1] == "_"):
                    starts.add(at)
                at = lower.find(prefix, at + 1)
        found, end = [], -1
        for at in sorted(starts):
            if at >= end and (match := self.pattern.match(lower, at)):
                found.append(match)
                end = match.end()
        return found

    def credits(self, text: str, lower: str | None = None) -> list[tuple[float, int, int]]:
        """(credit, words) of each occurrence: 1 standing alone, IN_COMPOUND for one word inside a hyphenated
        compound ("language" in "vision-language"); a phrase cutting a compound ("world model" in
        "open-world model") and an acronym of another sense ("CAR" for "cars") do not count."""
        found: list[tuple[float, int, int]] = []
        for match in self._matches(text, text.lower() if lower is None else lower):
            form = self.forms[int((match.lastgroup or "f0")[1:])]
            start, end = match.start(), match.end()
            written = _WORDS.findall(text[start:end])
            if len(written) == len(form.words) and any(
                check and sum(c.isupper() for c in w) >= 2
                for w, check in zip(written, form.check_case, strict=True)
            ):
                continue
            before = start > 0 and text[start - 1] in _HYPHENS
            after = end < len(text) and text[end] in _HYPHENS
            if after and self.heads is not None and len(form.words) == 1:
                following = _WORDS.match(text, end + 1)
                if following is None or variant(following.group()) not in self.heads:
                    continue  # a modifier of something else: "self-distillation" for "self driving"
                after = False  # "self-driving" for "self driving": the query's own compound
            if not (before or after):
                found.append((1.0, len(form.words), start))
            elif len(form.words) == 1:
                found.append((IN_COMPOUND, 1, start))
        return found


@dataclass(frozen=True)
class Field:
    text: str
    lower: str

    @classmethod
    def of(cls, text: str | None) -> Field:
        return cls(text or "", (text or "").lower())

    def credits(self, forms: Forms) -> list[tuple[float, int, int]]:
        return forms.credits(self.text, self.lower)


@dataclass(frozen=True)
class Doc:
    title: Field
    keywords: Field
    abstract: Field
    abstract_words: int
    opening: int  # where the abstract's first sentence ends

    @classmethod
    def of(cls, title: str | None, keywords: str | None, abstract: str | None) -> Doc:
        text = abstract or ""
        stop = _SENTENCE_END.search(text)
        return cls(
            Field.of(title),
            Field.of(keywords),
            Field.of(text),
            len(text.split()),
            stop.end() if stop else len(text),
        )


@dataclass(frozen=True)
class Topic:
    """A query as evidence reads it: per concept its written forms, and the forms of the whole phrase."""

    concepts: tuple[Forms, ...]
    phrases: Forms | None  # the topic written as one phrase (multi-concept topics only)


def make_topic(
    concepts: Sequence[Sequence[Phrase]],
    acronyms: Sequence[str],
    phrases: Sequence[Phrase],
    heads: Sequence[frozenset[str] | None] = (),
) -> Topic:
    """`acronyms`: words the query knows as acronyms (they match "LoRA" as well as "lora"). `heads`: per
    concept, the words the query puts right after it (None for the last word)."""
    known = frozenset(variant(a) for a in acronyms)
    whole = [p for p in phrases if len(p) > 1]
    follow = [*heads, *[None] * (len(concepts) - len(heads))]
    return Topic(
        tuple(Forms.of(forms, known, after) for forms, after in zip(concepts, follow, strict=True)),
        Forms.of(whole, known) if whole else None,
    )


def present(doc: Doc, forms: Forms) -> bool:
    """Whether the paper writes any of the forms anywhere."""
    return any(field.credits(forms) for field in (doc.title, doc.keywords, doc.abstract))


@dataclass(frozen=True)
class Presence:
    strength: float  # 0..1, title, keywords and abstract combined as independent pieces of evidence
    title: float  # best credit in the title (1 clean, IN_COMPOUND inside a compound)
    keywords: float


def _presence(doc: Doc, forms: Forms, abstract_base: float) -> Presence:
    title = max((c for c, _, _ in doc.title.credits(forms)), default=0.0)
    keywords = max((c for c, _, _ in doc.keywords.credits(forms)), default=0.0)
    mentions = doc.abstract.credits(forms)
    abstract = 0.0
    if mentions:
        repeats = min(ABSTRACT_REPEAT * (len(mentions) - 1), ABSTRACT_REPEAT_MAX)
        # A mention weighs more in a short abstract than in a long one: its share of the words.
        share = sum(n for _, n, _ in mentions) / max(doc.abstract_words, 1)
        dense = DENSITY * min(1.0, share * DENSITY_SCALE)
        first = min(at for _, _, at in mentions)
        late = 0.0 if first < doc.opening else LATE * first / max(len(doc.abstract.text), 1)
        abstract = min(abstract_base + repeats + dense, 1.0) * max(c for c, _, _ in mentions) * (1 - late)
    missing = (1 - TITLE * title) * (1 - KEYWORDS * keywords) * (1 - abstract)
    return Presence(1 - missing, title, keywords)


@dataclass(frozen=True)
class Strength:
    coverage: float  # share of the topic's concepts the paper's words cover, 0..1
    score: float  # 0..1: how strongly it covers them (0 unless every concept is covered)
    phrase: bool  # the whole topic appears as one phrase, strongly enough to match on its own
    concepts: tuple[float, ...] = ()  # each concept's own strength, 0 when absent
    in_title: tuple[bool, ...] = ()  # each concept named in the title

    @property
    def matches(self) -> bool:
        return self.coverage >= 1.0 and self.score >= MATCH_THRESHOLD


def strength(doc: Doc, topic: Topic) -> Strength:
    if not topic.concepts:
        return Strength(0.0, 0.0, False)
    found = [_presence(doc, forms, ABSTRACT) for forms in topic.concepts]
    per_concept = tuple(p.strength for p in found)
    titled = tuple(p.title > 0 for p in found)
    covered = sum(1 for s in per_concept if s > 0) / len(per_concept)
    if covered < 1.0:
        return Strength(covered, 0.0, False, per_concept, titled)
    phrase = _presence(doc, topic.phrases, PHRASE_IN_ABSTRACT).strength if topic.phrases else 0.0
    # Words apart count for their weakest concept (a topic is as present as its least present part), and
    # only when the title names one and title or keywords name every one, each as a word of its own:
    # words scattered through an abstract, or "real-world" beside "models", are how unrelated papers
    # share common words.
    apart = min(per_concept)
    named = all(max(p.title, p.keywords) >= 1.0 for p in found) and any(p.title >= 1.0 for p in found)
    if len(per_concept) > 1 and not named:
        apart = min(apart, SCATTERED)
    # The phrase counts on its own (ranking's phrase bonus) only as strongly as a match: written once at the
    # end of an abstract ("... image and video generation tasks") it says little (seed set 0.877 -> 0.896,
    # real set 0.860 -> 0.864 against any phrase at all).
    return Strength(1.0, max(phrase, apart), phrase >= MATCH_THRESHOLD, per_concept, titled)
