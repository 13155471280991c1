"""People and organisations named in an article (names, roles, aliases), fuzzy name matching,
and the light lexical analysis (tokens, speech verbs, mentions) that quote attribution uses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz

from bot.pipeline import text


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker: the fullest name form seen, a role when one was given, the other forms seen."""

    name: str
    role: str | None
    aliases: tuple[str, ...]


# --- vocabulary -------------------------------------------------------------------------------

ROLE_HEADS = frozenset(
    """president vice-president premier minister secretary secretary-general chancellor
    spokesman spokeswoman spokesperson aide adviser advisor envoy ambassador chief head director
    commander leader official officer senator governor mayor diplomat chairman chairwoman chair
    chairperson king queen prince pope commissioner negotiator deputy representative lawmaker
    congressman congresswoman mp ceo founder general colonel admiral marshal lieutenant captain
    emir sheikh sultan monarch attorney prosecutor judge coordinator administrator counsellor
    counselor journalist correspondent editor analyst expert economist professor researcher
    strategist ombudsman rapporteur""".split()
)
# Heads that name a news organisation rather than a person.
PUBLICATION_HEADS = frozenset(
    """publication newspaper paper outlet agency broadcaster daily magazine tabloid network
    channel website newsletter""".split()
)
ROLE_MODIFIERS = frozenset(
    """foreign defense defence interior finance economy state special prime vice deputy former
    top senior chief national security policy press presidential communications military acting
    interim executive general first assistant principal associate regional federal high
    permanent managing""".split()
)
ROLE_WORDS = ROLE_HEADS | ROLE_MODIFIERS
# Words that, ending a capitalised name, make it an organisation.
ORG_NOUNS = frozenset(
    """ministry office council agency service department committee commission government
    parliament army forces force bank union party institute university court administration
    authority authorities command staff guard police embassy mission corporation company group
    network news times post press journal herald tribune telegraph gazette daily""".split()
)
_PARTICLES = frozenset(
    "von van der den de da di du la le bin bint ibn al el dos das del ter ten".split()
)
_HONORIFICS = frozenset("mr mrs ms miss dr sir dame lord lady madam mister".split())
_NON_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept oct
    nov dec meanwhile however moreover furthermore nevertheless nonetheless instead indeed later
    earlier previously separately overall finally today yesterday tomorrow tonight although
    though whereas speaking asked according while unlike despite photo read related share sign
    follow watch click subscribe advertisement""".split()
)
PRONOUNS = frozenset({"he", "she"})
_RELATIVES = frozenset({"who", "which", "whose", "whom"})
# Words that may stand between a subject and its verb: "Holt has also said".
_AUX = frozenset(
    """has have had also again then once was were is are been being would will could can may
    might should must did does do not never just only even already recently further later
    earlier still quoted as reportedly publicly explicitly repeatedly separately previously
    himself herself""".split()
)
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
DETERMINERS = frozenset("a an the this that these those its their his her our my your".split())
_PREPOSITIONS = frozenset(
    """of to with between by for from about against on in at into onto over under after before
    than like toward towards among amid via including and or nor his her their its""".split()
)

_SPEECH_LEMMAS = {
    "say": "say says said saying",
    "tell": "tell tells told telling",
    "add": "add adds added adding",
    "stress": "stress stresses stressed stressing",
    "warn": "warn warns warned warning",
    "urge": "urge urges urged urging",
    "emphasize": "emphasize emphasizes emphasized emphasizing emphasise emphasises emphasised "
    "emphasising",
    "acknowledge": "acknowledge acknowledges acknowledged acknowledging",
    "note": "note notes noted noting",
    "insist": "insist insists insisted insisting",
    "argue": "argue argues argued arguing",
    "write": "write writes wrote writing",
    "ask": "ask asks asked asking",
    "declare": "declare declares declared declaring",
    "state": "state states stated stating",
    "explain": "explain explains explained explaining",
    "announce": "announce announces announced announcing",
    "claim": "claim claims claimed claiming",
    "confirm": "confirm confirms confirmed confirming",
    "report": "report reports reported",
    "reply": "reply replies replied replying",
    "respond": "respond responds responded responding",
    "answer": "answer answers answered answering",
    "remark": "remark remarks remarked",
    "comment": "comment comments commented commenting",
    "observe": "observe observes observed observing",
    "suggest": "suggest suggests suggested suggesting",
    "predict": "predict predicts predicted predicting",
    "promise": "promise promises promised promising",
    "pledge": "pledge pledges pledged pledging",
    "vow": "vow vows vowed vowing",
    "admit": "admit admits admitted admitting",
    "assert": "assert asserts asserted asserting",
    "affirm": "affirm affirms affirmed affirming",
    "contend": "contend contends contended",
    "concede": "concede concedes conceded conceding",
    "recall": "recall recalls recalled recalling",
    "reiterate": "reiterate reiterates reiterated reiterating",
    "repeat": "repeated",
    "underline": "underline underlines underlined underlining",
    "underscore": "underscore underscores underscored",
    "highlight": "highlighted",
    "describe": "describe describes described describing",
    "call": "call calls called calling",
    "tweet": "tweet tweets tweeted tweeting",
    "post": "posted",
    "deny": "deny denies denied denying",
    "complain": "complain complains complained complaining",
    "caution": "caution cautions cautioned cautioning",
    "demand": "demand demands demanded demanding",
    "proclaim": "proclaim proclaims proclaimed",
    "testify": "testify testifies testified testifying",
    "continue": "continued",
    "exclaim": "exclaimed",
    "boast": "boasted",
    "lament": "lamented",
    "threaten": "threatened",
    "conclude": "concluded",
    "dismiss": "dismissed",
    "quote": "quoted",
    "reflect": "reflected",
    "accuse": "accuse accuses accused accusing",
    "criticize": "criticize criticizes criticized criticizing criticise criticises criticised "
    "criticising",
    "condemn": "condemn condemns condemned condemning",
    "praise": "praised praising",
    "hail": "hailed hailing",
    "blame": "blamed blaming",
    "joke": "joked",
    "quip": "quipped",
}
SPEECH_VERBS = frozenset(w for forms in _SPEECH_LEMMAS.values() for w in forms.split())
# Every word `is_speech_verb` can accept: testing a token's lower case against it first skips
# the call for the many words that cannot be one.
SPEECH_CUES = SPEECH_VERBS | {"according", "words"}
# Forms that are often nouns ("member states", "a warning"): verbs only right after a subject.
AMBIGUOUS_VERBS = frozenset(
    """state states note notes report reports claim claims answer answers remark remarks comment
    comments call calls promise promises pledge pledges vow vows demand demands warning tweet
    tweets recall recalls caution quoted""".split()
)
# Verbs that may precede their subject: "“...,” said the minister".
INVERTIBLE_VERBS = frozenset(
    """said says added adds asked wrote writes continued explained stressed noted insisted argued
    declared warned replied answered responded recalled remarked observed emphasized emphasised
    acknowledged admitted announced stated tweeted concluded""".split()
)
# Verbs that tell where a report came from rather than who spoke: they mark publications.
_REPORTING_VERBS = frozenset("report reports reported wrote writes published citing".split())

# --- tokens -----------------------------------------------------------------------------------

# The three kinds start with different characters, so their order does not change what matches;
# words come first as most tokens are words, and the lookahead skips blanks without trying each.
_TOKEN = re.compile(
    r"(?=\S)(?:"
    r"(?P<w>[^\W_]+(?:[’'\-.][^\W_]+)*)"
    r"|(?P<q>_+)"
    r"|(?P<p>[,;:()\[\]—–]|(?<!\S)-(?!\S)|[.!?…]+))"
)


class Token(NamedTuple):
    text: str
    lower: str
    start: int
    end: int
    kind: str  # "w" word, "p" punctuation, "q" a masked quote

    @property
    def capitalised(self) -> bool:
        return self.kind == "w" and self.text[0].isupper()

    @property
    def possessive(self) -> bool:
        return self.kind == "w" and self.lower.endswith(("'s", "’s"))

    @property
    def base(self) -> str:
        """The word without a possessive ending."""
        return self.text[:-2] if self.possessive else self.text


def tokenize(paragraph: str, start: int = 0, end: int | None = None) -> list[Token]:
    stop = len(paragraph) if end is None else end
    make = tuple.__new__  # skips NamedTuple's slower constructor: this runs for every word
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(paragraph, start, stop):
        value = match.group()
        first, last = match.span()
        append(make(Token, (value, value.lower(), first, last, match.lastgroup or "p")))
    return tokens


_NEEDS_FOLD = re.compile(r"[^\x00-\x7f‘’“”«»„‚‹›—–…\u00a0]")


def fold(value: str) -> str:
    """text.fold, faster when no letter needs its accents removed."""
    if _NEEDS_FOLD.search(value) is None:
        return " ".join(text.words(value.lower()))
    return text.fold(value)


# The role tests run for nearly every capitalised word, and an article repeats its words.
@lru_cache(maxsize=8192)
def _is_role_word(word: str) -> bool:
    lower = word.lower()
    return lower in ROLE_WORDS or ("-" in lower and any(p in ROLE_HEADS for p in lower.split("-")))


@lru_cache(maxsize=8192)
def _is_role_head(word: str) -> bool:
    lower = word.lower()
    return lower in ROLE_HEADS or ("-" in lower and any(p in ROLE_HEADS for p in lower.split("-")))


def is_speech_verb(tokens: Sequence[Token], index: int) -> bool:
    """Whether tokens[index] is a speech verb here (not a noun such as "member states")."""
    token = tokens[index]
    if token.kind != "w":
        return False
    if token.lower == "according":
        return index + 1 < len(tokens) and tokens[index + 1].lower == "to"
    if token.lower == "words":
        # "in his words", "in the words of X"
        return (index >= 2 and tokens[index - 2].lower == "in") or (
            index >= 1 and tokens[index - 1].lower == "the" and _next_is(tokens, index, "of")
        )
    if token.lower not in SPEECH_VERBS:
        return False
    if index > 0 and (token.text[0].isupper() or tokens[index - 1].lower in DETERMINERS):
        return False
    if token.lower in AMBIGUOUS_VERBS:
        if index == 0:
            return False
        before = tokens[index - 1]
        return (
            before.capitalised
            or before.lower in PRONOUNS
            or before.lower in _AUX
            or before.lower.endswith("ly")
            or _is_role_head(before.text)
        )
    return True


def _next_is(tokens: Sequence[Token], index: int, word: str) -> bool:
    return index + 1 < len(tokens) and tokens[index + 1].lower == word


# --- names ------------------------------------------------------------------------------------

_END_FOLD = re.compile(r"(?:yy|iy|yi|ii|ij|yj|y|i)$")


@lru_cache(maxsize=8192)
def _translit(word: str) -> str:
    """Fold transliteration variants of one name word: -yy, -iy, -i, -y endings all become -y."""
    word = fold(word).replace(" ", "")
    return _END_FOLD.sub("y", word) if len(word) > 3 else word


@lru_cache(maxsize=4096)
def _name_words(name: str) -> tuple[str, ...]:
    words = fold(name).split()
    while words and (words[0] in {"the", "a", "an"} or words[0] in _HONORIFICS):
        words = words[1:]
    while len(words) > 1 and words[-1] in {"jr", "sr", "ii", "iii", "iv"}:
        words = words[:-1]
    return tuple(w[:-2] if w.endswith(("'s", "’s")) else w for w in words)


def _is_org_name(words: Sequence[str]) -> bool:
    return bool(words) and words[-1] in ORG_NOUNS


@lru_cache(maxsize=4096)
def speaker_key(name: str) -> str:
    """A key that is equal for the forms of one speaker: folded surname, transliteration-folded.

    Organisations ("Health Ministry") keep their whole folded name.
    """
    words = _name_words(name)
    if not words:
        return ""
    if _is_org_name(words):
        return " ".join(words)
    return _translit(words[-1])


def match_name(
    query: str, candidates: Sequence[tuple[str, Sequence[str]]], *, cutoff: float = 80
) -> list[tuple[str, float]]:
    """Candidates (canonical name, aliases) that `query` names, best first, scores 0-100."""
    q_words = _name_words(query)
    if not q_words:
        return []
    q_text = " ".join(q_words)
    q_key = speaker_key(query)
    name_like = not any(w in ROLE_WORDS or w in PUBLICATION_HEADS for w in q_words)
    results: list[tuple[str, float]] = []
    for canonical, aliases in candidates:
        best = 0.0
        c_words = _name_words(canonical)
        if (
            name_like
            and len(q_words) > 1
            and len(c_words) > 1
            and not _is_org_name(c_words)
            and _first_score(q_words, c_words) < 60
        ):
            continue  # another first name: "Marta Holt" is not "Anna Holt", nor her alias "Holt"
        for form in (canonical, *aliases):
            f_words = _name_words(form)
            if not f_words:
                continue
            best = max(best, fuzz.ratio(q_text, " ".join(f_words)))
            f_key = speaker_key(form)
            if not (name_like and q_key and f_key):
                continue
            score = float(fuzz.ratio(q_key, f_key))
            if len(q_words) > 1 and len(f_words) > 1 and not _is_org_name(f_words):
                # Two full names: "A. Holt" is "Anna Holt", "Marta Holt" is not.
                score = 0.5 * score + 0.5 * _first_score(q_words, f_words)
            best = max(best, score)
        if best >= cutoff:
            results.append((canonical, float(best)))
    results.sort(key=lambda item: -item[1])
    return results


def _first_score(a: Sequence[str], b: Sequence[str]) -> float:
    if len(b) < 2:
        return 100.0
    first_a, first_b = a[0], b[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return 100.0 if first_a[0] == first_b[0] else 0.0
    return float(fuzz.ratio(_translit(first_a), _translit(first_b)))


# --- entities and mentions --------------------------------------------------------------------


@dataclass(slots=True)
class Entity:
    """A speaker being collected from an article; `kind` is "person", "org" or "unknown"."""

    key: str
    first: str | None
    forms: dict[str, int] = field(default_factory=dict)  # form -> count, first seen first
    roles: dict[str, int] = field(default_factory=dict)
    descriptors: list[str] = field(default_factory=list)
    kind: str = "unknown"
    reported: bool = False  # introduced by "reported", "citing", "according to": a publication?
    placed: bool = False  # named after "in", "across"...: a place or a body, not a person
    _vocab: frozenset[str] | None = None
    _heads: frozenset[str] | None = None

    @property
    def name(self) -> str:
        """The fullest form: most words, then most frequent, then first seen."""
        best = ""
        for form, count in self.forms.items():
            if not best or (len(form.split()), count) > (len(best.split()), self.forms[best]):
                best = form
        return best

    @property
    def role(self) -> str | None:
        best: str | None = None
        for role, count in self.roles.items():
            if best is None or count > self.roles[best]:
                best = role
        return best

    def add_form(self, form: str) -> None:
        self.forms[form] = self.forms.get(form, 0) + 1
        self._vocab = None

    def add_role(self, role: str) -> None:
        self.roles[role] = self.roles.get(role, 0) + 1
        self._vocab = self._heads = None

    def role_words(self) -> frozenset[str]:
        """Words of its roles and names, to compare with descriptors."""
        if self._vocab is None:
            words = {w for role in self.roles for w in _role_vocabulary(role)}
            words.update(w for form in self.forms for w in _role_vocabulary(form))
            self._vocab = frozenset(words)
        return self._vocab

    def role_heads(self) -> frozenset[str]:
        if self._heads is None:
            self._heads = frozenset(h for role in self.roles for h in _role_head_words(role))
        return self._heads

    def person(self) -> Person:
        name = self.name
        aliases = [f for f in self.forms if f != name] + [
            d for d in self.descriptors if d not in self.forms
        ]
        return Person(name, self.role, tuple(dict.fromkeys(aliases)))


@dataclass(frozen=True, slots=True)
class Mention:
    """Tokens [start, end) of one sentence that name entity `entity`."""

    entity: int
    start: int
    end: int
    possessive: bool


_SYNONYMS = {
    "spokesman": "spokesperson",
    "spokeswoman": "spokesperson",
    "advisor": "adviser",
    "counselor": "counsellor",
    "chairman": "chair",
    "chairwoman": "chair",
    "chairperson": "chair",
    "defence": "defense",
    "head": "chief",
    "leader": "chief",
    "boss": "chief",
}
# Titles that make somebody the chief of their organisation: "the alliance chief".
_TOP_TITLES = frozenset(
    "president chief secretary-general secretary general director chair ceo premier chancellor "
    "prime commissioner king queen".split()
)


@lru_cache(maxsize=4096)
def _role_vocabulary(phrase: str) -> tuple[str, ...]:
    words: list[str] = []
    for word in fold(phrase).replace("-", " ").split():
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word in {"the", "a", "an", "of", "to", "for", "and", "s"}:
            continue
        words.append(_SYNONYMS.get(word, word))
    return tuple(words)


@lru_cache(maxsize=4096)
def _role_head_words(role: str) -> tuple[str, ...]:
    """Head nouns of a role: the role words before any preposition ("aide" in "aide to ...")."""
    head_part = re.split(r"\b(?:of|to|for|at|in|with)\b", fold(role), maxsplit=1)[0]
    heads = [w for w in _role_vocabulary(head_part) if w in ROLE_HEADS or w in _SYNONYMS.values()]
    if "secretary" in heads and "general" in heads:
        heads.append("secretary-general")
    return tuple(heads)


def descriptor_score(descriptor: str, entity: Entity) -> float:
    """How well "the alliance chief" describes an entity by its roles (0 when it does not)."""
    words = _role_vocabulary(descriptor)
    if not words:
        return 0.0
    head = words[-1]
    if head in PUBLICATION_HEADS:
        if entity.kind == "person":
            return 0.0
        if entity.kind == "org" or entity.reported:
            return 1.0 + (1.0 if entity.reported else 0.0)
        return 0.5
    vocab = entity.role_words()
    heads = entity.role_heads()
    if head in ORG_NOUNS:
        return 1.0 if head in vocab and entity.kind != "person" else 0.0
    if head == "general" and "secretary" in words:
        head = "secretary-general"
        words = tuple(w for w in words if w != "secretary")
    if head == "secretary-general":
        matched = "secretary-general" in heads or {"secretary", "general"} <= vocab
    elif head == "chief":
        matched = bool(heads & _TOP_TITLES) or "chief" in heads
    else:
        matched = head in heads or head in vocab
    if not matched:
        return 0.0
    others = [w for w in words[:-1] if w not in ROLE_MODIFIERS or w in vocab]
    if not others:
        return 1.0
    hits = sum(1 for w in others if w in vocab)
    if hits == 0 and len(others) >= 1 and any(w[0].isalpha() for w in others):
        # "the palace spokesman" must not describe a spokesperson of somebody else.
        return 0.2
    return 1.0 + hits / len(others)


@dataclass(slots=True)
class _Candidate:
    sentence: int
    start: int  # token index of the name
    end: int
    name: str
    role: str | None
    possessive: bool
    qualified: bool
    reported: bool


@dataclass(slots=True)
class Cast:
    """Entities of one article and their mentions, per sentence."""

    entities: list[Entity]
    mentions: list[list[Mention]]  # per sentence
    by_token: list[dict[int, Mention]]  # per sentence: token index -> mention

    def people(self) -> list[Person]:
        return [e.person() for e in self.entities]


@dataclass(frozen=True, slots=True)
class SentenceTokens:
    paragraph: int
    start: int
    end: int
    tokens: list[Token]


def split_tokens(paragraphs: Sequence[str]) -> list[SentenceTokens]:
    """Sentences of all paragraphs as token lists, in document order."""
    result: list[SentenceTokens] = []
    for index, paragraph in enumerate(paragraphs):
        for start, end in text.split_sentences(paragraph):
            result.append(SentenceTokens(index, start, end, tokenize(paragraph, start, end)))
    return result


def _runs(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words (with name particles), split after a possessive."""
    caps = [t.kind == "w" and t.text[0].isupper() for t in tokens]
    runs: list[tuple[int, int]] = []
    n = len(tokens)
    i = 0
    while i < n:
        if not caps[i]:
            i += 1
            continue
        j = i
        while j < n:
            if caps[j] or (j > i and tokens[j].lower in _PARTICLES and j + 1 < n and caps[j + 1]):
                j += 1
                if tokens[j - 1].possessive:
                    break
                continue
            break
        runs.append((i, j))
        i = j
    return runs


