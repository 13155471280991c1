"""The real Application driven over HTTP against a fake Bot API, with real updates."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from benchmarks.facts import fill_store
from bot.app import Services, open_services
from bot.config import Settings
from bot.render import COMMANDS
from handlers.app import build_application, run_telegram, set_command_menu
from handlers.replies import GROUP_LIMIT
from store import queries
from tests.conftest import SEEDS, ingest_all
from tests.fake_bot_api import BOT_USERNAME, FakeBotAPI, parse_telegram_html

_ids = itertools.count(1)
USER = {"id": 4242, "is_bot": False, "first_name": "Ann"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Newsroom"}


def message(text: str | None, chat: dict[str, Any] = PRIVATE, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()), "chat": chat,
                            "from": USER, **extra}  # fmt: skip
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"update_id": next(_ids), "message": body}


def button_press(
    data: str, message_id: int = 1000, chat: dict[str, Any] = PRIVATE, *, date: int | None = None
) -> dict[str, Any]:
    original = {"message_id": message_id, "date": int(time.time()) if date is None else date,
                "chat": chat, "text": "old",
                "from": {"id": 1, "is_bot": True, "first_name": "Story"}}  # fmt: skip
    return {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "from": USER, "chat_instance": "ci", "data": data,
        "message": original}}  # fmt: skip


def membership(status: str, chat: dict[str, Any] = GROUP) -> dict[str, Any]:
    bot_user = {"id": 7_000_001, "is_bot": True, "first_name": "Story", "username": BOT_USERNAME}
    old = {"status": "member", "user": bot_user}
    new: dict[str, Any] = {"status": status, "user": bot_user}
    if status == "kicked":
        new["until_date"] = 0
    return {"update_id": next(_ids), "my_chat_member": {
        "chat": chat, "from": USER, "date": int(time.time()), "old_chat_member": old,
        "new_chat_member": new}}  # fmt: skip


def buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


class Harness:
    def __init__(self, application: Application, api: FakeBotAPI) -> None:  # type: ignore[type-arg]
        self.application = application
        self.api = api

    async def send(self, update: dict[str, Any]) -> list[str]:
        """Feed one update; the texts the bot sent or edited in answer."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        return [str(p.get("text", "")) for name, p in self.api.calls[before:]
                if name in ("sendMessage", "editMessageText")]  # fmt: skip

    async def press(self, data: str, sent: dict[str, Any] | None = None) -> list[str]:
        """Press a button on a message the bot sent (by default its last one)."""
        sent = sent or self.api.last()
        chat = PRIVATE if int(sent["chat_id"]) > 0 else GROUP
        message_id = max(k[1] for k in self.api.messages if k[0] == int(sent["chat_id"]))
        return await self.send(button_press(data, message_id, chat))


def with_token(settings: Settings) -> Settings:
    return settings.model_copy(update={"telegram_bot_token": "123:TEST"})


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(with_token(settings)) as services:
        await ingest_all(services, str(SEEDS))
        yield services


@pytest.fixture
async def bot(core: Services) -> AsyncIterator[Harness]:
    api = FakeBotAPI()
    application = build_application(core, request=api.request(), rate_limit=False)
    async with application:
        yield Harness(application, api)


@pytest.fixture
async def big(settings: Settings) -> AsyncIterator[Harness]:
    """A bot over a synthetic store with many pages of everything."""
    async with open_services(with_token(settings)) as services:
        await fill_store(services.sessions, 300)
        api = FakeBotAPI()
        application = build_application(services, request=api.request(), rate_limit=False)
        async with application:
            yield Harness(application, api)


async def test_command_menu_is_set_per_scope(bot: Harness) -> None:
    await set_command_menu(bot.application)
    menus = {p["scope"]["type"]: p["commands"] for p in bot.api.sent("setMyCommands")}
    assert list(menus) == ["all_private_chats", "all_group_chats", "all_chat_administrators"]
    assert [c["command"] for c in menus["all_private_chats"]] == [name for name, _ in COMMANDS]
    assert "settings" not in [c["command"] for c in menus["all_group_chats"]]
    assert "subscribe" in [c["command"] for c in menus["all_chat_administrators"]]


