"""Change detection and digests: snapshot the picture, diff it with what each chat last got."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.dates import FuzzyDate, Precision
from bot.render_digest import digest as render_digest
from bot.render_digest import encode_buttons
from store import outbox as outbox_queries
from store import queries
from store import subscriptions as sub_queries
from store.subscriptions import SubscriptionRow

log = logging.getLogger(__name__)

DAILY_WINDOW_HOURS = 3  # a daily digest missed at its hour (bot down) is still sent this late
SHOWN_CHANGES = 6


@dataclass(frozen=True, slots=True)
class ClaimState:
    text: str
    status: str
    outlets: int
    numbers: str
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventState:
    text: str
    date: str | None
    precision: str | None
    season: str | None
    disputed: bool


@dataclass(frozen=True, slots=True)
class Picture:
    """What the on-topic articles say, keyed by row id: the thing digests compare."""

    claims: dict[int, ClaimState] = field(default_factory=dict)
    quotes: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (speaker, text)
    events: dict[int, EventState] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "claims": {
                    i: [c.text, c.status, c.outlets, c.numbers, list(c.conflicts)]
                    for i, c in self.claims.items()
                },
                "quotes": {i: list(q) for i, q in self.quotes.items()},
                "events": {
                    i: [e.text, e.date, e.precision, e.season, e.disputed]
                    for i, e in self.events.items()
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Picture:
        data = json.loads(text)
        return cls(
            {
                int(i): ClaimState(c[0], c[1], c[2], c[3], tuple(c[4]))
                for i, c in data.get("claims", {}).items()
            },
            {int(i): (q[0], q[1]) for i, q in data.get("quotes", {}).items()},
            {int(i): EventState(*e) for i, e in data.get("events", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class Change:
    # "correction", "disputed", "corroborated", "new-point", "event", "quote" or "report"
    kind: str
    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Digest:
    from_version: int
    to_version: int
    changes: tuple[Change, ...]  # the ones shown, most important first
    more: int = 0  # changes left out to keep the digest short

    @property
    def empty(self) -> bool:
        return not self.changes


PRIORITY = ("correction", "disputed", "corroborated", "new-point", "event", "quote", "report")


async def read_picture(session: AsyncSession) -> Picture:
    conflicts: dict[int, list[str]] = defaultdict(list)
    for first, second, reason in await sub_queries.picture_conflicts(session):
        conflicts[first].append(reason)
        conflicts[second].append(reason)
    claims = {
        cid: ClaimState(text, status, outlets, numbers, tuple(dict.fromkeys(conflicts[cid])))
        for cid, text, status, outlets, numbers in await sub_queries.picture_claims(session)
    }
    quotes = {qid: (name, text) for qid, name, text in await sub_queries.picture_quotes(session)}
    events = {
        eid: EventState(text, date, precision, season, disputed)
        for eid, text, date, precision, season, disputed in await sub_queries.picture_events(
            session
        )
    }
    return Picture(claims, quotes, events)


def date_label(date: str | None, precision: str | None, season: str | None) -> str:
    if date is None or precision is None:
        return "undated"
    try:
        fuzzy = FuzzyDate.from_iso(date, precision)
    except ValueError:
        return date
    if precision == Precision.SEASON and season:
        fuzzy = FuzzyDate(fuzzy.year, season=season, precision=Precision.SEASON)
    return fuzzy.label()


def changes(old: Picture, new: Picture) -> list[Change]:
    """What a reader who saw `old` needs to hear about `new`, most important first."""
    found: list[Change] = []
    for claim_id, claim in new.claims.items():
        before = old.claims.get(claim_id)
        reason = claim.conflicts[0] if claim.conflicts else ""
        if before is None:
            if claim.status == "disputed":
                found.append(Change("disputed", claim.text, reason))
            elif claim.outlets >= 2:
                found.append(Change("new-point", claim.text, f"{claim.outlets} sources"))
            else:
                found.append(Change("report", claim.text))
            continue
        if claim.status != before.status and claim.status == "corroborated":
            found.append(Change("corroborated", claim.text, f"{claim.outlets} sources"))
        elif claim.status != before.status and claim.status == "disputed":
            found.append(Change("disputed", claim.text, reason))
        if before.numbers and claim.numbers != before.numbers:
            found.append(Change("correction", claim.text, f"{before.numbers} → {claim.numbers}"))
    for quote_id, (speaker, text) in new.quotes.items():
        if quote_id not in old.quotes:
            found.append(Change("quote", text, speaker))
    for event_id, event in new.events.items():
        before_event = old.events.get(event_id)
        label = date_label(event.date, event.precision, event.season)
        if before_event is None:
            if event.date is not None:
                found.append(Change("event", event.text, label))
            continue
        if before_event.date is not None and (event.date, event.precision) != (
            before_event.date,
            before_event.precision,
        ):
            was = date_label(before_event.date, before_event.precision, before_event.season)
            found.append(Change("correction", event.text, f"now dated {label} (was {was})"))
        elif event.disputed and not before_event.disputed:
            found.append(Change("correction", event.text, "sources now disagree on the date"))
    return sorted(found, key=lambda c: PRIORITY.index(c.kind))


def build_digest(old: Picture, new: Picture, from_version: int, to_version: int) -> Digest:
    found = changes(old, new)
    shown = _spread(found, SHOWN_CHANGES)
    return Digest(from_version, to_version, tuple(shown), len(found) - len(shown))


def _spread(found: list[Change], limit: int) -> list[Change]:
    """At most two of a kind first, so one busy kind does not hide the others."""
    picked: list[Change] = []
    per_kind: dict[str, int] = defaultdict(int)
    for change in found:
        if len(picked) < limit and per_kind[change.kind] < 2:
            picked.append(change)
            per_kind[change.kind] += 1
    for change in found:
        if len(picked) >= limit:
            break
        if change not in picked and change.kind != "report":  # single-source news: two at most
            picked.append(change)
    return sorted(picked, key=lambda c: PRIORITY.index(c.kind))


# When a chat is due


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_quiet_hours(hour: int, start: int | None, end: int | None) -> bool:
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def is_due(sub: SubscriptionRow, now: dt.datetime, default_every_minutes: int) -> bool:
    """May this chat get a digest now? Instant: not too soon after the last; daily: at its hour."""
    if sub.mode == "off":
        return False
    local = now.astimezone(zone(sub.timezone))
    if in_quiet_hours(local.hour, sub.quiet_start, sub.quiet_end):
        return False
    last = sub.last_digest_at
    if sub.mode == "daily":
        if (local.hour - sub.hour) % 24 >= DAILY_WINDOW_HOURS:
            return False
        return last is None or last.astimezone(local.tzinfo).date() < local.date()
    every = sub.every_minutes if sub.every_minutes is not None else default_every_minutes
    return last is None or now - last >= dt.timedelta(minutes=every)


@dataclass(frozen=True, slots=True)
class CheckResult:
    version: int
    digests: int = 0
    enqueued: int = 0
    quiet: int = 0  # chats brought up to date with nothing worth telling


class DigestService:
    """Runs the periodic check: snapshot a changed picture, enqueue digests for chats due one."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, default_every_minutes: int
    ) -> None:
        self._sessions = sessions
        self._every = default_every_minutes

    async def baseline(self, session: AsyncSession) -> int:
        """The current picture's version, snapshotted if it is not yet."""
        version = await queries.picture_version(session)
        latest = await sub_queries.latest_snapshot(session)
        if latest is None or latest[0] < version:
            picture = await read_picture(session)
            await sub_queries.save_snapshot(session, version, picture.to_json())
        return version

    async def check(self, now: dt.datetime | None = None) -> CheckResult:
        now = now or dt.datetime.now(dt.UTC)
        async with self._sessions.begin() as session:
            version = await self.baseline(session)
            latest = await sub_queries.latest_snapshot(session)
            assert latest is not None
            version, current_json = latest
            waiting = await sub_queries.pending_subscriptions(session, version)
            if not waiting:
                return CheckResult(version)
            current = Picture.from_json(current_json)
            by_version: dict[int, list[int]] = defaultdict(list)
            silent: list[int] = []
            for sub in waiting:
                if sub.mode == "off":
                    silent.append(sub.chat_id)
                elif is_due(sub, now, self._every):
                    by_version[sub.seen_version].append(sub.chat_id)
            digests = enqueued = 0
            for seen, chat_ids in sorted(by_version.items()):
                old_json = await sub_queries.snapshot(session, seen)
                found = (
                    build_digest(Picture.from_json(old_json), current, seen, version)
                    if old_json is not None
                    else None
                )
                if found is None or found.empty:
                    silent += chat_ids
                    continue
                reply = render_digest(found)
                await outbox_queries.add_digest_and_enqueue(
                    session, seen, version, reply.html, encode_buttons(reply), chat_ids
                )
                await sub_queries.advance(session, chat_ids, version, now)
                digests += 1
                enqueued += len(chat_ids)
            await sub_queries.advance(session, silent, version, None)
            await sub_queries.prune_snapshots(session, version)
        if enqueued:
            log.info("picture v%s: %s digests for %s chats", version, digests, enqueued)
        return CheckResult(version, digests, enqueued, len(silent))

    async def preview(self, chat_id: int | None = None) -> Digest:
        """The next digest: the live picture against what the chat (or the newest reader) got."""
        async with self._sessions() as session:
            sub = await sub_queries.get_subscription(session, chat_id) if chat_id else None
            seen = sub.seen_version if sub else None
            old_json = await sub_queries.snapshot(session, seen) if seen is not None else None
            if old_json is None:
                latest = await sub_queries.latest_snapshot(session)
                seen, old_json = latest if latest else (0, Picture().to_json())
            current = await read_picture(session)
            version = await queries.picture_version(session)
        return build_digest(Picture.from_json(old_json), current, seen or 0, version)
