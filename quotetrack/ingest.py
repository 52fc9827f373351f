"""Ingest: read articles from text files, JSON Lines or HTML pages, strip site furniture, note what the text says
about itself, and set aside what is not English.

The cleaned ``Article.text`` is what every later offset refers to. It is the source
text (for a page, the main text that ``webpage`` extracted) less whole boilerplate lines (``rules/boilerplate.yml``), a leading metadata
field such as ``date 2023-05-23`` and outer whitespace; nothing inside the kept
text is changed, and ``Article.segments`` maps every kept character back to the source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import regex

from . import language, webpage
from .records import Article
from .yamlfile import RuleError, line_of, load_yaml

REGEX_TIMEOUT = 0.05  # seconds per boilerplate regex call: the patterns are user-written
RULE_KEYS = {"id", "description", "pattern", "context", "examples", "not"}
CONTEXTS = ("anywhere", "between_prose")
JSONL_FIELDS = ("id", "title", "url", "published", "text")
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt", ".jsonl", *HTML_SUFFIXES)  # compared case-insensitively: NOTES.TXT is read
READ_KINDS = f"{', '.join(ARTICLE_SUFFIXES[:-1])} and {ARTICLE_SUFFIXES[-1]}"  # for messages
# Bounds on what one article may cost (the longest PolNeAR article has 33,672 characters in 309
# paragraphs); a longer one is reported and skipped. The parser bounds each sentence (parse.py).
MAX_ARTICLE_CHARS = 200_000
MAX_ARTICLE_PARAGRAPHS = 2_000
MAX_JSONL_LINE_BYTES = 4 * MAX_ARTICLE_CHARS  # UTF-8 needs at most 4 bytes a character

ErrorHandler = Callable[[str, str], None]

_LINE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # a line and its end, if any
_PROSE_END = regex.compile(r"[.!?…][\"'”’)\]]*$")
_LEADING_SPACE = regex.compile(r"[\s\ufeff]*")
_LEADING_DATE = regex.compile(
    r"(?i)(?:date|published|posted)(?:\s*:\s*|\s+)"
    r"(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)(?!\S)\s*"
)
_DATELINE = regex.compile(
    r"""(?x)
    (?P<place> (?&name) (?: ,\s (?&name) )? )                         # MOSCOW | Kyiv, Ukraine | MANCHESTER, N.H.
    (?: ,?\s (?: \p{Lu}[a-z]{2,8}\.?\s\d{1,2} | \d{1,2}\s\p{Lu}[a-z]{2,8} ) )?   # , May 23
    (?: \s* \( (?P<agency> \p{Lu}[\p{L}\p{N}&.' -]{0,30}? ) \) )?    # (AFP)
    \s* (?P<separator> -{1,2} | [–—] | : ) \s+
    (?= [\p{Lu}\d"“‘'] )                                              # a sentence starts after it
    (?(DEFINE) (?<name> \p{Lu}[\p{L}.'’-]+ (?: \s\p{Lu}[\p{L}.'’-]* ){0,3} ))
    """
)
# Labels that open a first paragraph the way a dateline does ("EXCLUSIVE –", "Update:").
_NOT_PLACES = frozenset(
    "ANALYSIS BREAKING COMMENTARY CORRECTION EDITORIAL EXCLUSIVE LIVE NOTE OPINION REVIEW UPDATE UPDATED VIDEO WATCH"
    .split()
)
_MONTHS = {name: number for number, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december"), start=1) for name in names.split()}
# A full date written out, in a dateline or a date line near the top: "May 23, 2023", "23 May 2023", "2023-05-23".
_WRITTEN_DATE = regex.compile(
    r"""(?xi) \b(?: (?P<month>(?&mon)) \.?\s(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s(?P<year>(?:19|20)\d\d)
            | (?P<day>\d{1,2})(?:st|nd|rd|th)?\s(?:of\s)?(?P<month>(?&mon))\.?,?\s(?P<year>(?:19|20)\d\d)
            | (?P<year>(?:19|20)\d\d)-(?P<month_number>\d\d)-(?P<day>\d\d) )\b
    (?(DEFINE)(?<mon> jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
                       |sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))"""
)
_AFTER_DATELINE_DATE = regex.compile(r"\s*(?:\([^()]{1,30}\))?\s*(?:-{1,2}|[–—:])\s")  # "(Reuters) -"
_DATE_LINES = 5  # the lines at the top where a date line or a dated dateline is looked for
_DATE_LINE_MAX_WORDS = 12  # a longer line is prose, whose dates are those of events
_TITLE_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of off on onto or over per the to up upon via vs vs. with".split()
)
_TITLE_MAX_WORDS = 25
_LEDE_MIN_WORDS = 20  # a "Place:" dateline opens a lede paragraph, not a short headline like "Sanders: ..."


class IngestError(Exception):
    """The input as a whole cannot be read (e.g. the path does not exist)."""


# Markup that plain text does not hold: a document type, an <html>/<body> element, or several tags or entities.
_HTML_DOCUMENT = regex.compile(r"(?i)<!doctype\s+html|<html[\s>]|<body[\s>]")
_HTML_TAG = regex.compile(r"(?i)</?(?:p|div|span|a|br|img|script|style|head|meta|link|li|ul|table|tr|td|h[1-6]|article"
                          r"|section|strong|em|b|i)(?:\s[^<>]{0,500})?/?>")
_HTML_ENTITY = regex.compile(r"&(?:quot|amp|lt|gt|nbsp|apos|rsquo|lsquo|rdquo|ldquo|mdash|ndash|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_HTML_MARKS = 3  # tags or entities that make a text markup rather than prose that mentions one


class _BadArticle(Exception):
    """One article cannot be ingested; it is reported and skipped."""


@dataclass(frozen=True)
class BoilerplateRule:
    """One rule of ``boilerplate.yml``: its pattern removes the lines it matches whole."""

    id: str
    description: str
    pattern: regex.Pattern
    context: str
    examples: tuple[str, ...]
    counterexamples: tuple[str, ...]  # the rule's ``not:`` lines
    file: str
    line: int | None

    def matches(self, line: str) -> bool:
        """Whether the pattern matches the whole stripped ``line``; raises ``TimeoutError`` if it runs too long."""
        return self.pattern.fullmatch(line.strip(), timeout=REGEX_TIMEOUT) is not None


@dataclass(frozen=True)
class Boilerplate:
    """The boilerplate rules, in file order; the first that matches a line removes it."""

    rules: tuple[BoilerplateRule, ...]

    def rule_removing(self, lines: list[str], index: int) -> BoilerplateRule | None:
        """The first rule that removes ``lines[index]``, given the lines around it, if any."""
        line = lines[index]
        if not line.strip():
            return None
        for rule in self.rules:
            if rule.context == "between_prose" and not (_is_prose(lines, index - 1) and _is_prose(lines, index + 1)):
                continue
            if rule.matches(line):
                return rule
        return None


def load_boilerplate(rules_dir: Path) -> Boilerplate:
    """Read and check ``rules_dir/boilerplate.yml``; every mistake is a ``RuleError`` naming file and line."""
    path = Path(rules_dir) / "boilerplate.yml"
    document = load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("QT102", path, line_of(document, 1), "expected a mapping whose 'rules' key holds a list")
    if unknown := set(document) - {"rules"}:
        raise RuleError("QT103", path, line_of(next(iter(unknown))), f"unknown top-level key(s) {sorted(unknown)}")
    rules, seen = [], {}
    for spec in document["rules"]:
        rule = _boilerplate_rule(path, spec, line_of(document["rules"]))
        if rule.id in seen:
            raise RuleError("QT106", path, rule.line, f"rule id {rule.id!r} is already used on line {seen[rule.id]}")
        seen[rule.id] = rule.line
        rules.append(rule)
    return Boilerplate(tuple(rules))


def _boilerplate_rule(path: Path, spec, list_line: int | None) -> BoilerplateRule:
    line = line_of(spec, list_line)
    if not isinstance(spec, dict):
        raise RuleError("QT102", path, line, "a boilerplate rule is a mapping of id, description, pattern, examples")
    if unknown := set(spec) - RULE_KEYS:
        raise RuleError("QT103", path, line_of(next(iter(unknown)), line),
                        f"unknown key(s) {sorted(unknown)} (known: {sorted(RULE_KEYS)})")
    for key in ("id", "description", "pattern", "examples"):
        if key not in spec:
            raise RuleError("QT102", path, line, f"rule is missing {key!r}")
    for key in ("id", "description", "pattern", "context"):
        if key in spec and not isinstance(spec[key], str):
            raise RuleError("QT102", path, line_of(spec[key], line), f"{key!r} must be a string")
    context = spec.get("context", "anywhere")
    if context not in CONTEXTS:
        raise RuleError("QT103", path, line_of(context, line),
                        f"unknown context {context!r} (known: {', '.join(CONTEXTS)})")
    try:
        pattern = regex.compile(spec["pattern"])
    except regex.error as error:
        raise RuleError("QT104", path, line_of(spec["pattern"], line), f"bad regular expression: {error}") from None
    return BoilerplateRule(
        id=spec["id"], description=spec["description"], pattern=pattern, context=context,
        examples=_lines(path, spec, "examples", line), counterexamples=_lines(path, spec, "not", line),
        file=str(path), line=line,
    )


def _lines(path: Path, spec: dict, key: str, line: int | None) -> tuple[str, ...]:
    values = spec.get(key, [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise RuleError("QT102", path, line_of(values, line), f"{key!r} must be a list of lines (strings)")
    return tuple(values)


def read_articles(path: str | Path, boilerplate: Boilerplate, on_error: ErrorHandler,
                  keep_html: bool = False) -> Iterator[Article]:
    """Articles from a ``.txt``, ``.jsonl`` or ``.html``/``.htm`` file, or a folder of them (sorted, not recursive).

    Ids are unique: an article whose id an earlier one has is reported and skipped.
    A bad article, and anything in a folder that is not read (another kind of file, a
    subfolder, a broken link, a FIFO), is reported as ``on_error(source, reason)`` and
    skipped; hidden files are passed over. A path that does not exist, or is neither a
    regular file nor a folder, raises ``IngestError``. ``keep_html`` keeps each page's HTML on its article.
    """
    path = Path(path)
    if path.is_dir():
        files = []
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if why := _not_readable(child):
                on_error(str(child), why)
            else:
                files.append(child)
    elif why := _not_readable(path, given=True):
        raise IngestError(f"{why}: {path}")
    else:
        files = [path]
    first_source: dict[str, str] = {}
    for file in files:
        if file.suffix.lower() == ".jsonl":
            articles = _read_jsonl(file, boilerplate, on_error)
        elif file.suffix.lower() in HTML_SUFFIXES:
            articles = _reported(str(file), on_error, _html_file_article, file, boilerplate, keep_html)
        else:
            articles = _reported(str(file), on_error, _text_article, file, boilerplate)
        for article in articles:
            if (first := first_source.setdefault(article.id, article.source)) != article.source:
                on_error(article.source, f"id {article.id!r} is already used by {first}")
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


def _text_article(file: Path, boilerplate: Boilerplate) -> Article:
    return _article(str(file), _decode(_read_bytes(file, 4 * MAX_ARTICLE_CHARS)), boilerplate, file.stem)


def _read_bytes(file: Path, limit: int) -> bytes:
    try:
        if (size := file.stat().st_size) > limit:
            raise _BadArticle(f"too long ({size:,} bytes; the limit is {limit:,} bytes)")
        return file.read_bytes()
    except OSError as error:
        raise _BadArticle(f"cannot read file: {error.strerror or error}") from None


def _html_file_article(file: Path, boilerplate: Boilerplate, keep_html: bool) -> Article:
    return _page_article(str(file), _read_bytes(file, webpage.MAX_HTML_BYTES), boilerplate, file.stem, keep_html, None)


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
        raise _BadArticle(str(error)) from None
    found = {"title": page.title, "url": page.url or url, "published": page.published, "author": page.author,
             "site_name": page.site_name}
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
        raise _BadArticle(f"not UTF-8 text (bad byte at offset {error.start})") from None


def _read_jsonl(file: Path, boilerplate: Boilerplate, on_error: ErrorHandler) -> Iterator[Article]:
    try:
        data = file.read_bytes()
    except OSError as error:
        on_error(str(file), f"cannot read file: {error.strerror or error}")
        return
    for number, raw in enumerate(data.splitlines(), start=1):
        source = f"{file}:{number}"
        if len(raw) > MAX_JSONL_LINE_BYTES:
            on_error(source, f"line too long ({len(raw):,} bytes; the limit is {MAX_JSONL_LINE_BYTES:,})")
        elif raw.strip():
            yield from _reported(source, on_error, _json_article, source, raw, boilerplate)


def _json_article(source: str, raw: bytes, boilerplate: Boilerplate) -> Article:
    try:
        record = json.loads(_decode(raw))
    except json.JSONDecodeError as error:
        raise _BadArticle(f"invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise _BadArticle("invalid JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise _BadArticle("a line must hold a JSON object")
    if record.get("text") is None:
        raise _BadArticle("no 'text' field" if "text" not in record else "field 'text' is null")
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _BadArticle("a field is not valid Unicode text (lone surrogate)") from None
    for key in ("title", "url", "published", "text"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise _BadArticle(f"field {key!r} must be a string")
    article_id = record.get("id")
    if article_id is not None and (isinstance(article_id, bool) or not isinstance(article_id, str | int)):
        raise _BadArticle("field 'id' must be a string or an integer")
    fields = {key: record[key] for key in ("title", "url", "published") if record.get(key) is not None}
    metadata = {key: value for key, value in record.items() if key not in JSONL_FIELDS}
    article_id = None if article_id is None else str(article_id)
    return _article(source, record["text"], boilerplate, article_id, metadata=metadata, **fields)


def _article(source: str, text: str, boilerplate: Boilerplate, article_id: str | None, **fields) -> Article:
    """Clean ``text`` and read its title, date and dateline; the given ``fields`` win over what the text says."""
    _check_bounds(text)
    spans, published = _kept_spans(text, boilerplate)
    cleaned, segments = _assemble(text, spans)
    if not cleaned:
        raise _BadArticle("empty text")
    detected = language.identify(cleaned)
    if detected and not detected.is_english:
        raise _BadArticle(f"not English: the text reads as {detected.code!r} (p={detected.probability:.2f}), "
                          f"and the models read English only")
    content_hash = hashlib.sha256(cleaned.encode("utf-8")).hexdigest()
    lines = [match.group().rstrip("\r\n") for match in _LINE.finditer(cleaned)]
    title = _title(lines)
    place, agency = _dateline(lines[1:] if title else lines)
    found = {"title": title, "published": published or _text_date(text), "dateline_place": place,
             "dateline_agency": agency, "language": detected and detected.code}
    return Article(
        id=article_id or content_hash[:16], source=source, text=cleaned, content_hash=content_hash,
        segments=segments, **{**{key: value for key, value in found.items() if value}, **fields},
    )


def _check_bounds(text: str) -> None:
    """Refuse text past the limits on one article's size, and markup given as plain text."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise _BadArticle(f"too long ({len(text):,} characters; the limit is {MAX_ARTICLE_CHARS:,})")
    if (paragraphs := sum(1 for line in _LINE.finditer(text) if line.group().strip())) > MAX_ARTICLE_PARAGRAPHS:
        raise _BadArticle(f"too many paragraphs ({paragraphs:,}; the limit is {MAX_ARTICLE_PARAGRAPHS:,})")
    head = text[:20_000]
    marks = _HTML_TAG.findall(head, overlapped=False)[:_HTML_MARKS] + _HTML_ENTITY.findall(head)[:_HTML_MARKS]
    if _HTML_DOCUMENT.search(head) or len(marks) >= _HTML_MARKS:
        shown = ", ".join(dict.fromkeys(mark[:12] for mark in marks)) or "an <html> document"
        raise _BadArticle(f"looks like HTML, not plain text ({shown}): give the article's text")


def _kept_spans(text: str, boilerplate: Boilerplate) -> tuple[list[tuple[int, int]], str | None]:
    """The (start, end) stretches of ``text`` left once leading metadata and boilerplate lines go, and the date read.

    A removed line takes the blank lines after it along when it was a paragraph of its
    own, so that removal leaves one paragraph break, never two and never none.
    """
    published, start = None, _LEADING_SPACE.match(text).end()
    if date := _LEADING_DATE.match(text, start):
        published, start = date["date"], date.end()
    matches = list(_LINE.finditer(text, start))
    lines = [match.group() for match in matches]
    spans, after_break, dropping_blanks = [], True, False  # the text's start counts as a paragraph break
    for index, match in enumerate(matches):
        blank = not lines[index].strip()
        if blank and dropping_blanks:
            continue
        try:
            rule = boilerplate.rule_removing(lines, index)
        except TimeoutError:
            raise _BadArticle(f"boilerplate rules took too long on the line {lines[index].strip()[:60]!r}") from None
        if rule:
            dropping_blanks = after_break
            continue
        spans.append(match.span())
        after_break, dropping_blanks = blank, False
    return spans, published


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

    A final full stop is allowed (some exports add one). A sentence-case first line
    may as well be a one-sentence lede or a photo caption, so it gives no title.
    """
    first = lines[0].strip()
    if len(lines) < 3 or lines[1].strip() or not 3 <= len(first.split()) <= _TITLE_MAX_WORDS:
        return None
    if first[-1] in ",:;" or first.startswith("By "):  # a lead-in or a byline
        return None
    return first if _title_cased(first) else None


def _text_date(text: str) -> str | None:
    """The ISO date written near the top: on a short line of its own ("Published May 23, 2023 10:15 BST")
    or in a dateline ("MOSCOW, May 23, 2023 (Reuters) -"); a date in a sentence is an event's, not the story's."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_DATE_LINES]
    for line in lines:
        if not (match := _WRITTEN_DATE.search(line)):
            continue
        dateline = len(line[:match.start()].split()) <= 3 and _AFTER_DATELINE_DATE.match(line, match.end())
        if len(line.split()) <= _DATE_LINE_MAX_WORDS or dateline:
            month = int(match["month_number"]) if match["month_number"] else _MONTHS[match["month"].lower()]
            try:
                return dt.date(int(match["year"]), month, int(match["day"])).isoformat()
            except ValueError:
                continue
    return None


def _dateline(lines: list[str]) -> tuple[str | None, str | None]:
    """(place, agency) of a dateline such as ``MOSCOW (AFP) -`` opening the first body paragraph.

    The first two prose paragraphs are tried: the first may be a headline that ``_title`` did not claim.
    """
    paragraphs = [line.strip() for index, line in enumerate(lines) if _is_prose(lines, index)]
    return next(filter(None, map(_dateline_of, paragraphs[:2])), (None, None))


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
