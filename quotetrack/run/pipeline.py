"""The stages wired together: ingest → parse (cached) → match → screen → resolve → store."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from ..records import Article, ParsedArticle, Quote
from ..rulelang import DEFAULT_RULES_DIR, Rules, load
from ..rulelang.rules import REGEX_TIMEOUT
from ..stages import ingest
from ..stages.match import Matcher, SentenceView
from ..stages.parse import (
    CACHE_FORMAT,
    ParseCache,
    Parser,
    decode,
    encode,
    parse_articles,
)
from ..stages.resolve import Resolver
from ..stages.screen import Screen
from ..store import ArticleRows, Grouping, ParseFile, Store, article_rows
from ..versions import source_digest

# the modules whose code decides which quotes an article gets: a change to any of them re-attributes
ENGINE_MODULES = ("records", "names", "errors", "rulelang.yamlfile", "rulelang.schema", "rulelang.rules",
                  "rulelang.syntax", "rulelang.steptable", "rulelang.lexicon", "rulelang.statements", "rulelang.loader",
                  "stages.view", "stages.steps", "stages.match", "stages.screen", "stages.resolve", "stages.ingest",
                  "stages.dates", "stages.language", "stages.webpage", "versions",
                  "store.shape", "store.rows", "store.statements", "store.parses", "store.database")
STORE_BATCH = 64  # articles per database transaction: what a crash can lose, and what a commit costs once
PARSE_BATCH = 32  # articles per unit of work: parsed in one Stanza call, or decoded and matched
# A rule change that would leave fewer than this share of the stored quotes is refused unless confirmed
# (a rule file emptied by mistake would otherwise delete every quote), judged on the results for
# the run's first CHECK_SAMPLE articles, held back until then.
KEEP_AT_LEAST = 0.5
CHECK_SAMPLE = 100


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
    seconds: dict[str, float] = field(
        default_factory=lambda: {"match": 0.0, "resolve": 0.0, "store": 0.0, "statements": 0.0})


@dataclass
class Done:
    """What ``Pipeline.work`` gives back for one batch, for the database writer."""

    rows: list[ArticleRows]
    parses: list[tuple[str, bytes]]  # (content hash, encoded parse) to cache: those parsed, those cached in an older format
    seconds: dict[str, float]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, reason) of articles left out
    parsed: int = 0  # articles parsed for it


Runner = Callable[[Iterable[list[tuple[Article, bytes | None]]]], Iterable[Done]]


def statement_grouping(rules: Rules) -> Grouping:
    """When the store groups quotes of one speaker into one statement: the ``statements`` step of defaults.yml."""
    settings = rules.attribution.settings["statements"]
    return Grouping(settings["shared_words"], settings["contained_words"])


class BuildRun:
    """One build's steps around the store: which articles to attribute, the workers' results gathered
    into the report, the writes in batches, the statements regrouped; timed and counted in ``report``."""

    def __init__(self, store: Store, model: str, report: BuildReport, progress: Callable[[int], None] | None,
                 yes: bool):
        self.store, self.model, self.report, self.yes = store, model, report, yes
        self.cache = ParseCache(store.parses)
        self.progress = progress or (lambda count: None)

    def changed(self, articles: Iterable[Article], reattribute: bool) -> Iterator[Article]:
        """The articles to attribute: new or changed ones, or all when ``reattribute``. One stored for another
        file with other text is reported and left out, unless ``yes``."""
        for batch in batches(articles, STORE_BATCH):
            self.report.articles += len(batch)
            self.store.forget_skipped([article.source for article in batch])  # ingested now: no longer skipped
            stored = self.store.article_sources([article.id for article in batch])
            for article in batch:
                source, content_hash = stored.get(article.id, (None, None))
                if not self.yes and source not in (None, article.source) and content_hash != article.content_hash:
                    self.report.articles -= 1
                    self.report.errors.append((article.source, str(IngestError(
                        "QT306", f"id {article.id!r} is already stored for {source}, another text: rename one of the "
                        "files (the id comes from the file name), or pass --yes to replace it"))))
                elif not reattribute and content_hash == article.content_hash:
                    self.report.skipped_unchanged += 1
                else:
                    yield article
                    continue
                self.progress(1)

    def attributed(self, done_batches: Iterable[Done]) -> Iterator[ArticleRows]:
        """The rows of each batch's articles, in order; the batch's new parses cached as soon as they come."""
        for done in done_batches:
            started = time.perf_counter()
            self.cache.put_encoded(self.model, done.parses)
            self.report.seconds["store"] += time.perf_counter() - started
            for stage, seconds in done.seconds.items():
                self.report.seconds[stage] = self.report.seconds.get(stage, 0.0) + seconds
            self.report.parsed += done.parsed
            self.report.errors.extend(done.errors)
            if done.errors:
                self.progress(len(done.errors))
            yield from done.rows

    def write(self, rows: Iterable[ArticleRows]) -> bool:
        """Save the results, ``STORE_BATCH`` articles per transaction; whether any were written."""
        written = False
        for batch in batches(rows, STORE_BATCH):
            started = time.perf_counter()
            self.store.save_results(batch)
            self.report.seconds["store"] += time.perf_counter() - started
            self.report.quotes += sum(len(rows.quotes) for rows in batch)
            written = True
            self.progress(len(batch))
        return written

    def refresh_statements(self, grouping: Grouping) -> None:
        started = time.perf_counter()
        self.store.refresh_statements(grouping)
        self.report.seconds["statements"] = time.perf_counter() - started


class Pipeline:
    """Rules, parser and engine loaded once; ``run`` attributes quotes in parsed articles."""

    def __init__(self, rules_dir: str | Path = DEFAULT_RULES_DIR, model_dir: str | Path | None = None,
                 device: str | None = None):
        self.rules_dir = Path(rules_dir)
        self.rules = load(self.rules_dir)
        self.parser = Parser(model_dir, device)
        self.matcher = Matcher(self.rules.attribution)
        self.screen = Screen(self.rules.attribution, self.rules.statements)
        self.resolver = Resolver(self.rules.attribution, self.rules.lexicon)

    def attribute(self, parsed: ParsedArticle, timings: dict[str, float] | None = None) -> list[Quote]:
        """Match the patterns in one parsed article, screen out non-statements, resolve the speakers."""
        started = time.perf_counter()
        try:
            views: dict[int, SentenceView] = {}  # the matcher's, for the screen's vetoes
            quotes = self.screen.screen(parsed, self.matcher.article_quotes(parsed, views), views)
            matched = time.perf_counter()
            quotes = self.resolver.resolve(parsed, quotes)
        except TimeoutError:
            raise AttributionError(
                f"a rule's regular expression took over {REGEX_TIMEOUT}s on one word or phrase: simplify the "
                "'regex' of a pattern node, the 'pattern' of a channel, the 'handover' setting or a "
                "'transliteration' of speakers.yml") from None
        for quote in quotes:
            quote.confidence = self.rules.precision.get(quote.rule_id)
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
        cache = ParseCache(ParseFile(cache_path)) if cache_path else None
        predictions = {}
        for parsed, quotes in self.run(articles, cache, report=report):
            predictions[parsed.article.id] = (parsed, quotes)
            if progress:
                progress(1)
        return predictions

    def stream(self, source: str | Path, report: BuildReport, on_error: Callable[[str, str], None] | None = None,
               keep_html: bool = False, known: ingest.Known | None = None) -> Iterator[Article]:
        """Ingest the articles at ``source`` one at a time; bad ones go to ``report.errors`` (and ``on_error``).
        ``keep_html`` keeps each HTML page's markup, to be stored with its article; ``known`` gives the
        articles of inputs ingested before (``store.StoredInputs``), which are not cleaned again."""
        def skipped(where: str, why: str) -> None:
            report.errors.append((where, why))
            if on_error:
                on_error(where, why)

        return ingest.read_articles(source, self.rules.boilerplate, skipped, keep_html, known)

    def rule_rows(self) -> list[dict]:
        """One row per rule, for the ``rules`` table: its file relative to the rules folder, its examples as JSON."""
        rules = {rule.id: rule for rule in [*self.rules.attributing(), *self.rules.boilerplate.rules]}
        rows = [{**row, "examples": examples_json(rules[row["id"]].examples) if row["id"] in rules else None,
                 "yaml": yaml_block(row["file"], row["line"])} for row in self.rules.summary()]
        return [{**row, "file": self.rule_file(row["file"])} for row in rows]

    def rule_file(self, file: str | None) -> str | None:
        """A rule file's path relative to the rules folder: what a rule author opens, not where the builder keeps it."""
        if not file:
            return file
        try:
            return Path(file).resolve().relative_to(self.rules_dir.resolve()).as_posix()
        except ValueError:
            return Path(file).name

    def read(self, source: str | Path, report: BuildReport) -> list[Article]:
        """All the articles at ``source`` in a list (for evaluation, which needs them all); see ``stream``."""
        articles = list(self.stream(source, report))
        report.articles = len(articles)
        return articles

    def build(self, db_path: str | Path, articles: Iterable[Article], report: BuildReport | None = None,
              force: bool = False, progress: Callable[[int], None] | None = None, yes: bool = False,
              runner: Runner | None = None, batch_size: int = PARSE_BATCH) -> BuildReport:
        """Build or update the database at ``db_path`` with ``articles`` (any iterable, consumed a batch at a
        time, so memory stays flat): ingest → parse (cached) → match → screen → resolve → store.

        Unchanged articles (same content hash, rules, parser and code) are skipped; a rule edit
        re-attributes every article from the cached parses. An article whose id is stored for
        another file with other text is skipped, and a rule edit that would leave fewer than
        ``KEEP_AT_LEAST`` of the stored quotes (judged on the first ``CHECK_SAMPLE`` results)
        raises ``BuildRefused`` before anything is written; ``yes`` allows both. Batches of
        ``batch_size`` go through ``work`` here or through ``runner`` (``pool``, ``cluster``);
        this process alone writes, a batch per transaction, after marking the build begun.
        """
        report = report or BuildReport()
        report.articles = 0
        fingerprint = self.fingerprint()
        with Store.open(db_path) as store:
            run = BuildRun(store, self.parser.model_id, report, progress, yes)
            articles = run.changed(articles, reattribute=force or store.needs_reattribution(fingerprint))
            work = work_batches(articles, run.cache, self.parser.model_id, batch_size)
            results = run.attributed(runner(work) if runner else map(self.work, work))
            check = not yes and store.rules_fingerprint not in (None, fingerprint)
            with store.transaction():  # all that a refused rule change would have written stays unwritten
                store.begin_build(fingerprint)
                first = list(itertools.islice(results, CHECK_SAMPLE)) if check else []
                if check:
                    self._check_quotes_kept(store, db_path, first)
                store.save_rules(self.rule_rows())
                store.save_speakers(self.speaker_rows())
                written = run.write(first)
            written = run.write(results) or written
            if written or store.has_unsettled_quotes():  # or a run that stopped before grouping them
                run.refresh_statements(statement_grouping(self.rules))
            store.record_run(fingerprint, report.errors)
        return report

    def speaker_rows(self) -> list[dict]:
        """The gazetteer of speakers.yml, each with its spelling key, for the ``speakers`` table."""
        return [{**vars(s), "name_key": self.resolver.spelling_key(s.name, s.type)} for s in self.rules.attribution.speakers]

    def work(self, batch: list[tuple[Article, bytes | None]]) -> Done:
        """Attribute a batch from ``work_batches``: parse those with no cached parse (in one call),
        decode the others, match and resolve; the rows to store and the new parses to cache."""
        seconds = {"parse": 0.0, "decode": 0.0, "match": 0.0, "resolve": 0.0}
        started = time.perf_counter()
        to_parse = [article for article, blob in batch if blob is None]
        fresh = iter(self.parser.parse(to_parse) if to_parse else [])  # no parse, no Stanza loaded
        seconds["parse"] = time.perf_counter() - started
        done = Done([], [], seconds, parsed=len(to_parse))
        for article, blob in batch:
            if blob is None:
                sentences = next(fresh)
                done.parses.append((article.content_hash, encode(sentences)))
            else:
                started = time.perf_counter()
                sentences = decode(blob)
                seconds["decode"] += time.perf_counter() - started
                if not blob.startswith(CACHE_FORMAT):  # cached again in today's format, quicker to read
                    done.parses.append((article.content_hash, encode(sentences)))
            try:
                quotes = self.attribute(ParsedArticle(article, self.parser.model_id, sentences), seconds)
            except AttributionError as error:  # reported; what is stored of it stays
                done.errors.append((article.source, str(error)))
                continue
            done.rows.append(article_rows(article, sentences, quotes))
        return done

    def _check_quotes_kept(self, store: Store, db_path, first: list[ArticleRows]) -> None:
        """Raise ``BuildRefused`` when the changed rules would leave fewer than ``KEEP_AT_LEAST`` of the stored quotes.

        ``first`` are the build's first results, not yet written. Their stored articles
        give how many of the quotes of the rules still there the new rules keep; every
        other stored article is taken to keep that share: exact when ``first`` holds
        every article with stored quotes, an estimate on a larger corpus.
        """
        before = store.quote_total()
        if not before:
            return
        rule_ids = [row["id"] for row in self.rules.summary()]
        ids = [rows.article["id"] for rows in first]
        stored, kept = store.quote_counts(ids), store.quote_counts(ids, kept_rules=rule_ids)
        sample = [rows for rows in first if rows.article["id"] in stored]
        now = sum(len(rows.quotes) for rows in sample)
        kept_in_sample = sum(kept.values())
        share = now / kept_in_sample if kept_in_sample else 1.0
        after = round((store.quote_total(kept_rules=rule_ids) - kept_in_sample) * share) + now
        if after < KEEP_AT_LEAST * before:
            estimated = "" if len(sample) == store.quoted_article_count() else \
                f" (estimated from {len(sample):,} re-attributed articles)"
            raise BuildRefused(
                f"the changed rules would leave {after:,} of the {before:,} quotes stored in {db_path}{estimated} "
                f"({1 - after / before:.0%} deleted; more than {1 - KEEP_AT_LEAST:.0%} needs confirming): "
                "check the rule change (`quotetrack rules check`), or run again with --yes")

    def fingerprint(self) -> str:
        """Changes whenever a rule file, the parser or the engine's code changes: a cue to re-attribute everything."""
        digest = hashlib.sha256(self.parser.model_id.encode() + code_digest().encode())
        for path in sorted(self.rules_dir.glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()[:16]


@functools.cache
def code_digest() -> str:
    """The quotetrack version and a hash of the ``ENGINE_MODULES`` sources."""
    return source_digest(ENGINE_MODULES)


def work_batches(articles: Iterable[Article], cache: ParseCache, model: str,
                 size: int = PARSE_BATCH) -> Iterator[list[tuple[Article, bytes | None]]]:
    """The articles with their cached parses (None where there is none), in runs of ``size`` at most
    that are all cached or all not: a run to parse is one ``Parser.parse`` call, as ``parse_articles`` makes."""
    batch: list[tuple[Article, bytes | None]] = []
    for article in articles:
        blob = cache.blob(article.content_hash, model)
        if batch and (len(batch) >= size or (batch[-1][1] is None) != (blob is None)):
            yield batch
            batch = []
        batch.append((article, blob))
    if batch:
        yield batch


def yaml_block(file: str | None, line: int | None) -> str | None:
    """The YAML of the list item that starts on ``line`` (1-based) of ``file``: that line and every line indented
    deeper after it, as the rule author wrote them (the rule page shows it)."""
    if not file or not line:
        return None
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()[line - 1:]
    except (OSError, UnicodeDecodeError):
        return None
    if not lines:
        return None
    indent = len(lines[0]) - len(lines[0].lstrip())
    block = [lines[0]]
    for text in lines[1:]:
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        block.append(text)
    return textwrap.dedent("\n".join(block).rstrip()) + "\n"


def examples_json(examples) -> str:
    """A rule's examples as a JSON list: text, whether it matches, and the speaker, cue and content it must find."""
    keys = ("text", "match", "speaker", "cue", "content", "type")
    return json.dumps([{key: getattr(example, key) for key in keys if getattr(example, key, None) is not None}
                       for example in examples], ensure_ascii=False)


def batches(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