_ORG_LINKS = frozenset({"of", "for", "on", "the"})


def _joins(tokens: Sequence[Token], left: tuple[int, int], start: int, end: int) -> bool:
    """Whether two capitalised runs name one organisation: "the country's Health Ministry",
    "Institute for the Study of War", "Ministry of Foreign Affairs"."""
    if left[1] == start:
        return tokens[start - 1].possessive and tokens[end - 1].lower in ORG_NOUNS
    gap = tokens[left[1] : start]
    if not gap or len(gap) > 2 or any(t.lower not in _ORG_LINKS for t in gap):
        return False
    if gap[0].lower == "the":
        return False
    return any(tokens[k].lower in _ORG_WORDS for k in range(left[0], left[1]))


# Nouns that head an organisation's name before "of"/"for": "Institute for ...".
_ORG_HEADS = frozenset(
    """institute ministry council bank university school centre center foundation organisation
    organization association federation league office department agency commission committee
    court academy museum society union""".split()
)
# Words that make a capitalised run an organisation's name, joined once rather than per test.
_ORG_WORDS = ORG_NOUNS | _ORG_HEADS


def _role_before(tokens: Sequence[Token], start: int, paragraph: str) -> tuple[str | None, int]:
    """A role phrase ending right before tokens[start]: "palace spokesman", "US Secretary of"."""
    i = start - 1
    first = start
    has_head = False
    while i >= 0:
        token = tokens[i]
        if token.kind != "w":
            break
        if _is_role_word(token.text) or token.capitalised:
            if token.lower in text.STOPWORDS or token.lower in _NON_NAMES:
                break
            has_head = has_head or _is_role_head(token.text)
            first = i
            i -= 1
            continue
        if (
            token.lower in {"of", "for"}
            and i > 0
            and (
                _is_role_word(tokens[i - 1].text)
                or (token.lower == "of" and tokens[i - 1].capitalised)
            )
        ):
            i -= 1
            continue
        if (
            has_head
            and not tokens[i + 1].capitalised
            and token.lower not in text.STOPWORDS
            and token.lower not in SPEECH_VERBS
            and not token.lower.endswith(("ed", "ing", "ly"))
        ):
            # A compound before a lowercase title: "port authority chief".
            first = i
            i -= 1
            continue
        break
    if not has_head or first == start:
        return None, start
    return paragraph[tokens[first].start : tokens[start - 1].end], first


