"""TLS to a pinned address keeps the host name: SNI and the certificate check are for the name,
though the socket goes to the address that was checked. A real TLS server on 127.0.0.1 with a
certificate for a public-looking name, made by openssl for the test."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fetch import Fetcher, FetchError, FetchRules
from tests.local_web import LocalWeb, LoopbackNetwork, serving

PUBLIC_IP = "93.184.215.14"
RULES = FetchRules(timeout_seconds=5, deadline_seconds=20)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=news.example",
         "-addext", "subjectAltName=DNS:news.example"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def web(certificate: tuple[Path, Path]) -> Iterator[LocalWeb]:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(*certificate)
    with serving(server_side) as site:
        site.page("/a", "<p>over TLS</p>")
        yield site


def fetcher(web: LocalWeb, trust: Path | None) -> Fetcher:
    async def resolve(host: str, port: int) -> list[str]:
        return [PUBLIC_IP]

    context = ssl.create_default_context(cafile=str(trust)) if trust else None
    return Fetcher(RULES, resolver=resolve, network=LoopbackNetwork(web.port), ssl_context=context)


async def test_the_certificate_is_checked_for_the_name_not_the_pinned_address(
    web: LocalWeb, certificate: tuple[Path, Path]
) -> None:
    async with fetcher(web, certificate[0]) as client:
        raw = await client.article("https://news.example/a")
        assert raw.data == b"<p>over TLS</p>"
        with pytest.raises(FetchError) as caught:
            await client.get("https://other.example/a")
    assert str(caught.value).startswith("TLS failed with other.example: ")
    assert "other.example" in str(caught.value).split(": ", 1)[1]  # names the mismatch
    assert web.requests[0][1]["Host"] == "news.example"


async def test_an_untrusted_certificate_is_one_line(web: LocalWeb) -> None:
    async with fetcher(web, None) as client:
        with pytest.raises(FetchError) as caught:
            await client.get("https://news.example/a")
    assert str(caught.value).startswith("TLS failed with news.example: self")  # self-signed
    assert web.hits["/a"] == 0
