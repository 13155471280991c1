"""Response bodies decoded as they stream in, never past the byte limit: a compressed body counts
its decoded bytes, a little at a time, and one that expands far more than text ever does is
refused before it fills memory."""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

ACCEPTED_ENCODINGS = "gzip, deflate, br"  # what we send as Accept-Encoding: all we decode
MAX_EXPANSION = 100  # decoded bytes per compressed byte; HTML and feeds compress 5-20 times
EXPANSION_FLOOR = 256 * 1024  # below this many decoded bytes the ratio is not judged
DECODE_STEP = 64 * 1024  # decoded bytes produced at a time, so the ratio is judged as they grow


class BodyRefused(Exception):
    """The body is too large, expands too much or is encoded in a way we do not decode."""


class BodyUnreadable(Exception):
    """The body claims an encoding but is not valid in it."""


class _Inflater(Protocol):
    """A decompressor that never produces more than it is asked for at a time."""

    def decompress(self, data: bytes, limit: int) -> bytes:
        """Up to `limit` decoded bytes of what was fed before and `data`."""

    @property
    def backlog(self) -> int:
        """Input bytes fed but not yet decoded (nonzero: call again with no new data)."""

    @property
    def eof(self) -> bool: ...

    def flush(self, limit: int) -> bytes: ...


class _ZlibInflater:
    def __init__(self, wbits: int) -> None:
        self._inflater = zlib.decompressobj(wbits)

    def decompress(self, data: bytes, limit: int) -> bytes:
        return self._inflater.decompress(self._inflater.unconsumed_tail + data, limit)

    @property
    def backlog(self) -> int:
        return len(self._inflater.unconsumed_tail)

    @property
    def eof(self) -> bool:
        return self._inflater.eof

    def flush(self, limit: int) -> bytes:
        return self._inflater.flush(limit)


class _BrotliInflater:
    """Brotli keeps the input it has not decoded yet inside, and does not tell how much: output
    may be waiting as long as the last call produced some."""

    def __init__(self) -> None:
        self._inflater = brotli.Decompressor()
        self._produced = False

    def decompress(self, data: bytes, limit: int) -> bytes:
        piece = bytes(self._inflater.process(data, output_buffer_limit=limit))
        self._produced = bool(piece)
        return piece

    @property
    def backlog(self) -> int:
        return int(self._produced and not self.eof)

    @property
    def eof(self) -> bool:
        return bool(self._inflater.is_finished())

    def flush(self, limit: int) -> bytes:
        return self.decompress(b"", limit) if self.backlog else b""


_CORRUPT = (zlib.error, brotli.error)


def _inflater(encoding: str) -> _Inflater | None:
    if encoding in {"gzip", "x-gzip"}:
        return _ZlibInflater(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _ZlibInflater(zlib.MAX_WBITS)
    if encoding == "br":
        return _BrotliInflater()
    return None


def content_encoding(header: str | None) -> str:
    """The one encoding a body has ("identity" when none); a stack of them is refused."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) > 1 or _inflater(codings[0]) is None:
        raise BodyRefused(f"refused: unsupported content encoding {', '.join(codings)}")
    return codings[0]


class BodyDecoder:
    """Feed it the raw chunks; it returns decoded bytes and raises `BodyRefused` as soon as the
    decoded size passes `max_bytes` or the expansion ratio passes `MAX_EXPANSION`."""

    def __init__(self, encoding: str, max_bytes: int) -> None:
        self.encoding = encoding
        self.max_bytes = max_bytes
        self.raw_bytes = 0
        self.decoded_bytes = 0
        self._inflater = _inflater(encoding)
        self._started = False

    def feed(self, raw: bytes) -> bytes:
        self.raw_bytes += len(raw)
        if self._inflater is None:
            self._count(raw)
            return raw
        try:
            return self._inflate(raw)
        except _CORRUPT as exc:
            raise BodyUnreadable(f"the {self.encoding} body is corrupt") from exc

    def finish(self) -> bytes:
        if self._inflater is None:
            return b""
        try:
            rest = self._inflater.flush(self._room())
        except _CORRUPT as exc:
            raise BodyUnreadable(f"the {self.encoding} body is corrupt") from exc
        self._count(rest)
        if self.raw_bytes and not self._inflater.eof:
            raise BodyUnreadable(f"the {self.encoding} body is corrupt")  # cut short
        return rest

    def _inflate(self, raw: bytes) -> bytes:
        assert self._inflater is not None
        if not self._started and self.encoding == "deflate" and raw:
            self._started = True
            if not _has_zlib_header(raw):  # servers send raw deflate as often as zlib
                self._inflater = _ZlibInflater(-zlib.MAX_WBITS)
        pieces: list[bytes] = []
        data = raw
        while (data or self._inflater.backlog) and not self._inflater.eof:
            piece = self._inflater.decompress(data, min(self._room(), DECODE_STEP))
            self._count(piece)
            pieces.append(piece)
            data = b""
        return b"".join(pieces)

    def _room(self) -> int:
        """At most one byte past the limit is ever decoded: enough to notice it."""
        return self.max_bytes - self.decoded_bytes + 1

    def _consumed(self) -> int:
        """Compressed bytes the decoder has used so far."""
        waiting = self._inflater.backlog if self._inflater is not None else 0
        return self.raw_bytes - waiting

    def _count(self, piece: bytes) -> None:
        self.decoded_bytes += len(piece)
        if self.decoded_bytes > self.max_bytes:
            what = "page" if self._inflater is None else f"{self.encoding} page, decoded,"
            raise BodyRefused(f"refused: {what} is over the {self.max_bytes:,} byte limit")
        if (
            self._inflater is not None
            and self.decoded_bytes > EXPANSION_FLOOR
            and self.decoded_bytes > MAX_EXPANSION * self._consumed()
        ):
            raise BodyRefused(
                f"refused: the {self.encoding} body expands more than {MAX_EXPANSION} times "
                "(a compression bomb)"
            )


def _has_zlib_header(data: bytes) -> bool:
    if len(data) < 2:
        return True
    return data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
