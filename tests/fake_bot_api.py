"""A fake Telegram Bot API at the HTTP boundary: answers like Telegram, as strict about HTML."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from telegram.request import HTTPXRequest

BOT_ID = 7_000_001
BOT_USERNAME = "StoryTestBot"
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "blockquote", "tg-spoiler", "span", "tg-emoji"}  # fmt: skip
_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|([<>&])")


class TelegramHTMLError(ValueError):
    pass


def parse_telegram_html(text: str) -> str:
    """The message text after entity parsing, or TelegramHTMLError as Telegram would refuse it."""
    stack: list[str] = []
    plain: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        plain.append(text[position : match.start()])
        position = match.end()
        closing, tag, _attrs, entity, stray = match.groups()
        if stray:
            if stray == ">":
                plain.append(">")
                continue
            raise TelegramHTMLError(f"can't parse entities: unexpected {stray!r}")
        if entity:
            plain.append(html.unescape(f"&{entity};"))
            continue
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f"can't parse entities: unsupported start tag {tag!r}")
        if closing:
            if not stack or stack[-1] != tag:
                raise TelegramHTMLError(f"can't parse entities: can't find end tag for {tag!r}")
            stack.pop()
        else:
            stack.append(tag)
    plain.append(text[position:])
    if stack:
        raise TelegramHTMLError(f"can't parse entities: unclosed {stack[-1]!r}")
    return "".join(plain)


@dataclass
class FakeBotAPI:
    """Records every call; `fail_next` makes the next call of a method fail with an error."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    call_times: list[float] = field(default_factory=list)  # perf_counter() as each call came
    updates: list[dict[str, Any]] = field(default_factory=list)
    fail_next: dict[str, tuple[int, str, dict[str, Any] | None]] = field(default_factory=dict)
    # What each chat shows: (chat id, message id) -> (text, reply markup), for edits.
    messages: dict[tuple[int, int], tuple[str, Any]] = field(default_factory=dict)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def texts(self) -> list[str]:
        return [str(p["text"]) for p in self.sent()]

    def last(self, method: str = "sendMessage") -> dict[str, Any]:
        return self.sent(method)[-1]

    def request(self) -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(self.handle_async)})

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """As `handle`; an empty getUpdates waits a little, as long polling does."""
        response = self.handle(request)
        if request.url.path.endswith("/getUpdates") and response.json().get("result") == []:
            await asyncio.sleep(0.01)
        return response

    def handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        params = self._params(request)
        self.calls.append((method, params))
        self.call_times.append(time.perf_counter())
        if method in self.fail_next:
            code, description, extra = self.fail_next.pop(method)
            body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
            if extra:
                body["parameters"] = extra
            return httpx.Response(code, json=body)
        try:
            result = self._answer(method, params)
        except TelegramHTMLError as exc:
            return httpx.Response(
                400, json={"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            )
        return httpx.Response(200, json={"ok": True, "result": result})

    def _params(self, request: httpx.Request) -> dict[str, Any]:
        content = request.content.decode()
        if not content:
            return {}
        if request.headers.get("content-type", "").startswith("application/json"):
            return dict(json.loads(content))
        params: dict[str, Any] = {}
        for key, value in parse_qsl(content, keep_blank_values=True):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Story", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}  # fmt: skip
        if method == "getUpdates":
            pending, self.updates = self.updates, []
            return pending
        if method == "sendMessage":
            return self._message(params, next(self._message_ids))
        if method == "editMessageText":
            return self._edit(params)
        if method == "setMyCommands":
            return self._commands(params)
        if method in ("answerCallbackQuery", "deleteWebhook", "setWebhook", "deleteMyCommands",
                      "close", "logOut"):  # fmt: skip
            return True
        raise TelegramHTMLError(f"method {method} not found")

    def _edit(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise TelegramHTMLError("message to edit not found")
        if self.messages[key] == (str(params.get("text", "")), self._markup(params)):
            raise TelegramHTMLError(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        return self._message(params, key[1])

    def _commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not commands or len(commands) > 100:
            raise TelegramHTMLError("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise TelegramHTMLError("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise TelegramHTMLError("BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _markup(self, params: dict[str, Any]) -> Any:
        markup = params.get("reply_markup")
        return json.loads(markup) if isinstance(markup, str) else markup

    def _message(self, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        markup_text = str(params.get("text", ""))
        text = markup_text
        if params.get("parse_mode") == "HTML":
            text = parse_telegram_html(text)
        if not text.strip():
            raise TelegramHTMLError("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise TelegramHTMLError("message is too long")
        markup = self._markup(params)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode()) <= 64:
                    raise TelegramHTMLError("BUTTON_DATA_INVALID")
                if not str(button.get("text", "")).strip():
                    raise TelegramHTMLError("BUTTON_TEXT_INVALID")
        chat_id = int(params["chat_id"])
        self.messages[(chat_id, message_id)] = (markup_text, markup)
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Test group"
        return {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Story",
                         "username": BOT_USERNAME}}  # fmt: skip
