"""Reading article sources: local files and http(s) pages, with timeouts and a size limit."""

from __future__ import annotations

from collections.abc import Iterator
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


async def fetch_url(client: httpx.AsyncClient, url: str, max_bytes: int) -> RawArticle:
    """GET a page, streaming, and stop as soon as it exceeds `max_bytes`."""
    try:
        async with client.stream("GET", url, headers={"User-Agent": USER_AGENT}) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {urlparse(url).netloc}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"page is {int(declared):,} bytes, over the {max_bytes:,} limit")
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"page is over the {max_bytes:,} byte limit")
                chunks.append(chunk)
            content_type = response.headers.get("content-type")
            return RawArticle(b"".join(chunks), str(response.url), str(response.url), content_type)
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out fetching {urlparse(url).netloc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {urlparse(url).netloc}: {type(exc).__name__}") from exc


def http_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=timeout),
        follow_redirects=True,
        max_redirects=5,
    )
