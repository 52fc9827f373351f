"""Parse stage: Stanza dependency parses of articles, batched, cached by (content hash, model id)."""

from __future__ import annotations

import array
import functools
import gc
import hashlib
import importlib.metadata
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import regex

from ..errors import ParseError
from ..records import Article, ParsedArticle, Sentence, Word

PROCESSORS = "tokenize,mwt,pos,lemma,depparse"
# Multi-word tokens from the expander's dictionary only ("don't" → do n't, "Trump's" → Trump 's):
# its seq2seq model spells out unseen possessives letter by letter ("Scott's" → S c o t t ' s),
# which wrecked the parse of about one PolNeAR sentence in eight. An unseen possessive stays one word.
PIPELINE_OPTIONS = {"mwt_dict_only": True}
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stanza_en_glove"
MODEL_DIR_ENV = "QUOTETRACK_STANZA_DIR"
PARAGRAPH = regex.compile(r"[^\n]+")
# The parser's memory grows with the square of a sentence's length: a 20,000-word run-on
# "sentence" asked for 81 GB. So the parser never sees more than PARSE_SENTENCE_CHARS without a
# sentence end (a cut at a space ends the piece parsed) nor a piece longer than PARSE_CHUNK_CHARS
# (cut after a sentence end). No PolNeAR paragraph (2,573) or sentence (979 characters) is cut.
PARSE_CHUNK_CHARS = 3_000
PARSE_SENTENCE_CHARS = 1_000
_SENTENCE_END = regex.compile(r"[.!?…][\"'”’)\]]*\s+(?=\S)")
_SPACE = regex.compile(r"\s+(?=\S)")
CACHE_FORMAT = b"columns/2\n"  # starts every parse cached now
# Formats still read; a parse cached in any other is parsed again. columns/1 kept the columns in the JSON.
READ_FORMATS = (CACHE_FORMAT, b"columns/1\n")
WORD_FIELDS = ("text", "lemma", "upos", "xpos", "feats", "head", "deprel", "start", "end")  # Word's, after index
TEXT_FIELDS = {"text", "lemma", "upos", "xpos", "feats", "deprel"}


def resolve_model_dir(model_dir: str | Path | None = None) -> Path:
    """The Stanza resources folder: the option, else $QUOTETRACK_STANZA_DIR, else the embedded GloVe set."""
    chosen = Path(model_dir or os.environ.get(MODEL_DIR_ENV) or DEFAULT_MODEL_DIR)
    if not (chosen / "resources.json").is_file():
        raise ParseError("QT400", f"no Stanza models in {chosen} (resources.json missing)")
    return chosen


def model_id(model_dir: Path) -> str:
    """A short id naming the parser: changes when the models or their package selection change.

    Stanza's version comes from its package metadata: importing stanza (and torch) is
    left to the first parse, so re-attributing from cached parses never loads them.
    """
    resources = (model_dir / "resources.json").read_bytes()
    digest = hashlib.sha256(resources + json.dumps(PIPELINE_OPTIONS, sort_keys=True).encode()).hexdigest()[:12]
    return f"stanza-{importlib.metadata.version('stanza')}/{model_dir.name}/{digest}"


@functools.lru_cache(maxsize=2)
def load_stanza(model_dir: str, device: str | None = None):
    """The Stanza pipeline for ``model_dir`` on ``device`` (None: a GPU if there is one, as Stanza
    chooses), loaded once per process, its dependency parser sped up by ``depparse.speed_up``."""
    import stanza

    from .depparse import speed_up

    try:
        pipeline = stanza.Pipeline("en", dir=model_dir, processors=PROCESSORS, download_method=None,
                                   logging_level="WARN", device=device, **PIPELINE_OPTIONS)
    except Exception as error:  # stanza raises many kinds here
        raise ParseError("QT401", f"cannot load Stanza models from {model_dir}: {error}") from None
    speed_up(pipeline.processors["depparse"])
    gc.freeze()  # the models' many Python objects live as long as the process: collections skip them
    return pipeline


