"""What an ingesting process has read of the store's lookup indexes, kept warm between articles.

Each article's ingest asks the store the same kinds of question: the newest claims, events,
quotes and articles filed under each of its words, how many of the story's articles use each
word, the text of the claims it compares. Most of the answers were read for the article before
and are unchanged since, so reading them again is most of an ingest's database cost, and the
part that grows with the store.

`WarmIndex` keeps those answers for one process. Each transaction reads and writes through its
own `Overlay`: what it reads is taken from the warm copy where known and from the database
where not, what it files (new claims under their words, ...) changes its overlay only, and the
overlay joins the warm copy only once the transaction has committed, so a rollback leaves
nothing behind.

The picture version tells whether the warm copy still holds. Every ingest that writes facts
counts the version up in the transaction that writes them, and only ingests write the indexed
tables. A transaction that starts from the version the warm copy was left at, and writes the
next one, saw no other writer: its overlay joins the warm copy. Any other sequence means
another process (or another transaction of this one) wrote in between, and the warm copy is
dropped, to be read afresh. With one ingesting process, as is usual, the copy stays warm; with
several, each is as good as a direct read.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import ChainMap
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# Words (or hashes) kept per index: far more than one article asks about, far fewer than a
# large store holds. About 0.5 KB each at 50 ids.
MAX_TERMS = 50_000
MAX_TEXTS = 50_000  # claim texts kept
_SESSION_KEY = "warm_index_overlay"

IndexKey = tuple[str, int]  # (index table, ids kept per term)


class WarmIndex:
    """One process's warm copy of the lookups its ingests make."""

    def __init__(self, max_terms: int = MAX_TERMS, max_texts: int = MAX_TEXTS) -> None:
        self.max_terms = max_terms
        self.max_texts = max_texts
        self.version: int | None = None
        # Newest ids filed under each term, newest first; a list shorter than its index's
        # per-term count is every id the term has.
        self.newest: dict[IndexKey, dict[Any, array[int]]] = {}
        self.story_counts: dict[str, int] = {}
        self.claim_texts: dict[int, str] = {}

    def begin(self, session: AsyncSession) -> Overlay:
        """The overlay for a transaction on `session`, found by the store's queries."""
        overlay = Overlay(self)
        session.info[_SESSION_KEY] = overlay
        return overlay

    def commit(self, overlay: Overlay) -> None:
        """After the overlay's transaction committed: what it read and filed joins the warm copy
        if no other writer came in between, else the copy is dropped."""
        read, written = overlay.version_read, overlay.version_written
        if read is None:  # it asked nothing
            return
        alone = self.version == read and (written is None or written == read + 1)
        if not alone:
            self.clear()
            return
        for key in [key for key in self.newest if key[0] in overlay.forgotten]:
            del self.newest[key]
        for key, terms in overlay.newest.items():
            _bounded_update(self.newest.setdefault(key, {}), terms, self.max_terms)
        _bounded_update(self.story_counts, overlay.story_counts, self.max_terms)
        _bounded_update(self.claim_texts, overlay.claim_texts, self.max_texts)
        self.version = read if written is None else written

    def clear(self) -> None:
        self.version = None
        self.newest.clear()
        self.story_counts.clear()
        self.claim_texts.clear()


