"""Web pages: an HTML article's main text and metadata, extracted with trafilatura.

Part of ingest: ``ingest`` cleans the extracted text like any other article text,
so every offset refers to the text that is stored, never to the HTML.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from .dates import iso_date

MAX_HTML_BYTES = 5_000_000  # a larger page is no single news article: refused before parsing
MIN_ARTICLE_WORDS = 60  # less main text than this is a front page, a gallery or an error page
# Parsing an element's attributes takes time quadratic in their number (lxml): 200,000 took 176 s. The most
# attributes of one element in a news page are a few dozen.
MAX_ELEMENT_ATTRIBUTES = 1_000
MAX_EXTRACT_SECONDS = 30.0  # the time one page's extraction may take (the 5 MB pages we tried took under 5 s)
_LONG_TAG_BYTES = 4 * MAX_ELEMENT_ATTRIBUTES  # a shorter start tag cannot hold more attributes: not counted
_START_TAG = regex.compile(rb"<[A-Za-z][^<>]{%d,}>" % _LONG_TAG_BYTES)
_ATTRIBUTE = regex.compile(rb"""[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?""")


class NotAnArticle(Exception):
    """The page has no article to read; the message says why, in one line."""


@dataclass(frozen=True)
class Page:
    """What an article page says: its main text and what its metadata tells of it."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601
    site_name: str | None = None
    url: str | None = None  # canonical, where the page gives one
    language: str | None = None  # as the page declares it
    description: str | None = None


def extract(html: bytes | str, url: str | None = None) -> Page:
    """The main text and metadata of one article page; raises ``NotAnArticle`` with the reason."""
    import trafilatura  # imported on first use: loading it takes a while

    size = len(html.encode("utf-8", "replace") if isinstance(html, str) else html)
    if size > MAX_HTML_BYTES:
        raise NotAnArticle(f"page too large ({size:,} bytes, limit {MAX_HTML_BYTES:,})")
    if not (html.strip() if isinstance(html, str) else html.strip()):
        raise NotAnArticle("empty page")
    _check_attributes(html.encode("utf-8", "replace") if isinstance(html, str) else html)
    try:
        with _deadline(MAX_EXTRACT_SECONDS):
            document = trafilatura.bare_extraction(
                html, url=url, with_metadata=True, include_comments=False, include_tables=False,
                favor_precision=True, deduplicate=False,
            )
    except (ValueError, TypeError, RecursionError) as error:  # lxml's errors on broken markup
        raise NotAnArticle(f"unreadable HTML: {error}") from None
    if document is None or not (document.text or "").strip():
        raise NotAnArticle("no article text found on the page")
    text = _without_headline(_paragraphs(document.text), document.title)
    words = len(text.split())
    if words < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"not an article: only {words} words of main text")
    return Page(
        text=text,
        title=_clean(document.title),
        author=_clean(document.author),
        published=iso_date(document.date),
        site_name=_clean(document.sitename),
        url=_clean(document.url),
        language=_page_language(html),
        description=_clean(document.description),
    )


def _check_attributes(html: bytes) -> None:
    """Refuse a page with an element of more than ``MAX_ELEMENT_ATTRIBUTES`` attributes, in time linear in its size."""
    for tag in _START_TAG.finditer(html):
        if (count := sum(1 for _ in _ATTRIBUTE.finditer(tag.group(), 1)) - 1) > MAX_ELEMENT_ATTRIBUTES:  # less its name
            raise NotAnArticle(f"an element with {count:,} attributes (the limit is {MAX_ELEMENT_ATTRIBUTES:,})")


class _TimeUp(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise ``NotAnArticle`` when the block runs past ``seconds``: a SIGALRM timer, where one can be set (the main
    thread of a Unix process); elsewhere the block runs unbounded. A timer already set is restored after."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def time_up(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds)[0]
    try:
        yield
    except _TimeUp:
        raise NotAnArticle(f"extraction took over {seconds:g} s (the limit per page)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, outer)


def _paragraphs(text: str) -> str:
    """One paragraph a line, without the blank lines and outer spaces extraction may leave."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _without_headline(text: str, title: str | None) -> str:
    """The text less its first line when that line is the page's title: the headline is metadata, not prose."""
    first, _, rest = text.partition("\n")
    return rest if title and rest and _clean(first) == _clean(title) else text


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


_LANG_ATTRIBUTE = regex.compile(rb"(?i)<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b")


def _page_language(html: bytes | str) -> str | None:
    """The language code the page declares on its ``<html lang>`` element, if any."""
    head = (html.encode("utf-8", "replace") if isinstance(html, str) else html)[:20_000]
    match = _LANG_ATTRIBUTE.search(head)
    return match[1].decode("ascii").lower() if match else None