def _appositive_role(tokens: Sequence[Token], end: int, paragraph: str) -> str | None:
    """ ", the European Union's top diplomat," or ", an aide to the president" after a name."""
    if end >= len(tokens) or tokens[end].text != ",":
        return None
    i = end + 1
    if i < len(tokens) and tokens[i].lower in {"the", "a", "an"}:
        i += 1
    first = i
    head = -1
    while i < len(tokens) and i - first < 10:
        token = tokens[i]
        if token.kind != "w":
            break
        if token.lower in _RELATIVES:
            return None
        if head < 0 and _is_role_head(token.text):
            head = i
        elif head < 0 and (token.lower in SPEECH_VERBS or token.lower in text.STOPWORDS):
            return None  # a clause, not a role: ", says the minister"
        i += 1
    if head < 0 or first >= i:
        return None
    # The head must come early: "a spokesperson for X", not "who met the president".
    if head - first > 4:
        return None
    if head + 1 < i and tokens[head].capitalised and tokens[head + 1].capitalised:
        return None  # ", President X Y": another person named, not a role

    return paragraph[tokens[first].start : tokens[i - 1].end]


def _verb_after(tokens: Sequence[Token], end: int) -> tuple[bool, str]:
    """Whether a speech verb follows a name ending at `end` (skipping "has also", appositives)."""
    i = end
    n = len(tokens)
    citing = False
    for _ in range(2):
        if not (i < n and tokens[i].text == ","):
            break
        # ", the alliance chief, said" / ", citing sources, reported"
        j = i + 1
        while j < n and j - i < 14 and tokens[j].text != "," and tokens[j].kind != "q":
            j += 1
        if not (j < n and tokens[j].text == ","):
            return False, ""
        citing = citing or (i + 1 < n and tokens[i + 1].lower == "citing")
        i = j + 1
    if i < n and tokens[i].text == "(":
        closing = i + 1
        while closing < min(n, i + 12) and tokens[closing].text != ")":
            closing += 1
        if closing < n and tokens[closing].text == ")":
            i = closing + 1
    while i < n and tokens[i].kind == "w":
        lower = tokens[i].lower
        if lower in _AUX or (lower.endswith("ly") and lower not in SPEECH_VERBS):
            i += 1
            continue
        if lower in {"on", "last", "this"} and i + 1 < n and tokens[i + 1].lower in _WEEKDAYS:
            i += 2
            continue
        if lower in _WEEKDAYS:
            i += 1
            continue
        break
    if i < n and is_speech_verb(tokens, i) and tokens[i].lower not in {"according", "words"}:
        return True, "citing" if citing else tokens[i].lower
    return False, ""


