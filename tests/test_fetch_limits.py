"""What a fetch reads, against a real server on 127.0.0.1: timeouts and a deadline, a byte limit
kept while streaming, compression bombs and non-text content refused."""

from __future__ import annotations

import gzip
import itertools
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import brotli
import pytest

from bot.body_decoding import MAX_EXPANSION, BodyDecoder, BodyRefused, BodyUnreadable
from bot.fetch import Fetcher, FetchError, FetchRules
from tests.local_web import Handler, LocalWeb, serving

LIMIT = 1_000_000
RULES = FetchRules(
    max_bytes=LIMIT, timeout_seconds=5, deadline_seconds=20, allow_private_addresses=True
)
PAGE = ("<html><body>" + "<p>Envoys met again on Monday to talk about the ceasefire.</p>" * 200
        + "</body></html>").encode()  # fmt: skip


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serving() as site:
        yield site


BROTLI = 0  # in place of zlib's window bits: brotli instead


def compressed_zeros(size: int, wbits: int) -> bytes:
    """`size` zero bytes compressed (zlib with `wbits`, or brotli), without holding them all."""
    block = bytes(1 << 20)
    pieces = (block[: min(len(block), size - done)] for done in range(0, size, len(block)))
    if wbits == BROTLI:
        packer = brotli.Compressor(quality=5)
        return b"".join([*(packer.process(piece) for piece in pieces), packer.finish()])
    deflater = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join([*(deflater.compress(piece) for piece in pieces), deflater.flush()])


async def failure(url: str, rules: FetchRules = RULES) -> str:
    async with Fetcher(rules) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    return str(caught.value)


async def test_a_server_that_does_not_answer_in_time_times_out(web: LocalWeb) -> None:
    web.slow("/slow", seconds=30)
    rules = FetchRules(timeout_seconds=0.3, deadline_seconds=20, allow_private_addresses=True)
    assert await failure(web.url("/slow"), rules) == f"timed out fetching 127.0.0.1:{web.port}"


async def test_a_trickle_of_bytes_is_cut_off_at_the_deadline(web: LocalWeb) -> None:
    def trickle(handler: Handler) -> None:
        def drip() -> Iterator[bytes]:
            for _ in range(300):
                web.stopping.wait(0.05)
                yield b"<p>a</p>"

        handler.stream(drip())

    web.routes["/trickle"] = trickle
    rules = FetchRules(timeout_seconds=5, deadline_seconds=0.5, allow_private_addresses=True)
    assert await failure(web.url("/trickle"), rules) == (
        f"took more than 0.5 s fetching 127.0.0.1:{web.port}"
    )


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(web: LocalWeb) -> None:
    web.page("/big", b"x" * (LIMIT + 1))
    assert await failure(web.url("/big")) == (
        f"refused: page is {LIMIT + 1:,} bytes, over the {LIMIT:,} byte limit"
    )


