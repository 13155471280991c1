"""`kill -9` in the middle of an ingest: the store is whole afterwards and ingest picks up."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpus import synthetic_articles

ARTICLES = 60
KILL_AFTER = 4  # articles stored before the process is killed
INGEST = "import sys; from handlers.entry import main; sys.exit(main(['ingest', *sys.argv[1:]]))"


def _ingest(folder: Path, database: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "RELEVANCE_THRESHOLD": "0",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(folder)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _count(database: Path, table: str = "articles") -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=30) as connection:
        try:
            return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0


def test_a_killed_ingest_leaves_a_whole_store_and_a_rerun_completes(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for index, text in enumerate(synthetic_articles(ARTICLES, size=2500)):
        (folder / f"{index:03}.txt").write_text(text, encoding="utf-8")
    database = tmp_path / "store.db"

    child = _ingest(folder, database)
    deadline = time.monotonic() + 300
    while _count(database) < KILL_AFTER and child.poll() is None:
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    assert child.poll() is None, "ingest finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.communicate()  # reaps it and closes its pipes
    stored = _count(database)
    assert KILL_AFTER <= stored < ARTICLES

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        # Every stored article came with its facts: each one has its words and search entry.
        without_terms = connection.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM article_terms t WHERE t.article_id = a.id)"
        ).fetchone()[0]
        assert without_terms == 0
        searchable = connection.execute("SELECT count(*) FROM article_search").fetchone()[0]
        assert searchable == stored

    rerun = _ingest(folder, database)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()[-2000:]
    lines = out.decode().splitlines()
    assert len(lines) == ARTICLES
    added = sum(line.startswith("added") for line in lines)
    duplicates = sum(line.startswith("duplicate of") for line in lines)
    assert added + duplicates == ARTICLES and duplicates >= stored
    assert _count(database) == stored + added