def _inverted_before(tokens: Sequence[Token], start: int, end: int) -> tuple[bool, bool]:
    """Whether a name at `start` is the subject of a preceding verb: "said X", "according to X"."""
    i = start - 1
    while (
        i >= 0
        and tokens[i].kind == "w"
        and (_is_role_word(tokens[i].text) or tokens[i].capitalised or tokens[i].lower == "the")
    ):
        i -= 1
    if i >= 1 and tokens[i].lower == "to" and tokens[i - 1].lower == "according":
        return True, True
    # "“...,” said X." but not "X said the Senate would ...".
    if (
        i >= 0
        and tokens[i].lower in INVERTIBLE_VERBS
        and (i == 0 or tokens[i - 1].kind != "w")
        and (end >= len(tokens) or tokens[end].kind != "w")
    ):
        return True, False
    return False, False


def _name_part(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int]:
    """Trim a capitalised run to its name: no leading function words, no role words."""
    while start < end and (
        tokens[start].lower in text.STOPWORDS
        or tokens[start].lower in _NON_NAMES
        or tokens[start].lower.rstrip(".") in _HONORIFICS
        or tokens[start].lower.endswith("ly")
    ):
        start += 1
    # An organisation's name keeps its words ("Health Ministry", "Ministry of Foreign
    # Affairs"); only a title after it starts a person's name: "Bank of X Governor Y Z".
    org_at = max((k for k in range(start, end) if tokens[k].lower in _ORG_WORDS), default=-1)
    last_role = -1
    for k in range(max(start, org_at + 1), end):
        word = tokens[k].base
        if _is_role_head(word) if org_at >= 0 else _is_role_word(word):
            last_role = k
    if last_role >= 0:
        start = last_role + 1
    while start < end and (
        tokens[start].lower.rstrip(".") in _HONORIFICS
        or (len(tokens[start].base) > 1 and tokens[start].base.isupper() and end - start > 1)
    ):
        start += 1
    return start, end


