"""The fake Bot API over real HTTP on 127.0.0.1, for benchmarks that run the real PTB Bot.

`sendMessage` is handed to a Sender (benchmarks.fanout.FakeTelegram: latency, random 429s, its
own limit checks) and its SendResult goes back as the Bot API's JSON, so a bot process pointed at
`base_url` sees what Telegram would answer. A small HTTP/1.1 server on asyncio streams, with
keep-alive, as httpx (PTB's transport) uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from bot.outbox import Sender, SendResult
from tests.fake_bot_api import BOT_ID, BOT_USERNAME

_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests"}  # fmt: skip


class BotAPIServer:
    """Serves the Bot API for token paths /bot<token>/<method>; use `async with`."""

    def __init__(self, telegram: Sender, host: str = "127.0.0.1") -> None:
        self.telegram = telegram
        self.host = host
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        """TELEGRAM_BASE_URL for a bot that should talk to this server."""
        assert self._server is not None, "the server is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}/bot"

    async def __aenter__(self) -> BotAPIServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0, backlog=1024)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line.strip():
                    break
                target = request_line.split(b" ")[1].decode()
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests += 1
                status, payload = await self.answer(
                    target.split("?", 1)[0].rsplit("/", 1)[-1],
                    _params(headers.get("content-type", ""), body),
                )
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    f"Connection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body for one Bot API call."""
        if method == "getMe":
            return 200, {"ok": True, "result": {
                "id": BOT_ID, "is_bot": True, "first_name": "Story", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}}  # fmt: skip
        if method != "sendMessage":
            return 200, {"ok": True, "result": True}
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        result = await self.telegram.send(chat_id, text, ())
        return _as_bot_api(result, chat_id, text)


def _as_bot_api(result: SendResult, chat_id: int, text: str) -> tuple[int, dict[str, Any]]:
    if result.outcome == "sent":
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Group"
        return 200, {"ok": True, "result": {
            "message_id": result.message_id or 1, "date": int(time.time()), "chat": chat,
            "text": text}}  # fmt: skip
    if result.outcome == "retry_after":
        # Telegram gives whole seconds; a benchmark with time scaled needs fractions, and PTB
        # takes them.
        wait = result.retry_after
        return 429, {"ok": False, "error_code": 429,
                     "description": f"Too Many Requests: retry after {wait:g}",
                     "parameters": {"retry_after": wait}}  # fmt: skip
    if result.outcome == "blocked":
        return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {result.reason}"}


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
