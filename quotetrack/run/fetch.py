"""Fetch: the stage before ingest. Reads the sources file, fetches feeds and pages politely, reads feeds.

Politeness and limits: a clear User-Agent, robots.txt honoured (and its Crawl-delay),
one request at a time per host at most every ``rate_limit`` seconds, timeouts, a few
retries with exponential backoff on timeouts, connection errors, 429 and 5xx, a cap
on redirects and on the bytes read. Only http(s) URLs whose host resolves to public
addresses are fetched, each redirect checked again (``allow_private_addresses`` lets a
test or an intranet fetch private, loopback and link-local ones); URLs are stored without
their user name and password. Nothing here raises on a bad response: every
fetch comes back as a ``Fetched`` whose ``error`` says, in one line, what went wrong.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from ..rulelang.yamlfile import RuleError, line_of, load_yaml
from ..stages.dates import iso_date

USER_AGENT = "quotetrack/0.1 (+https://github.com/quotetrack/quotetrack; news quote tracker)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("xml", "rss", "atom", "rdf")  # any content type naming one of these may hold a feed
SOURCE_KINDS = ("feed", "urls", "url_list")
SOURCE_KEYS = {*SOURCE_KINDS, "name"}
SETTING_KEYS = {"user_agent", "timeout", "retries", "backoff", "rate_limit", "max_bytes", "max_redirects",
                "allow_private_addresses"}
REFUSED = "refused: "  # opens the reason for a URL that is never fetched, on this run or any later one


@dataclass
class Settings:
    """How to fetch: the ``fetch:`` section of the sources file, or these defaults."""

    user_agent: str = USER_AGENT
    timeout: float = 20.0  # seconds to connect, and between two reads
    retries: int = 2  # further tries after a timeout, a connection error, a 429 or a 5xx
    backoff: float = 2.0  # seconds before the first retry; doubled before each next one
    rate_limit: float = 1.0  # seconds between two requests to one host (robots.txt's Crawl-delay may ask more)
    max_bytes: int = 5_000_000  # a longer response is cut off and refused
    max_redirects: int = 5
    allow_private_addresses: bool = False  # fetch hosts on loopback, private, link-local and other non-public addresses


@dataclass(frozen=True)
class Source:
    """One entry of the sources file: a feed, or a list of article URLs."""

    kind: str  # feed | urls
    name: str
    feed: str | None = None
    urls: tuple[str, ...] = ()


@dataclass
class Sources:
    sources: list[Source]
    settings: Settings = field(default_factory=Settings)


class SourcesError(RuleError):
    """The sources file is broken; the message names file and line."""


def read_sources(path: str | Path) -> Sources:
    """Read and check a sources file (feeds.yml): a list of sources, or ``{fetch: settings, sources: list}``.

    A source is ``{feed: URL}``, ``{urls: [URL, ...]}`` or ``{url_list: FILE}`` (one URL a line, ``#``
    comments; relative to the sources file), each with an optional ``name``.
    """
    path = Path(path)
    document = load_yaml(path)
    settings = Settings()
    if isinstance(document, dict):
        if unknown := set(document) - {"fetch", "sources"}:
            raise SourcesError("QT103", path, line_of(document), f"unknown top-level key(s) {sorted(unknown)}"
                               " (known: fetch, sources)")
        settings = _settings(path, document.get("fetch") or {})
        document = document.get("sources")
    if not isinstance(document, list):
        raise SourcesError("QT102", path, line_of(document, 1),
                           "expected a list of sources (feed: URL, urls: [...] or url_list: FILE)")
    return Sources([_source(path, spec, index) for index, spec in enumerate(document)], settings)


def _settings(path: Path, spec) -> Settings:
    if not isinstance(spec, dict):
        raise SourcesError("QT102", path, line_of(spec), "'fetch' must be a mapping of settings")
    if unknown := set(spec) - SETTING_KEYS:
        raise SourcesError("QT103", path, line_of(spec), f"unknown fetch setting(s) {sorted(unknown)} "
                           f"(known: {sorted(SETTING_KEYS)})")
    settings = Settings()
    for key, value in spec.items():
        default = getattr(settings, key)
        kind = float if isinstance(default, float) else type(default)
        kinds = (int, float) if kind is float else kind
        if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kinds):
            raise SourcesError("QT102", path, line_of(spec), f"fetch setting {key!r} must be a {kind.__name__}")
        if kind not in (str, bool) and value < 0:
            raise SourcesError("QT102", path, line_of(spec), f"fetch setting {key!r} must not be negative")
        setattr(settings, key, kind(value))
    return settings


def _source(path: Path, spec, index: int) -> Source:
    line = line_of(spec)
    if not isinstance(spec, dict):
        raise SourcesError("QT102", path, line, "a source is a mapping: feed: URL, urls: [...] or url_list: FILE")
    if unknown := set(spec) - SOURCE_KEYS:
        raise SourcesError("QT103", path, line, f"unknown key(s) {sorted(unknown)} (known: {sorted(SOURCE_KEYS)})")
    kinds = [kind for kind in SOURCE_KINDS if kind in spec]
    if len(kinds) != 1:
        raise SourcesError("QT102", path, line, "a source has exactly one of feed, urls, url_list")
    kind, value = kinds[0], spec[kinds[0]]
    name = spec.get("name")
    if name is not None and not isinstance(name, str):
        raise SourcesError("QT102", path, line, "'name' must be a string")
    if kind == "feed":
        return Source("feed", name or public_url(_url(path, value, line)), feed=_url(path, value, line))
    if kind == "urls":
        if not isinstance(value, list) or not value:
            raise SourcesError("QT102", path, line, "'urls' must be a non-empty list of URLs")
        return Source("urls", name or f"urls #{index + 1}", urls=tuple(_url(path, url, line) for url in value))
    if not isinstance(value, str):
        raise SourcesError("QT102", path, line, "'url_list' must be a file name")
    listed = path.parent / value
    try:
        lines = listed.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError("QT100", path, line, f"cannot read URL list {listed}: {error}") from None
    urls = [_url(listed, text.strip(), number) for number, text in enumerate(lines, 1)
            if text.strip() and not text.lstrip().startswith("#")]
    return Source("urls", name or value, urls=tuple(urls))


def _url(path: Path, value, line: int | None) -> str:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise SourcesError("QT102", path, line_of(value, line), f"not an http(s) URL: {value!r}")
    return value


def public_url(url: str) -> str:
    """``url`` without the user name and password it may carry (``https://user:secret@host/``): what is stored."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def site(url: str) -> str:
    """The registrable domain of ``url``'s host (``bbc.co.uk`` for ``news.bbc.co.uk``), else the host itself."""
    import tld  # the Public Suffix List, as trafilatura's URL handling (courlan) reads it

    host = (urlsplit(url).hostname or "").rstrip(".")
    return tld.get_fld(host, fix_protocol=True, fail_silently=True) or host


class RefusedURL(Exception):
    """A URL not fetched (a scheme other than http(s), a host on a non-public address); says why, in one line."""


def check_address(url: str, allow_private: bool = False) -> None:
    """Raise ``RefusedURL`` unless ``url`` is http(s) and every address its host resolves to is public
    (not loopback, private, link-local, unspecified, multicast or reserved), or ``allow_private``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedURL(f"{REFUSED}{public_url(url)[:200]}: only http and https URLs are fetched")
    if allow_private:
        return
    host = parts.hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return  # unresolvable: the request fails as a connection error, retried on a later run
    for address in sorted(addresses):
        ip = ipaddress.ip_address(address.split("%")[0])
        ip = ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip
        if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
            raise RefusedURL(f"{REFUSED}{host} is at a non-public address ({ip}); set allow_private_addresses: "
                             "true under fetch: to fetch it")


@dataclass
class Fetched:
    """One fetch, as the ``fetches`` table records it; ``error`` is None when ``body`` is usable."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    seconds: float = 0.0
    tries: int = 0
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None


class Fetcher:
    """An HTTP client that is polite to every host; use as a context manager."""

    def __init__(self, settings: Settings | None = None, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        self.settings = settings or Settings()
        self._sleep = sleep
        self._last_request: dict[str, float] = {}  # host → monotonic time of its last request
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}  # host → rules, or why none
        timeout = httpx.Timeout(self.settings.timeout)
        self.client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=timeout, follow_redirects=True, max_redirects=self.settings.max_redirects, transport=transport,
            event_hooks={"request": [self._check_request]},  # the first request and every redirect
        )

    def _check_request(self, request: httpx.Request) -> None:
        check_address(str(request.url), self.settings.allow_private_addresses)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def fetch(self, url: str, accept: tuple[str, ...] = HTML_TYPES, etag: str | None = None,
              last_modified: str | None = None) -> Fetched:
        """GET ``url`` if robots.txt allows it; ``accept`` lists the content types wanted (substrings)."""
        try:
            check_address(url, self.settings.allow_private_addresses)
        except RefusedURL as refused:
            return Fetched(public_url(url), error=str(refused))
        if reason := self._robots_refusal(url):
            return Fetched(public_url(url), error=reason)
        headers = {key: value for key, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified))
                   if value}
        fetched = self._get_with_retries(url, headers)
        if fetched.ok and not fetched.not_modified and not any(kind in (fetched.content_type or "") for kind in accept):
            fetched.error = f"not {'/'.join(accept)}: content type {fetched.content_type or 'missing'}"
        return fetched

    def _get_with_retries(self, url: str, headers: dict) -> Fetched:
        started = time.monotonic()
        delay = self.settings.backoff
        for attempt in range(self.settings.retries + 1):
            fetched, retry_after = self._get(url, headers)
            fetched.tries = attempt + 1
            if retry_after is None or attempt == self.settings.retries:
                break
            self._sleep(max(delay, min(retry_after, 60.0)))
            delay *= 2
        fetched.seconds = round(time.monotonic() - started, 3)
        if fetched.error and fetched.tries > 1:
            fetched.error += f" (after {fetched.tries} tries)"
        return fetched

    def _get(self, url: str, headers: dict) -> tuple[Fetched, float | None]:
        """One GET; with the seconds to wait before trying again when it is worth another try."""
        self._wait_for_host(url)
        fetched = Fetched(public_url(url))
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                fetched.status, fetched.final_url = response.status_code, public_url(str(response.url))
                fetched.content_type = response.headers.get("content-type", "").split(";")[0].strip().lower() or None
                fetched.etag = response.headers.get("etag")
                fetched.last_modified = response.headers.get("last-modified")
                if response.status_code == 429 or response.status_code >= 500:
                    fetched.error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    return fetched, _retry_after(response)
                if response.status_code == 304:
                    return fetched, None
                if response.status_code >= 400:
                    fetched.error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    return fetched, None
                fetched.body = self._read_capped(response, fetched)
                return fetched, None
        except RefusedURL as refused:  # by a redirect
            fetched.error = str(refused)
        except httpx.TooManyRedirects:
            fetched.error = f"redirect loop or more than {self.settings.max_redirects} redirects"
        except httpx.TimeoutException:
            fetched.error = f"timed out ({self.settings.timeout:g} s)"
            return fetched, 0.0
        except httpx.TransportError as error:
            fetched.error = f"connection failed: {type(error).__name__} {error}".strip()
            return fetched, 0.0
        except httpx.HTTPError as error:  # a malformed URL, headers or body
            fetched.error = f"bad response: {type(error).__name__} {error}".strip()
        return fetched, None

    def _read_capped(self, response: httpx.Response, fetched: Fetched) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            fetched.error = f"too large: {int(declared):,} bytes declared (limit {limit:,})"
            return b""
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                fetched.error = f"too large: more than {limit:,} bytes (limit {limit:,})"
                return b""
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_for_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        interval = max(self.settings.rate_limit, self._crawl_delay(host))
        if host in self._last_request:
            wait = self._last_request[host] + interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = time.monotonic()

    def _crawl_delay(self, host: str) -> float:
        robots = self._robots.get(host)
        if isinstance(robots, urllib.robotparser.RobotFileParser):
            delay = robots.crawl_delay(self.settings.user_agent)
            return float(delay) if delay else 0.0
        return 0.0

    def _robots_refusal(self, url: str) -> str | None:
        """Why robots.txt forbids ``url`` (or cannot be read, which forbids it too), or None."""
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            self._robots[host] = self._read_robots(f"{parts.scheme}://{host}/robots.txt")
        robots = self._robots[host]
        if isinstance(robots, str):
            return robots
        if not robots.can_fetch(self.settings.user_agent, url):
            return "disallowed by robots.txt"
        return None

    def _read_robots(self, robots_url: str) -> urllib.robotparser.RobotFileParser | str:
        """The host's robots.txt rules; a missing one (4xx) allows everything, an unreachable one (5xx,
        timeout) nothing, as RFC 9309 asks."""
        fetched = self._get_with_retries(robots_url, {})
        robots = urllib.robotparser.RobotFileParser(robots_url)
        if fetched.status is not None and 400 <= fetched.status < 500:
            robots.parse([])
        elif fetched.ok:
            robots.parse(fetched.body.decode("utf-8", "replace").splitlines())
        else:
            return f"robots.txt unreachable ({fetched.error}): not fetching from this host"
        return robots


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else 0.0