class Parser:
    """One Stanza pipeline per process, loaded on first use, parsing many paragraphs per call."""

    def __init__(self, model_dir: str | Path | None = None, device: str | None = None):
        self.model_dir = resolve_model_dir(model_dir)
        self.model_id = model_id(self.model_dir)
        self.device = device  # "cpu", "cuda", "cuda:1"; None: Stanza's choice

    @property
    def pipeline(self):
        return load_stanza(str(self.model_dir), self.device)

    def parse(self, articles: list[Article]) -> list[list[Sentence]]:
        """Parse articles paragraph by paragraph (a newline ends a paragraph) in one bulk call.

        Stanza's output can shift slightly with what else is in a batch; articles come in
        a stable order (ingest sorts files), so the same corpus parses the same way, and
        the cache keeps every parse once made. One call per article would be 2-4x slower.
        """
        import stanza

        paragraphs = [
            (a, number, match.start() + start, chunk)
            for a, article in enumerate(articles)
            for number, match in enumerate(PARAGRAPH.finditer(article.text))
            if match.group().strip()
            for start, chunk in chunks(match.group())
        ]
        documents = self.pipeline.bulk_process([stanza.Document([], text=text) for *_, text in paragraphs])
        sentences: list[list[Sentence]] = [[] for _ in articles]
        for (a, number, offset, _), document in zip(paragraphs, documents):
            for sentence in document.sentences:
                sentences[a].append(_sentence(sentence, len(sentences[a]), number, offset))
        return sentences


def chunks(paragraph: str) -> list[tuple[int, str]]:
    """(offset, text) pieces of ``paragraph`` to parse one by one, within ``PARSE_CHUNK_CHARS`` and
    ``PARSE_SENTENCE_CHARS``; a paragraph within both is one piece."""
    pieces: list[tuple[int, int, bool]] = []  # (start, end, whether it ends at a sentence end)
    ends = [0, *(match.end() for match in _SENTENCE_END.finditer(paragraph)), len(paragraph)]
    for start, end in zip(ends, ends[1:]):
        for run_start, run_end in _cut(paragraph, start, end, PARSE_SENTENCE_CHARS, _SPACE):
            whole_sentence = run_start == start and run_end == end
            if whole_sentence and pieces and pieces[-1][2] and run_end - pieces[-1][0] <= PARSE_CHUNK_CHARS:
                pieces[-1] = (pieces[-1][0], run_end, True)
            else:
                pieces.append((run_start, run_end, whole_sentence))
    return [(start, paragraph[start:end]) for start, end, _ in pieces]


