"""RSS and Atom parsed safely: a feed that declares XML entities (the billion laughs, external
entities reading local files or URLs) is refused before feedparser reads a byte of it."""

from __future__ import annotations

from typing import Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import defusedxml.sax
import feedparser
from defusedxml import DefusedXmlException

from bot.fetch import FetchError

ENTITIES_REFUSED = "refused: the feed declares XML entities"


def refuse_entities(data: bytes) -> None:
    """Raise `FetchError` if `data` declares entities, internal or external. A doctype that
    names an external DTD (old RSS 0.91 feeds do) is allowed: neither this check nor feedparser
    fetches it. A document that is not well-formed XML (feedparser reads those too, loosely) is
    searched for the declaration itself, in its bytes and with the zero bytes of UTF-16 out."""
    try:
        defusedxml.sax.parseString(
            data, ContentHandler(), forbid_dtd=False, forbid_entities=True, forbid_external=False
        )
    except DefusedXmlException as exc:
        raise FetchError(ENTITIES_REFUSED) from exc
    except SAXException:
        ascii_view = data.replace(b"\x00", b"").lower()
        if b"<!entity" in ascii_view:
            raise FetchError(ENTITIES_REFUSED) from None


def parse_feed(data: bytes, url: str, content_type: str | None) -> Any:
    """feedparser's reading of a feed, after `refuse_entities`."""
    refuse_entities(data)
    return feedparser.parse(
        data, response_headers={"content-location": url, "content-type": content_type or ""}
    )