class Overlay:
    """One transaction's reads and filings, on top of the warm copy."""

    def __init__(self, warm: WarmIndex) -> None:
        self.warm = warm
        self.version_read: int | None = None
        self.version_written: int | None = None
        self.newest: dict[IndexKey, dict[Any, array[int]]] = {}
        self.story_counts: dict[str, int] = {}
        self.claim_texts: dict[int, str] = {}
        self.forgotten: set[str] = set()  # indexes whose warm copy no longer holds

    def start(self, version: int) -> None:
        """The picture version the transaction found: a warm copy left at another one is out of
        date, and dropped."""
        self.version_read = version
        if self.warm.version != version:
            self.warm.clear()
            self.warm.version = version

    # Newest ids per term

    def known_newest(
        self, key: IndexKey, terms: Iterable[Any]
    ) -> tuple[dict[Any, list[int]], list[Any]]:
        """The ids known for each of `terms` (newest first), and the terms to read."""
        known: dict[Any, list[int]] = {}
        missing: list[Any] = []
        mine = self.newest.get(key, {})
        warm = self._warm_newest(key)
        for term in terms:
            ids = mine.get(term)
            if ids is None:
                ids = warm.get(term)
            if ids is None:
                missing.append(term)
            elif ids:
                known[term] = ids.tolist()
        return known, missing

    def read_newest(self, key: IndexKey, terms: Iterable[Any], found: dict[Any, list[int]]) -> None:
        """What the database gave for `terms` (a term it has no ids for is known empty)."""
        mine = self.newest.setdefault(key, {})
        for term in terms:
            mine[term] = array("q", found.get(term, ()))

    def file(self, table: str, pairs: Iterable[tuple[Any, int]]) -> None:
        """Ids this transaction filed under terms in `table`, as the database now holds them."""
        for key in self._keys_of(table):
            mine = self.newest.setdefault(key, {})
            warm = self._warm_newest(key)
            per_term = key[1]
            for term, new_id in pairs:
                ids = mine.get(term)
                if ids is None:
                    ids = warm.get(term)
                    if ids is None:
                        continue  # not known: a read will find it in the database
                    ids = array("q", ids)
                mine[term] = _with_id(ids, new_id, per_term)

    def forget(self, table: str) -> None:
        """Rows were deleted from `table`: what is known of it is read afresh, and the warm copy
        of it is dropped when this transaction commits."""
        self.forgotten.add(table)
        for key in [key for key in self.newest if key[0] == table]:
            del self.newest[key]

    def _warm(self) -> WarmIndex:
        """The warm copy, or an empty one until the transaction has found the version."""
        return self.warm if self.version_read is not None else _COLD

    def _warm_newest(self, key: IndexKey) -> dict[Any, array[int]]:
        return {} if key[0] in self.forgotten else self._warm().newest.get(key, {})

    def _keys_of(self, table: str) -> Iterator[IndexKey]:
        keys = set(self.newest) | set(self._warm().newest)
        return (key for key in keys if key[0] == table)

    # The story's word counts

    def known_story_counts(self, terms: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        known: dict[str, int] = {}
        missing: list[str] = []
        counts = ChainMap(self.story_counts, self._warm().story_counts)  # this transaction's first
        for term in terms:
            count = counts.get(term)
            if count is None:
                missing.append(term)
            elif count:
                known[term] = count
        return known, missing

    def read_story_counts(self, terms: Iterable[str], found: dict[str, int]) -> None:
        for term in terms:
            self.story_counts[term] = found.get(term, 0)

    def count_story_terms(self, terms: Iterable[str]) -> None:
        """One more on-topic article uses each of `terms`."""
        counts = ChainMap(self.story_counts, self._warm().story_counts)
        for term in terms:
            count = counts.get(term)
            if count is not None:
                self.story_counts[term] = count + 1

    # Claim texts, which never change

    def known_claim_texts(self, ids: Iterable[int]) -> tuple[dict[int, str], list[int]]:
        known: dict[int, str] = {}
        missing: list[int] = []
        texts = ChainMap(self.claim_texts, self._warm().claim_texts)
        for claim_id in ids:
            text = texts.get(claim_id)
            if text is None:
                missing.append(claim_id)
            else:
                known[claim_id] = text
        return known, missing

    def read_claim_texts(self, found: dict[int, str]) -> None:
        self.claim_texts.update(found)


_COLD = WarmIndex(max_terms=0, max_texts=0)  # never filled


def overlay_of(session: AsyncSession) -> Overlay | None:
    """The overlay of the transaction on `session`, if its ingest keeps one."""
    overlay = session.info.get(_SESSION_KEY)
    return overlay if isinstance(overlay, Overlay) else None


def _with_id(ids: array[int], new_id: int, per_term: int) -> array[int]:
    """`ids` (newest first) with `new_id` in its place, still the newest `per_term`."""
    descending = [-i for i in ids]
    at = bisect_left(descending, -new_id)
    if at < len(ids) and ids[at] == new_id:
        return ids
    if at >= per_term:
        return ids  # older than every id kept, and the list is full
    merged = array("q", ids[:at])
    merged.append(new_id)
    merged.extend(ids[at : per_term - 1])
    return merged


def _bounded_update(target: dict[Any, Any], new: dict[Any, Any], limit: int) -> None:
    """`target.update(new)`, then the oldest entries dropped beyond `limit`."""
    for key in new:
        target.pop(key, None)  # a refreshed entry becomes the newest
    target.update(new)
    excess = len(target) - limit
    if excess > 0:
        for key in list(islice(target, excess)):
            del target[key]
