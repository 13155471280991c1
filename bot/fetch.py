"""Reading article sources: local files and http(s) pages, with timeouts and a size limit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

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


def is_url(item: str) -> bool:
    return urlparse(item).scheme in {"http", "https"}


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


async def http_get(
    client: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
) -> HttpReply:
    """GET, streaming, refusing what is not text, HTML or XML and stopping as soon as the body
    exceeds `max_bytes`; every failure is a `FetchError` with a line for the user."""
    host = urlparse(url).netloc
    try:
        async with client.stream(
            "GET", url, headers={"User-Agent": USER_AGENT, **(headers or {})}
        ) as response:
            found = {name.lower(): value for name, value in response.headers.items()}
            if response.status_code == 304:
                return HttpReply(304, b"", str(response.url), found)
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {host}")
            if not is_article_type(found.get("content-type")):
                raise FetchError(f"not an article: {found.get('content-type')}")
            declared = found.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"page is {int(declared):,} bytes, over the {max_bytes:,} limit")
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"page is over the {max_bytes:,} byte limit")
                chunks.append(chunk)
            return HttpReply(response.status_code, b"".join(chunks), str(response.url), found)
    except httpx.HTTPError as exc:
        raise FetchError(describe_failure(exc, url)) from exc


async def fetch_url(client: httpx.AsyncClient, url: str, max_bytes: int) -> RawArticle:
    """One article page."""
    reply = await http_get(client, url, max_bytes)
    return RawArticle(reply.data, reply.url, reply.url, reply.headers.get("content-type"))


def describe_failure(exc: httpx.HTTPError, url: str) -> str:
    """One line a person understands for a failed request."""
    host = urlparse(url).netloc or url
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out fetching {host}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from {host}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"not a web address: {url[:200]}"
    return f"could not fetch {host}: {type(exc).__name__}"


def is_article_type(content_type: str | None) -> bool:
    """Text, HTML and XML may hold an article; images, PDFs and archives do not."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return not kind or kind.startswith("text/") or "html" in kind or "xml" in kind


def http_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=timeout),
        follow_redirects=True,
        max_redirects=5,
    )