def _cut(text: str, start: int, end: int, limit: int, at: regex.Pattern) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` as stretches of at most ``limit`` characters, each cut after the last match of ``at``
    that keeps it within the limit (or at the limit when there is none)."""
    while end - start > limit:
        cut = max((match.end() for match in at.finditer(text, start + 1, start + limit + 1)
                   if match.end() <= start + limit), default=start + limit)
        yield start, cut
        start = cut
    yield start, end


def _sentence(sentence, index: int, paragraph: int, offset: int) -> Sentence:
    words = []
    for token in sentence.tokens:
        for word in token.words:
            # multi-word tokens ("don't") give their words the token's characters
            start = (word.start_char if word.start_char is not None else token.start_char) + offset
            end = (word.end_char if word.end_char is not None else token.end_char) + offset
            words.append(
                Word(word.id - 1, word.text, word.lemma or word.text, word.upos, word.xpos or "",
                     word.feats or "", word.head - 1, word.deprel, start, end)
            )
    return Sentence(index, words[0].start, words[-1].end, paragraph, words)


def encode(sentences: list[Sentence]) -> bytes:
    """Sentences as compressed columns, one per word field over all the words, each string written
    once in a vocabulary and the columns holding its position: a JSON header (vocabulary, each
    sentence's paragraph and length) and its length, then the columns as little-endian int32s."""
    words = [word for sentence in sentences for word in sentence.words]
    vocabulary: dict[str, int] = {}
    columns = array.array("i")
    for field in WORD_FIELDS:
        values = [getattr(word, field) for word in words]
        columns.extend([vocabulary.setdefault(v, len(vocabulary)) for v in values] if field in TEXT_FIELDS else values)
    header = json.dumps({"paragraphs": [s.paragraph for s in sentences], "lengths": [len(s.words) for s in sentences],
                         "vocabulary": list(vocabulary)}, ensure_ascii=False, separators=(",", ":")).encode()
    if sys.byteorder == "big":
        columns.byteswap()
    return CACHE_FORMAT + zlib.compress(len(header).to_bytes(4, "little") + header + columns.tobytes())


def decode(blob: bytes) -> list[Sentence]:
    """The sentences ``encode`` gave ``blob`` (or a columns/1 blob: the same columns, all in JSON)."""
    payload = zlib.decompress(blob[blob.index(b"\n") + 1:])
    if blob.startswith(CACHE_FORMAT):
        size = int.from_bytes(payload[:4], "little")
        data = json.loads(payload[4:4 + size])
        values = array.array("i", payload[4 + size:])
        if sys.byteorder == "big":
            values.byteswap()
        count = len(values) // len(WORD_FIELDS)
        data.update((field, values[i * count:(i + 1) * count].tolist()) for i, field in enumerate(WORD_FIELDS))
    else:
        data = json.loads(payload)
    text = data["vocabulary"].__getitem__
    columns = [map(text, data[field]) if field in TEXT_FIELDS else data[field] for field in WORD_FIELDS]
    lengths = data["lengths"]
    indexes = [index for length in lengths for index in range(length)]  # each word's, in its sentence
    words = list(map(Word, indexes, *columns))
    sentences, first = [], 0
    for index, (paragraph, length) in enumerate(zip(data["paragraphs"], lengths)):
        end = first + length
        sentences.append(Sentence(index, words[first].start, words[end - 1].end, paragraph, words[first:end]))
        first = end
    return sentences


class ParseCache:
    """Parses cached by (content hash, model id) in a blob store (``store.ParseFile``: a SQLite file of its
    own), encoded and decoded here; a parse cached in a format no longer read is a miss."""

    def __init__(self, blobs):
        self.blobs = blobs  # has blob(content_hash, model) -> bytes | None and put(model, [(content_hash, bytes)])

    def blob(self, content_hash: str, model: str) -> bytes | None:
        """The encoded parse (see ``decode``), if one in a format still read is cached."""
        blob = self.blobs.blob(content_hash, model)
        return blob if blob and blob.startswith(READ_FORMATS) else None

    def get(self, content_hash: str, model: str) -> list[Sentence] | None:
        blob = self.blob(content_hash, model)
        return None if blob is None else decode(blob)

    def put(self, content_hash: str, model: str, sentences: list[Sentence]) -> None:
        self.put_encoded(model, [(content_hash, encode(sentences))])

    def put_encoded(self, model: str, parses: list[tuple[str, bytes]]) -> None:
        """Cache encoded parses, given as (content hash, ``encode``'s bytes), in one transaction."""
        self.blobs.put(model, parses)


def parse_articles(
    articles: Iterable[Article],
    parser: Parser,
    cache: ParseCache | None = None,
    batch_size: int = 32,
    on_parsed: Callable[[int], None] | None = None,
) -> Iterator[ParsedArticle]:
    """Yield parsed articles in input order; uncached ones are parsed ``batch_size`` at a time."""
    pending: list[Article] = []

    def flush() -> Iterator[ParsedArticle]:
        for article, sentences in zip(pending, parser.parse(pending)):
            if cache is not None:
                cache.put(article.content_hash, parser.model_id, sentences)
            yield ParsedArticle(article, parser.model_id, sentences)
        if on_parsed:
            on_parsed(len(pending))
        pending.clear()

    for article in articles:
        cached = cache.get(article.content_hash, parser.model_id) if cache is not None else None
        if cached is not None:
            yield from flush() if pending else ()
            yield ParsedArticle(article, parser.model_id, cached)
        else:
            pending.append(article)
            if len(pending) >= batch_size:
                yield from flush()
    if pending:
        yield from flush()