_GROUP_NOUNS = frozenset(
    """officials sources analysts experts critics residents witnesses observers authorities police
    lawmakers officers investigators prosecutors researchers scientists economists doctors
    diplomats leaders ministers protesters activists locals citizens voters people reports
    documents data figures polls""".split()
)


def _common_word(lower: str, lowercase: set[str]) -> bool:
    """Whether a sentence-initial capitalised word is an ordinary word of the article."""
    return (
        lower in lowercase
        or lower in _GROUP_NOUNS
        or lower.rstrip("s") in ROLE_HEADS
        or lower in text.STOPWORDS
    )


def analyse(paragraphs: Sequence[str], sentences: Sequence[SentenceTokens] | None = None) -> Cast:
    """Find the article's speakers and every mention of them."""
    sents = list(sentences) if sentences is not None else split_tokens(paragraphs)
    lowercase = {
        t.text for sent in sents for t in sent.tokens if t.kind == "w" and t.text.islower()
    }
    candidates: list[_Candidate] = []
    for s_index, sent in enumerate(sents):
        tokens = sent.tokens
        paragraph = paragraphs[sent.paragraph]
        merged: list[tuple[int, int]] = []
        for start, end in _runs(tokens):
            if merged and _joins(tokens, merged[-1], start, end):
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        colon_quote: bool | None = None
        first_run = merged[0][0] if merged else -1
        for run_start, run_end in merged:
            start, end = _name_part(tokens, run_start, run_end)
            if start >= end:
                continue
            if end - start > 4 and not any(
                tokens[k].lower in _ORG_WORDS for k in range(start, end)
            ):
                continue
            if any(not tokens[k].text[:1].isalpha() for k in range(start, end)):
                continue
            name = paragraph[tokens[start].start : tokens[end - 1].end]
            possessive = tokens[end - 1].possessive
            if possessive:
                name = name[:-2]
            if (
                tokens[end - 1].lower in ORG_NOUNS
                and start > run_start
                and tokens[start - 1].possessive
            ):
                # Keep the owner in "Norway's Health Ministry".
                start -= 1
                name = paragraph[tokens[start].start : tokens[end - 1].end]
            if end - start == 1 and start == 0 and _common_word(tokens[0].lower, lowercase):
                continue  # "Officials said": a capitalised common noun, not a name
            role, _ = _role_before(tokens, start, paragraph)
            appositive = _appositive_role(tokens, end, paragraph) if not possessive else None
            verb_found, verb = (False, "") if possessive else _verb_after(tokens, end)
            inverted, according = _inverted_before(tokens, start, end)
            qualified = bool(role or appositive or verb_found or inverted)
            if not qualified and not possessive and run_start == first_run:
                # The subject of a sentence that introduces a quote: "X was blunt: “...”".
                if colon_quote is None:
                    colon_quote = any(
                        t.kind == "q" and k > 0 and tokens[k - 1].text == ":"
                        for k, t in enumerate(tokens)
                    )
                qualified = colon_quote
            candidates.append(
                _Candidate(
                    s_index,
                    start,
                    end,
                    name,
                    role or appositive,
                    possessive,
                    qualified,
                    verb in _REPORTING_VERBS or according,
                )
            )
    entities: list[Entity] = []
    by_key: dict[str, list[int]] = {}

    def lookup(words: tuple[str, ...], key: str, create: bool) -> int | None:
        first = words[0] if len(words) > 1 and not _is_org_name(words) else None
        options = by_key.get(key, [])
        for index in reversed(options):
            entity = entities[index]
            if first is None or entity.first is None:
                return index
            if _first_score([first], [entity.first, "x"]) >= 80:
                return index
        if not create:
            return None
        entities.append(Entity(key, first))
        by_key.setdefault(key, []).append(len(entities) - 1)
        return len(entities) - 1

    for cand in candidates:
        if not cand.qualified:
            continue
        words = _name_words(cand.name)
        key = speaker_key(cand.name)
        if not words or not key:
            continue
        index = lookup(words, key, create=True)
        assert index is not None
        entity = entities[index]
        if entity.first is None and len(words) > 1 and not _is_org_name(words):
            entity.first = words[0]
    mentions: list[list[Mention]] = [[] for _ in sents]
    for cand in candidates:
        words = _name_words(cand.name)
        key = speaker_key(cand.name)
        if not words or not key:
            continue
        found = lookup(words, key, create=False)
        if found is None:
            continue
        entity = entities[found]
        entity.add_form(cand.name)
        if cand.role:
            entity.add_role(cand.role)
        entity.reported = entity.reported or cand.reported
        before = sents[cand.sentence].tokens[cand.start - 1].lower if cand.start else ""
        entity.placed = entity.placed or before in _PLACE_PREPOSITIONS
        mentions[cand.sentence].append(Mention(found, cand.start, cand.end, cand.possessive))
    for entity in entities:
        entity.kind = _kind(entity)
    _collect_descriptors(paragraphs, sents, entities)
    by_token = [{k: m for m in ms for k in range(m.start, m.end)} for ms in mentions]
    return Cast(entities, mentions, by_token)


