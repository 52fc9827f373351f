"""Ingest: read articles from text files, JSON Lines or HTML pages, strip site furniture, note what the text says
about itself, and set aside what is not English.

The cleaned ``Article.text`` is what every later offset refers to. It is the source
text (for a page, the main text that ``webpage`` extracted) less whole boilerplate lines (``rules/boilerplate.yml``), a leading metadata
field such as ``date 2023-05-23``, outer whitespace, the ``\r`` of each ``\r\n``, control characters
that are not white space (NUL, ...) and bidirectional formatting characters (a right-to-left override
would show a name or a quote reversed); a lone ``\r`` reads as ``\n``, so every line of the text ends in
``\n`` alone, the one line end the parser splits paragraphs on. Nothing else inside the kept text is
changed, and ``Article.segments`` maps every kept character back to the source. An article's url is
kept only when it is an http(s) address; another is dropped, and its ``metadata`` says why (``url_dropped``).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import regex

from ..errors import IngestError
from ..records import BIDI, Article, Span, bounded_id, web_url
from ..rulelang.rules import Boilerplate, BoilerplateRule
from ..versions import source_digest
from . import dates, language, webpage

JSONL_FIELDS = ("id", "title", "url", "published", "text")
OUTLET_GROUP = "outlet"  # a boilerplate pattern's group of this name names the article's outlet
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt", ".jsonl", *HTML_SUFFIXES)  # compared case-insensitively: NOTES.TXT is read
READ_KINDS = f"{', '.join(ARTICLE_SUFFIXES[:-1])} and {ARTICLE_SUFFIXES[-1]}"  # for messages
# Bounds on what one article may cost (the longest PolNeAR article has 33,672 characters in 309
# paragraphs); a longer one is reported and skipped. The parser bounds each sentence (parse.py).
MAX_ARTICLE_CHARS = 200_000
MAX_ARTICLE_PARAGRAPHS = 2_000
MAX_JSONL_LINE_BYTES = 4 * MAX_ARTICLE_CHARS  # UTF-8 needs at most 4 bytes a character
MAX_JSON_NUMBER_CHARS = 1_000  # a longer number in a JSON Lines field is refused (Python reads at most 4,300 digits)
MAX_TITLE_CHARS = 300  # a longer title, given or read from the text, is cut at a word and ends in " …"

ErrorHandler = Callable[[str, str], None]

_LINE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # a line and its end, if any, in a source text
_LONE_CR = regex.compile(r"\r(?!\n)")
BIDI_CONTROLS = regex.compile(f"[{BIDI}]")  # removed from texts, titles and names
_DROPPED = regex.compile(f"\r(?=\n)|[\x00-\x08\x0e-\x1b\x7f{BIDI}]+")  # left out of the text (the module's docstring)
_PROSE_END = regex.compile(r"[.!?…][\"'”’)\]]*$")
_LEADING_SPACE = regex.compile(r"[\s\ufeff]*")
_LEADING_DATE = regex.compile(
    r"(?i)(?:date|published|posted)(?:\s*:\s*|\s+)"
    r"(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)(?!\S)\s*"
)
_DATELINE = regex.compile(
    r"""(?x)
    (?P<place> (?&name) (?: ,\s (?&name) )? )                         # MOSCOW | Kyiv, Ukraine | MANCHESTER, N.H.
    (?: ,?\s (?: \p{Lu}[a-z]{2,8}\.?\s\d{1,2} | \d{1,2}\s\p{Lu}[a-z]{2,8} ) (?: ,?\s\d{4} )? )?   # , May 23, 2024
    (?: \s* \( (?P<agency> \p{Lu}[\p{L}\p{N}&.' -]{0,30}? ) \) )?    # (AFP)
    \s* (?P<separator> -{1,2} | [–—] | : ) \s+
    (?= [\p{Lu}\d"“‘'] )                                              # a sentence starts after it
    (?(DEFINE) (?<name> \p{Lu}[\p{L}.'’-]+ (?: \s\p{Lu}[\p{L}.'’-]* ){0,3} ))
    """
)
_DATE_LINE_SEARCH = 6  # lines from the top where a date line is looked for
_LEDE_TITLE_WORDS = 10  # a title made from the lede: its first sentence, cut to this many words
# Labels that open a first paragraph the way a dateline does ("EXCLUSIVE –", "Update:").
_NOT_PLACES = frozenset(
    "ANALYSIS BREAKING COMMENTARY CORRECTION EDITORIAL EXCLUSIVE LIVE NOTE OPINION REVIEW UPDATE UPDATED VIDEO WATCH"
    .split()
)
_AFTER_DATELINE_DATE = regex.compile(r"\s*(?:\([^()]{1,30}\))?\s*(?:-{1,2}|[–—:])\s")  # "(Reuters) -"
_DATE_LINES = 5  # the lines at the top where a date line or a dated dateline is looked for
_DATE_LINE_MAX_WORDS = 12  # a longer line is prose, whose dates are those of events
_TITLE_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of off on onto or over per the to up upon via vs vs. with".split()
)
_TITLE_MAX_WORDS = 25
_CAPTION_OPENERS = frozenset({"A", "An", "The"})  # a sentence-case first line opening so is a caption
_LEDE_MIN_WORDS = 20  # a "Place:" dateline opens a lede paragraph, not a short headline like "Sanders: ..."


# Markup that plain text does not hold: a document type, an <html>/<body> element, or several tags or entities.
_HTML_DOCUMENT = regex.compile(r"(?i)<!doctype\s+html|<html[\s>]|<body[\s>]")
_HTML_TAG = regex.compile(r"(?i)</?(?:p|div|span|a|br|img|script|style|head|meta|link|li|ul|table|tr|td|h[1-6]|article"
                          r"|section|strong|em|b|i)(?:\s[^<>]{0,500})?/?>")
_HTML_ENTITY = regex.compile(r"&(?:quot|amp|lt|gt|nbsp|apos|rsquo|lsquo|rdquo|ldquo|mdash|ndash|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_HTML_MARKS = 3  # tags or entities that make a text markup rather than prose that mentions one


class _BadArticle(IngestError):
    """One article cannot be ingested; it is reported (the reason beginning with its code) and skipped."""


def _reason(code: str, why: str) -> str:
    """A reason for ``on_error``: one line that begins with its code."""
    return str(_BadArticle(code, why))


Known = Callable[[str], Article | None]  # the article ingested before from an input hash, if any


class Inputs:
    """Names each input read (a file, a JSON Lines line) by a hash of its source, its bytes and how it is
    cleaned (the boilerplate rules, this module's code), and asks ``known`` for the article an input of
    that hash gave before, so that an unchanged input is not cleaned again."""

    def __init__(self, boilerplate: Boilerplate, known: Known | None = None):
        rules = [(rule.id, rule.pattern.pattern, rule.pattern.flags, rule.context) for rule in boilerplate.rules]
        self.prefix = hashlib.sha256(f"{_code_digest()}{rules!r}".encode()).digest()
        self.known = known

    def article(self, source: str, raw: bytes, make: Callable[[], Article]) -> Article:
        """The article of the input ``raw`` read at ``source``: the known one, else the one ``make`` makes."""
        input_hash = hashlib.sha256(self.prefix + source.encode("utf-8", "surrogateescape") + b"\0" + raw).hexdigest()
        article = self.known(input_hash) if self.known else None
        if article is not None:
            return with_dateline(article)
        article = make()
        article.input_hash = input_hash
        return article


@functools.cache
def _code_digest() -> str:
    """The versions and sources of what cleans an input: a new one reads every input again."""
    return source_digest(("stages.ingest", "stages.language", "stages.webpage"), ("trafilatura", "py3langid", "regex"))


def count_articles(path: str | Path) -> int:
    """How many articles ``read_articles`` will yield or report, without reading them: one per
    text file and per folder entry it reports, one per non-blank line of a JSON Lines file."""
    count = 0
    for file in _files(path, lambda where, why: None):
        if file is None or file.suffix.lower() != ".jsonl":
            count += 1
            continue
        try:
            with file.open("rb") as lines:
                count += sum(1 for line in _jsonl_lines(lines) if isinstance(line, int) or line.strip())
        except OSError:
            count += 1  # read_articles reports the file once
    return count


def _files(path: str | Path, on_error: ErrorHandler) -> Iterator[Path | None]:
    """The files to read at ``path``, sorted; a folder's entries that are not read are reported
    (and given as None), hidden ones passed over."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if why := _not_readable(child):
                on_error(str(child), _reason("QT301", why))
                yield None
            else:
                yield child
    elif why := _not_readable(path, given=True):
        raise IngestError("QT300", f"{why}: {path}")
    else:
        yield path


def read_articles(path: str | Path, boilerplate: Boilerplate, on_error: ErrorHandler,
                  keep_html: bool = False, known: Known | None = None) -> Iterator[Article]:
    """Articles from a ``.txt``, ``.jsonl`` or ``.html``/``.htm`` file, or a folder of them (sorted, not recursive).

    Ids are unique: an article whose id an earlier one has is reported and skipped.
    A bad article, and anything in a folder that is not read (another kind of file, a
    subfolder, a broken link, a FIFO), is reported as ``on_error(source, reason)`` and
    skipped; hidden files are passed over. A path that does not exist, or is neither a
    regular file nor a folder, raises ``IngestError``. ``keep_html`` keeps each page's HTML on its article.
    ``known`` gives back the articles of inputs read before (see ``Inputs``).
    """
    files = [file for file in _files(path, on_error) if file is not None]  # the folder's entries reported first
    inputs = Inputs(boilerplate, known)
    first_source: dict[str, str] = {}
    for file in files:
        if file.suffix.lower() == ".jsonl":
            articles = _read_jsonl(file, boilerplate, on_error, inputs)
        elif file.suffix.lower() in HTML_SUFFIXES:
            articles = _reported(str(file), on_error, _html_file_article, file, boilerplate, keep_html, inputs)
        else:
            articles = _reported(str(file), on_error, _text_article, file, boilerplate, inputs)
        for article in articles:
            if (first := first_source.setdefault(article.id, article.source)) != article.source:
                on_error(article.source, _reason("QT306", f"id {article.id!r} is already used by {first}"))
            else:
                yield article


def _not_readable(path: Path, given: bool = False) -> str | None:
    """Why ``path`` is not read as an article file, if it is not; ``given`` is a path named on the command line,
    read whatever its extension."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "no such file or folder"
    except OSError as error:  # a symbolic link loop, a file we may not look at
        return f"cannot read: {error.strerror or error}"
    if stat.S_ISDIR(mode):
        return "a folder (folders inside SOURCE are not read)"
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"not a regular file ({kind})"
    if not given and path.suffix.lower() not in ARTICLE_SUFFIXES:
        return f"not an article file (quotetrack reads {READ_KINDS} files)"
    return None


def _reported(source: str, on_error: ErrorHandler, build: Callable[..., Article], *args,
              **kwargs) -> Iterator[Article]:
    """Yield ``build(*args, **kwargs)``, or report why the article is bad and yield nothing."""
    try:
        yield build(*args, **kwargs)
    except _BadArticle as error:
        on_error(source, str(error))


def _text_article(file: Path, boilerplate: Boilerplate, inputs: Inputs) -> Article:
    raw = _read_bytes(file, 4 * MAX_ARTICLE_CHARS)
    return inputs.article(str(file), raw, functools.partial(_text_of_bytes, str(file), raw, boilerplate, file.stem))


def _text_of_bytes(source: str, raw: bytes, boilerplate: Boilerplate, article_id: str) -> Article:
    return _article(source, _decode(raw), boilerplate, article_id)


def _read_bytes(file: Path, limit: int) -> bytes:
    try:
        if (size := file.stat().st_size) > limit:
            raise _BadArticle("QT302", f"too long ({size:,} bytes; the limit is {limit:,} bytes)")
        return file.read_bytes()
    except OSError as error:
        raise _BadArticle("QT301", f"cannot read file: {error.strerror or error}") from None


def _html_file_article(file: Path, boilerplate: Boilerplate, keep_html: bool, inputs: Inputs) -> Article:
    raw = _read_bytes(file, webpage.MAX_HTML_BYTES)
    article = inputs.article(str(file), raw,
                             functools.partial(_page_article, str(file), raw, boilerplate, file.stem, False, None))
    if keep_html:
        article.html = raw.decode("utf-8", "replace")
    return article


def page_articles(source: str, html: bytes, boilerplate: Boilerplate, on_error: ErrorHandler,
                  url: str | None = None, keep_html: bool = False, **fields) -> Iterator[Article]:
    """The article on one fetched HTML page (or nothing, reported as ``on_error(source, reason)``).

    Its extracted main text is cleaned like any text; its metadata gives title, author,
    date, site name and canonical url (else ``url``, where the page was fetched), but the
    given ``fields`` (say, a feed entry's date) win.
    """
    yield from _reported(source, on_error, _page_article, source, html, boilerplate, None, keep_html, url, **fields)


def _page_article(source: str, html: bytes, boilerplate: Boilerplate, article_id: str | None, keep_html: bool,
                  url: str | None, **fields) -> Article:
    try:
        page = webpage.extract(html, url=url)
    except webpage.NotAnArticle as error:
        raise _BadArticle("QT305", str(error)) from None
    found = {"title": page.title, "url": page.url or url, "published": page.published, "author": page.author,
             "site_name": page.site_name, "outlet": page.site_name}  # the site publishes it; a dateline names an agency
    metadata = {key: value for key, value in (("page_language", page.language), ("description", page.description))
                if value}
    article = _article(source, page.text, boilerplate, article_id, metadata=metadata,
                       **{**{key: value for key, value in found.items() if value}, **fields})
    if keep_html:
        article.html = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    return article


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _BadArticle("QT304", f"not UTF-8 text (bad byte at offset {error.start})") from None


def _read_jsonl(file: Path, boilerplate: Boilerplate, on_error: ErrorHandler, inputs: Inputs) -> Iterator[Article]:
    try:
        lines = file.open("rb")
    except OSError as error:
        on_error(str(file), _reason("QT301", f"cannot read file: {error.strerror or error}"))
        return
    with lines:
        for number, raw in enumerate(_jsonl_lines(lines), start=1):
            source = f"{file}:{number}"
            if isinstance(raw, int):
                on_error(source, _reason(
                    "QT302", f"line too long ({raw:,} bytes; the limit is {MAX_JSONL_LINE_BYTES:,})"))
            elif raw.strip():
                yield from _reported(source, on_error, inputs.article, source, raw,
                                     functools.partial(_json_article, source, raw, boilerplate))


def _jsonl_lines(lines: BinaryIO) -> Iterator[bytes | int]:
    """The lines of a JSON Lines file, split as ``bytes.splitlines`` splits (``\r`` too), less a leading BOM;
    a line longer than ``MAX_JSONL_LINE_BYTES`` is given as its length, never held in memory whole."""
    bom = codecs.BOM_UTF8
    while line := lines.readline(MAX_JSONL_LINE_BYTES + 2):  # room for the line's \r\n
        if bom:
            line, bom = line.removeprefix(bom), b""
        if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
            size = len(line)
            while not line.endswith(b"\n") and (line := lines.readline(1 << 20)):  # the rest of it, a MiB at a time
                size += len(line)
            yield size - len(line) + len(line.rstrip(b"\r\n"))  # less the line end
            continue
        for piece in line.splitlines():
            yield piece if len(piece) <= MAX_JSONL_LINE_BYTES else len(piece)


def _json_number(literal: str) -> float | int:
    """A JSON number, refused past ``MAX_JSON_NUMBER_CHARS`` (reading a long one costs time, or fails)."""
    if len(literal) > MAX_JSON_NUMBER_CHARS:
        raise _BadArticle("QT302", f"a number of {len(literal):,} characters (the limit is {MAX_JSON_NUMBER_CHARS:,})")
    return float(literal) if any(mark in literal for mark in ".eE") else int(literal)


def _json_article(source: str, raw: bytes, boilerplate: Boilerplate) -> Article:
    try:
        record = json.loads(_decode(raw), parse_int=_json_number, parse_float=_json_number)
    except json.JSONDecodeError as error:
        raise _BadArticle("QT303", f"invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise _BadArticle("QT303", "invalid JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise _BadArticle("QT303", "a line must hold a JSON object")
    if record.get("text") is None:
        raise _BadArticle("QT303", "no 'text' field" if "text" not in record else "field 'text' is null")
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _BadArticle("QT304", "a field is not valid Unicode text (lone surrogate)") from None
    for key in ("title", "url", "published", "text"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise _BadArticle("QT303", f"field {key!r} must be a string")
    article_id = record.get("id")
    if article_id is not None and (isinstance(article_id, bool) or not isinstance(article_id, str | int)):
        raise _BadArticle("QT303", "field 'id' must be a string or an integer")
    fields = {key: record[key] for key in ("title", "url", "published") if record.get(key) is not None}
    if outlet := _outlet_of(record):
        fields["outlet"] = outlet
    metadata = {key: value for key, value in record.items() if key not in JSONL_FIELDS}
    article_id = None if article_id is None else str(article_id)
    return _article(source, record["text"], boilerplate, article_id, metadata=metadata, **fields)


def _outlet_of(record: dict) -> str | None:
    """Who published a JSON Lines article: its ``outlet`` or ``source`` field, else its url's host name."""
    for key in ("outlet", "source"):
        if isinstance(record.get(key), str) and record[key].strip():
            return record[key].strip()
    if isinstance(record.get("url"), str):
        host = urlsplit(record["url"].strip()).hostname or ""
        return host.removeprefix("www.") or None
    return None


def _article(source: str, text: str, boilerplate: Boilerplate, article_id: str | None, **fields) -> Article:
    """Clean ``text`` and read its title, date, dateline and outlet; the given ``fields`` win over what the text says."""
    _check_bounds(text)
    text = _LONE_CR.sub("\n", text)  # one line end, as long as the one it replaces: offsets stay those of the source
    kept = _kept_spans(text, boilerplate)
    cleaned, segments = _assemble(text, kept.spans)
    if not cleaned:
        raise _BadArticle("QT305", "empty text")
    detected = language.identify(cleaned)
    if detected and not detected.is_english:
        raise _BadArticle("QT305", f"not English: the text reads as {detected.code!r} (p={detected.probability:.2f}), "
                          f"and the models read English only")
    content_hash = hashlib.sha256(cleaned.encode("utf-8")).hexdigest()
    lines = [match.group().rstrip("\n") for match in _LINE.finditer(cleaned)]
    headline = _title(lines)
    place, agency = _dateline(lines[1:] if headline else lines)
    found = {
        "published": kept.published or _date_line(lines) or _text_date(text),
        "dateline_place": place,
        "dateline_agency": agency,
        "outlet": kept.outlet or agency,
        "language": detected and detected.code,
    }
    fields = {key: BIDI_CONTROLS.sub("", value) if isinstance(value, str) else value for key, value in fields.items()}
    url = (fields.pop("url", None) or "").strip()
    if web_url(url):
        fields["url"] = url
    elif url:
        fields["metadata"] = {**fields.get("metadata", {}), "url_dropped": f"not an http(s) address: {url[:200]!r}"}
    title, title_source = (fields.pop("title"), "given") if fields.get("title") else (
        (headline, "headline") if headline else (_lede_title(lines), "lede"))
    title = _bounded_title(title)
    return with_dateline(Article(
        id=bounded_id(article_id) if article_id else content_hash[:16], source=source, text=cleaned, content_hash=content_hash,
        segments=segments, title=title, title_source=title_source, boilerplate=kept.removed,
        **{**{key: value for key, value in found.items() if value}, **fields},
    ))


@dataclass
class _Kept:
    """What cleaning keeps of a source text, and what it learns on the way."""

    spans: list[tuple[int, int]]
    published: str | None
    removed: list[dict]  # {"rule": id, "text": line} for each boilerplate line removed, in order
    outlet: str | None  # named by a removed line, such as a syndication notice


def _check_bounds(text: str) -> None:
    """Refuse text past the limits on one article's size, and markup given as plain text."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise _BadArticle("QT302", f"too long ({len(text):,} characters; the limit is {MAX_ARTICLE_CHARS:,})")
    if (paragraphs := sum(1 for line in _LINE.finditer(text) if line.group().strip())) > MAX_ARTICLE_PARAGRAPHS:
        raise _BadArticle("QT302", f"too many paragraphs ({paragraphs:,}; the limit is {MAX_ARTICLE_PARAGRAPHS:,})")
    head = text[:20_000]
    marks = _HTML_TAG.findall(head, overlapped=False)[:_HTML_MARKS] + _HTML_ENTITY.findall(head)[:_HTML_MARKS]
    if _HTML_DOCUMENT.search(head) or len(marks) >= _HTML_MARKS:
        shown = ", ".join(dict.fromkeys(mark[:12] for mark in marks)) or "an <html> document"
        raise _BadArticle("QT304", f"looks like HTML, not plain text ({shown}): give the article's text")


def _kept_spans(text: str, boilerplate: Boilerplate) -> _Kept:
    """The (start, end) stretches of ``text`` left once leading metadata and boilerplate lines go, and the date read.

    A removed line takes the blank lines after it along when it was a paragraph of its
    own, so that removal leaves one paragraph break, never two and never none.
    """
    published, start = None, _LEADING_SPACE.match(text).end()
    if date_field := _LEADING_DATE.match(text, start):
        published, start = date_field["date"], date_field.end()
    matches = list(_LINE.finditer(text, start))
    lines = [match.group() for match in matches]
    kept = _Kept([], published, [], None)
    after_break, dropping_blanks = True, False  # the text's start counts as a paragraph break
    for index, match in enumerate(matches):
        blank = not lines[index].strip()
        if blank and dropping_blanks:
            continue
        try:
            removal = _rule_removing(boilerplate, lines, index)
        except TimeoutError:
            raise _BadArticle("QT307", f"boilerplate rules took too long on the line {lines[index].strip()[:60]!r}") from None
        if removal:
            rule, found = removal
            kept.removed.append({"rule": rule.id, "text": lines[index].strip()})
            kept.outlet = kept.outlet or (found.groupdict().get(OUTLET_GROUP) or "").strip() or None
            dropping_blanks = after_break
            continue
        kept.spans.extend(_kept_pieces(text, *match.span()))
        after_break, dropping_blanks = blank, False
    return kept


def _kept_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The stretches of ``text[start:end]`` less what is ``_DROPPED`` (a line end's ``\r``, control characters)."""
    for dropped in _DROPPED.finditer(text, start, end):
        if dropped.start() > start:
            yield start, dropped.start()
        start = dropped.end()
    if end > start:
        yield start, end


def _assemble(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Join the stretches of ``text``, less outer whitespace; return it with its (clean, source) segments."""
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    while merged and not text[merged[0][0]:merged[0][1]].strip():
        merged.pop(0)
    while merged and not text[merged[-1][0]:merged[-1][1]].strip():
        merged.pop()
    if merged:
        first, last = merged[0], merged[-1]
        first[0] = first[1] - len(text[first[0]:first[1]].lstrip())
        last[1] = last[0] + len(text[last[0]:last[1]].rstrip())
    pieces, segments, length = [], [], 0
    for start, end in merged:
        segments.append((length, start))
        pieces.append(text[start:end])
        length += end - start
    return "".join(pieces), segments or [(0, 0)]


def _rule_removing(boilerplate: Boilerplate, lines: list[str], index: int) -> tuple[BoilerplateRule, regex.Match] | None:
    """The first rule that removes ``lines[index]``, given the lines around it, and its match, if any."""
    line = lines[index]
    if not line.strip():
        return None
    for rule in boilerplate.rules:
        if rule.context == "between_prose" and not (_is_prose(lines, index - 1) and _is_prose(lines, index + 1)):
            continue
        if found := rule.match(line):
            return rule, found
    return None


def _is_prose(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` exists and ends like a sentence."""
    return 0 <= index < len(lines) and _PROSE_END.search(lines[index].strip()) is not None


def _title_cased(line: str) -> bool:
    """Whether every word but the small ones (of, the, as, ...) starts with a capital letter or a digit."""
    words = [word.lstrip("‘“\"'(") for word in line.split()]
    return bool(words) and words[0][:1].isupper() and all(
        word[:1].isupper() or word[:1].isdigit() for word in words if word.lower() not in _TITLE_SMALL_WORDS
    )


def _title(lines: list[str]) -> str | None:
    """The first line, when it is a headline: a few Title-Cased words followed by a blank line.

    A final full stop is allowed (some exports add one). A first line in sentence case is a
    headline too ("Russia says it routed fighters who crossed border") when it ends in no
    punctuation, does not open with an article (photo captions do: "A destroyed house …")
    and a paragraph of prose follows it.
    """
    first = lines[0].strip()
    if len(lines) < 3 or lines[1].strip() or not 3 <= len(first.split()) <= _TITLE_MAX_WORDS:
        return None
    if first[-1] in ",:;" or first.startswith("By "):  # a lead-in or a byline
        return None
    if _title_cased(first):
        return first
    sentence_case = first[:1].isupper() and first.split()[0] not in _CAPTION_OPENERS and not _PROSE_END.search(first)
    return first if sentence_case and _is_prose(lines, 2) else None


def _bounded_title(title: str | None) -> str | None:
    """``title`` cut to ``MAX_TITLE_CHARS`` at a word (or, with no space, anywhere), ending in " …"."""
    if not title or len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[:MAX_TITLE_CHARS - 2]
    return (cut.rsplit(None, 1)[0] if " " in cut.strip() else cut).rstrip(",;:–—- ") + " …"


def _lede_title(lines: list[str]) -> str:
    """A title made from the lede: the first sentence of the first prose paragraph (less its dateline), cut short."""
    paragraphs = [line.strip() for index, line in enumerate(lines) if _is_prose(lines, index)]
    paragraph = next(iter(paragraphs), None) or next(line.strip() for line in lines if line.strip())
    if (dateline := _DATELINE.match(paragraph)) and _dateline_of(paragraph):
        paragraph = paragraph[dateline.end():]
    sentence = regex.split(r"(?<=[.!?][\"'”’]?)\s+(?=[\p{Lu}\"'“‘])", paragraph, maxsplit=1)[0]
    words = sentence.split()
    if len(words) <= _LEDE_TITLE_WORDS:
        return sentence.rstrip(".")
    words = words[:_LEDE_TITLE_WORDS]
    while len(words) > 1 and words[-1].lower().strip(",;:") in _TITLE_SMALL_WORDS:  # "... Russian forces on …"
        words.pop()
    return " ".join(words).rstrip(",;:–—-") + " …"


def _date_line(lines: list[str]) -> str | None:
    """The date (ISO) stated by a line of its own near the top, such as "May 23, 2023" or "Published: 23 May 2023"."""
    return next(filter(None, map(dates.date_line, lines[:_DATE_LINE_SEARCH])), None)


def _text_date(text: str) -> str | None:
    """The ISO date written near the top: on a short line of its own ("Published May 23, 2023 10:15 BST")
    or in a dateline ("MOSCOW, May 23, 2023 (Reuters) -"); a date in a sentence is an event's, not the story's."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_DATE_LINES]
    for line in lines:
        if not (match := dates.DATE.search(line)):
            continue
        dateline = len(line[:match.start()].split()) <= 3 and _AFTER_DATELINE_DATE.match(line, match.end())
        if (len(line.split()) <= _DATE_LINE_MAX_WORDS and not line.endswith(".") or dateline) and (  # not prose
                found := dates.date_of(match)):
            return found
    return None


def _dateline(lines: list[str]) -> tuple[str | None, str | None]:
    """(place, agency) of a dateline such as ``MOSCOW (AFP) -`` opening the first body paragraph.

    The first two prose paragraphs are tried: the first may be a headline that ``_title`` did not claim.
    """
    paragraphs = [line.strip() for index, line in enumerate(lines) if _is_prose(lines, index)]
    return next(filter(None, map(_dateline_of, paragraphs[:2])), (None, None))


def with_dateline(article: Article) -> Article:
    """``article`` with its ``dateline`` span, found once for every later stage (an article read back from
    the database comes without it)."""
    article.dateline = dateline_span(article)
    return article


def dateline_span(article: Article) -> Span | None:
    """Where the dateline ingest read ("MOSCOW (AFP) -", "LONDON, June 2, 2024 -") is written in the
    article's text: the opening of the first paragraph that ``_dateline`` took it from."""
    if not article.dateline_place:
        return None
    start = 0
    for line in _LINE.findall(article.text)[:_DATE_LINE_SEARCH + 2]:
        offset = start + len(line) - len(line.lstrip())
        if (found := _DATELINE.match(article.text, offset, start + len(line))) and _dateline_of(line.strip()):
            return Span(offset, found.end(), found.group())
        start += len(line)
    return None


def _dateline_of(paragraph: str) -> tuple[str, str | None] | None:
    match = _DATELINE.match(paragraph)
    if not match or any(word.strip(".,'’") in _NOT_PLACES for word in match["place"].upper().split()):
        return None
    place, agency = match["place"], match["agency"]
    in_capitals = place.split(",")[0].isupper()
    if not agency and match["separator"] == ":":
        # "Moscow: Russia said ..." opens a long lede; "Sanders: ‘Of Course’ ..." is a headline.
        if len(paragraph.split()) < _LEDE_MIN_WORDS or _title_cased(paragraph):
            return None
    elif not agency and not in_capitals:  # "Gladkov - the governor - said" is no dateline
        return None
    if in_capitals:
        place = " ".join(word.title() if word.isupper() else word for word in place.split(" "))
    return place, agency
