"""The topic/query language: user text -> a parsed query -> a safe FTS5 expression.

Grammar (everything else is plain text, never syntax):
    word                 a term; hyphenated words ("text-to-image") count as the words typed apart
    "some phrase"        the words next to each other
    -word, -"phrase"     exclude papers containing it
    author:name, author:"first last"

Every term reaching MATCH is made of letters and digits only and is double-quoted, so input such as
`moe"`, `AND OR`, `*`, `NEAR(` or `{}` is searched as the words it contains, or rejected with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MAX_TERM_TOKENS = 8

_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>author|authors|by):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))""",
    re.IGNORECASE,
)


class QueryError(ValueError):
    """The text holds nothing to search for; the message says what to type instead."""


Phrase = tuple[str, ...]  # lower-case alphanumeric tokens, searched as adjacent words


# Left out of loose matches and of the concept list (they still count inside phrases): articles,
# prepositions, and the pronouns, question words and auxiliaries of a question typed as a sentence ("how
# can we make transformers faster"). Not words that start technical compounds: few(-shot), out(-of-),
# no(-reference), all(-in-one), over(-smoothing), self(-driving), up(-sampling).
_STOPWORD_TEXT = (
    "a an the of for in on at to and or with by from via is are be as into using based towards toward "
    "how what which who whom why when where whose can could would should will shall may might must "
    "do does did done doing we our us you your they their them it its i me my he she his her "
    "this that these those was were been being has have had than then there here so such "
    "if but because while about"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass
class Concept:
    """One thing the user asked for, with every way papers may write it (acronym, long form, fixed typo)."""

    label: str
    phrases: list[Phrase]
    exact: bool = False  # typed in quotes: only the phrase itself counts
    weight: float = 1.0  # terms added by search itself (feedback) count for less than typed ones

    def add(self, phrase: Phrase) -> None:
        if phrase and phrase not in self.phrases:
            self.phrases.append(phrase)


@dataclass
class ParsedQuery:
    concepts: list[Concept] = field(default_factory=list)
    excluded: list[Phrase] = field(default_factory=list)
    authors: list[Phrase] = field(default_factory=list)
    typed: Phrase = ()  # every word typed, in order, stopwords included: for phrase matching


def tokens(text: str) -> Phrase:
    return tuple(t.lower() for t in _WORD.findall(text))[:MAX_TERM_TOKENS]


def words_of(text: str) -> Phrase:
    """Every word of a text (a title), lower case, as queries spell them."""
    return tuple(_WORD.findall(text.lower()))


def without_exclusions(text: str) -> str:
    """The text as typed, minus what parse() reads as exclusions (`agents -"web browsing"` -> `agents`)."""
    kept = [m.group(0) for m in _PIECE.finditer(text) if not (m.group("neg") and not m.group("field"))]
    return " ".join(kept) or text


def parse(text: str) -> ParsedQuery:
    """Split user text into concepts, exclusions and author filters. Raises QueryError when empty."""
    text = (text or "")[:MAX_QUERY_CHARS]
    query = ParsedQuery()
    for match in _PIECE.finditer(text):
        raw = match.group("quoted") if match.group("quoted") is not None else match.group("bare") or ""
        phrase = tokens(raw)
        if not phrase:
            continue
        if match.group("field"):
            query.authors.append(phrase)
        elif match.group("neg"):
            query.excluded.append(phrase)
        elif match.group("quoted") is not None:
            query.concepts.append(Concept(label=" ".join(phrase), phrases=[phrase], exact=True))
        else:
            # A hyphenated compound is read as its words typed apart ("long-context" = "long context"; the
            # phrase still counts through `typed`); a "-" inside a word is not an exclusion.
            query.concepts.extend(Concept(label=word, phrases=[(word,)]) for word in phrase)
        if len(query.concepts) + len(query.authors) >= MAX_TERMS:
            break
    # A word typed twice is one concept ("transformer memory transformer memory" labels each once).
    unique = {(c.phrases[0], c.exact): c for c in reversed(query.concepts)}
    query.concepts = [c for c in query.concepts if unique[(c.phrases[0], c.exact)] is c][:MAX_TERMS]
    query.typed = tuple(t for c in query.concepts for t in c.phrases[0])
    if not query.concepts and not query.authors:
        if query.excluded:
            raise QueryError("add at least one word to search for; '-word' only excludes")
        raise QueryError('type a topic to search for, e.g. `moe` or `"kv cache" -survey`')
    if not query.authors and all(c.phrases[0] and set(c.phrases[0]) <= STOPWORDS for c in query.concepts):
        typed = " ".join(query.typed)[:30]
        raise QueryError(f"“{typed}” has only common words; it needs a topic, e.g. `moe`")
    return query


def quote(phrase: Phrase) -> str:
    # Tokens hold only letters and digits, but double any quote anyway so this can never open syntax.
    return '"' + " ".join(t.replace('"', '""') for t in phrase) + '"'


def concept_expr(concept: Concept, column: str | None = None) -> str:
    inner = " OR ".join(quote(p) for p in concept.phrases)
    expr = f"({inner})"
    return f"{column} : {expr}" if column else expr


def loose_expr(concept: Concept) -> str | None:
    """A compound's content words in any order ("image from text" for text-to-image), or None."""
    if concept.exact:
        return None
    words = [t for t in concept.phrases[0] if t not in STOPWORDS]
    if len(words) < 2:
        return None
    return "(" + " AND ".join(quote((w,)) for w in words) + ")"


def any_expr(concept: Concept) -> str:
    loose = loose_expr(concept)
    return f"({concept_expr(concept)} OR {loose})" if loose else concept_expr(concept)


def _filters(query: ParsedQuery) -> tuple[str, str]:
    authors = " AND ".join(f"authors_text : {quote(a)}" for a in query.authors)
    excluded = " OR ".join(quote(p) for p in query.excluded)
    return authors, excluded


def restrict(expression: str, query: ParsedQuery) -> str:
    """`expression` with the query's author filters and exclusions applied."""
    authors, excluded = _filters(query)
    if authors:
        expression = f"({expression}) AND {authors}" if expression else authors
    if excluded:
        expression = f"({expression}) NOT ({excluded})"
    return expression


def to_fts(query: ParsedQuery, *, require_all: bool = False) -> str:
    """Candidates: any concept (loosely) matched, or all of them; authors required; exclusions cut."""
    joiner = " AND " if require_all else " OR "
    return restrict(
        joiner.join(any_expr(c) for c in query.concepts if not require_all or c.weight == 1.0), query
    )


def _title_spellings(phrase: Phrase) -> list[Phrase]:
    """The phrase with its last word singular and plural: the title index has no stemmer."""
    *head, last = phrase
    other = last[:-1] if last.endswith("s") and len(last) > 3 else last + "s"
    return [phrase, (*head, other)]


MAX_TITLE_CONCEPTS = 3  # a longer question is rarely a title's phrase


def title_spellings(query: ParsedQuery) -> list[Phrase]:
    """The typed topic as a title would write it (its last word singular and plural), for the title
    look-ups; none for long questions and for queries with filters those cannot apply (exclusions,
    authors)."""
    typed = [c for c in query.concepts if c.weight == 1.0]
    if query.excluded or query.authors or not typed or len(typed) > MAX_TITLE_CONCEPTS:
        return []
    phrases = [p for p in (typed[0].phrases if len(typed) == 1 else [query.typed]) if p]
    return [v for p in phrases for v in _title_spellings(p)]


def title_words_expr(words: list[str]) -> str:
    """One-word titles spellings as an expression for the slim title index (words_fts)."""
    return "title : (" + " OR ".join(quote((w,)) for w in words) + ")"