_PLACE_PREPOSITIONS = frozenset("in into across throughout inside outside within".split())


def _kind(entity: Entity) -> str:
    forms = [_name_words(f) for f in entity.forms]
    if any(_is_org_name(w) for w in forms if w):
        return "org"
    if entity.roles or any(len(w) > 1 for w in forms):
        return "person"
    if entity.placed or any(len(f) > 1 and f.isupper() for f in entity.forms):
        return "org"  # a place or body: "in X", or an acronym
    return "unknown"


def descriptor_at(tokens: Sequence[Token], index: int) -> tuple[int, str] | None:
    """A descriptor ending at tokens[index], "the alliance chief": (start token, its text)."""
    token = tokens[index]
    if token.kind != "w":
        return None
    lower = token.lower
    if not (_is_role_head(lower) or lower in PUBLICATION_HEADS or lower in ORG_NOUNS):
        return None
    i = index - 1
    while i >= 0 and index - i <= 5:
        word = tokens[i]
        if word.kind != "w":
            return None
        if word.lower == "the":
            return i, " ".join(t.text for t in tokens[i : index + 1])
        if word.lower in text.STOPWORDS and not word.possessive:
            return None
        i -= 1
    return None


def descriptor_end(tokens: Sequence[Token], index: int) -> int:
    """Extend a descriptor ending at `index` by "of State" / "of the X" when present."""
    n = len(tokens)
    if index + 2 < n and tokens[index + 1].lower == "of" and tokens[index + 2].capitalised:
        return index + 2
    return index


