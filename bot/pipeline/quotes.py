"""Direct quotes in an article's paragraphs, told apart from scare quotes and titles,
and attributed to the person or organisation who said them."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.pipeline import text
from bot.pipeline.speakers import (
    DETERMINERS,
    INVERTIBLE_VERBS,
    PRONOUNS,
    SPEECH_CUES,
    Cast,
    Entity,
    Person,
    SentenceTokens,
    Token,
    analyse,
    descriptor_at,
    descriptor_end,
    descriptor_score,
    fold,
    is_speech_verb,
    split_tokens,
)


@dataclass(frozen=True, slots=True)
class ExtractedQuote:
    """Words inside quote marks, verbatim, with the span where they start and who said them."""

    text: str
    speaker: str | None
    speaker_role: str | None
    partial: bool
    paragraph: int
    start: int
    end: int


# --- quote marks ------------------------------------------------------------------------------

_MARK = re.compile("[\"'“”„‟«»‘’‚‹›]")
_DOUBLE = frozenset('"“”„‟«»')
_OPENERS = frozenset("“„‟«‘‚‹")
_CLOSERS = frozenset("”»’›")
_AFTER_OPEN = frozenset('([{—–-/"“„‟«‘‚‹')
_BEFORE_CLOSE = frozenset('.,;:!?)]}—–…"”»’›')
_TRAILING = " \t\n.,;:!?…"
_LAST_MARKS = _CLOSERS | _DOUBLE | {"'"}  # a quote's closing mark, kept when it is masked


@dataclass(frozen=True, slots=True)
class _Mark:
    pos: int
    double: bool
    can_open: bool
    can_close: bool
    pure_open: bool  # a typographic opening mark where an opening mark belongs
    weak: bool = (
        False  # a single mark after "s" that may be a plural possessive: "the allies’ plan"
    )


def _marks(paragraph: str) -> list[_Mark]:
    marks: list[_Mark] = []
    size = len(paragraph)
    for match in _MARK.finditer(paragraph):
        i = match.start()
        char = paragraph[i]
        prev = paragraph[i - 1] if i > 0 else " "
        nxt = paragraph[i + 1] if i + 1 < size else " "
        double = char in _DOUBLE
        if not double and prev.isalnum() and nxt.isalnum():
            continue  # an apostrophe: the city's, don't, Europe’s
        open_side = prev.isspace() or prev in _AFTER_OPEN
        close_side = nxt.isspace() or nxt in _BEFORE_CLOSE
        if char in _OPENERS:
            # A misplaced “ after a word ("in the city.“") closes a quote that is open.
            can_open = not nxt.isspace() or i + 1 >= size
            can_close = not prev.isspace() and close_side
            marks.append(_Mark(i, double, can_open, can_close, open_side))
        else:
            if char in _CLOSERS:
                can_open = open_side and nxt.isalnum()
                can_close = not prev.isspace()
            else:
                can_open = open_side and not nxt.isspace()
                can_close = not prev.isspace() and close_side
                if not can_open and not can_close:
                    can_open, can_close = not nxt.isspace(), not prev.isspace()
            after = paragraph[i + 2 : i + 3]
            weak = (
                not double and prev in "sS" and nxt == " " and after.isalnum() and after.islower()
            )
            marks.append(_Mark(i, double, can_open, can_close, False, weak))
    return marks


def _strong_single_closer_ahead(marks: Sequence[_Mark]) -> list[bool]:
    """For each mark, whether a later single closing mark that is not weak comes before any
    single opening mark: then a weak one is read as an apostrophe."""
    ahead = [False] * len(marks)
    found = False
    for k in range(len(marks) - 1, -1, -1):
        ahead[k] = found
        mark = marks[k]
        if mark.double:
            continue
        if mark.can_close and not mark.weak:
            found = True
        elif mark.pure_open or (mark.can_open and not mark.can_close):
            found = False
    return ahead


@dataclass(slots=True)
class _Raw:
    """A quote being read: text spans per paragraph and the regions (marks included) it covers."""

    double: bool
    parts: list[tuple[int, int, int]] = field(default_factory=list)
    regions: list[tuple[int, int, int]] = field(default_factory=list)
    orphan: bool = False  # the opening mark is missing: the quote runs from the paragraph start


def _first_char(paragraph: str) -> int:
    return len(paragraph) - len(paragraph.lstrip())


def _find_quotes(paragraphs: Sequence[str]) -> list[_Raw]:
    done: list[_Raw] = []
    pending: _Raw | None = None  # unclosed at the end of the previous paragraph
    for p, paragraph in enumerate(paragraphs):
        marks = _marks(paragraph)
        strong_ahead = _strong_single_closer_ahead(marks)
        current: _Raw | None = None
        open_at = 0
        index = 0
        if pending is not None:
            lead = _first_char(paragraph)
            first = marks[0] if marks else None
            if first and first.pos == lead and first.can_open and first.double == pending.double:
                # Journalistic convention: a quote goes on in a paragraph that opens with a mark.
                current, open_at = pending, first.pos
                current.regions.append((p, first.pos, first.pos))
                index = 1
            else:
                done.append(pending)
            pending = None
        seen = current is not None
        while index < len(marks):
            mark = marks[index]
            index += 1
            if current is None:
                if mark.can_open:
                    current, open_at, seen = _Raw(mark.double), mark.pos, True
                    current.regions.append((p, mark.pos, mark.pos))
                elif mark.can_close and mark.double and not seen:
                    start = _first_char(paragraph)
                    raw = _Raw(True, orphan=True)
                    raw.parts.append((p, start, mark.pos))
                    raw.regions.append((p, start, mark.pos + 1))
                    done.append(raw)
                    seen = True
                continue
            if mark.double != current.double:
                continue
            if mark.can_close and not (mark.weak and strong_ahead[index - 1]):
                _close(current, p, open_at, mark.pos)
                done.append(current)
                current = None
            elif mark.pure_open:
                # A new opening mark inside an open quote: the earlier one was never closed.
                current = _Raw(mark.double)
                open_at = mark.pos
                current.regions.append((p, mark.pos, mark.pos))
        if current is not None:
            at_start = open_at == _first_char(paragraph)
            content = paragraph[open_at + 1 :].strip()
            if (current.double or at_start or len(current.parts) > 0) and content:
                current.parts.append((p, open_at + 1, len(paragraph)))
                _extend_region(current, len(paragraph))
                pending = current
    if pending is not None:
        done.append(pending)
    return done


def _close(raw: _Raw, p: int, open_at: int, close_at: int) -> None:
    raw.parts.append((p, open_at + 1, close_at))
    _extend_region(raw, close_at + 1)


def _extend_region(raw: _Raw, end: int) -> None:
    para, start, _ = raw.regions[-1]
    raw.regions[-1] = (para, start, end)


def _trim(paragraph: str, start: int, end: int) -> tuple[int, int]:
    while start < end and paragraph[start].isspace():
        start += 1
    while end > start and (paragraph[end - 1].isspace() or paragraph[end - 1] == ","):
        end -= 1
    return start, end


# --- the article around the quotes ------------------------------------------------------------


def _mask(paragraphs: Sequence[str], raws: Sequence[_Raw]) -> list[str]:
    """Paragraphs with each quote replaced by underscores, keeping its final punctuation and
    closing mark so that sentence ends stay where they were."""
    chars = [list(p) for p in paragraphs]
    for raw in raws:
        for p, start, end in raw.regions:
            region = paragraphs[p][start:end]
            keep = len(region)
            if region and region[-1] in _LAST_MARKS:
                keep -= 1
            keep = len(region[:keep].rstrip(_TRAILING))
            row = chars[p]
            for k in range(start, start + keep):
                row[k] = "_"
    return ["".join(row) for row in chars]


_SO_CALLED = frozenset(
    "so-called dubbed termed titled entitled nicknamed labelled labeled branded headlined".split()
)
_NAMING_VERBS = frozenset(
    "call called calls calling dub dubbed name named names term termed so-called known".split()
)
_DOCUMENT_CUES = frozenset(
    """outlined titled entitled called named headlined declaration report document book article
    film song strategy plan programme program doctrine initiative resolution statement""".split()
)
_TERM_NOUNS = frozenset("term phrase word expression slogan label name".split())


def _phrase_counts(
    phrases: Sequence[str], paragraphs: Sequence[str], title: str | None
) -> dict[str, int]:
    """How often each short quoted phrase occurs in the article, quoted or not."""
    wanted = list(dict.fromkeys(p for p in phrases if 2 <= len(p.split()) <= 4))[:200]
    if not wanted:
        return {}
    article = " " + " \n ".join(fold(chunk) for chunk in [*paragraphs, title or ""]) + " "
    return {phrase: article.count(f" {phrase} ") for phrase in wanted}


def _title_case(quote: str) -> bool:
    long_words = [w for w in text.words(quote) if len(w) >= 4]
    return (
        len(long_words) >= 2
        and all(w[0].isupper() for w in long_words)
        and not all(w.isupper() for w in long_words)
    )


# --- attribution ------------------------------------------------------------------------------

_INTRO = frozenset({":", ",", "—", "–", "("})
_SUBJECT_SKIP = frozenset(
    """has have had also again then once was were is are been being would will could can may
    might should must did does do not never just only even already recently further later
    earlier still quoted as reportedly publicly explicitly repeatedly separately
    previously""".split()
)
# How far from a quote its speech verb may stand, in tokens.
_VERB_REACH = 80
# How many of the entities named last a descriptor may refer to.
_RECENT = 40
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_CONJUNCTIONS = frozenset({"and", "but", "then", "or", "yet", "while"})
_NOT_SUBJECT_BEFORE = frozenset(
    """of to with between by for from about against on in at into onto over under after before
    than like toward towards among amid via including and or nor his her their its""".split()
)
_NOT_VERB_AFTER = _NOT_SUBJECT_BEFORE | {"who", "which", "whose", "that", "the", "a", "an"}

_ENTITY, _NONE, _INHERIT = "entity", "none", "inherit"


@dataclass(slots=True)
class _Where:
    sentence: int
    token: int


@dataclass(slots=True)
class _State:
    cast: Cast
    sents: list[SentenceTokens]
    masked: list[str]
    topic: int | None = None
    topic_para: int = -10
    seen: dict[int, int] = field(default_factory=dict)  # entity -> when last mentioned
    clock: int = 0
    last_person: int | None = None
    last_unknown: int | None = None
    speech: dict[int, bool] = field(default_factory=dict)  # sentence -> has a speech verb

    def has_speech_verb(self, s: int) -> bool:
        if s not in self.speech:
            tokens = self.sents[s].tokens
            self.speech[s] = any(
                is_speech_verb(tokens, k)
                for k, token in enumerate(tokens)
                if token.lower in SPEECH_CUES
            )
        return self.speech[s]

    def person(self, index: int | None) -> bool:
        entity = self.entity(index)
        return entity is not None and entity.kind != "org"

    def entity(self, index: int | None) -> Entity | None:
        return None if index is None else self.cast.entities[index]

    def mention_at(self, sentence: int, token: int) -> int | None:
        mention = self.cast.by_token[sentence].get(token)
        return None if mention is None else mention.entity

    def see(self, entity: int) -> None:
        self.clock += 1
        self.seen.pop(entity, None)  # keeps the dict in order of last mention
        self.seen[entity] = self.clock
        kind = self.cast.entities[entity].kind
        if kind == "person":
            self.last_person = entity
        elif kind == "unknown":
            self.last_unknown = entity

    def pronoun(self) -> int | None:
        """He or she: the topic of the narrative, else the last person named; a bare name that
        may be a country or an outlet only when no person is at hand."""
        topic = self.entity(self.topic)
        if topic is not None and topic.kind == "person":
            return self.topic
        if self.last_person is not None:
            return self.last_person
        return self.topic if topic is not None and topic.kind == "unknown" else self.last_unknown

    def descriptor(self, phrase: str) -> int | None:
        """The entity "the finance minister" stands for: best role match, then most recent."""
        best, best_score = None, 0.0
        # Only the entities seen last: a descriptor points back a little way, and this keeps
        # the cost flat on articles with very many names.
        for index in itertools.islice(reversed(self.seen), _RECENT):
            entity = self.cast.entities[index]
            score = descriptor_score(phrase, entity)
            if score <= 0:
                continue
            key = (score, self.seen.get(index, -1))
            if best is None or key > (best_score, self.seen.get(best, -1)):
                best, best_score = index, score
        return best if best_score >= 1.0 else None

    def subject_after(self, s: int, start: int, limit: int) -> tuple[str, int | None]:
        """A subject standing right after an inverted verb: "said Holt", "according to X"."""
        tokens = self.sents[s].tokens
        k = start
        while k < len(tokens) and k < limit:
            token = tokens[k]
            if token.kind != "w":
                return _NONE, None
            found = self.mention_at(s, k)
            if found is not None:
                return _ENTITY, found
            if token.lower in PRONOUNS:
                return _ENTITY, self.pronoun()
            if token.lower == "the":
                end = k + 1
                while end < len(tokens) and end - k < 6 and tokens[end].kind == "w":
                    described = descriptor_at(tokens, end)
                    if described is not None and described[0] == k:
                        last = descriptor_end(tokens, end)
                        para = self.masked[self.sents[s].paragraph]
                        phrase = para[tokens[k].start : tokens[last].end]
                        return _ENTITY, self.descriptor(phrase)
                    end += 1
                return _NONE, None
            k += 1
        return _NONE, None

    def subject_of(self, s: int, verb: int, lower: int = 0) -> tuple[str, int | None]:
        tokens = self.sents[s].tokens
        word = tokens[verb].lower
        if word == "according":
            return self.subject_after(s, verb + 2, verb + 8)
        if word == "words":
            before = tokens[verb - 1].lower
            if before in {"his", "her"}:
                return _ENTITY, self.pronoun()
            return self.subject_after(s, verb + 2, verb + 8)
        i = verb - 1
        while i >= lower:
            if tokens[i].text == ")":
                # "X (pictured) said"
                opening = i - 1
                while opening >= max(lower, i - 12) and tokens[opening].text != "(":
                    opening -= 1
                if opening < lower or tokens[opening].text != "(":
                    break
                i = opening - 1
            elif _between_subject_and_verb(tokens, i, verb):
                i -= 1
            else:
                break
        if i < lower or tokens[i].kind == "q":
            if word in INVERTIBLE_VERBS:
                status, found = self.subject_after(s, verb + 1, verb + 7)
                if status == _ENTITY:
                    return status, found
            return _INHERIT, None
        token = tokens[i]
        found = self.mention_at(s, i)
        if found is not None:
            return _ENTITY, found
        if token.lower in PRONOUNS:
            return _ENTITY, self.pronoun()
        if token.lower in {"who", "which"} and i > lower and tokens[i - 1].text == ",":
            for k in range(i - 2, max(lower, i - 8) - 1, -1):
                found = self.mention_at(s, k)
                if found is not None:
                    return _ENTITY, found
            return _NONE, None
        described = descriptor_at(tokens, i)
        if described is not None:
            para = self.masked[self.sents[s].paragraph]
            return _ENTITY, self.descriptor(para[tokens[described[0]].start : token.end])
        if token.text == ",":
            # "X, the alliance chief, said" / "X, also on Telegram, listed"
            k = i - 1
            while k >= lower and i - k < 16 and tokens[k].text != "," and tokens[k].kind != "q":
                k -= 1
            if k > lower and tokens[k].text == ",":
                found = self.mention_at(s, k - 1)
                if found is not None:
                    return _ENTITY, found
            return _INHERIT, None
        if token.lower in _CONJUNCTIONS or token.text in {";", "—", "–", ":"}:
            return _INHERIT, None
        return _NONE, None

    def sentence_subject(self, s: int, before: int | None = None) -> int | None:
        """The entity a sentence is about: its first name in subject position."""
        tokens = self.sents[s].tokens
        for mention in self.cast.mentions[s]:
            if before is not None and mention.start >= before:
                break
            k = mention.start - 1
            while (
                k >= 0
                and tokens[k].kind == "w"
                and (tokens[k].capitalised or tokens[k].lower in _ROLEISH)
            ):
                k -= 1
            if k >= 0 and tokens[k].lower in _NOT_SUBJECT_BEFORE:
                continue
            if mention.possessive and k >= 0:
                continue
            if k < 0 or (tokens[k].kind != "w" and tokens[k].text in {"—", "–", ")", ":"}):
                return mention.entity  # it opens the sentence (after a dateline, if any)
            after = mention.end
            while after < len(tokens) and _between_subject_and_verb(tokens, after, len(tokens)):
                after += 1
            nxt = tokens[after] if after < len(tokens) else None
            if nxt is not None and nxt.kind == "w" and nxt.lower not in _NOT_VERB_AFTER:
                return mention.entity
            if (nxt is not None and nxt.text in {",", ":"}) or mention.possessive:
                return mention.entity
        return None

    def verb_subject(self, s: int, last: int, first: int = 0) -> tuple[str, int | None]:
        """The speaker of the nearest speech verb in tokens [first, last) of sentence s.

        A verb without a subject of its own ("and said", ", stating") takes an earlier one's.
        """
        tokens = self.sents[s].tokens
        inherited = False
        last = min(last, len(tokens))
        for k in range(last - 1, max(first, last - _VERB_REACH) - 1, -1):
            if tokens[k].lower in SPEECH_CUES and is_speech_verb(tokens, k):
                status, found = self.subject_of(s, k)
                if status != _INHERIT:
                    return status, found
                inherited = True
        return (_INHERIT, None) if inherited else ("", None)


_ROLEISH = frozenset(
    """president minister secretary general spokesman spokeswoman spokesperson chief aide adviser
    advisor envoy leader foreign defense defence state prime vice deputy special top senior
    former policy press the""".split()
)


def _between_subject_and_verb(tokens: Sequence[Token], i: int, verb: int) -> bool:
    """Words that may separate a subject from its verb: "X has also", "X on Tuesday"."""
    token = tokens[i]
    lower = token.lower
    if lower in _SUBJECT_SKIP or lower in _WEEKDAYS:
        return True
    if lower.endswith("ly") and token.kind == "w" and not token.capitalised:
        return True
    return lower in {"on", "last"} and i + 1 < verb and tokens[i + 1].lower in _WEEKDAYS


def _after_quote(state: _State, s: int, q: int) -> tuple[str, int | None]:
    """Attribution right after a quote: "“...,” he said", "“...,” said the minister"."""
    tokens = state.sents[s].tokens
    k = q + 1
    while k < len(tokens) and tokens[k].text in {",", "—", "–"}:
        k += 1
    limit = min(len(tokens), k + 12)
    for j in range(k, limit):
        token = tokens[j]
        if token.kind == "q" or token.text in {".", "!", "?", ";", ":"}:
            break
        if is_speech_verb(tokens, j):
            status, found = state.subject_of(s, j, k)
            if status == _INHERIT and j == k:
                return "", None
            return status, found
    return "", None


@dataclass(slots=True)
class _Located:
    raw: _Raw
    first: _Where
    last: _Where
    text: str
    paragraph: int
    start: int
    end: int


def extract_quotes(paragraphs: Sequence[str], *, title: str | None = None) -> list[ExtractedQuote]:
    """Direct quotes of an article, in order, each with its speaker when one can be named."""
    return quotes_and_people(paragraphs, title=title)[0]


def quotes_and_people(
    paragraphs: Sequence[str], *, title: str | None = None
) -> tuple[list[ExtractedQuote], list[Person]]:
    """The article's quotes, and the people it names outside them (those who can speak or
    act in it), from one analysis of the text with its quotes masked."""
    paragraphs = [p if isinstance(p, str) else "" for p in paragraphs]
    raws = _find_quotes(paragraphs)
    masked = _mask(paragraphs, raws) if raws else paragraphs
    sents = split_tokens(masked)
    cast = analyse(masked, sents)
    located = _locate(paragraphs, raws, sents) if raws else []
    if not located:
        return [], cast.people()
    return _quotes(paragraphs, title, masked, sents, located, cast), cast.people()


def _quotes(
    paragraphs: list[str],
    title: str | None,
    masked: list[str],
    sents: list[SentenceTokens],
    located: list[_Located],
    cast: Cast,
) -> list[ExtractedQuote]:
    state = _State(cast, sents, masked)
    counts = _phrase_counts([fold(q.text) for q in located], paragraphs, title)
    title_key = fold(title or "")
    lines: dict[int, tuple[bool, bool]] = {}
    kept = [q for q in located if not _not_speech(q, paragraphs, state, counts, title_key, lines)]
    by_last: dict[int, list[_Located]] = {}
    for quote in kept:
        by_last.setdefault(quote.last.sentence, []).append(quote)
    results: list[ExtractedQuote] = []
    previous: tuple[int, int | None] = (-10, None)  # paragraph and speaker of the last quote
    last_colon: tuple[int, int | None] = (-10, None)
    for s, sent in enumerate(sents):
        for mention in cast.mentions[s]:
            state.see(mention.entity)
        speakers_here: list[int] = []
        for quote in by_last.get(s, []):
            partial = _is_partial(quote, state)
            speaker = _attribute(quote, state, partial, previous, last_colon)
            if speaker is not None:
                speakers_here.append(speaker)
            previous = (sent.paragraph, speaker)
            entity = state.entity(speaker)
            results.append(
                ExtractedQuote(
                    quote.text,
                    entity.name if entity else None,
                    entity.role if entity else None,
                    partial,
                    quote.paragraph,
                    quote.start,
                    quote.end,
                )
            )
        _update_topic(state, s, speakers_here)
        if sent.tokens and sent.tokens[-1].text == ":":
            status, found = state.verb_subject(s, len(sent.tokens))
            last_colon = (sent.paragraph, found if status == _ENTITY else None)
    results.sort(key=lambda q: (q.paragraph, q.start))
    return results


def _locate(
    paragraphs: Sequence[str], raws: Sequence[_Raw], sents: Sequence[SentenceTokens]
) -> list[_Located]:
    """Place each quote on its masked token(s); drop empty ones."""
    q_tokens: dict[int, list[tuple[int, int, int]]] = {}
    for s, sent in enumerate(sents):
        for k, token in enumerate(sent.tokens):
            if token.kind == "q":
                q_tokens.setdefault(sent.paragraph, []).append((token.start, s, k))
    result: list[_Located] = []
    for raw in raws:
        pieces: list[str] = []
        for p, start, end in raw.parts:
            start, end = _trim(paragraphs[p], start, end)
            if start < end:
                pieces.append(paragraphs[p][start:end])
        joined = " ".join(pieces)
        if sum(1 for c in joined if c.isalpha()) < 2 or not raw.parts:
            continue
        first = _token_in(q_tokens, raw.regions[0])
        last = _token_in(q_tokens, raw.regions[-1])
        if first is None or last is None:
            continue
        p0, start0, end0 = raw.parts[0]
        start0, end0 = _trim(paragraphs[p0], start0, end0)
        if start0 >= end0:
            continue
        result.append(_Located(raw, first, last, joined, p0, start0, end0))
    return result


def _token_in(
    q_tokens: dict[int, list[tuple[int, int, int]]], region: tuple[int, int, int]
) -> _Where | None:
    p, start, end = region
    row = q_tokens.get(p, [])
    k = bisect.bisect_left(row, (start, -1, -1))
    if k < len(row) and row[k][0] < max(end, start + 1):
        return _Where(row[k][1], row[k][2])
    return None


def _is_partial(quote: _Located, state: _State) -> bool:
    if quote.raw.orphan or len(quote.raw.parts) > 1:
        return False
    first = quote.text.lstrip("([…. ")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return True
    tokens = state.sents[quote.first.sentence].tokens
    k = quote.first.token
    return not (k == 0 or tokens[k - 1].text in _INTRO)


def _not_speech(
    quote: _Located,
    paragraphs: Sequence[str],
    state: _State,
    counts: dict[str, int],
    title_key: str,
    lines: dict[int, tuple[bool, bool]],
) -> bool:
    """Scare quotes, terms, titles of documents, headlines and subheadings."""
    p = quote.paragraph
    if p not in lines:
        lines[p] = (
            (bool(title_key) and fold(paragraphs[p]) == title_key) or _is_headline(paragraphs[p]),
            _has_narrative(state.masked[p]),
        )
    headline, narrative = lines[p]
    if headline:
        return True
    words = text.words(quote.text)
    tokens = state.sents[quote.first.sentence].tokens
    k = quote.first.token
    if (
        len(quote.raw.parts) == 1
        and not narrative
        and len(words) <= 10
        and not _ENDS_SENTENCE.search(quote.text[-20:])
    ):
        return True  # a subheading that is only a quoted phrase
    if len(words) > 4 and not _title_case(quote.text):
        return False
    prev1 = tokens[k - 1].lower if k >= 1 else ""
    prev2 = tokens[k - 2].lower if k >= 2 else ""
    if _title_case(quote.text) and (
        len([w for w in words if len(w) >= 4]) >= 3
        or prev1 in _DOCUMENT_CUES
        or prev2 in _DOCUMENT_CUES
    ):
        return True
    if len(words) > 4:
        return False
    if prev1 in _SO_CALLED or (prev1 == "called" and prev2 == "so"):
        return True
    if prev1 == "as" and prev2 in {"known", "referred"}:
        return True
    if prev1 in {"a", "an", "the"} and any(
        t.lower in _NAMING_VERBS for t in tokens[max(0, k - 4) : k]
    ):
        return True  # "calls it a “...”"
    after = state.sents[quote.last.sentence].tokens[quote.last.token + 1 : quote.last.token + 5]
    after_words = [t.lower for t in after if t.kind == "w"][:3]
    if after and after[0].text in {",", "—", "–"} and any(w in _TERM_NOUNS for w in after_words):
        return True
    folded = fold(quote.text)
    if len(words) >= 2 and counts.get(folded, 0) >= 2:
        return True  # a term the article keeps using
    determined = (
        prev1 in DETERMINERS
        or (k >= 1 and tokens[k - 1].possessive)
        or (words and words[0].lower() in {"a", "an", "the"})
    )
    return bool(determined) and not state.has_speech_verb(quote.first.sentence)


_ENDS_SENTENCE = re.compile(r"[.!?…:][\"'”’»)]*\s*$")
_NARRATIVE = re.compile(r"[^\W_]")


_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’»)]*(?:\s|$)")


def _is_headline(paragraph: str) -> bool:
    """A short line with no sentence in it: a headline or a subheading."""
    return len(text.words(paragraph[:300])) <= 12 and _SENTENCE_BREAK.search(paragraph) is None


def _has_narrative(masked: str) -> bool:
    return _NARRATIVE.search(masked) is not None


def _attribute(
    quote: _Located,
    state: _State,
    partial: bool,
    previous: tuple[int, int | None],
    last_colon: tuple[int, int | None],
) -> int | None:
    """The entity that said a quote.

    A full quote is usually attributed right after it ("“...,” he said"), a fragment by the verb
    that governs it before ("X said the plan was “bold”"); an explicit subject that names nobody
    ("officials said") settles it as None. Failing a verb: the sentence's subject, then, for a
    paragraph that is only a quote, the speaker of the quote before or the person the narrative
    is about.
    """
    first, last = quote.first, quote.last
    after = _after_quote(state, last.sentence, last.token)
    before = state.verb_subject(first.sentence, first.token)
    order = [before, after] if partial else [after, before]
    for status, found in order:
        if status == _ENTITY:
            return found
        if status == _NONE:
            return None
    tokens = state.sents[last.sentence].tokens
    later = _later_verb(state, last.sentence, last.token + 1, len(tokens))
    if later[0] == _ENTITY:
        return later[1]
    if later[0] == _NONE:
        return None
    if before[0] == _INHERIT or after[0] == _INHERIT:
        subject = state.sentence_subject(first.sentence)
        if subject is not None:
            return subject
    p = quote.paragraph
    alone = _only_quotes(state, first.sentence) and _only_quotes(state, last.sentence)
    if alone:
        topic = state.topic if state.person(state.topic) else None
        if previous[1] is not None and p - previous[0] <= 2:
            # Unless the narrative has turned to somebody else since that quote.
            if topic is not None and state.topic_para > previous[0]:
                return topic
            return previous[1]
        if last_colon[1] is not None and p - last_colon[0] == 1:
            return last_colon[1]
        if topic is not None and p - state.topic_para <= 2:
            return topic
        return None
    first_tokens = state.sents[first.sentence].tokens
    if not partial and first.token > 0 and first_tokens[first.token - 1].text in {":", ","}:
        subject = state.sentence_subject(first.sentence, first.token)
        if subject is not None:
            return subject
    return None


def _later_verb(state: _State, s: int, start: int, end: int) -> tuple[str, int | None]:
    tokens = state.sents[s].tokens
    for j in range(start, min(end, start + _VERB_REACH)):
        if tokens[j].kind == "q":
            continue
        if is_speech_verb(tokens, j):
            return state.subject_of(s, j)
    return "", None


def _only_quotes(state: _State, s: int) -> bool:
    return all(t.kind != "w" for t in state.sents[s].tokens)


_TOPIC_PRONOUNS = PRONOUNS | {"his", "her"}


def _update_topic(state: _State, s: int, speakers: list[int]) -> None:
    sent = state.sents[s]
    subject: int | None = speakers[0] if speakers else None
    if subject is None:
        status, found = state.verb_subject(s, len(sent.tokens))
        if status == _ENTITY:
            subject = found
    if subject is None:
        subject = state.sentence_subject(s)
    if subject is not None:
        state.topic = subject
        state.topic_para = sent.paragraph
        return
    words = [t for t in sent.tokens if t.kind == "w"]
    if words[:1] and words[0].lower in _TOPIC_PRONOUNS:
        state.topic_para = sent.paragraph
