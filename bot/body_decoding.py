"""Response bodies decoded as they stream in, never past the byte limit: a compressed body counts
its decoded bytes, a little at a time, and one that expands far more than text ever does is
refused before it fills memory."""

from __future__ import annotations

import zlib

ACCEPTED_ENCODINGS = "gzip, deflate"  # what we send as Accept-Encoding: all we decode
MAX_EXPANSION = 100  # decoded bytes per compressed byte; HTML and feeds compress 5-20 times
EXPANSION_FLOOR = 256 * 1024  # below this many decoded bytes the ratio is not judged
DECODE_STEP = 64 * 1024  # decoded bytes produced at a time, so the ratio is judged as they grow


class BodyRefused(Exception):
    """The body is too large, expands too much or is encoded in a way we do not decode."""


class BodyUnreadable(Exception):
    """The body claims an encoding but is not valid in it."""


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in {"gzip", "x-gzip"}:
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    return None


def content_encoding(header: str | None) -> str:
    """The one encoding a body has ("identity" when none); a stack of them is refused."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return "identity"
    if len(codings) > 1 or _decompressor(codings[0]) is None:
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
        self._inflater = _decompressor(encoding)
        self._started = False

    def feed(self, raw: bytes) -> bytes:
        self.raw_bytes += len(raw)
        if self._inflater is None:
            self._count(raw)
            return raw
        try:
            return self._inflate(raw)
        except zlib.error as exc:
            raise BodyUnreadable(f"the {self.encoding} body is corrupt") from exc

    def finish(self) -> bytes:
        if self._inflater is None:
            return b""
        try:
            rest = self._inflater.flush(self._room())
        except zlib.error as exc:
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
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pieces: list[bytes] = []
        data = raw
        while data and not self._inflater.eof:
            piece = self._inflater.decompress(data, min(self._room(), DECODE_STEP))
            self._count(piece)
            pieces.append(piece)
            data = self._inflater.unconsumed_tail
        return b"".join(pieces)

    def _room(self) -> int:
        """At most one byte past the limit is ever decoded: enough to notice it."""
        return self.max_bytes - self.decoded_bytes + 1

    def _consumed(self) -> int:
        """Compressed bytes the decoder has used so far."""
        waiting = len(self._inflater.unconsumed_tail) if self._inflater is not None else 0
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