_DESCRIPTOR_HEADS = ROLE_HEADS | PUBLICATION_HEADS


def _collect_descriptors(
    paragraphs: Sequence[str], sents: Sequence[SentenceTokens], entities: list[Entity]
) -> None:
    if not entities:
        return
    resolved: dict[str, int | None] = {}
    for sent in sents:
        tokens = sent.tokens
        for index, token in enumerate(tokens):
            lower = token.lower
            if lower not in _DESCRIPTOR_HEADS and not ("-" in lower and _is_role_head(lower)):
                continue
            found = descriptor_at(tokens, index)
            if found is None:
                continue
            start, _ = found
            end = descriptor_end(tokens, index)
            phrase = paragraphs[sent.paragraph][tokens[start].start : tokens[end].end]
            phrase = "the" + phrase[3:]
            if phrase.endswith(("'s", "’s")):
                phrase = phrase[:-2]
            key = phrase.lower()
            if key in resolved:
                continue
            scores = [descriptor_score(phrase, e) for e in entities]
            best = max(scores)
            resolved[key] = None
            if best >= 1.0 and scores.count(best) == 1:
                resolved[key] = scores.index(best)
                entities[scores.index(best)].descriptors.append(phrase)


def find_people(paragraphs: Sequence[str]) -> list[Person]:
    """People (and speaking organisations) named in an article, in order of first mention."""
    return analyse([p if isinstance(p, str) else "" for p in paragraphs]).people()
