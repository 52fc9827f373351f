"""Track: keep a database up to date with the articles that feeds and URL lists point to.

fetch → ingest → pipeline (parse, match, resolve, store). Every URL a source names
is queued once in ``tracked_urls``; each run reads the sources (feeds with
conditional GET), queues what is new or what a feed says has changed, then
fetches the queue in batches. A batch is built and only then marked done, in the
same database, so a killed run loses nothing committed and the next run picks up
the rest. Every request is logged in ``fetches``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..stages import ingest
from ..store import Store
from . import fetch
from .pipeline import BuildReport, Pipeline, batches

TRACK_BATCH = 16  # articles built and marked done together: what a kill can make the next run fetch again
MAX_FAILURES = 3  # a URL that failed this often (timeouts, 5xx) is given up
FEED_ACCEPT = (*fetch.FEED_TYPES, "text/plain", "text/html")  # feedparser reads what servers mislabel

# Where an article URL stands: pending (to fetch), done (new, updated, unchanged or a duplicate),
# skipped (will not be fetched again: 404, not HTML, not an article, not English), failed (retried later).
PENDING, DONE, SKIPPED, FAILED = "pending", "done", "skipped", "failed"

QUEUE = """
select * from tracked_urls
where kind = 'article' and (state = 'pending' or (state = 'failed' and failures < :max_failures))
  and (:since is null or coalesce(entry_updated, published) is null or coalesce(entry_updated, published) >= :since)
