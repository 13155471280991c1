"""Boilerplate removal on made-up pages: only the article's own paragraphs survive."""

from __future__ import annotations

from bot.pipeline.clean import clean_paragraphs

PROSE = [
    "The city council voted on Monday to close the old harbour bridge for repairs next year.",
    "Engineers said the steel supports had corroded faster than expected after the floods.",
    "The mayor said the closure would last about eight months and cost the city dearly.",
]


def test_breadcrumb_byline_and_repeated_headline_are_dropped() -> None:
    page = [
        "Home » Local » Council closes harbour bridge",
        "Council closes harbour bridge",
        "by Jane Roe - City Desk Editor",
        *PROSE,
        "Council closes harbour bridgeIn this photo provided by the city, a crane stands by.",
    ]
    cleaned = clean_paragraphs(page)
    assert cleaned.paragraphs == tuple(PROSE)
    assert cleaned.title == "Council closes harbour bridge"
    assert cleaned.author == "Jane Roe"


def test_comment_widgets_and_teasers_end_the_article() -> None:
    page = [
        *PROSE,
        "You may also like",
        "Leave a Comment",
        "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
    ]
    assert clean_paragraphs(page).paragraphs == tuple(PROSE)
    blog = [*PROSE, "No comments:", "Post a Comment"]
    assert clean_paragraphs(blog).paragraphs == tuple(PROSE)


def test_captions_credits_and_notes_are_dropped() -> None:
    page = [
        PROSE[0],
        "A crane lifts a beam at the bridge, Monday, March 2, 2026. (AP Photo/Sam Doe)",
        "The mayor. Photo: Reuters",
        PROSE[1],
        "(The stored copy breaks off at this point.)",
        PROSE[2],
    ]
    assert clean_paragraphs(page).paragraphs == tuple(PROSE)


def test_subheadings_are_dropped_but_prose_is_kept() -> None:
    page = [PROSE[0], "What happens next", PROSE[1], "‘A costly decision’", PROSE[2]]
    assert clean_paragraphs(page).paragraphs == tuple(PROSE)


def test_an_author_biography_and_its_outlet() -> None:
    page = [
        "Harbour bridge to close for repairs",
        "By: Metro Desk",
        "4 min read Mar 2, 2026 05:56 PM",
        *PROSE,
        "Metro Desk",
        "The Metro Desk at The Daily Example covers city hall, transport and housing. The desk "
        "is led by a team of experienced journalists and editors with expertise in local "
        "politics. ... Read More",
    ]
    cleaned = clean_paragraphs(page)
    assert cleaned.paragraphs == tuple(PROSE)
    assert cleaned.author == "Metro Desk"
    assert cleaned.outlet == "The Daily Example"
    assert cleaned.datelines == ("4 min read Mar 2, 2026 05:56 PM",)


def test_a_repeated_paragraph_is_kept_once() -> None:
    page = [PROSE[0], PROSE[1], PROSE[0].replace("'", "’") + "“", PROSE[2]]
    assert clean_paragraphs(page).paragraphs == tuple(PROSE)


def test_the_headline_is_the_fullest_heading_before_the_prose() -> None:
    page = ["Top stories", "Share this article", "Council closes the old harbour bridge", *PROSE]
    cleaned = clean_paragraphs(page)
    assert cleaned.title == "Council closes the old harbour bridge"
    assert cleaned.paragraphs == tuple(PROSE)