async def test_an_endless_body_is_cut_off_at_the_limit_while_streaming(web: LocalWeb) -> None:
    web.routes["/endless"] = lambda h: h.stream(itertools.repeat(b"<p>more</p>" * 1000))
    tracemalloc.start()
    try:
        line = await failure(web.url("/endless"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert line == f"refused: page is over the {LIMIT:,} byte limit"
    assert peak < 8 * LIMIT  # what was read before the limit, never the whole stream


@pytest.mark.parametrize(
    ("encoding", "wbits"),
    [("gzip", 16 + zlib.MAX_WBITS), ("deflate", zlib.MAX_WBITS), ("deflate", -zlib.MAX_WBITS),
     ("br", BROTLI)],
)  # fmt: skip
async def test_a_compression_bomb_is_refused_without_filling_memory(
    web: LocalWeb, encoding: str, wbits: int
) -> None:
    bomb = compressed_zeros(200 * 1024 * 1024, wbits)  # 200 MB of zeros in about 200 KB
    web.page("/bomb", bomb, content_type="text/html", Content_Encoding=encoding)
    tracemalloc.start()
    try:
        line = await failure(web.url("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert line.startswith("refused: ")
    assert "expands more than" in line or "byte limit" in line
    assert peak < 8 * LIMIT


async def test_a_body_that_expands_too_much_is_refused_even_under_the_limit(
    web: LocalWeb,
) -> None:
    bomb = compressed_zeros(LIMIT // 2, 16 + zlib.MAX_WBITS)
    web.page("/small-bomb", bomb, content_type="text/html", Content_Encoding="gzip")
    line = await failure(web.url("/small-bomb"))
    assert (
        line
        == f"refused: the gzip body expands more than {MAX_EXPANSION} times (a compression bomb)"
    )


async def test_compressed_pages_are_decoded_and_encodings_we_do_not_ask_for_refused(
    web: LocalWeb,
) -> None:
    web.page("/gzip", gzip.compress(PAGE), Content_Encoding="gzip")
    web.page("/deflate", zlib.compress(PAGE), Content_Encoding="deflate")
    web.page("/br", brotli.compress(PAGE), Content_Encoding="br")
    web.page("/zstd", b"\x28\xb5\x2f\xfd", Content_Encoding="zstd")
    web.page("/twice", gzip.compress(gzip.compress(PAGE)), Content_Encoding="gzip, gzip")
    web.page("/corrupt", b"\x1f\x8b\x08\x00garbage", Content_Encoding="gzip")
    async with Fetcher(RULES) as fetcher:
        assert (await fetcher.article(web.url("/gzip"))).data == PAGE
        assert (await fetcher.article(web.url("/deflate"))).data == PAGE
        assert (await fetcher.article(web.url("/br"))).data == PAGE
    assert web.requests[0][1]["Accept-Encoding"] == "gzip, deflate, br"
    assert await failure(web.url("/zstd")) == "refused: unsupported content encoding zstd"
    assert await failure(web.url("/twice")) == "refused: unsupported content encoding gzip, gzip"
    assert await failure(web.url("/corrupt")) == (
        f"the gzip body is corrupt from 127.0.0.1:{web.port}"
    )


@pytest.mark.parametrize("kind", ["image/png", "application/pdf", "application/zip",
                                  "application/octet-stream", "video/mp4"])  # fmt: skip
async def test_content_that_is_not_text_is_refused_with_its_type(web: LocalWeb, kind: str) -> None:
    web.page("/file", b"\x89PNG\r\n", content_type=kind)
    assert await failure(web.url("/file")) == f"refused: content type {kind} is not text"


@pytest.mark.parametrize("kind", ["text/html; charset=utf-8", "text/plain", "text/xml",
                                  "application/xhtml+xml", "application/rss+xml",
                                  "application/atom+xml"])  # fmt: skip
async def test_text_html_and_feeds_are_read(web: LocalWeb, kind: str) -> None:
    web.page("/doc", PAGE, content_type=kind)
    async with Fetcher(RULES) as fetcher:
        assert (await fetcher.article(web.url("/doc"))).content_type == kind


@pytest.mark.parametrize(("encoding", "pack"), [("gzip", gzip.compress), ("br", brotli.compress)])
def test_the_decoder_never_decodes_far_past_the_limit(
    encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    decoder = BodyDecoder(encoding, max_bytes=10_000)
    with pytest.raises(BodyRefused, match="over the 10,000 byte limit"):
        decoder.feed(pack(bytes(10_001)))
    assert decoder.decoded_bytes == 10_001


def test_a_brotli_body_fed_in_small_pieces_is_decoded_whole() -> None:
    packed = brotli.compress(PAGE * 20)
    decoder = BodyDecoder("br", max_bytes=LIMIT)
    decoded = b"".join(decoder.feed(packed[i : i + 100]) for i in range(0, len(packed), 100))
    assert decoded + decoder.finish() == PAGE * 20


def test_a_brotli_body_cut_short_is_unreadable() -> None:
    decoder = BodyDecoder("br", max_bytes=LIMIT)
    decoder.feed(brotli.compress(PAGE)[:-20])
    with pytest.raises(BodyUnreadable, match="br body is corrupt"):
        decoder.finish()
