"""The digest message: only what changed, in a few lines, with buttons to the full views."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.render import Button, Reply, esc

if TYPE_CHECKING:
    from bot.digests import Change, Digest

LINE_CHARS = 180
BUTTONS: tuple[tuple[Button, ...], ...] = (
    (
        Button("Summary", "cmd:summary"),
        Button("Quotes", "cmd:quotes"),
        Button("Timeline", "cmd:timeline"),
    ),
)


def shorten(text: str, limit: int = LINE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return (cut or text[: limit - 1]) + "…"


def change_line(change: Change) -> str:
    text = esc(shorten(change.text))
    detail = esc(shorten(change.detail, 120))
    if change.kind == "corroborated":
        return f"✅ Now corroborated ({detail}): {text}"
    if change.kind == "new-point":
        return f"🆕 New key point ({detail}): {text}"
    if change.kind == "disputed":
        return f"⚠️ Disputed: {text}" + (f" <i>({detail})</i>" if detail else "")
    if change.kind == "correction":
        return f"✏️ Correction: {text} <i>({detail})</i>"
    if change.kind == "event":
        return f"📅 <b>{detail}</b>: {text}"
    if change.kind == "quote":
        return f"💬 <b>{detail}</b>: <i>“{text}”</i>"
    return f"📰 New report (one source so far): {text}"


def digest(result: Digest) -> Reply:
    if result.empty:
        return Reply("Nothing new in the story since the last digest.", BUTTONS)
    lines = ["<b>What's new in the story</b>", ""]
    lines += [change_line(c) for c in result.changes]
    if result.more:
        noun = "change" if result.more == 1 else "changes"
        lines += ["", f"…and {result.more} more {noun}: open the summary for the whole picture."]
    return Reply("\n".join(lines), BUTTONS)


def encode_buttons(reply: Reply) -> str:
    return json.dumps([[[b.text, b.data] for b in row] for row in reply.buttons])


def decode_buttons(text: str) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(str(t), str(d)) for t, d in row) for row in json.loads(text or "[]"))
