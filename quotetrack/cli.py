"""quotetrack command line: a thin click layer over the pipeline, store and publish modules."""

from __future__ import annotations

import functools
import sqlite3
import sys
from pathlib import Path

import click

from .ingest import READ_KINDS, IngestError
from .parse import MODEL_DIR_ENV, ParseError
from .pipeline import BuildRefused
from .rules import DEFAULT_RULES_DIR
from .store import StoreError
from .yamlfile import RuleError

DEFAULT_DB = "db/quotes.db"


def rules_option(command):
    return click.option(
        "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RULES_DIR,
        show_default="the project's rules/", help="Folder of YAML rule files.",
    )(command)


def models_option(command):
    return click.option(
        "--models", "model_dir", type=click.Path(file_okay=False, path_type=Path), envvar=MODEL_DIR_ENV,
        help=f"Stanza resources folder (default: ${MODEL_DIR_ENV}, else the embedded compact English models).",
    )(command)


def keep_html_option(command):
    return click.option("--keep-html", is_flag=True,
                        help="Store each HTML page's markup in the pages table (the text is always stored).")(command)


# What to do about an SQLite error, by a phrase of its message.
SQLITE_ADVICE = {
    "disk is full": "free some space and run again: what was committed is kept, the rerun finishes the job",
    "readonly": "make the file and its folder writable, or build into another file",
    "locked": "another process is writing to it: wait for it to finish and run again",
    "not a database": "it is not an SQLite database: choose another file",
    "malformed": "the file is damaged: build into a new file",
    "unable to open": "check that the path names a file in a folder you can write",
}


