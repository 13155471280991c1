"""Reading articles: headers, front matter, HTML pages, other languages and junk bytes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.pipeline.documents import UnreadableDocument, parse_document

BODY = (
    "The city council voted on Monday to close the old harbour bridge for repairs next year.\n\n"
    "Engineers said the steel supports had corroded faster than expected after the floods.\n\n"
    "The mayor said the closure would last about eight months and cost the city dearly.\n"
)


def read(text: str, name: str = "article.txt", content_type: str | None = None) -> object:
    return parse_document(text.encode(), source_name=name, content_type=content_type)


def test_a_header_gives_the_metadata() -> None:
    text = (
        "url: https://example.org/bridge\noutlet: The Daily Example\npublished: 2026-03-02\n"
        "title: Bridge to close\nauthor: Jane Roe\nmood: ignored\n---\n" + BODY
    )
    document = parse_document(text.encode(), source_name="a.txt")
    assert document.url == "https://example.org/bridge"
    assert document.outlet == "The Daily Example"
    assert document.published == dt.date(2026, 3, 2)
    assert document.title == "Bridge to close"
    assert document.author == "Jane Roe"
    assert len(document.paragraphs) == 3


def test_front_matter_between_two_rules() -> None:
    text = "---\ntitle: Bridge to close\npublished: \n---\n" + BODY
    document = parse_document(text.encode(), source_name="a.md")
    assert document.title == "Bridge to close"
    assert document.published is None
    assert document.paragraphs[0].startswith("The city council")


def test_without_a_header_the_text_gives_what_it_can() -> None:
    text = "Bridge to close for a year\nBy Jane Roe | Mar 2, 2026 21:25\n" + BODY
    document = parse_document(text.encode(), source_name="a.txt")
    assert document.title == "Bridge to close for a year"
    assert document.author == "Jane Roe"
    assert document.published == dt.date(2026, 3, 2)
    assert document.url is None and document.outlet is None


def test_a_colon_in_the_first_line_is_not_a_header() -> None:
    text = "Breaking: the council votes tonight on the bridge.\n\n" + BODY
    document = parse_document(text.encode(), source_name="a.txt")
    assert document.paragraphs[0].startswith("Breaking:")


HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Bridge to close | The Daily Example</title>
<meta property="article:published_time" content="2026-03-02">
<script>alert("x")</script><style>p {{ color: red }}</style></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li></ul></nav>
<article><h1>Bridge to close</h1>{paragraphs}</article>
<aside><h2>Most read</h2><ol><li><a href="/a">Sports final tonight</a></li></ol></aside>
<footer><p>&copy; 2026 The Daily Example. All rights reserved.</p></footer>
<script>document.write("<p>injected</p>")</script></body></html>"""


def test_html_goes_through_the_main_text_extractor() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    document = parse_document(HTML.format(paragraphs=paragraphs).encode(), source_name="page.html")
    text = " ".join(document.paragraphs)
    assert "harbour bridge" in text
    assert "alert" not in text and "injected" not in text and "Most read" not in text
    assert "All rights reserved" not in text
    assert document.published == dt.date(2026, 3, 2)
    assert document.title and "Bridge to close" in document.title


def test_another_language_is_recognised() -> None:
    spanish = (
        "El consejo de la ciudad votó el lunes para cerrar el viejo puente del puerto. "
        "Los ingenieros dijeron que los soportes de acero se habían corroído más rápido de lo "
        "esperado después de las inundaciones. El alcalde dijo que el cierre duraría unos ocho "
        "meses y costaría mucho dinero a la ciudad y a sus vecinos durante todo el año.\n"
    ) * 2
    assert not parse_document(spanish.encode(), source_name="a.txt").english
    assert parse_document(BODY.encode(), source_name="a.txt").english


@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02binary\xff" * 50, b"   \n\n ", bytes(range(256)) * 8]
)
def test_junk_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(UnreadableDocument):
        parse_document(data, source_name="junk.txt")


def test_latin1_text_is_read() -> None:
    document = parse_document(BODY.replace("mayor", "maire café").encode("cp1252"), source_name="a")
    assert "café" in " ".join(document.paragraphs)