async def test_the_bots_admins_get_their_commands_in_help_and_menu(core: Services) -> None:
    admin = core.settings.model_copy(update={"admin_ids": frozenset({USER["id"]})})
    api = FakeBotAPI()
    application = build_application(
        replace(core, settings=admin), request=api.request(), rate_limit=False
    )
    async with application:
        await set_command_menu(application)
        harness = Harness(application, api)
        (text,) = await harness.send(message("/help"))
    scopes = [p["scope"] for p in api.sent("setMyCommands")]
    assert scopes[-1] == {"type": "chat", "chat_id": USER["id"]}
    menu = [c["command"] for c in api.sent("setMyCommands")[-1]["commands"]]
    assert {"addsource", "feeds", "stats", "digest"} <= set(menu)
    assert "For admins" in text and "/addsource" in text


async def test_help_for_everyone_lists_no_admin_commands(bot: Harness) -> None:
    (text,) = await bot.send(message("/help"))
    assert "/subscribe" in text and "/addsource" not in text


async def test_start_says_what_the_story_is_with_buttons(bot: Harness) -> None:
    (text,) = await bot.send(message("/start"))
    assert "In short:" in text
    assert "5 articles" in text and "independent outlets" in text and "3 Feb 2026" in text
    assert buttons(bot.api.last()) == ["cmd:summary", "cmd:quotes", "cmd:timeline"]
    texts = await bot.press("cmd:summary")
    assert texts and "Key points" in texts[0]


async def test_help_lists_every_command_on_one_line_each(bot: Harness) -> None:
    (text,) = await bot.send(message("/help"))
    for name, _ in COMMANDS:
        assert sum(line.startswith(f"/{name} ") for line in text.splitlines()) == 1


async def test_every_command_answers_in_a_private_chat(bot: Harness) -> None:
    for command in ("/start", "/help", "/summary", "/quotes", "/quotes rutte", "/timeline",
                    "/sources", "/search peace deal", "/settings"):  # fmt: skip
        texts = await bot.send(message(command))
        assert texts, command
        for text in texts:
            parse_telegram_html(text)


async def test_summary_ranks_points_and_expands_one_into_sources(bot: Harness) -> None:
    (text,) = await bot.send(message("/summary"))
    assert "Key points" in text and "outlets]" in text
    assert "single source]" in text and "disputed]" in text
    first = buttons(bot.api.last())[0]
    assert first.startswith("kp:")
    (sources,) = await bot.press(first)
    assert sources.count("• ") >= 2 and "2026" in sources
    assert not bot.api.sent("editMessageText")  # the summary stays; the sources come below


async def test_quotes_are_verbatim_in_blockquotes_with_outlet_and_date(bot: Harness) -> None:
    (text,) = await bot.send(message("/quotes rutte"))
    assert text.startswith("<b>Mark Rutte</b>")
    assert "<blockquote>" in text and "2026" in text


@pytest.mark.parametrize("query", ["Zelensky", "zelenskiy", "Zelenskyy"])
async def test_misspelt_or_transliterated_name_still_finds_the_speaker(
    bot: Harness, query: str
) -> None:
    (text,) = await bot.send(message(f"/quotes {query}"))
    assert "Taking advantage of the coldest days" in text


async def test_a_description_finds_the_speaker_through_aliases(bot: Harness) -> None:
    (text,) = await bot.send(message("/quotes the NATO chief"))
    assert text.startswith("<b>Mark Rutte</b>")


async def test_quotes_alone_lists_speakers_as_buttons(bot: Harness) -> None:
    (text,) = await bot.send(message("/quotes"))
    assert "Who is quoted" in text and "17 quotes" in text
    data = buttons(bot.api.last())
    assert data and all(d.startswith("qs:") and d.endswith(":1") for d in data)
    (page,) = await bot.press(data[0])
    assert "<blockquote>" in page
    assert bot.api.sent("editMessageText")


