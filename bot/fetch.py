"""Reading article sources: local files, and http(s) pages fetched safely from anywhere: public
addresses only (checked after DNS and on every redirect), timeouts and a deadline, a byte limit on
the decoded body, and text only."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlparse

import httpcore
import httpx

from bot.address_guard import (
    AddressRefused,
    GuardedNetwork,
    GuardedTransport,
    HostNotFound,
    Resolver,
)
from bot.body_decoding import (
    ACCEPTED_ENCODINGS,
    BodyDecoder,
    BodyRefused,
    BodyUnreadable,
    content_encoding,
)
from bot.config import Settings

ARTICLE_SUFFIXES = frozenset({".txt", ".html", ".htm", ".md"})
USER_AGENT = "storybot/0.1 (+news briefing bot)"


class FetchError(Exception):
    """A source could not be read; the message is shown to the user as is."""


@dataclass(frozen=True, slots=True)
class RawArticle:
    data: bytes
    name: str  # file path or final URL
    url: str | None
    content_type: str | None


WEB_SCHEMES = frozenset({"http", "https"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def is_url(item: str) -> bool:
    return urlparse(item).scheme in WEB_SCHEMES


def other_scheme(item: str) -> str | None:
    """The scheme of an address that is not http(s) (`file`, `ftp`, `data`, `javascript`, ...),
    None for web addresses and for things that look like paths."""
    scheme = urlparse(item).scheme.lower()
    if not scheme or scheme in WEB_SCHEMES or len(scheme) == 1:  # `C:` is a drive, not a scheme
        return None
    if item[len(scheme) + 1 :].startswith("//") or scheme in {"file", "data", "javascript"}:
        return scheme
    return None


def refuse_scheme(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if not scheme:
        raise FetchError("refused: not an http or https address")
    if scheme not in WEB_SCHEMES:
        raise FetchError(f"refused: scheme {scheme} is not http or https")


def expand_paths(items: list[str]) -> Iterator[str]:
    """URLs as they are; directories become their article files, recursively and in name order."""
    for item in items:
        path = Path(item)
        if not is_url(item) and path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES:
                    yield str(child)
        else:
            yield item


def read_file(item: str, max_bytes: int) -> RawArticle:
    path = Path(item)
    if (scheme := other_scheme(item)) and not path.exists():
        raise FetchError(f"refused: scheme {scheme} is not http or https")
    if not path.exists():
        raise FetchError("no such file")
    if not path.is_file():
        raise FetchError("not a file")
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        raise FetchError(f"unsupported file type {path.suffix or '(none)'}; use .txt, .html or .md")
    size = path.stat().st_size
    if size > max_bytes:
        raise FetchError(f"file is {size:,} bytes, over the {max_bytes:,} byte limit")
    return RawArticle(path.read_bytes(), str(path), None, None)


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int  # 200, or 304 when a conditional GET found nothing new
    data: bytes
    url: str  # after redirects
    headers: dict[str, str]  # names in lower case


@dataclass(frozen=True, slots=True)
class FetchRules:
    max_bytes: int = 5_000_000
    timeout_seconds: float = 10.0  # connect, and each read
    deadline_seconds: float = 30.0  # the whole fetch, redirects included
    allow_private_addresses: bool = False
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchRules:
        return cls(
            max_bytes=settings.fetch_max_bytes,
            timeout_seconds=settings.fetch_timeout_seconds,
            deadline_seconds=settings.fetch_deadline_seconds,
            allow_private_addresses=settings.fetch_allow_private_addresses,
        )


class Fetcher:
    """The one way the bot reads the web. Requests go straight to the transport, without
    httpx's client, so redirects are followed here alone, one hop at a time, each hop checked
    again. `transport` replaces the network entirely (tests of what is done with a reply);
    `resolver` and `network` replace DNS and sockets below the address guard."""

    def __init__(
        self,
        rules: FetchRules,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        network: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.rules = rules
        guard = GuardedNetwork(
            allow_private=rules.allow_private_addresses, resolver=resolver, network=network
        )
        self._transport = transport or GuardedTransport(guard, ssl_context)
        self._timeouts = httpx.Timeout(rules.timeout_seconds).as_dict()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> HttpReply:
        """GET within the deadline; every failure is a `FetchError` with a line for the user."""
        deadline = asyncio.timeout(self.rules.deadline_seconds)
        try:
            async with deadline:
                return await self._follow(url, dict(headers or {}))
        except TimeoutError as exc:
            if not deadline.expired():
                raise FetchError(f"timed out fetching {host_of(url)}") from exc
            raise FetchError(
                f"took more than {self.rules.deadline_seconds:g} s fetching {host_of(url)}"
            ) from exc

    async def article(self, url: str) -> RawArticle:
        """One article page."""
        reply = await self.get(url)
        return RawArticle(reply.data, reply.url, reply.url, reply.headers.get("content-type"))

    async def _follow(self, url: str, headers: dict[str, str]) -> HttpReply:
        for _hop in range(self.rules.max_redirects + 1):
            refuse_scheme(url)
            reply = await self._one_request(url, headers)
            if reply.status not in REDIRECTS:
                return reply
            location = reply.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {reply.status} from {host_of(url)} without a Location")
            url = urljoin(url, location)
        raise FetchError(
            f"too many redirects (over {self.rules.max_redirects}) from {host_of(url)}"
        )

    async def _one_request(self, url: str, headers: dict[str, str]) -> HttpReply:
        try:
            request = httpx.Request(
                "GET",
                url,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept-Encoding": ACCEPTED_ENCODINGS,
                    **headers,
                },
                extensions={"timeout": self._timeouts},
            )
            response = await self._transport.handle_async_request(request)
            response.request = request
            try:
                return await read_reply(response, self.rules.max_bytes)
            finally:
                await response.aclose()
        except httpx.InvalidURL as exc:
            raise FetchError(f"not a web address: {url[:200]}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(describe_failure(exc, url)) from exc
        except (AddressRefused, HostNotFound, BodyRefused) as exc:
            raise FetchError(str(exc)) from exc
        except BodyUnreadable as exc:
            raise FetchError(f"{exc} from {host_of(url)}") from exc


async def read_reply(response: httpx.Response, max_bytes: int) -> HttpReply:
    """Status and headers first; the body only for a 200 of text, streamed and decoded under
    the limit. Redirects and 304 come back without a body."""
    found = {name.lower(): value for name, value in response.headers.items()}
    status, url = response.status_code, str(response.url)
    if status == 304 or status in REDIRECTS:
        return HttpReply(status, b"", url, found)
    if status >= 400:
        raise FetchError(f"HTTP {status} from {host_of(url)}")
    if not is_article_type(found.get("content-type")):
        raise FetchError(f"refused: content type {found.get('content-type')} is not text")
    declared = found.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"refused: page is {int(declared):,} bytes, over the {max_bytes:,} byte limit"
        )
    if response.is_stream_consumed:  # a reply built in memory (httpx.MockTransport), decoded
        return HttpReply(
            status, BodyDecoder("identity", max_bytes).feed(response.content), url, found
        )
    decoder = BodyDecoder(content_encoding(found.get("content-encoding")), max_bytes)
    chunks: list[bytes] = []
    async for raw in response.aiter_raw():
        chunks.append(decoder.feed(raw))
    chunks.append(decoder.finish())
    return HttpReply(status, b"".join(chunks), url, found)


def host_of(url: str) -> str:
    return urlparse(url).netloc or url[:200]


def describe_failure(exc: httpx.HTTPError, url: str) -> str:
    """One line a person understands for a failed request."""
    host = host_of(url)
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out fetching {host}"
    if (tls := _tls_failure(exc)) is not None:
        return f"TLS failed with {host}: {tls}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"not a web address: {url[:200]}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke off the reply"
    return f"could not fetch {host}: {type(exc).__name__}"


def _tls_failure(exc: BaseException) -> str | None:
    """The TLS reason behind a failure, if it was one (a bad certificate, not TLS at all)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return getattr(seen, "verify_message", None) or seen.reason or "handshake failed"
        seen = seen.__cause__ or seen.__context__
    return None


def is_article_type(content_type: str | None) -> bool:
    """Text, HTML and XML may hold an article; images, PDFs and archives do not."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return not kind or kind.startswith("text/") or "html" in kind or "xml" in kind


def fetcher(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Fetcher:
    return Fetcher(FetchRules.from_settings(settings), transport=transport)