@dataclass(frozen=True)
class Entry:
    """One item of a feed: the article's URL and what the feed says of it."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601
    updated: str | None = None  # ISO 8601, when the feed says the item changed
    author: str | None = None


def feed_entries(fetched: Fetched) -> list[Entry]:
    """The items of a fetched RSS/Atom feed; raises ``ValueError`` with a one-line reason when it is no feed.

    feedparser is lenient: a feed with an XML error still gives the items read before
    it; only a document that gives no item with a link is refused, when it is broken.
    """
    import feedparser

    parsed = feedparser.parse(fetched.body, response_headers={"content-location": fetched.final_url or fetched.url})
    base = fetched.final_url or fetched.url
    entries = [entry for entry in map(lambda item: _entry(item, base), parsed.entries) if entry]
    if not entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        reason = str(problem).strip() if problem else "no feed element and no items"
        raise ValueError(f"not an RSS/Atom feed: {reason.splitlines()[0] if reason else type(problem).__name__}")
    return entries


def _entry(item, base: str) -> Entry | None:
    link = item.get("link") or next((link.get("href") for link in item.get("links", []) if link.get("href")), None)
    url = urljoin(base, link.strip()) if link else None
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return Entry(
        url=url,
        title=(item.get("title") or "").strip() or None,
        published=iso_date(_field(item, "published_parsed")) or iso_date(_field(item, "published")),
        updated=iso_date(_field(item, "updated_parsed")) or iso_date(_field(item, "updated")),
        author=(item.get("author") or "").strip() or None,
    )


def _field(item: dict, key: str):
    """An item's own field (feedparser's ``get`` falls back from ``updated`` to ``published``, with a warning)."""
    return dict.get(item, key)