async def test_unsure_match_asks_did_you_mean_with_buttons(big: Harness) -> None:
    (text,) = await big.send(message("/quotes Calloway"))  # the name of several speakers
    assert text.startswith("Did you mean")
    data = buttons(big.api.last())
    assert len(data) >= 2 and all(d.startswith("qs:") for d in data)
    (nobody,) = await big.send(message("/quotes Qwxzv"))
    assert "Nobody called" in nobody


async def test_quote_pages_turn_in_place(big: Harness) -> None:
    await big.send(message("/quotes"))
    await big.press(buttons(big.api.last())[0])
    first = big.api.last("editMessageText")
    assert "Page 1 of" in first["text"]
    (second,) = await big.press(buttons(first)[-1])
    assert "Page 2 of" in second
    edited = big.api.last("editMessageText")
    assert edited["message_id"] == first["message_id"]
    assert buttons(edited)[0].endswith(":1")  # previous
    (back,) = await big.press(buttons(edited)[0])
    assert "Page 1 of" in back


async def test_timeline_pages_turn_in_place_with_precision(big: Harness) -> None:
    (text,) = await big.send(message("/timeline"))
    assert "Page 1 of" in text and ("sources)" in text or "source)" in text)
    assert buttons(big.api.last()) == ["tl:2"]
    seen = text
    for page in range(2, 8):
        (text,) = await big.press(f"tl:{page}")
        assert f"Page {page} of" in text
        seen += text
    assert any(season in seen for season in ("spring", "summer", "autumn", "winter"))
    (last,) = await big.send(message("/timeline 99999"))
    assert "undated" in last  # undated events sort last
    assert big.api.sent("editMessageText")


async def test_sources_are_paginated(big: Harness) -> None:
    (text,) = await big.send(message("/sources"))
    assert "300 articles" in text and text.count("\n#") == 15
    (second,) = await big.press("src:2")
    assert "Page 2 of 20" in second


async def test_lists_reopen_at_the_last_page(big: Harness) -> None:
    await big.send(message("/timeline"))
    await big.press("tl:3")
    (text,) = await big.send(message("/timeline"))
    assert "Page 3 of" in text
    (top,) = await big.send(message("/timeline 1"))
    assert "Page 1 of" in top


async def test_search_ranks_and_escapes(bot: Harness) -> None:
    (text,) = await bot.send(message("/search troops Ukraine"))
    assert "<b>Search:</b>" in text and text.count("\n#") >= 1
    (nothing,) = await bot.send(message("/search <b>qwxzv</b> & co"))
    assert "&lt;b&gt;qwxzv&lt;/b&gt; &amp; co" in nothing
    (empty,) = await bot.send(message("/search"))
    assert "/search" in empty


async def test_settings_buttons_change_preferences_in_place(bot: Harness) -> None:
    (text,) = await bot.send(message("/settings"))
    assert "Your settings" in text
    assert "set:date_style=iso" in buttons(bot.api.last())
    (changed,) = await bot.press("set:date_style=iso")
    assert "• 2026-02-03" in str(bot.api.last("editMessageText")["reply_markup"])
    assert changed
    (quotes,) = await bot.send(message("/quotes rutte"))
    assert "2026-02-0" in quotes
    await bot.press("set:date_style=bogus")  # an unknown value changes nothing
    (again,) = await bot.send(message("/settings"))
    assert "Dates written as: 2026-02-03" in again


