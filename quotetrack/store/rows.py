"""Records as rows: an article, its sentences and its quotes as the store writes them, and their stable ids."""

from __future__ import annotations

import hashlib
import json
import re
from typing import NamedTuple

from ..names import fold
from ..records import Article, Quote, Sentence, Span, bounded_id
from .shape import TABLES


class ArticleRows(NamedTuple):
    """The rows one article is stored as."""

    article: dict
    sentences: list[dict]
    quotes: list[dict]
    html: str | None = None  # the page, when it is kept


def article_rows(article: Article, sentences: list[Sentence], quotes: list[Quote]) -> ArticleRows:
    """An article, its sentences and its quotes as rows, ready for ``Store.save_results``."""
    return ArticleRows(article_row(article), [sentence_row(article, sentence) for sentence in sentences],
                       [quote_row(article.id, quote) for quote in quotes], article.html)

JSON_FIELDS = ("metadata", "segments", "boilerplate")  # an article's fields stored as JSON


def article_row(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "title_source": article.title_source,
        "published": article.published,
        "outlet": article.outlet,
        "dateline_place": article.dateline_place,
        "dateline_agency": article.dateline_agency,
        "author": article.author,
        "site_name": article.site_name,
        "language": article.language,
        "url": article.url,
        "source": article.source,
        "content_hash": article.content_hash,
        "text": article.text,
        "metadata": json.dumps(article.metadata, ensure_ascii=False, sort_keys=True),
        "segments": json.dumps(article.segments),
        "boilerplate": json.dumps(article.boilerplate, ensure_ascii=False),
        "input_hash": article.input_hash,
    }


def sentence_row(article: Article, sentence: Sentence) -> dict:
    return {
        "id": sentence_id(article.id, sentence.index),
        "article_id": article.id,
        "sentence_index": sentence.index,
        "paragraph": sentence.paragraph,
        "start": sentence.start,
        "end": sentence.end,
        "text": article.text[sentence.start : sentence.end],
    }


def quote_row(article_id: str, quote: Quote) -> dict:
    return {
        "id": quote_id(article_id, quote),
        "speaker": quote.speaker,
        "role": quote.role,
        "type": quote.type,
        "channel": quote.channel,
        "category": quote.category,
        "speaker_type": quote.speaker_type,
        "speaker_kind": quote.speaker_kind,
        "speaker_key": quote.speaker_key,  # read (and dropped) by save_quote_rows
        "cue_lemma": quote.cue_lemma,
        "article_id": article_id,
        "sentence_index": quote.sentence_index,
        "sentence_id": sentence_id(article_id, quote.sentence_index),
        "speaker_id": speaker_id(quote.speaker) if quote.speaker else None,
        "rule_id": quote.rule_id,
        "confidence": quote.confidence,
        **span_columns("content", "content", quote.content),
        **content_parts_columns(quote),
        **span_columns("cue", "cue", quote.cue),
        **span_columns("speaker_mention", "speaker", quote.speaker_span),
        **span_columns("referent", "referent", quote.referent_span),
    }


def content_parts_columns(quote: Quote) -> dict:
    """An interrupted quotation: its quoted parts as the content text, joined by " … ", and their
    offsets as JSON ``[[start, end], …]``; nothing for content in one piece."""
    if not quote.content_parts:
        return {"content_parts": None}
    return {"content": " … ".join(part.text for part in quote.content_parts),
            "content_parts": json.dumps([[part.start, part.end] for part in quote.content_parts])}


def span_columns(text_column: str, offset_prefix: str, span: Span | None) -> dict:
    """A span as a text column plus ``<prefix>_start``/``<prefix>_end`` offset columns."""
    return {
        text_column: span and span.text,
        f"{offset_prefix}_start": span and span.start,
        f"{offset_prefix}_end": span and span.end,
    }


def quote_id(article_id: str, quote: Quote) -> str:
    """Stable id: the same rule finding the same content and cue in the same article."""
    cue = quote.cue and (quote.cue.start, quote.cue.end)
    return stable_id(article_id, quote.content.start, quote.content.end, cue, quote.rule_id)


def sentence_id(article_id: str, index: int) -> str:
    return f"{article_id}:{index}"


def speaker_id(name: str) -> str:
    """A readable slug of a canonical name (bounded: ``bounded_id``), accents folded (``names.fold``):
    "Tomáš Dvořák" → "tomas-dvorak", so one person written with and without diacritics in two articles
    is one speaker."""
    return bounded_id("-".join(re.findall(r"\w+", fold(name)))) or stable_id(name)


def role_words(role: str) -> set[str]:
    """The words of a role that say what someone is ("chief", "electoral", "officer"), folded."""
    return {word for word in re.findall(r"\w+", fold(role)) if len(word) > 3}


def stable_id(*parts) -> str:
    """A short hash of ``parts``, the same on every run."""
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def article_of_row(row: dict) -> Article:
    """The article ``article_row`` made ``row`` of (its page's HTML aside)."""
    return Article(**{column: row[column] for column in TABLES["articles"]["columns"] if column not in JSON_FIELDS},
                   metadata=json.loads(row["metadata"] or "{}"), boilerplate=json.loads(row["boilerplate"] or "[]"),
                   segments=[tuple(segment) for segment in json.loads(row["segments"] or "[[0, 0]]")])