def one_line_errors(command):
    """Turn the project's expected failures into a one-line message and exit status 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (RuleError, IngestError, ParseError, StoreError, BuildRefused, FileNotFoundError) as error:
            raise click.ClickException(str(error)) from None
        except sqlite3.Error as error:
            where = kwargs.get("db_path") or kwargs.get("cache_path") or "the database"
            advice = next((why for phrase, why in SQLITE_ADVICE.items() if phrase in str(error)), "")
            raise click.ClickException(f"{where}: {error}" + (f": {advice}" if advice else "")) from None
        except OSError as error:
            raise click.ClickException(f"{error.filename or 'a file'}: {error.strerror or error}") from None
    return wrapper


def load_pipeline(rules_dir: Path, model_dir: Path | None):
    from .pipeline import Pipeline

    return Pipeline(rules_dir, model_dir)


def read_articles(rules_dir: Path, model_dir: Path | None, source: Path, keep_html: bool = False):
    """Load the pipeline and ingest ``source``, reporting each skipped article on stderr."""
    from .pipeline import BuildReport

    pipeline, report = load_pipeline(rules_dir, model_dir), BuildReport()
    articles = pipeline.read(source, report, keep_html)
    for where, why in report.errors:
        click.echo(f"skipped {where}: {why}", err=True)
    if not articles:
        skipped = f" ({len(report.errors)} skipped, see above)" if report.errors else ""
        raise click.ClickException(f"no articles read from {source}{skipped}: quotetrack reads {READ_KINDS} files")
    return pipeline, report, articles


def progressbar(length: int, label: str):
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.group()
@click.version_option()
def cli():
    """Who said what in the news: Stanza parses + YAML attribution rules → SQLite → datasette.

    \b
    quotetrack build db/quotes.db examples/articles
    quotetrack serve db/quotes.db
    """


@cli.command()
@click.argument("db_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source", type=click.Path(path_type=Path))
@rules_option
@models_option
@click.option("--force", is_flag=True, help="Re-attribute every article, even unchanged ones.")
@click.option("--yes", is_flag=True,
              help="Go ahead even when the changed rules would delete more than half of the stored quotes, "
                   "or an article would replace another one's stored under the same id.")
@keep_html_option
@one_line_errors
def build(db_path, source, rules_dir, model_dir, force, yes, keep_html):
    """Build or update DB_PATH with the articles in SOURCE.

    SOURCE is a .txt file, a .jsonl file (id, title, url, published, text), an
    .html/.htm page (main text and metadata extracted with trafilatura) or a folder
    of them. Parses are cached in the database: re-running after a rule edit
    re-attributes without parsing; unchanged articles are skipped.

    \b
    Example: quotetrack build db/quotes.db examples/articles
    """
    pipeline, report, articles = read_articles(rules_dir, model_dir, source, keep_html)
    reported = len(report.errors)
    with progressbar(len(articles), "Attributing quotes") as bar:
        pipeline.build(db_path, articles, report, force=force, progress=bar.update, yes=yes)
    for where, why in report.errors[reported:]:
        click.echo(f"skipped {where}: {why}", err=True)
    timing = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in report.seconds.items())
    click.echo(
        f"{report.articles} articles ({report.parsed} parsed, {report.skipped_unchanged} unchanged, "
        f"{len(report.errors)} skipped), {report.quotes} quotes written to {db_path} [{timing}]"
    )


@cli.command()
@click.argument("db_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("sources_path", metavar="SOURCES", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help="Only articles that their feed dates on or after this day (YYYY-MM-DD), and undated ones.")
@click.option("--limit", type=click.IntRange(min=0), help="Fetch at most this many articles; the rest wait for the next run.")
@click.option("--yes", is_flag=True,
              help="Go ahead even when changed rules would delete more than half of the stored quotes.")
@keep_html_option
@rules_option
@models_option
@one_line_errors
def track(db_path, sources_path, since, limit, yes, keep_html, rules_dir, model_dir):
    """Fetch the articles that the feeds and URL lists in SOURCES name, and build them into DB_PATH.

    Incremental and resumable: a URL is fetched once, again only when its feed says
    it changed; an interrupted run is finished by the next. Every request is logged in
    the fetches table, every URL's state in tracked_urls. SOURCES is YAML, e.g.

    \b
      - feed: https://example.com/world/rss.xml
      - urls: [https://example.com/story-1, https://example.com/story-2]
      - url_list: urls.txt
    \b
    Example: quotetrack track db/quotes.db feeds.yml --limit 200
    """
    from .fetch import Fetcher, read_sources
    from .track import Tracker

    sources = read_sources(sources_path)
    with Fetcher(sources.settings) as fetcher:
        tracker = Tracker(db_path, sources, load_pipeline(rules_dir, model_dir), fetcher, keep_html,
                          on_problem=lambda url, why: click.echo(f"skipped {url}: {why}", err=True), yes=yes)
        report = tracker.run(since=since and since.date().isoformat(), limit=limit)
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(report.outcomes.items())) or "nothing new"
    click.echo(f"{report.feeds} feeds, {report.queued} URLs queued, {report.fetched} articles fetched ({outcomes}), "
               f"{report.build.parsed} parsed, {report.build.quotes} quotes written to {db_path} in {report.seconds:.1f}s")


@cli.command()
@click.argument("db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB)
@click.option("--metadata", "metadata_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="datasette metadata (default: the project's metadata.yml).")
@click.option("-h", "--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@one_line_errors
def serve(db_path, metadata_path, host, port):
    """Serve DB_PATH read-only with datasette: browse who said what, run SQL.

    \b
    Example: quotetrack serve db/quotes.db --port 8001
    """
    from .publish import serve as serve_db

    if not db_path.is_file():
        raise click.ClickException(f"no database at {db_path}: build it first (quotetrack build {db_path} SOURCE)")
    click.echo(f"Serving {db_path} at http://{host}:{port}/", err=True)
    serve_db(db_path, host=host, port=port, metadata_path=metadata_path)


@cli.group()
def rules():
    """Check the YAML rules and run their examples."""


@rules.command("check")
@rules_option
@one_line_errors
def rules_check(rules_dir):
    """Load every rule file and report the first mistake with file and line."""
    from .ingest import load_boilerplate
    from .rules import load_rules

    ruleset = load_rules(rules_dir)
    boilerplate = load_boilerplate(rules_dir)
    click.echo(f"{len(ruleset.patterns)} patterns, {sum(map(len, ruleset.lexicons.values()))} cue words, "
               f"{len(ruleset.speakers)} speakers, {len(boilerplate.rules)} boilerplate rules: OK")


@rules.command("test")
@rules_option
@models_option
@one_line_errors
def rules_test(rules_dir, model_dir):
    """Run every rule's examples: attribution rules through the parser and engine, boilerplate rules on their lines.

    \b
    Example: quotetrack rules test
    """
    from .ruletests import run_examples

    results = run_examples(load_pipeline(rules_dir, model_dir))
    failed = [r for r in results if r.problem]
    for result in failed:
        click.echo(f"FAIL {result.where} [{result.rule_id}]: {result.problem}")
    click.echo(f"{len(results) - len(failed)}/{len(results)} rule examples pass")
    if failed:
        raise SystemExit(1)


@cli.group()
def models():
    """Stanza models: the embedded compact set or the official ones."""


@models.command("download")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@one_line_errors
def models_download(target):
    """Download the official Stanza English models into TARGET (needs network).

    Then build with `--models TARGET` or set $QUOTETRACK_STANZA_DIR=TARGET.
    """
    import stanza

    from .parse import PROCESSORS

    try:
        stanza.download("en", model_dir=str(target), processors=PROCESSORS)
    except Exception as error:  # network and hub errors come in many types
        raise click.ClickException(f"download failed: {error}") from None
    click.echo(f"Official Stanza English models in {target}; use --models {target}")


@cli.command("eval")
@click.argument("gold_path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "gold_kind", type=click.Choice(["auto", "polnear", "seeds"]), default="auto",
              show_default=True, help="polnear: a split folder (text/ + attributions/); seeds: a gold.yml.")
@click.option("--articles", "articles_dir", type=click.Path(exists=True, path_type=Path),
              help="Articles of a gold.yml (default: articles/ beside it).")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default="db/eval-cache.db", show_default=True, help="Parse cache: a second run parses nothing.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every false positive and false negative here, for reading.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@rules_option
@models_option
@one_line_errors
def eval_command(gold_path, gold_kind, articles_dir, cache_path, errors_path, as_json, rules_dir, model_dir):
    """Score the real pipeline against gold attributions.

    \b
    Examples:
      quotetrack eval ../shared/eval/polnear/data/dev --errors dev-errors.txt
      quotetrack eval ../shared/seeds/gold.yml
    """
    from . import evaluate

    if gold_kind == "auto":
        gold_kind = "seeds" if gold_path.suffix in (".yml", ".yaml") else "polnear"
    source = gold_path / "text" if gold_kind == "polnear" else (articles_dir or gold_path.parent / "articles")
    pipeline, report, articles = read_articles(rules_dir, model_dir, source)
    reported = len(report.errors)
    with progressbar(len(articles), "Attributing") as bar:
        predictions = pipeline.predict(articles, cache_path, progress=bar.update, report=report)
    for where, why in report.errors[reported:]:
        click.echo(f"skipped {where}: {why}", err=True)
    scores = evaluate.evaluate(gold_kind, gold_path, predictions, anchors=pipeline.matcher.can_anchor)
    if errors_path:
        evaluate.write_errors(scores, errors_path)
    click.echo(scores.to_json() if as_json else evaluate.format_report(scores))