async def test_summary_shows_what_changed_since_last_look(core: Services, bot: Harness) -> None:
    (first,) = await bot.send(message("/summary"))
    assert "Since you last looked" not in first
    (unchanged,) = await bot.send(message("/summary"))
    assert "Since you last looked" not in unchanged
    async with core.sessions.begin() as session:
        article = await queries.add_article(
            session, url="https://example.net/new", outlet="Example Net", title="New",
            source_group="example.net", content_hash="f" * 64, body="New facts & more.",
        )  # fmt: skip
        claim = await queries.add_claim(session, "A new <claim> & a fresh one.", "", ["fresh"])
        await queries.add_claim_source(session, claim, article, "A new claim.", "example.net")
        await queries.bump_picture_version(session)
    (second,) = await bot.send(message("/summary"))
    assert second.startswith("<b>Since you last looked</b>")
    assert "A new &lt;claim&gt; &amp; a fresh one." in second
    (third,) = await bot.send(message("/summary"))
    assert "Since you last looked" not in third


async def test_group_commands_addressed_to_this_bot_only(bot: Harness) -> None:
    texts = await bot.send(message(f"/summary@{BOT_USERNAME}", chat=GROUP))
    assert texts
    assert await bot.send(message(f"/quotes@{BOT_USERNAME} rutte", chat=GROUP))
    assert await bot.send(message("/summary@SomeOtherBot", chat=GROUP)) == []
    assert await bot.send(message("/nonsense@SomeOtherBot", chat=GROUP)) == []
    assert await bot.send(message("/nonsense", chat=GROUP)) == []  # may be another bot's
    (unknown,) = await bot.send(message(f"/nonsense@{BOT_USERNAME}", chat=GROUP))
    assert "/help" in unknown
    assert await bot.send(message("just chatting", chat=GROUP)) == []


async def test_long_answers_are_shorter_in_groups(big: Harness) -> None:
    private = await big.send(message("/summary"))
    assert sum(len(t) for t in private) > GROUP_LIMIT
    (group,) = await big.send(message(f"/summary@{BOT_USERNAME}", chat=GROUP))
    assert len(group) <= GROUP_LIMIT and "shortened for the group" in group
    assert buttons(big.api.last())  # the buttons stay


async def test_long_replies_are_split_within_limits(core: Services, bot: Harness) -> None:
    speech = " ".join(f"Point {i} <of> the speech & 🙂 عربى é\u0301." for i in range(400))
    async with core.sessions.begin() as session:
        speaker = await queries.add_speaker(session, "Long Talker", "long talker", None)
        await queries.add_speaker_aliases(session, speaker, ["long talker"])
        await queries.add_quote(session, speaker, speech, "long", False, None)
        await queries.bump_picture_version(session)
    texts = await bot.send(message("/quotes Long Talker"))
    assert len(texts) >= 3
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    assert all(t.count("<blockquote>") == t.count("</blockquote>") for t in texts)
    shown = "".join(parse_telegram_html(t) for t in texts)
    assert shown.count("Point ") == 400


async def test_a_point_lists_at_most_forty_sources(big: Harness) -> None:
    await big.send(message("/summary"))
    (text,) = await big.press(buttons(big.api.last())[0])
    assert text.count("\n• ") <= 40


async def test_unknown_command_and_free_text_get_one_helpful_line(bot: Harness) -> None:
    (unknown,) = await bot.send(message("/frobnicate"))
    assert "/help" in unknown and "\n" not in unknown
    (free,) = await bot.send(message("what is going on?"))
    assert "/summary" in free and "\n" not in free


async def test_buttons_from_old_messages_still_answer(bot: Harness) -> None:
    # The message behind the button is gone: the page comes as a new message.
    texts = await bot.send(button_press("tl:1", message_id=1))
    assert texts and "Timeline" in texts[0]
    assert bot.api.sent("sendMessage")
    # A message older than 48 hours arrives without its content.
    assert await bot.send(button_press("tl:1", date=0))
    (stale,) = await bot.send(button_press("zz:garbage"))
    assert "older message" in stale
    assert len(bot.api.sent("answerCallbackQuery")) == 3


async def test_membership_changes_are_recorded(core: Services, bot: Harness) -> None:
    assert await bot.send(membership("member")) == []
    assert await bot.send(membership("kicked")) == []
    async with core.sessions() as session:
        chat = await queries.get_chat(session, GROUP["id"])
    assert chat is not None and chat.active is False
    await bot.send(message(f"/help@{BOT_USERNAME}", chat=GROUP))
    async with core.sessions() as session:
        chat = await queries.get_chat(session, GROUP["id"])
    assert chat is not None and chat.active is True


