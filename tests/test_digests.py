"""Change detection on a real store: what a digest says, and when nothing triggers one."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.config import Settings
from bot.digests import (
    ClaimState,
    DigestService,
    EventState,
    Picture,
    build_digest,
    changes,
    in_quiet_hours,
    is_due,
)
from bot.render_digest import digest as render_digest
from bot.subscriptions import SubscriptionService, parse_settings
from store import outbox as outbox_queries
from store.subscriptions import SubscriptionRow
from tests.conftest import SEEDS, ingest_all
from tests.fake_bot_api import parse_telegram_html

SEED_FILES = sorted(SEEDS.glob("*.txt"))
LATE = SEED_FILES[2]  # an article that corroborates claims the others made alone
OFF_TOPIC = (
    "Slow-roasted tomatoes keep for a week in the fridge if covered in olive oil and garlic.\n\n"
    "The trick is a low oven, a pinch of sugar and patience: three hours at 120 degrees turns "
    "even winter tomatoes sweet. Serve them on toast with ricotta, or fold them into pasta with "
    "basil. Home cooks swear by the method, and it costs almost nothing.\n\n"
    "Leftover oil from the jar makes a fine salad dressing with a splash of vinegar."
)
UTC = dt.UTC


def picture(**claims: tuple[str, int]) -> Picture:
    return Picture({i: ClaimState(f"claim {name}", status, outlets, "")
                    for i, (name, (status, outlets)) in enumerate(claims.items(), 1)})  # fmt: skip


def test_a_claim_that_becomes_corroborated_or_disputed_is_news() -> None:
    old = picture(a=("single-source", 1), b=("single-source", 1), c=("corroborated", 2))
    new = picture(a=("corroborated", 2), b=("disputed", 1), c=("corroborated", 3))
    kinds = [(c.kind, c.text) for c in changes(old, new)]
    assert kinds == [("disputed", "claim b"), ("corroborated", "claim a")]


def test_new_quotes_dated_events_and_corrections() -> None:
    old = Picture(
        quotes={1: ("Ann Example", "We will")},
        events={1: EventState("talks begin", "2026-02", "month", None, False),
                2: EventState("vote", None, None, None, False)},
    )  # fmt: skip
    new = Picture(
        quotes={1: ("Ann Example", "We will"), 2: ("Ann Example", "We are ready")},
        events={1: EventState("talks begin", "2026-02-03", "day", None, False),
                2: EventState("vote", None, None, None, False),
                3: EventState("summit", "2026-03-10", "day", None, False),
                4: EventState("someday", None, None, None, False)},
    )  # fmt: skip
    found = {(c.kind, c.text, c.detail) for c in changes(old, new)}
    assert found == {
        ("quote", "We are ready", "Ann Example"),
        ("event", "summit", "10 Mar 2026"),
        ("correction", "talks begin", "now dated 3 Feb 2026 (was Feb 2026)"),
    }


def test_a_changed_number_is_a_correction() -> None:
    old = Picture({1: ClaimState("75% of missiles", "corroborated", 2, "75 %")})
    new = Picture({1: ClaimState("75% of missiles", "corroborated", 2, "70 %")})
    (change,) = changes(old, new)
    assert change.kind == "correction" and "75 % → 70 %" in change.detail


def test_the_same_picture_changes_nothing_and_survives_json() -> None:
    old = picture(a=("corroborated", 2))
    assert changes(old, Picture.from_json(old.to_json())) == []
    assert build_digest(old, old, 1, 1).empty


def test_a_digest_is_a_few_lines_of_valid_html_with_the_three_buttons() -> None:
    old = Picture()
    new = picture(**{f"x{i}": ("single-source", 1) for i in range(40)}, y=("corroborated", 2))
    reply = render_digest(build_digest(old, new, 0, 1))
    parse_telegram_html(reply.html)
    assert len(reply.html.splitlines()) <= 10
    assert "more changes" in reply.html
    assert [b.data for b in reply.buttons[0]] == ["cmd:summary", "cmd:quotes", "cmd:timeline"]


def sub(mode: str = "instant", **values: object) -> SubscriptionRow:
    base: dict[str, object] = {"chat_id": 1, "kind": "private", "active": True, "mode": mode,
                               "hour": 8, "timezone": "UTC", "quiet_start": None,
                               "quiet_end": None, "every_minutes": None, "seen_version": 0,
                               "last_digest_at": None}  # fmt: skip
    base.update(values)
    return SubscriptionRow(**base)  # type: ignore[arg-type]


def test_instant_digests_wait_out_the_minimum_interval() -> None:
    now = dt.datetime(2026, 2, 3, 12, 0, tzinfo=UTC)
    assert is_due(sub(), now, 15)
    assert not is_due(sub(last_digest_at=now - dt.timedelta(minutes=5)), now, 15)
    assert is_due(sub(last_digest_at=now - dt.timedelta(minutes=16)), now, 15)
    assert is_due(sub(every_minutes=0, last_digest_at=now), now, 15)
    assert not is_due(sub("off"), now, 15)


def test_daily_digests_come_at_the_local_hour_once_a_day() -> None:
    berlin = sub("daily", hour=8, timezone="Europe/Berlin")
    assert is_due(berlin, dt.datetime(2026, 2, 3, 7, 5, tzinfo=UTC), 15)  # 08:05 in Berlin
    assert not is_due(berlin, dt.datetime(2026, 2, 3, 12, 0, tzinfo=UTC), 15)
    sent = sub("daily", hour=8, timezone="Europe/Berlin",
               last_digest_at=dt.datetime(2026, 2, 3, 7, 5, tzinfo=UTC))  # fmt: skip
    assert not is_due(sent, dt.datetime(2026, 2, 3, 8, 0, tzinfo=UTC), 15)
    assert is_due(sent, dt.datetime(2026, 2, 4, 7, 0, tzinfo=UTC), 15)


def test_quiet_hours_wrap_midnight() -> None:
    assert in_quiet_hours(23, 22, 7) and in_quiet_hours(3, 22, 7)
    assert not in_quiet_hours(7, 22, 7) and not in_quiet_hours(12, 22, 7)
    night = dt.datetime(2026, 2, 3, 23, 30, tzinfo=UTC)
    assert not is_due(sub(quiet_start=22, quiet_end=7), night, 15)


def test_settings_words() -> None:
    assert parse_settings(["daily", "7", "Europe/Berlin"]) == (
        {"digest_mode": "daily"}, {"hour": 7, "timezone": "Europe/Berlin"})  # fmt: skip
    assert parse_settings(["quiet", "22-7"]) == ({}, {"quiet_start": 22, "quiet_end": 7})
    assert parse_settings(["every", "30"]) == ({"digest_mode": "instant"}, {"every_minutes": 30})
    assert parse_settings(["dates", "iso"]) == ({"date_style": "iso"}, {})
    assert parse_settings(["timezone", "utc"]) == ({}, {"timezone": "UTC"})
    for bad in (["daily", "25"], ["timezone", "Mars/Olympus"], ["frobnicate"], [],
                ["dates", "roman"], ["quiet", "22-"]):  # fmt: skip
        with pytest.raises(ValueError):
            parse_settings(bad)


# On a real store


@pytest.fixture
async def early(settings: Settings) -> AsyncIterator[Services]:
    """Every seed but LATE in the store."""
    async with open_services(settings) as services:
        await ingest_all(services, *[str(p) for p in SEED_FILES if p != LATE])
        yield services


def desk(services: Services) -> tuple[DigestService, SubscriptionService]:
    digests = DigestService(services.sessions, default_every_minutes=0)
    return digests, SubscriptionService(services.sessions, digests, default_every_minutes=0)


async def queued(services: Services) -> list[tuple[int, int, str, dt.datetime | None]]:
    async with services.sessions() as session:
        return await outbox_queries.deliveries(session)


async def test_a_corroborating_article_queues_one_digest_per_subscriber(early: Services) -> None:
    digests, subscriptions = desk(early)
    for chat_id in (11, 12, 13):
        await subscriptions.subscribe(chat_id, "private", None)
    assert (await digests.check()).enqueued == 0  # subscribing does not replay the past

    (line,) = await ingest_all(early, str(LATE))
    assert line.startswith("added")
    result = await digests.check()
    assert (result.digests, result.enqueued) == (1, 3)
    assert sorted(chat for _, chat, _, _ in await queued(early)) == [11, 12, 13]
    preview = await digests.preview(11)
    assert preview.empty  # the chat is now up to date
    assert (await digests.check()).enqueued == 0  # and nothing is queued twice


async def test_the_digest_names_the_corroborated_claim(early: Services) -> None:
    digests, subscriptions = desk(early)
    await subscriptions.subscribe(5, "private", None)
    await ingest_all(early, str(LATE))
    preview = await digests.preview(5)
    assert any(c.kind == "corroborated" for c in preview.changes)
    assert "Now corroborated" in render_digest(preview).html


async def test_a_syndicated_copy_or_off_topic_article_triggers_nothing(
    early: Services, tmp_path: Path
) -> None:
    digests, subscriptions = desk(early)
    await subscriptions.subscribe(21, "private", None)
    copy = tmp_path / "copy.txt"
    copy.write_text(SEED_FILES[0].read_text() + "\n\nThis story first appeared elsewhere.\n")
    off = tmp_path / "cooking.txt"
    off.write_text(OFF_TOPIC)
    lines = await ingest_all(early, str(copy), str(off))
    assert lines[0].startswith("duplicate") and "off-topic" in lines[1], lines
    assert (await digests.check()).enqueued == 0
    assert await queued(early) == []


async def test_an_ingest_by_another_process_is_seen_by_the_check(
    early: Services, settings: Settings
) -> None:
    digests, subscriptions = desk(early)
    await subscriptions.subscribe(31, "private", None)
    async with open_services(settings) as other:  # its own engine, as `storybot ingest` has
        await ingest_all(other, str(LATE))
    assert (await digests.check()).enqueued == 1


async def test_instant_chats_within_their_interval_get_one_digest_later(early: Services) -> None:
    digests = DigestService(early.sessions, default_every_minutes=30)
    subscriptions = SubscriptionService(early.sessions, digests, default_every_minutes=30)
    await subscriptions.subscribe(41, "private", None)
    now = dt.datetime.now(UTC)
    await ingest_all(early, str(LATE))
    assert (await digests.check(now)).enqueued == 1
    await ingest_all(early, str(SEED_FILES[0]).replace("000", "000"))  # a duplicate: no change
    assert (await digests.check(now + dt.timedelta(minutes=5))).enqueued == 0


async def test_unsubscribed_and_paused_chats_get_nothing(early: Services) -> None:
    digests, subscriptions = desk(early)
    await subscriptions.subscribe(51, "private", None)
    await subscriptions.subscribe(52, "private", None)
    await subscriptions.unsubscribe(51)
    await subscriptions.change(52, "private", None, ["off"])
    await ingest_all(early, str(LATE))
    assert (await digests.check()).enqueued == 0
    view = await subscriptions.change(52, "private", None, ["daily", "9", "Asia/Tokyo"])
    assert (view.mode, view.hour, view.timezone) == ("daily", 9, "Asia/Tokyo")
