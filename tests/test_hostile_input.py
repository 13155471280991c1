"""Hostile and broken article files: each gives one clear line from `storybot ingest`, never a
crash, and the store stays whole."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli

PROSE = (
    "Officials said the talks would resume next week after a long pause in negotiations "
    "between the two sides. "
)


def _script_page() -> bytes:
    script = "<script>" + "var a='\"';" * 20_000 + "</script><style>p{color:red}</style>"
    body = f"<body><article><p>{PROSE * 5}</p></article></body>"
    return f"<html><head>{script}</head>{body}</html>".encode()


def _control_characters() -> bytes:
    rng = random.Random(1)
    controls = [1, 2, 3, 7, 8, 11, 12, 27, 0x7F, 0x200B]
    return "".join(chr(rng.choice(controls)) + PROSE for _ in range(40)).encode()


def _binary(with_nul: bool) -> bytes:
    rng = random.Random(2)
    low = 0 if with_nul else 1
    return bytes(rng.randrange(low, 256) for _ in range(100_000))


CASES: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "script.html": (_script_page, ("added", "duplicate", "skipped:")),
    "control.txt": (_control_characters, ("added", "duplicate")),
    "invalid_utf8.txt": (lambda: (PROSE * 10).encode() + b"\xff\xfe\xc3\x28" * 100, ("added",)),
    "huge_one_line.txt": (lambda: b"word " * 2_000_000, ("error: file is",)),
    "quote_marks.txt": (
        lambda: (PROSE * 3 + "\n\n" + "\u201c" * 1000 + " he said " + '"' * 1000).encode(),
        ("added", "duplicate"),
    ),
    "no_sentences.txt": (lambda: " ".join(f"tok{i}" for i in range(5000)).encode(), ("added",)),
    "binary.txt": (lambda: _binary(True), ("error: binary data",)),
    "binary_no_nul.txt": (lambda: _binary(False), ("error: binary data",)),
    "empty.txt": (lambda: b"", ("error: empty file",)),
    "blank.txt": (lambda: b"  \n\n\t \n", ("error: empty file",)),
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hostile.db'}")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.setenv("FETCH_MAX_BYTES", "5000000")
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_file_gets_one_clear_line(
    name: str, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, expected = CASES[name]
    path = store / name
    path.write_bytes(make())
    code = cli.main(["ingest", "--force", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert code == (1 if lines[0].startswith("error") else 0)
    with sqlite3.connect(store / "hostile.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert articles == (1 if lines[0].startswith("added") else 0)


@pytest.mark.parametrize(
    "text",
    [
        "Der Bundeskanzler sagte am Dienstag, dass die Gespräche über den Frieden in der nächsten "
        "Woche fortgesetzt werden sollen. Die Regierung hat die Pläne der Opposition kritisiert. ",
        "Президент заявил во вторник, что переговоры о мире будут продолжены на следующей неделе. "
        "Правительство раскритиковало планы оппозиции и потребовало быстрого соглашения. ",
        "总统周二表示，和平谈判将于下周恢复。政府批评了反对派的计划，并要求尽快达成协议。",
    ],
)
def test_an_article_in_another_language_is_skipped(
    text: str, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = store / "foreign.txt"
    path.write_text(text * 10)
    assert cli.main(["ingest", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"skipped: not in English  [{path}]"]
