"""Feeds that declare XML entities (billion laughs, external entities) are refused quickly and
without memory growth; ordinary feeds, doctype and all, are still read. Feeds are served by a
real server on 127.0.0.1."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from bot.app import Services
from bot.config import Settings
from bot.feeds import ENTITIES_REFUSED, parse_feed, refuse_entities
from bot.fetch import FetchError
from bot.sources import SourceService
from store import sources as source_queries
from tests.local_web import LocalWeb, serving

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + ']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)
ITEM = "<item><title>Story</title><link>http://127.0.0.1:9/story</link><description>{}</description></item>"


def xxe(system_id: str, parameter: bool = False) -> str:
    if parameter:
        doctype = f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{system_id}"> %remote;]>'
    else:
        doctype = f'<!DOCTYPE rss [<!ENTITY secret SYSTEM "{system_id}">]>'
    return (
        f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>Wire</title>'
        f"{ITEM.format('&secret;')}</channel></rss>"
    )


RSS_091 = (
    '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"{dtd}"><rss version="0.91"><channel><title>Old Wire</title><link>http://old.example/</link>'
    "<item><title>One</title><link>http://old.example/1</link></item></channel></rss>"
)


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serving() as site:
        site.page("/etc-passwd", "root:x:0:0:root:/root:/bin/bash", content_type="text/plain")
        site.page("/dtd", '<!ENTITY secret "leaked">', content_type="application/xml-dtd")
        yield site


def test_billion_laughs_is_refused_at_once_without_expanding() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=ENTITIES_REFUSED):
            parse_feed(BILLION_LAUGHS.encode(), "http://wire.example/feed", "application/rss+xml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # a billion "lol"s would be 3 GB


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_in_malformed_and_utf16_documents(encoding: str) -> None:
    malformed = BILLION_LAUGHS.replace("</channel>", "").replace('version="1.0"', "")
    with pytest.raises(FetchError, match=ENTITIES_REFUSED):
        refuse_entities(malformed.encode(encoding))
    with pytest.raises(FetchError, match=ENTITIES_REFUSED):
        refuse_entities(
            BILLION_LAUGHS.replace('"1.0"', f'"1.0" encoding="{encoding}"').encode(encoding)
        )


@pytest.mark.parametrize("parameter", [False, True])
def test_external_entities_are_refused_and_never_fetched(web: LocalWeb, parameter: bool) -> None:
    for target in (web.url("/etc-passwd"), "file:///etc/passwd", web.url("/dtd")):
        with pytest.raises(FetchError, match=ENTITIES_REFUSED):
            parse_feed(xxe(target, parameter).encode(), web.url("/feed"), "application/rss+xml")
    assert web.hits["/etc-passwd"] == 0 and web.hits["/dtd"] == 0


def test_a_feed_with_an_external_doctype_is_read_and_the_dtd_never_fetched(web: LocalWeb) -> None:
    parsed = parse_feed(
        RSS_091.format(dtd=web.url("/dtd")).encode(), web.url("/feed"), "application/rss+xml"
    )
    assert parsed.feed.title == "Old Wire" and [e.title for e in parsed.entries] == ["One"]
    assert web.hits["/dtd"] == 0


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"fetch_allow_private_addresses": True})


@pytest.mark.parametrize("name", ["billion-laughs", "xxe-file", "xxe-http"])
async def test_addsource_refuses_hostile_feeds_and_keeps_nothing(
    services: Services, open_settings: Settings, web: LocalWeb, name: str
) -> None:
    feeds = {
        "billion-laughs": BILLION_LAUGHS,
        "xxe-file": xxe("file:///etc/passwd"),
        "xxe-http": xxe(web.url("/etc-passwd")),
    }
    web.page("/feed.xml", feeds[name], content_type="application/rss+xml")
    sources = SourceService(services.sessions, services.ingestor, open_settings)
    result = await sources.add(web.url("/feed.xml"))
    assert result.report is not None and result.report.result == "error"
    assert result.report.error == ENTITIES_REFUSED
    assert web.hits["/feed.xml"] == 1 and web.hits["/etc-passwd"] == 0
    async with services.sessions() as session:
        assert await source_queries.list_sources(session) == []
    assert await services.article_count() == 0


async def test_addsource_refuses_a_feed_on_a_private_address_unless_allowed(
    services: Services, web: LocalWeb
) -> None:
    web.page("/feed.xml", RSS_091.format(dtd=web.url("/dtd")), content_type="application/rss+xml")
    closed = SourceService(services.sessions, services.ingestor, services.settings)
    result = await closed.add(web.url("/feed.xml", host="localhost"))
    assert result.report is not None and result.report.result == "error"
    assert (result.report.error or "").startswith("refused: localhost resolves to ")
    assert web.hits["/feed.xml"] == 0
