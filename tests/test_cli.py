"""The command line over a real SQLite file: ingest lines and exit codes, ask, export, db."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli
from tests.conftest import SEEDS

FOOTBALL = (
    "title: Late goal wins the cup final\n---\n"
    "The home side scored in the final minute to win the cup final in front of a full stadium. "
    "The striker curled the ball past the goalkeeper after a long pass from midfield.\n\n"
    "Fans poured onto the pitch as the referee blew the whistle, and the coach praised the "
    "players for their patience in a tight match that had looked destined for penalties.\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out.splitlines()


def test_ingest_reports_one_line_per_article_and_is_idempotent(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run(capsys, "ingest", str(SEEDS))
    assert code == 0
    assert len(lines) == 5 and all(line.startswith("added") for line in lines)
    code, again = run(capsys, "ingest", str(SEEDS))
    assert code == 0
    assert all(line.startswith("duplicate of") for line in again)


def test_failures_exit_1_and_off_topic_is_skipped_unless_forced(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "ingest", str(SEEDS))
    (store / "final.txt").write_text(FOOTBALL)
    code, lines = run(capsys, "ingest", str(store / "final.txt"))
    assert code == 0 and lines[0].startswith("skipped: off-topic")
    assert "Late goal wins the cup final" in lines[0]
    code, lines = run(capsys, "ingest", "--force", str(store / "final.txt"))
    assert code == 0 and lines[0].startswith("added") and "off-topic, forced" in lines[0]
    code, lines = run(capsys, "ingest", str(store / "missing.txt"))
    assert code == 1 and lines == [f"error: no such file  [{store / 'missing.txt'}]"]
    (store / "junk.txt").write_bytes(b"\x00\xff" * 100)
    code, lines = run(capsys, "ingest", str(store / "junk.txt"))
    assert code == 1 and lines[0].startswith("error: binary data")


def test_ask_answers_like_the_bot(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SEEDS))
    code, lines = run(capsys, "ask", "/quotes", "rutte")
    text = "\n".join(lines)
    assert code == 0
    assert "Your security is our security" in text
    assert "<" not in text  # plain text on the console
    _, lines = run(capsys, "ask", "/timeline")
    assert any("summer 2025" in line for line in lines)
    _, lines = run(capsys, "ask", "/nonsense")
    assert len(lines) == 1 and "/help" in lines[0]


def test_export_has_the_documented_shape(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(SEEDS))
    code = cli.main(["export"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"articles", "quotes", "events", "claims"} <= data.keys()
    assert {"id", "title", "outlet", "url", "published", "status"} <= data["articles"][0].keys()
    assert {"speaker", "text", "partial", "sources"} <= data["quotes"][0].keys()
    assert {"date", "precision", "text", "sources"} <= data["events"][0].keys()
    assert {"text", "sources", "status"} <= data["claims"][0].keys()
    assert {c["status"] for c in data["claims"]} <= {"corroborated", "single-source", "disputed"}
    assert {e["precision"] for e in data["events"]} <= {
        "day", "month", "season", "year", "decade", None
    }  # fmt: skip


def test_db_upgrade(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys, "db", "upgrade")
    assert code == 0 and lines == ["database is at the latest schema"]


def test_chat_and_admin_commands_are_explained_in_the_console(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = run(capsys, "ask", "/subscribe")
    assert len(lines) == 1 and "Telegram chat" in lines[0]
    _, lines = run(capsys, "ask", "/stats")
    assert len(lines) == 1 and "storybot sources" in lines[0]