order by first_seen, coalesce(published, ''), url
"""


@dataclass
class TrackReport:
    """What a run did, for the CLI to print."""

    feeds: int = 0
    queued: int = 0  # URLs newly queued (new or changed) by this run
    fetched: int = 0  # article fetches made
    outcomes: dict[str, int] = field(default_factory=dict)  # new, updated, unchanged, duplicate, skipped, failed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, one-line reason)
    build: BuildReport = field(default_factory=BuildReport)
    seconds: float = 0.0

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def article_id(url: str) -> str:
    """An article's id from its canonical URL: the same page is the same article on every run."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Tracker:
    """One run of ``quotetrack track``: reads the sources, queues, fetches, builds."""

    def __init__(self, db_path: str | Path, sources: fetch.Sources, pipeline: Pipeline,
                 fetcher: fetch.Fetcher, keep_html: bool = False,
                 on_problem: Callable[[str, str], None] | None = None, yes: bool = False):
        self.db_path, self.sources, self.pipeline, self.fetcher = db_path, sources, pipeline, fetcher
        self.keep_html, self.yes = keep_html, yes  # yes: go ahead where a build asks for confirmation
        self.store = Store.open(db_path)
        self.db = self.store.db  # the tracking tables: tracked_urls, fetches
        self.report = TrackReport()
        self._on_problem = on_problem

    def run(self, since: str | None = None, limit: int | None = None) -> TrackReport:
        """Queue what the sources name, then fetch and build at most ``limit`` queued articles
        (those dated ``since`` or later, or undated)."""
        started = time.monotonic()
        self._reattribute_after_rule_edits()
        for source in self.sources.sources:
            if source.kind == "feed":
                self._read_feed(source)
            else:
                self._queue(source.name, [fetch.Entry(url) for url in source.urls])
        queue = [dict(row) for row in self.db.query(QUEUE, {"max_failures": MAX_FAILURES, "since": since})]
        for batch in batches(queue[:limit] if limit is not None else queue, TRACK_BATCH):
            self._fetch_and_build(batch)
        self.report.seconds = round(time.monotonic() - started, 2)
        return self.report

    def _reattribute_after_rule_edits(self) -> None:
        """Attribute every stored article again (from cached parses) when the rules or parser changed since
        the last build: the batches below would otherwise mark the database current with only themselves redone."""
        if self.store.needs_reattribution(self.pipeline.fingerprint()):
            stored = [ingest.with_dateline(article) for article in self.store.stored_articles()]
            self.pipeline.build(self.db_path, stored, self.report.build, yes=self.yes)

    def _problem(self, url: str, reason: str) -> None:
        self.report.problems.append((url, reason))
        if self._on_problem:
            self._on_problem(url, reason)

    # ----------------------------------------------------------------- sources

    def _read_feed(self, source: fetch.Source) -> None:
        self.report.feeds += 1
        url = fetch.public_url(source.feed)  # stored; the sources file's user name and password are only sent
        known = self.db.execute("select etag, last_modified from tracked_urls where url = ?", [url]).fetchone()
        fetched = self.fetcher.fetch(source.feed, accept=FEED_ACCEPT, etag=known and known[0],
                                     last_modified=known and known[1])
        entries, outcome, error = [], "not modified" if fetched.not_modified else "read", fetched.error
        if fetched.ok and not fetched.not_modified:
            try:
                entries = fetch.feed_entries(fetched)
            except ValueError as problem:
                error = str(problem)
        if error:
            outcome = "failed"
            self._problem(url, error)
        with self.db.atomic():
            self._log(fetched, "feed", source.name, outcome, error)
            self.db.table("tracked_urls").upsert({
                "url": url, "kind": "feed", "source": source.name, "state": FAILED if error else DONE,
                "reason": error, "last_fetched": now(),
                **({"etag": fetched.etag, "last_modified": fetched.last_modified} if fetched.ok else {}),
            }, pk="url")
            self.db.execute("update tracked_urls set first_seen = coalesce(first_seen, ?) where url = ?", [now(), url])
        self._queue(source.name, entries)

    def _queue(self, source_name: str, entries: Iterable[fetch.Entry]) -> None:
        """Queue new URLs (less any user name and password), and known ones whose feed entry says they changed
        (even ones given up on)."""
        seen = now()
        with self.db.atomic():
            for entry in entries:
                entry = dataclasses.replace(entry, url=fetch.public_url(entry.url))
                row = self.db.execute("select state, entry_updated from tracked_urls where url = ?",
                                      [entry.url]).fetchone()
                described = {"title": entry.title, "published": entry.published, "author": entry.author,
                             "entry_updated": entry.updated}
                if row is None:
                    self.db.table("tracked_urls").insert({
                        "url": entry.url, "kind": "article", "source": source_name, "state": PENDING,
                        "failures": 0, "first_seen": seen, **described,
                    })
                elif row[0] != PENDING and entry.updated and entry.updated != row[1]:
                    self.db.table("tracked_urls").update(entry.url, {"state": PENDING, "failures": 0, **described})
                else:
                    continue
                self.report.queued += 1

    # ----------------------------------------------------------------- articles

    def _fetch_and_build(self, batch: list[dict]) -> None:
        """Fetch a batch of queued URLs, build the articles among them, then mark each done or not."""
        articles, marks, batch_ids = {}, [], set()
        for row in batch:
            fetched = self.fetcher.fetch(row["url"], etag=row["etag"], last_modified=row["last_modified"])
            self.report.fetched += 1
            article, found_id, outcome, reason = self._article(row, fetched, batch_ids)
            if article is not None:
                articles[row["url"]] = article
                batch_ids.add(article.id)
            marks.append((row, fetched, found_id, outcome, reason))
        refused = {}
        if articles:
            reported = len(self.report.build.errors)
            self.pipeline.build(self.db_path, list(articles.values()), self.report.build, yes=self.yes)
            refused = dict(self.report.build.errors[reported:])  # by source: what the build left out, and why
        with self.db.atomic():
            for row, fetched, found_id, outcome, reason in marks:
                if (article := articles.get(row["url"])) and article.source in refused:
                    found_id, outcome, reason = None, "skipped", refused[article.source]
                self._mark(row, fetched, found_id, outcome, reason)

    def _article(self, row: dict, fetched: fetch.Fetched, batch_ids: set[str]):
        """(article to build or None, the article's id, outcome, reason) for one fetched page.

        A page is built when its article is new or its text changed; a page whose canonical
        url another tracked URL already gave, or whose text another article has, is a duplicate.
        """
        url = row["url"]
        if fetched.not_modified:
            return None, row["article_id"], "unchanged", None
        if not fetched.ok:
            return None, None, "failed" if _transient(fetched) else "skipped", fetched.error
        errors = []
        page_url = fetched.final_url or url
        articles = list(ingest.page_articles(
            page_url, fetched.body, self.pipeline.rules.boilerplate, lambda _, why: errors.append(why),
            url=page_url, keep_html=self.keep_html, **({"published": row["published"]} if row["published"] else {}),
        ))
        if not articles:
            return None, None, "skipped", errors[0] if errors else "no article on the page"
        article = articles[0]
        if fetch.site(article.url) != fetch.site(page_url):  # a page names only its own site's pages canonical
            article.url = page_url
        article.url = fetch.public_url(article.url)
        article.id, article.source = article_id(article.url), article.url  # one canonical url, one article
        article.title = article.title or row["title"]
        article.author = article.author or row["author"]
        if article.url != url and self._tracked(article.url):
            return None, article.id, "duplicate", f"same canonical url as {article.url}, which is tracked itself"
        if article.id in batch_ids:
            return None, article.id, "duplicate", f"same canonical url as {article.url}, fetched in this run"
        if article.url != url and self._known_elsewhere(article.id, url):
            return None, article.id, "duplicate", f"same canonical url as {article.url}, already tracked"
        stored = self.db.execute("select content_hash from articles where id = ?", [article.id]).fetchone()
        if stored and stored[0] == article.content_hash:
            return None, article.id, "unchanged", None
        copy = self.db.execute("select id from articles where content_hash = ? and id != ? limit 1",
                               [article.content_hash, article.id]).fetchone()
        if copy:
            return None, copy[0], "duplicate", f"same text as article {copy[0]}"
        return article, article.id, "updated" if stored else "new", None

    def _tracked(self, url: str) -> bool:
        return self.db.execute("select 1 from tracked_urls where url = ? and kind = 'article'", [url]).fetchone() is not None

    def _known_elsewhere(self, found_id: str, url: str) -> bool:
        """Whether a tracked URL other than ``url`` already gave the article ``found_id``."""
        return self.db.execute(
            "select 1 from tracked_urls where article_id = ? and url != ? and state = ? limit 1",
            [found_id, url, DONE]).fetchone() is not None

    def _mark(self, row: dict, fetched: fetch.Fetched, found_id: str | None, outcome: str, reason: str | None):
        self.report.count(outcome)
        if reason and outcome in ("skipped", "failed"):
            self._problem(row["url"], reason)
        self._log(fetched, "article", row["source"], outcome, reason, found_id)
        state = {"failed": FAILED, "skipped": SKIPPED}.get(outcome, DONE)
        changes = {"state": state, "reason": reason, "last_fetched": now(),
                   "failures": row["failures"] + 1 if state == FAILED else 0}
        if found_id:
            changes["article_id"] = found_id
        if fetched.ok and not fetched.not_modified:
            changes.update(etag=fetched.etag, last_modified=fetched.last_modified)
        self.db.table("tracked_urls").update(row["url"], changes)

    def _log(self, fetched: fetch.Fetched, kind: str, source: str, outcome: str, error: str | None,
             found_id: str | None = None) -> None:
        self.db.table("fetches").insert({
            "url": fetched.url, "final_url": fetched.final_url, "kind": kind, "source": source,
            "fetched_at": now(), "status": fetched.status, "bytes": len(fetched.body), "seconds": fetched.seconds,
            "tries": fetched.tries, "content_type": fetched.content_type, "outcome": outcome, "error": error,
            "article_id": found_id,
        })


def _transient(fetched: fetch.Fetched) -> bool:
    """Whether a failed fetch is worth trying again on a later run (timeouts, 5xx, 429, lost connections)."""
    if fetched.status is not None:
        return fetched.status == 429 or fetched.status >= 500
    return bool(fetched.error) and fetched.error.startswith(("timed out", "connection failed", "robots.txt unreachable"))