STICKER = {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1, "is_animated": False,
           "is_video": False, "type": "regular"}  # fmt: skip


@pytest.mark.parametrize(
    "update",
    [
        message(None, sticker=STICKER),
        message(None, sticker=STICKER, chat=GROUP),
        message(None, photo=[{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]),
        message(None, new_chat_members=[USER], chat=GROUP),
        {"update_id": 999_001, "edited_message": message("/summary")["message"]},
        {
            "update_id": 999_002,
            "channel_post": {
                "message_id": 5,
                "date": 0,
                "text": "/summary",
                "chat": {"id": -1001, "type": "channel"},
            },
        },
        membership("left"),
        membership("administrator")
        | {
            "my_chat_member": {
                **membership("member")["my_chat_member"],
                "new_chat_member": {
                    "status": "administrator",
                    "user": USER,
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": False,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": False,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                },
            }
        },
        button_press("qs:999999:1"),
        button_press("qs:1:99999999999999999999"),
        button_press("kp:424242"),
        button_press("cmd:nothing"),
        button_press("set:digest_mode=<b>"),
        button_press(""),
        {
            "update_id": 999_003,
            "callback_query": {
                "id": "77",
                "from": USER,
                "chat_instance": "c",
                "data": "tl:2",
                "inline_message_id": "abc",
            },
        },
        message("/quotes " + "<b>&amp;" * 500),
        message("/search " + "x" * 5000),
        message("/search " + "\"' OR 1=1 -- NEAR( * ^"),
        message("/timeline " + "9" * 400),
        message("/summary " + "🙂" * 3000),
        message("/quotes 🙂‍↔️ عربى é\u0301 <script>"),
    ],
)
async def test_junk_updates_never_raise(bot: Harness, update: dict[str, Any]) -> None:
    for text in await bot.send(update):
        parse_telegram_html(text)
    assert "something went wrong" not in " ".join(bot.api.texts())


async def test_restart_keeps_user_state(settings: Settings) -> None:
    settings = with_token(settings)
    api = FakeBotAPI()
    async with open_services(settings) as services:
        await ingest_all(services, str(SEEDS))
        await fill_store(services.sessions, 100)
        application = build_application(services, request=api.request(), rate_limit=False)
        async with application:
            before = Harness(application, api)
            await before.send(message("/settings"))
            await before.press("set:date_style=iso")
            await before.send(message("/summary"))
            await before.send(message("/timeline"))
            await before.press("tl:2")
    async with open_services(settings) as services:
        application = build_application(services, request=api.request(), rate_limit=False)
        async with application:
            after = Harness(application, api)
            (text,) = await after.send(message("/settings"))
            assert "Dates written as: 2026-02-03" in text
            (timeline,) = await after.send(message("/timeline"))
            assert "Page 2 of" in timeline
            (summary,) = await after.send(message("/summary"))
            assert "Since you last looked" not in summary  # nothing changed since
        async with services.sessions() as session:
            chat = await queries.get_chat(session, PRIVATE["id"])
        assert chat is not None and chat.summary_seen_at is not None


async def test_run_polls_and_shuts_down_cleanly_on_sigterm(core: Services) -> None:
    api = FakeBotAPI()
    api.updates.append(message("/help"))
    task = asyncio.create_task(run_telegram(core, request=api.request()))
    for _ in range(500):
        if api.texts() or task.done():
            break
        await asyncio.sleep(0.01)
    assert api.texts() and "What you can ask" in api.texts()[0]
    assert len(api.sent("setMyCommands")) == 3
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and
             not line.startswith("#")}  # fmt: skip
    assert names == {name.upper() for name in Settings.model_fields}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "ADMIN_IDS", "DATABASE_URL"):
        assert name in names
