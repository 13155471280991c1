"""Every kind of update a user can send is answered or ignored, never an error."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.test_telegram import GROUP, USER, Harness, bot, core, message  # noqa: F401

FILE = {"file_id": "f", "file_unique_id": "u"}
NOW = int(time.time())


@pytest.mark.parametrize(
    "update",
    [
        message(None, document={**FILE, "file_name": "a.txt"}),
        message(None, voice={**FILE, "duration": 3}),
        message(None, location={"latitude": 1.5, "longitude": 2.5}),
        message(None, contact={"phone_number": "+100", "first_name": "Bo"}),
        message(
            "/summary",
            forward_origin={"type": "hidden_user", "date": NOW, "sender_user_name": "X"},
        ),
        message("/summary@SomeOtherBot", chat=GROUP),
        message("/quotes " + "<i>" * 1600),
        message(None),
        {
            "update_id": 999_101,
            "inline_query": {"id": "q", "from": USER, "query": "x" * 300, "offset": ""},
        },
        {
            "update_id": 999_102,
            "chat_member": {
                "chat": GROUP,
                "from": USER,
                "date": NOW,
                "old_chat_member": {"status": "left", "user": USER},
                "new_chat_member": {"status": "member", "user": USER},
            },
        },
    ],
)
async def test_other_updates_never_raise(
    bot: Harness,  # noqa: F811
    update: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        await bot.send(update)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "something went wrong" not in " ".join(bot.api.texts())


async def test_an_admin_command_from_anyone_else_is_refused_in_one_line(
    bot: Harness,  # noqa: F811
) -> None:
    replies = await bot.send(message("/stats"))
    assert len(replies) == 1 and len(replies[0].splitlines()) == 1
