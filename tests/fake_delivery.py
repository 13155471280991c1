"""The fake Bot API with what delivery needs: chat administrators and per-chat failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fake_bot_api import FakeBotAPI

Failure = tuple[int, str, dict[str, Any] | None]  # (HTTP code, description, parameters)
TIMEOUT: Failure = (0, "timeout", None)  # the request times out instead of answering


@dataclass
class DeliveryBotAPI(FakeBotAPI):
    """`fail_chat[chat]` lists failures the next sendMessage calls to that chat get, in order."""

    admins: dict[int, set[int]] = field(default_factory=dict)
    fail_chat: dict[int, list[Failure]] = field(default_factory=dict)

    def delivered(self) -> dict[int, int]:
        """Chat id -> messages it received."""
        counts: dict[int, int] = {}
        for name, params, ok in self.outcomes:
            if name == "sendMessage" and ok:
                chat = int(params["chat_id"])
                counts[chat] = counts.get(chat, 0) + 1
        return counts

    outcomes: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        params = self._params(request)
        if method == "sendMessage":
            queued = self.fail_chat.get(int(params["chat_id"]))
            if queued:
                code, description, extra = queued.pop(0)
                self.calls.append((method, params))
                self.outcomes.append((method, params, False))
                if code == 0:
                    raise httpx.ReadTimeout("timed out", request=request)
                body: dict[str, Any] = {"ok": False, "error_code": code,
                                        "description": description}  # fmt: skip
                if extra:
                    body["parameters"] = extra
                return httpx.Response(code, json=body)
        if method == "getChatMember":
            self.calls.append((method, params))
            chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
            status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
            member: dict[str, Any] = {
                "status": status,
                "user": {"id": user_id, "is_bot": False, "first_name": "User"},
            }
            if status == "administrator":
                member.update(
                    {key: True for key in (
                        "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                        "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                        "can_change_info", "can_invite_users", "can_post_stories",
                        "can_edit_stories", "can_delete_stories")}
                )  # fmt: skip
            return httpx.Response(200, json={"ok": True, "result": member})
        response = super().handle(request)
        self.outcomes.append((method, params, response.status_code == 200))
        return response
