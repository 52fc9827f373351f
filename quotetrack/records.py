"""The records that flow between stages: ingest → parse → match → resolve → store.

Every character offset in these records refers to ``Article.text``, the cleaned
text of the article; ``Article.source_offset`` maps one back to the source file.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Bidirectional formatting characters (embeddings, overrides, isolates, marks): ingest removes them.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# What a web address never holds: whitespace, control and bidirectional formatting characters (a browser drops
# some, so "java\tscript:" would run as "javascript:").
_NOT_IN_URL = re.compile(f"[\\s\\x00-\\x1f\\x7f{BIDI}]")


def web_url(value) -> str | None:
    """``value`` when it is an http(s) address with a host, else None: what ``Article.url`` may hold and a page
    links (never ``javascript:``, ``data:`` or ``file:``)."""
    if not isinstance(value, str) or not value or len(value) > 8_000 or _NOT_IN_URL.search(value):
        return None
    try:
        parts = urlsplit(value)
        return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None
    except ValueError:  # a bad port or IPv6 address
        return None

# The longest id kept as written (an article's, from its file name or JSON Lines id; a speaker's
# slug): a longer one would be repeated in every sentence and quote row it has (a 100,000-character
# id made a 103 KB input into a 163 MB database), so it is cut, keeping a readable prefix and a hash.
MAX_ID_CHARS = 100


def bounded_id(text: str) -> str:
    """``text`` itself when at most ``MAX_ID_CHARS`` long, else its start, "~" and a hash of the whole
    (``MAX_ID_CHARS`` in all): readable, the same on every run, and distinct for distinct ids."""
    if len(text) <= MAX_ID_CHARS:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{text[:MAX_ID_CHARS - len(digest) - 1]}~{digest}"


@dataclass
class Article:
    """One article as ingested: cleaned text plus what the text says about itself."""

    id: str
    source: str
    text: str
    content_hash: str
    title: str | None = None
    title_source: str | None = None  # given (JSON Lines), headline (the first line) or lede (its first words)
    url: str | None = None  # an http(s) address (``web_url``): ingest drops any other, saying why in metadata
    published: str | None = None
    dateline_place: str | None = None
    dateline_agency: str | None = None
    dateline: Span | None = None  # where the text writes the dateline ("MOSCOW (AFP) -"): found by ingest, not stored
    outlet: str | None = None  # who published it: the JSON Lines source or url host, a notice in the text, the agency
    author: str | None = None
    site_name: str | None = None
    language: str | None = None  # detected from the text (ISO 639-1)
    metadata: dict = field(default_factory=dict)
    boilerplate: list[dict] = field(default_factory=list)  # the lines cleaning removed: {"rule": id, "text": line}
    html: str | None = None  # the page the text was extracted from, kept only when asked (``--keep-html``)
    input_hash: str | None = None  # the input it was read from, with how it was cleaned (``ingest.Inputs``)
    # (offset in text, offset in source) at the start of each kept stretch of the
    # source, in order: what boilerplate removal and trimming left of the source.
    segments: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])

    def source_offset(self, offset: int) -> int:
        """Map an offset in ``text`` to the same character in the source text."""
        starts = [clean for clean, _ in self.segments]
        i = max(bisect.bisect_right(starts, offset) - 1, 0)
        clean, source = self.segments[i]
        return source + offset - clean


@dataclass(slots=True)
class Word:
    """One syntactic word of a Stanza parse; ``head`` is a 0-based index, -1 for root.

    Slots: an article has about a thousand words, made and read on every re-attribution.
    """

    index: int
    text: str
    lemma: str
    upos: str
    xpos: str
    feats: str
    head: int
    deprel: str
    start: int
    end: int


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    paragraph: int
    words: list[Word]

    @functools.cached_property
    def children(self) -> list[list[int]]:
        """Each word's children, by index: worked out once, for every stage that walks the tree."""
        children: list[list[int]] = [[] for _ in self.words]
        for word in self.words:
            if word.head >= 0:
                children[word.head].append(word.index)
        return children


@dataclass
class ParsedArticle:
    article: Article
    model_id: str
    sentences: list[Sentence]


@dataclass
class Span:
    """A stretch of article text: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass
class Quote:
    """One attribution: who (speaker) said what (content), signalled by which words (cue).

    ``match`` fills the spans, ``rule_id``, ``type`` and ``sentence_index``;
    ``resolve`` fills ``speaker`` (canonical, named speakers only), ``speaker_kind``, ``speaker_type``, ``role`` and
    may replace a pronoun mention's referent via ``speaker_mention``/``speaker_span``.
    """

    article_id: str
    sentence_index: int
    rule_id: str
    type: str  # direct | indirect | mixed
    cue: Span | None
    cue_lemma: str | None
    content: Span
    speaker_span: Span | None  # the mention as written: "he", "Gladkov", "the ministry"
    category: str | None = None  # speech | belief | ...
    channel: str | None = None  # Telegram, Twitter, video message, ...
    speaker: str | None = None  # canonical name
    speaker_type: str | None = None  # person | organisation | place | group
    # who speaks, by kind: person | organisation | place (named speakers), generic ("officials",
    # "a spokesman") | anonymous ("a source familiar with …"); None for a pronoun nothing agrees with
    speaker_kind: str | None = None
    # a named person's full name as a spelling key: transliterations of it in other articles share it
    speaker_key: str | None = None
    role: str | None = None  # "Kremlin spokesman", "governor of the Belgorod region"
    referent_span: Span | None = None  # where a pronoun or short form's referent was written
    # an interrupted quotation's quoted parts, in order ("“A,” she said. “B.”" → A, B); ``content``
    # runs from the first to the last. Empty when the content is one piece.
    content_parts: list[Span] = field(default_factory=list)
    # the measured precision of the rule that found it (rules/precision.yml), None where unmeasured
    confidence: float | None = None
    # the engine steps that made the spans, in order ("mention", "content:quote", "continue", …): provenance
    # for rule tests and diagnosis
    steps: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[Span]:
        """What was said, piece by piece: the quoted parts, or the content whole."""
        return self.content_parts or [self.content]
