"""What a person sees when a fetch is refused or fails: one `error: <reason>` line from
`storybot ingest` and from `/ingest`, and the next item is still read."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.app import open_services
from bot.config import Settings
from handlers.app import build_application
from tests.conftest import SEEDS
from tests.fake_delivery import DeliveryBotAPI
from tests.local_web import LocalWeb, serving
from tests.test_admin import ADMIN, Admin

SEED = sorted(SEEDS.glob("*.txt"))[0]


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serving() as site:
        site.page("/story", SEED.read_bytes(), content_type="text/plain; charset=utf-8")
        site.redirect("/moved", "file:///etc/passwd")
        yield site


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ingest(capsys: pytest.CaptureFixture[str], *items: str) -> tuple[int, list[str]]:
    code = cli.main(["ingest", *items])
    return code, capsys.readouterr().out.splitlines()


def test_the_command_line_refuses_private_and_non_web_addresses_by_default(
    store: Path, web: LocalWeb, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [web.url("/story"), web.url("/story", "localhost"), "http://169.254.169.254/latest/",
            "file:///etc/passwd", "gopher://gopher.example/"]  # fmt: skip
    code, lines = ingest(capsys, *urls, str(SEED))
    assert code == 1
    assert lines[0] == f"error: refused: address 127.0.0.1 is loopback  [{urls[0]}]"
    assert lines[1].startswith("error: refused: localhost resolves to ")
    assert lines[2] == f"error: refused: address 169.254.169.254 is link-local  [{urls[2]}]"
    assert lines[3] == "error: refused: scheme file is not http or https  [file:///etc/passwd]"
    assert lines[4].startswith("error: refused: scheme gopher is not http or https")
    assert lines[5].startswith("added #1")  # the process went on to the next item
    assert web.hits["/story"] == 0


def test_the_command_line_reports_each_failure_and_reads_what_it_may(
    store: Path, web: LocalWeb, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCH_ALLOW_PRIVATE_ADDRESSES", "true")
    port = closed_port()
    urls = [web.url("/story"), web.url("/gone"), web.url("/moved"), f"http://127.0.0.1:{port}/",
            "http://no-such-host.invalid/story"]  # fmt: skip
    code, lines = ingest(capsys, *urls)
    assert code == 1
    assert lines[0].startswith("added #1") and lines[0].endswith(f"[{urls[0]}]")
    assert lines[1:] == [
        f"error: HTTP 404 from 127.0.0.1:{web.port}  [{urls[1]}]",
        f"error: refused: scheme file is not http or https  [{urls[2]}]",
        f"error: could not connect to 127.0.0.1:{port}  [{urls[3]}]",
        f"error: could not resolve no-such-host.invalid  [{urls[4]}]",
    ]


@pytest.fixture
async def admin_chat(settings: Settings) -> AsyncIterator[Admin]:
    configured = settings.model_copy(
        update={"telegram_bot_token": "123:TEST", "admin_ids": frozenset({ADMIN})}
    )
    async with open_services(configured) as core:
        api = DeliveryBotAPI()
        application = build_application(core, request=api.request(), rate_limit=False)
        async with application:
            yield Admin(application, api)


async def test_ingest_in_telegram_gives_the_same_one_line_refusals(
    admin_chat: Admin, web: LocalWeb
) -> None:
    url = web.url("/story")
    assert await admin_chat.say(f"/ingest {url}") == (
        f"error: refused: address 127.0.0.1 is loopback [{url}]"
    )
    assert await admin_chat.say("/ingest file:///etc/passwd") == (
        "error: refused: scheme file is not http or https [file:///etc/passwd]"
    )
    assert await admin_chat.say("/ingest seeds") == (
        "error: refused: not an http or https address [seeds]"
    )
    assert (await admin_chat.say("/ingest http://no-such-host.invalid/")).startswith(
        "error: could not resolve no-such-host.invalid"
    )
    assert web.hits["/story"] == 0
