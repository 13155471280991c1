"""Plain-text primitives shared by the pipeline stages: paragraphs, sentences, words."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof gen col lt sgt capt maj sen rep gov pres st jr sr inc ltd corp co vs "
        "etc jan feb mar apr jun jul aug sep sept oct nov dec no approx dept est fig u.s u.k u.n "
        "e.g i.e"
    ).split()
)
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s+|$)")
_WORD = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*", re.UNICODE)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
# Runs of blanks other than a lone space: replacing only these leaves the text as replacing every
# run would, without rebuilding it around each of its spaces.
_BLANKS = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")
# The characters that case-insensitive matching takes for an ASCII letter although they are not
# ASCII (İ, ı, ſ and the Kelvin sign): text that has none holds a case-insensitive match of an
# ASCII word only where its lower case holds the word.
_ODD_CASE = re.compile("[\u0130\u0131\u017f\u212a]")
# Texts are split, worded and folded by several stages in turn (the cleaner, the copy check,
# quotes, claims, events): each result is kept for the next stage to reuse.
_TEXT_CACHE = 8192

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just may me might more most must my myself no nor not now of off on once only or other
    our ours ourselves out over own same shall she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up upon very was
    we were what when where which while who whom why will with would you your yours yourself said
    says say told according would will one two new also its it's that's there's who's he's she's
    per via amid among since still yet however already many much like well""".split()
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence with its position: paragraph index and character span inside that paragraph."""

    text: str
    paragraph: int
    start: int
    end: int


def normalize_text(text: str) -> str:
    """NFC-normalise, drop control and invisible characters, unify line ends and spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _CONTROL.sub("", text)
    return _BLANKS.sub(" ", text)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are non-empty lines; a blank line or a single line break both separate them."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph."""
    return list(_sentence_spans(paragraph))


@functools.lru_cache(maxsize=_TEXT_CACHE)
def _sentence_spans(paragraph: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if _is_abbreviation(paragraph, match.start()):
            continue
        following = paragraph[end:].lstrip()
        # A sentence goes on when the next word starts in lower case ("U.S. officials", "p.m. on").
        if following and following[0].islower():
            continue
        if paragraph[start:end].strip():
            spans.append(_trimmed(paragraph, start, end))
        start = end
    if paragraph[start:].strip():
        spans.append(_trimmed(paragraph, start, len(paragraph)))
    return tuple(spans)


def sentences(paragraphs: Sequence[str]) -> Iterator[Sentence]:
    for index, paragraph in enumerate(paragraphs):
        for start, end in _sentence_spans(paragraph):
            yield Sentence(paragraph[start:end], index, start, end)


@functools.lru_cache(maxsize=_TEXT_CACHE)
def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning: no stopwords, no one-letter tokens."""
    return [w for w in map(str.lower, words(text)) if len(w) > 1 and w not in STOPWORDS]


def may_contain(text: str, cues: Sequence[str]) -> bool:
    """False only when no case-insensitive match of a pattern can be in `text`, for a pattern
    whose every match contains one of `cues` (lower-case ASCII). A few substring searches at C
    speed tell, where a case-insensitive pattern tries every position of the text in turn."""
    if _ODD_CASE.search(text) is not None:
        return True
    lowered = text.lower()
    return any(cue in lowered for cue in cues)


@functools.lru_cache(maxsize=_TEXT_CACHE)
def fold(text: str) -> str:
    """A comparison key: lower case, no accents, no quote marks or punctuation, single spaces."""
    text = text.replace("’", "'").replace("‘", "'")
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_WORD.findall(text.lower()))


def _is_abbreviation(paragraph: str, dot: int) -> bool:
    if paragraph[dot] != ".":
        return False
    token_start = dot
    while token_start > 0 and not paragraph[token_start - 1].isspace():
        token_start -= 1
    token = paragraph[token_start:dot].lower().lstrip("(\"'“‘")
    if token in _ABBREVIATIONS:
        return True
    # Initials such as "J." or "U.S" in "U.S."
    return (len(token) == 1 and token.isalpha()) or _INITIALS.fullmatch(token) is not None


def _trimmed(paragraph: str, start: int, end: int) -> tuple[int, int]:
    while start < end and paragraph[start].isspace():
        start += 1
    while end > start and paragraph[end - 1].isspace():
        end -= 1
    return start, end


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper so that "drones"/"drone" and "deployed"/"deploy" compare equal."""
    word = word.replace("’", "'")
    if word.endswith(("'s", "s'")):
        word = word[:-2] if word.endswith("'s") else word[:-1]
    word = word.rstrip("'")
    if len(word) <= 4:
        return word
    if word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


@functools.lru_cache(maxsize=_TEXT_CACHE)
def stems(text: str) -> tuple[str, ...]:
    """Stemmed content words, numbers left out: the vocabulary used to compare statements."""
    # The words content_words keeps, less the numbers, in one pass over the text's words.
    kept = [
        w
        for w in map(str.lower, words(text))
        if len(w) > 1 and w not in STOPWORDS and not w[0].isdigit()
    ]
    return tuple(map(stem, kept))
