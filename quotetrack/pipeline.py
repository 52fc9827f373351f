"""The stages wired together: ingest → parse (cached) → match → resolve → store."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import ingest, store
from .match import Matcher
from .parse import ParseCache, Parser, parse_articles
from .records import Article, ParsedArticle, Quote
from .resolve import Resolver
from .rules import DEFAULT_RULES_DIR, REGEX_TIMEOUT, load_rules


STORE_BATCH = 64  # articles per database transaction: what a crash can lose, and what a commit costs once
# A rule change that would leave fewer than this share of the stored quotes is refused unless confirmed
# (a rule file emptied by mistake would otherwise delete every quote).
KEEP_AT_LEAST = 0.5


class AttributionError(Exception):
    """One article cannot be attributed (a user-written regex ran too long on it); it is reported and skipped."""


class BuildRefused(Exception):
    """The build would lose much of what is stored; nothing was written. Confirm with ``yes=True`` (``--yes``)."""


@dataclass
class BuildReport:
    """What a build did, for the CLI to print."""

    articles: int = 0
    skipped_unchanged: int = 0
    parsed: int = 0
    quotes: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"match": 0.0, "resolve": 0.0, "store": 0.0})


class Pipeline:
    """Rules, parser and engine loaded once; ``run`` attributes quotes in parsed articles."""

    def __init__(self, rules_dir: str | Path = DEFAULT_RULES_DIR, model_dir: str | Path | None = None):
        self.rules_dir = Path(rules_dir)
        self.rules = load_rules(self.rules_dir)
        self.boilerplate = ingest.load_boilerplate(self.rules_dir)
        self.parser = Parser(model_dir)
        self.matcher = Matcher(self.rules)
        self.resolver = Resolver(self.rules)

    def attribute(self, parsed: ParsedArticle, timings: dict[str, float] | None = None) -> list[Quote]:
        """Match the patterns in one parsed article and resolve the speakers."""
        started = time.perf_counter()
        try:
            quotes = self.matcher.article_quotes(parsed)
        except TimeoutError:
            raise AttributionError(
                f"a rule's regular expression took over {REGEX_TIMEOUT}s on one word or phrase: simplify the "
                "'regex' of a pattern node or the 'pattern' of a channel") from None
        matched = time.perf_counter()
        quotes = self.resolver.resolve(parsed, quotes)
        if timings is not None:
            timings["match"] += matched - started
            timings["resolve"] += time.perf_counter() - matched
        return quotes

    def run(self, articles: Iterable[Article], cache: ParseCache | None = None,
            on_parsed: Callable[[int], None] | None = None, report: BuildReport | None = None,
            timings: dict[str, float] | None = None) -> Iterator[tuple[ParsedArticle, list[Quote]]]:
        """Parse (through the cache) and attribute each article, in input order; one that cannot be
        attributed is left out, and recorded in ``report.errors`` when given."""
        for parsed in parse_articles(articles, self.parser, cache, on_parsed=on_parsed):
            try:
                yield parsed, self.attribute(parsed, timings)
            except AttributionError as error:
                if report is not None:
                    report.errors.append((parsed.article.source, str(error)))

    def predict(self, articles: Iterable[Article], cache_path: str | Path | None = None,
                progress: Callable[[int], None] | None = None,
                report: BuildReport | None = None) -> dict[str, tuple[ParsedArticle, list[Quote]]]:
        """Parse and quotes per article id, parsing through a cache database so a second run parses nothing."""
        cache = ParseCache(store.open_db(cache_path)) if cache_path else None
        predictions = {}
        for parsed, quotes in self.run(articles, cache, report=report):
            predictions[parsed.article.id] = (parsed, quotes)
            if progress:
                progress(1)
        return predictions

    def rule_rows(self) -> list[dict]:
        """One row per rule, for the ``rules`` table."""
        boilerplate = [
            {"id": r.id, "kind": "boilerplate", "description": r.description, "file": r.file, "line": r.line}
            for r in self.boilerplate.rules
        ]
        return self.rules.summary() + boilerplate

    def read(self, source: str | Path, report: BuildReport, keep_html: bool = False) -> list[Article]:
        """Ingest the articles at ``source``; bad ones are recorded in ``report.errors`` and skipped.
        ``keep_html`` keeps each HTML page's markup, to be stored with its article."""
        articles = list(ingest.read_articles(source, self.boilerplate,
                                             lambda where, why: report.errors.append((where, why)), keep_html))
        report.articles = len(articles)
        return articles

    def build(self, db_path: str | Path, articles: list[Article], report: BuildReport | None = None,
              force: bool = False, progress: Callable[[int], None] | None = None, yes: bool = False) -> BuildReport:
        """Build or update the database at ``db_path`` with ``articles``.

        Unchanged articles (same content hash, same rules and parser) are skipped; a
        rule edit re-attributes every article from the cached parses. An article whose id
        is stored for another file with other text is reported and skipped, and a rule
        edit that would leave fewer than ``KEEP_AT_LEAST`` of the stored quotes raises
        ``BuildRefused`` before anything is written; ``yes`` allows both.
        """
        report = report or BuildReport(articles=len(articles))
        db = store.open_db(db_path)
        store.ensure_db_shape(db)
        cache = ParseCache(db)
        fingerprint = self.fingerprint()
        stored_fingerprint = store.get_setting(db, "rules_fingerprint")
        rules_changed = force or stored_fingerprint != fingerprint
        if not yes:
            articles = self._without_id_clashes(db, articles, report)
            if stored_fingerprint not in (None, fingerprint):
                self._check_quotes_kept(db, db_path, cache, articles)
        store.save_rules(db, self.rule_rows())
        store.save_speakers(db, [vars(s) for s in self.rules.speakers])
        known = {} if rules_changed else store.article_hashes(db)
        changed = [a for a in articles if known.get(a.id) != a.content_hash]
        report.skipped_unchanged = len(articles) - len(changed)
        if progress and report.skipped_unchanged:
            progress(report.skipped_unchanged)

        def parsed_count(count: int) -> None:
            report.parsed += count

        attributed = (
            store.article_rows(parsed.article, parsed.sentences, quotes)
            for parsed, quotes in self.run(changed, cache, on_parsed=parsed_count, report=report, timings=report.seconds)
        )
        for batch in batches(attributed, STORE_BATCH):
            started = time.perf_counter()
            store.save_articles(db, batch)
            report.seconds["store"] += time.perf_counter() - started
            report.quotes += sum(len(rows.quotes) for rows in batch)
            if progress:
                progress(len(batch))
        # statements only move when quotes were written, here or by a run that stopped before this step
        if changed or db.execute("select 1 from quotes where statement_id is null limit 1").fetchone():
            store.refresh_statements(db)
        store.save_skipped(db, report.errors, [article.source for article in articles])
        store.set_setting(db, "rules_fingerprint", fingerprint)
        return report

    def _without_id_clashes(self, db, articles: list[Article], report: BuildReport) -> list[Article]:
        """``articles`` less those whose id the database holds for another source with other text (reported)."""
        stored = store.article_sources(db)
        kept = []
        for article in articles:
            source, content_hash = stored.get(article.id, (article.source, article.content_hash))
            if source != article.source and content_hash != article.content_hash:
                report.errors.append((article.source, f"id {article.id!r} is already stored for {source}, another "
                                      "text: rename one of the files (the id comes from the file name), or pass --yes "
                                      "to replace it"))
            else:
                kept.append(article)
        report.articles -= len(articles) - len(kept)
        return kept

    def _check_quotes_kept(self, db, db_path, cache: ParseCache, articles: list[Article]) -> None:
        """Raise ``BuildRefused`` when the changed rules would leave fewer than ``KEEP_AT_LEAST`` of the stored quotes.

        The stored articles in this run are re-attributed from their cached parses (an
        article without one keeps its count); the others lose the quotes of rules now gone.
        """
        before = db.execute("select count(*) from quotes").fetchone()[0]
        if not before:
            return
        rule_ids = json.dumps([row["id"] for row in self.rule_rows()])
        counts = store.quote_counts(db)
        rerun = {article.id for article in articles if article.id in counts}
        after = sum(count for article_id, count in store.quote_counts(db, kept_rules=rule_ids).items()
                    if article_id not in rerun)
        for article in articles:
            if article.id in rerun:
                sentences = cache.get(article.content_hash, self.parser.model_id)
                try:
                    after += counts[article.id] if sentences is None else len(
                        self.attribute(ParsedArticle(article, self.parser.model_id, sentences)))
                except AttributionError:  # the build reports it and keeps what is stored
                    after += counts[article.id]
        if after < KEEP_AT_LEAST * before:
            raise BuildRefused(
                f"the changed rules would leave {after:,} of the {before:,} quotes stored in {db_path} "
                f"({1 - after / before:.0%} deleted; more than {1 - KEEP_AT_LEAST:.0%} needs confirming): "
                "check the rule change (`quotetrack rules check`), or run again with --yes")

    def fingerprint(self) -> str:
        """Changes whenever a rule file or the parser changes: a cue to re-attribute everything."""
        digest = hashlib.sha256(self.parser.model_id.encode())
        for path in sorted(self.rules_dir.glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()[:16]


def batches(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
