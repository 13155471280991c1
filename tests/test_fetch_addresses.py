"""Fetches reach public addresses only: checked after DNS, on every redirect hop, against a real
server on 127.0.0.1; and every failure comes back as one line."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bot.address_guard import Resolver, address_kind, refusal, system_resolver
from bot.fetch import Fetcher, FetchError, FetchRules
from tests.local_web import LocalWeb, LoopbackNetwork, serving

PUBLIC_IP = "93.184.215.14"  # a public address; LoopbackNetwork routes it to the local server
PAGE = "<html><body><p>An article.</p></body></html>"
CLOSED = FetchRules(timeout_seconds=5, deadline_seconds=20)
OPEN = FetchRules(timeout_seconds=5, deadline_seconds=20, allow_private_addresses=True)


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serving() as site:
        site.page("/a", PAGE)
        yield site


def resolving(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return table[host] if host in table else await system_resolver(host, port)

    return resolve


async def refused_line(web: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        await web.get(url)
    return str(caught.value)


async def test_with_private_addresses_allowed_the_local_server_is_read(web: LocalWeb) -> None:
    async with Fetcher(OPEN) as fetcher:
        raw = await fetcher.article(web.url("/a"))
    assert raw.data.decode() == PAGE and raw.content_type == "text/html; charset=utf-8"
    assert web.hits["/a"] == 1


@pytest.mark.parametrize(
    ("host", "line"),
    [
        ("127.0.0.1", "refused: address 127.0.0.1 is loopback"),
        ("localhost", "refused: localhost resolves to "),
        ("[::1]", "refused: address ::1 is loopback"),
        ("[::ffff:127.0.0.1]", "refused: address ::ffff:127.0.0.1 is loopback"),
        ("0.0.0.0", "refused: address 0.0.0.0 is unspecified"),
    ],
)
async def test_loopback_in_any_spelling_is_refused_before_a_byte_is_sent(
    web: LocalWeb, host: str, line: str
) -> None:
    async with Fetcher(CLOSED) as fetcher:
        assert (await refused_line(fetcher, web.url("/a", host))).startswith(line)
    assert web.hits["/a"] == 0


@pytest.mark.parametrize(
    ("url", "line"),
    [
        ("http://10.1.2.3/", "refused: address 10.1.2.3 is private"),
        ("http://192.168.0.10:8080/", "refused: address 192.168.0.10 is private"),
        ("http://172.16.5.4/", "refused: address 172.16.5.4 is private"),
        ("http://100.64.0.1/", "refused: address 100.64.0.1 is shared (carrier-grade NAT)"),
        ("http://169.254.169.254/latest/", "refused: address 169.254.169.254 is link-local"),
        ("http://[fe80::1]/", "refused: address fe80::1 is link-local"),
        ("http://[fd12:3456::1]/", "refused: address fd12:3456::1 is unique-local"),
        ("http://224.0.0.1/", "refused: address 224.0.0.1 is multicast"),
        ("http://[::]/", "refused: address :: is unspecified"),
        ("http://240.0.0.1/", "refused: address 240.0.0.1 is reserved"),
        ("http://[::ffff:10.0.0.1]/", "refused: address ::ffff:10.0.0.1 is private"),
    ],
)  # fmt: skip
async def test_private_link_local_and_special_addresses_are_refused(url: str, line: str) -> None:
    async with Fetcher(CLOSED) as fetcher:
        assert await refused_line(fetcher, url) == line


async def test_a_name_resolving_to_loopback_is_refused(web: LocalWeb) -> None:
    resolver = resolving({"news.example": ["127.0.0.1"]})
    async with Fetcher(CLOSED, resolver=resolver) as fetcher:
        line = await refused_line(fetcher, f"http://news.example:{web.port}/a")
    assert line == "refused: news.example resolves to 127.0.0.1, which is loopback"
    assert web.hits["/a"] == 0


async def test_every_address_of_a_name_is_checked_not_only_the_first() -> None:
    resolver = resolving({"news.example": [PUBLIC_IP, "10.0.0.7"]})
    network = LoopbackNetwork(port=9)
    async with Fetcher(CLOSED, resolver=resolver, network=network) as fetcher:
        line = await refused_line(fetcher, "http://news.example/a")
    assert line == "refused: news.example resolves to 10.0.0.7, which is private"
    assert network.connected == []


async def test_a_public_name_is_fetched_from_the_checked_address_with_its_host_kept(
    web: LocalWeb,
) -> None:
    network = LoopbackNetwork(web.port)
    resolver = resolving({"news.example": [PUBLIC_IP]})
    async with Fetcher(CLOSED, resolver=resolver, network=network) as fetcher:
        raw = await fetcher.article("http://news.example/a")
    assert raw.data.decode() == PAGE and raw.url == "http://news.example/a"
    assert network.connected == [PUBLIC_IP]
    assert web.requests[-1][1]["Host"] == "news.example"


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/secret", "http://localhost:{port}/secret",
                                    "http://169.254.169.254/latest/meta-data/"])  # fmt: skip
async def test_a_public_page_redirecting_to_a_private_address_is_refused_at_that_hop(
    web: LocalWeb, target: str
) -> None:
    web.page("/secret", "internal")
    web.redirect("/start", target.format(port=web.port))
    network = LoopbackNetwork(web.port)
    resolver = resolving({"news.example": [PUBLIC_IP]})
    async with Fetcher(CLOSED, resolver=resolver, network=network) as fetcher:
        line = await refused_line(fetcher, "http://news.example/start")
    assert line.startswith("refused: ") and ("loopback" in line or "link-local" in line)
    assert (web.hits["/start"], web.hits["/secret"]) == (1, 0)


async def test_a_name_that_rebinds_to_loopback_between_hops_is_refused_on_the_next_hop(
    web: LocalWeb,
) -> None:
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    web.redirect("/start", "/a")
    network = LoopbackNetwork(web.port)
    async with Fetcher(CLOSED, resolver=rebinding, network=network) as fetcher:
        line = await refused_line(fetcher, "http://news.example/start")
    assert line == "refused: news.example resolves to 127.0.0.1, which is loopback"
    assert network.connected == [PUBLIC_IP]  # the one checked address, never the rebound one
    assert (web.hits["/start"], web.hits["/a"]) == (1, 0)


async def test_redirects_are_followed_up_to_five_and_no_further(web: LocalWeb) -> None:
    for hop in range(7):
        web.redirect(f"/hop/{hop}", f"/hop/{hop + 1}", status=301 if hop % 2 else 307)
    web.page("/hop/7", PAGE)
    async with Fetcher(OPEN) as fetcher:
        raw = await fetcher.article(web.url("/hop/2"))  # five redirects
        assert raw.url == web.url("/hop/7") and raw.data.decode() == PAGE
        line = await refused_line(fetcher, web.url("/hop/1"))  # six
    assert line == f"too many redirects (over 5) from 127.0.0.1:{web.port}"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://ftp.example/a.txt", "data:text/html,<p>hi</p>",
     "gopher://gopher.example/", "javascript:alert(1)"],
)  # fmt: skip
async def test_only_http_and_https_are_fetched(web: LocalWeb, url: str) -> None:
    scheme = url.split(":", 1)[0]
    web.redirect("/to-elsewhere", url)
    async with Fetcher(OPEN) as fetcher:
        assert await refused_line(fetcher, url) == f"refused: scheme {scheme} is not http or https"
        redirected = await refused_line(fetcher, web.url("/to-elsewhere"))
    assert redirected == f"refused: scheme {scheme} is not http or https"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_each_failure_is_one_line(web: LocalWeb) -> None:
    web.page("/broken", "oops", status=500)
    web.redirect("/nowhere", "")
    port = closed_port()
    async with Fetcher(OPEN) as fetcher:
        assert await refused_line(fetcher, web.url("/gone")) == (
            f"HTTP 404 from 127.0.0.1:{web.port}"
        )
        assert await refused_line(fetcher, web.url("/broken")) == (
            f"HTTP 500 from 127.0.0.1:{web.port}"
        )
        assert await refused_line(fetcher, web.url("/nowhere")) == (
            f"HTTP 302 from 127.0.0.1:{web.port} without a Location"
        )
        assert await refused_line(fetcher, f"http://127.0.0.1:{port}/") == (
            f"could not connect to 127.0.0.1:{port}"
        )
        assert await refused_line(fetcher, "http://no-such-host.invalid/") == (
            "could not resolve no-such-host.invalid"
        )
        tls = await refused_line(fetcher, f"https://127.0.0.1:{web.port}/a")  # plain HTTP there
    assert tls.startswith(f"TLS failed with 127.0.0.1:{web.port}: ")


def test_the_address_rules_on_their_own() -> None:
    import ipaddress

    public = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"]
    assert all(address_kind(ipaddress.ip_address(a)) is None for a in public)
    assert refusal("news.example", public) is None
    assert refusal("news.example", [*public, "::1"]) == (
        "refused: news.example resolves to ::1, which is loopback"
    )
    assert refusal("news.example", ["fe80::1%eth0"]) == (
        "refused: news.example resolves to fe80::1%eth0, which is link-local"
    )
