"""quotetrack command line: a thin click layer over the pipeline, store and publish modules."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from pathlib import Path

import click

from .errors import CodedError, IngestError, RuleError, StoreError
from .rulelang import DEFAULT_RULES_DIR
from .run.pipeline import BuildRefused
from .stages.ingest import READ_KINDS
from .stages.parse import MODEL_DIR_ENV

DEFAULT_DB = "db/quotes.db"


def rules_option(command):
    return click.option(
        "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RULES_DIR,
        show_default="the project's rules/", help="Folder of YAML rule files.",
    )(command)


def models_option(command):
    return click.option(
        "--models", "model_dir", type=click.Path(file_okay=False, path_type=Path), envvar=MODEL_DIR_ENV,
        help=f"Stanza resources folder (default: ${MODEL_DIR_ENV}, else the embedded English models, GloVe set).",
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
        except (RuleError, CodedError, BuildRefused, FileNotFoundError) as error:
            raise click.ClickException(str(error)) from None
        except sqlite3.Error as error:
            where = kwargs.get("db_path") or kwargs.get("cache_path") or "the database"
            advice = next((why for phrase, why in SQLITE_ADVICE.items() if phrase in str(error)), "")
            raise click.ClickException(str(StoreError("QT207", f"{where}: {error}" + (f": {advice}" if advice else ""))))\
                from None
        except OSError as error:
            raise click.ClickException(f"{error.filename or 'a file'}: {error.strerror or error}") from None
    return wrapper


def load_pipeline(rules_dir: Path, model_dir: Path | None, device: str | None = None):
    from .run.pipeline import Pipeline

    return Pipeline(rules_dir, model_dir, device)


def read_articles(rules_dir: Path, model_dir: Path | None, source: Path):
    """Load the pipeline and ingest ``source``, reporting each skipped article on stderr."""
    from .run.pipeline import BuildReport

    pipeline, report = load_pipeline(rules_dir, model_dir), BuildReport()
    articles = pipeline.read(source, report)
    for where, why in report.errors:
        click.echo(f"skipped {where}: {why}", err=True)
    if not articles:
        skipped = f" ({len(report.errors)} skipped, see above)" if report.errors else ""
        raise IngestError("QT300", f"no articles read from {source}{skipped}: quotetrack reads {READ_KINDS} files")
    return pipeline, report, articles


@contextlib.contextmanager
def build_runner(pipeline, address: str | None, workers: int | None, processes: int | None):
    """A ``cluster.DaskRunner`` on the scheduler at ``address`` or on a local cluster of ``workers``
    processes (one thread each), else a ``pool.ProcessRunner`` of ``processes`` (default: one per core)."""
    if not (address or workers):
        from .run.pool import PoolError, ProcessRunner

        try:
            with ProcessRunner(pipeline, processes) as runner:
                yield runner
        except PoolError as error:
            raise click.ClickException(str(error)) from None
        return
    try:
        from distributed import Client, LocalCluster

        from .run.cluster import ClusterError, DaskRunner
    except ImportError:
        raise click.ClickException("--dask and --workers need dask.distributed: pip install 'quotetrack[dask]'") \
            from None
    with contextlib.ExitStack() as stack:
        if workers:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0"))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout=30))
            except OSError as error:
                raise click.ClickException(f"cannot reach the Dask scheduler at {address}: {error}") from None
        click.echo(f"Dask: {len(client.nthreads())} workers ({client.dashboard_link or 'no dashboard'})", err=True)
        try:
            yield DaskRunner(client, pipeline)
        except ClusterError as error:
            raise click.ClickException(str(error)) from None


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
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Parse and match on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); "
                   "this machine reads the articles and writes the database.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Parse and match on a local Dask cluster of this many worker processes.")
@click.option("--processes", type=click.IntRange(min=1),
              help="Parse and match in this many local worker processes (default: one per CPU core, at most "
                   "4; 1 on a GPU). 1 works in this process alone.")
@click.option("--device", help="Where Stanza parses: cpu, cuda, cuda:1 … (default: a GPU if there is one).")
@keep_html_option
@one_line_errors
def build(db_path, source, rules_dir, model_dir, force, yes, dask_address, workers, processes, device, keep_html):
    """Build or update DB_PATH with the articles in SOURCE.

    SOURCE is a .txt file, a .jsonl file (id, title, url, published, text), an
    .html/.htm page (main text and metadata extracted with trafilatura) or a folder
    of them. Parses are cached beside the database (DB_PATH's name with .parses,
    e.g. quotes.parses.db): re-running after a rule edit re-attributes without
    parsing; unchanged articles are skipped.

    Worker processes parse and match, one per CPU core (--processes), each
    loading the pipeline once; with --dask or --workers, Dask workers do. This
    process alone writes the database: the same database either way (see the
    README's "Performance" and "Many cores, many machines" sections).

    \b
    Example: quotetrack build db/quotes.db examples/articles
             quotetrack build db/quotes.db archive.jsonl --dask tcp://scheduler:8786
    """
    from .run.pipeline import BuildReport
    from .stages.ingest import count_articles
    from .store import StoredInputs

    if dask_address and workers:
        raise click.UsageError("--dask and --workers exclude each other: --workers starts a local cluster")
    if processes and (dask_address or workers):
        raise click.UsageError("--processes is for a build on this machine alone: Dask workers are processes")
    pipeline, report = load_pipeline(rules_dir, model_dir, device), BuildReport()
    total = count_articles(source)
    if not total:
        raise IngestError("QT300", f"no articles read from {source}: quotetrack reads {READ_KINDS} files")
    with build_runner(pipeline, dask_address, workers, processes) as runner, \
            contextlib.closing(StoredInputs(db_path)) as stored, progressbar(total, "Attributing quotes") as bar:
        printed = set()  # ingest's reasons, told as they come; the build's are told after it

        def skipped(where: str, why: str) -> None:
            printed.add((where, why))
            click.echo(f"skipped {where}: {why}", err=True)
            bar.update(1)

        pipeline.build(db_path, pipeline.stream(source, report, skipped, keep_html, stored), report, force=force,
                       progress=bar.update, yes=yes, runner=runner)
    for where, why in report.errors:
        if (where, why) not in printed:
            click.echo(f"skipped {where}: {why}", err=True)
    if not report.articles and report.errors:
        raise IngestError("QT300", f"no articles read from {source} ({len(report.errors)} skipped, see above)")
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
    from .run.fetch import Fetcher, read_sources
    from .run.track import Tracker

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
    from .web.publish import serve as serve_db

    if not db_path.is_file():
        raise StoreError("QT208", f"no database at {db_path}: build it first (quotetrack build {db_path} SOURCE)")
    site = f"http://{host}:{port}"
    click.echo(f"Serving {db_path} at {site}/ (who said what: {site}/{db_path.stem}/who_said_what,"
               f" charts: {site}/-/dashboards/newsroom)", err=True)
    serve_db(db_path, host=host, port=port, metadata_path=metadata_path)


@cli.group()
def rules():
    """Check the YAML rules and run their examples."""


@rules.command("check")
@rules_option
@one_line_errors
def rules_check(rules_dir):
    """Check every rule file against its schema and report the first mistake with code, file and line.

    A pattern with fewer than two working examples or no `not:` text is named in a warning.
    """
    from .rulelang import load
    from .rulelang.rules import thinly_tested

    rules = load(rules_dir)
    attribution, lexicon = rules.attribution, rules.lexicon
    for rule in thinly_tested(attribution):
        click.echo(f"warning {rule.file}:{rule.line} [{rule.id}]: a pattern carries at least 2 examples that pass "
                   f"and 1 not: text (todo examples do not count)", err=True)
    click.echo(f"{len(attribution.patterns)} patterns, {sum(map(len, attribution.lexicons.values()))} cue words, "
               f"{len(attribution.speakers)} speakers, {len(lexicon.titles)} titles, "
               f"{len(lexicon.first_names)} first names, {len(rules.statements.vetoes)} non-statement vetoes, "
               f"{len(rules.boilerplate.rules)} boilerplate rules: OK")


@rules.command("test")
@click.option("--rule", "rule_id", help="Run the examples of this rule only.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the examples that pass, with what the rule found.")
@rules_option
@models_option
@one_line_errors
def rules_test(rule_id, verbose, rules_dir, model_dir):
    """Run every rule's examples: attribution rules through the parser and engine, boilerplate rules on their lines.

    An example marked `todo:` is a known gap: it is reported, and fails nothing.

    \b
    Example: quotetrack rules test --rule according-to
    """
    from .evaluation.ruletests import cases, run_cases

    pipeline = load_pipeline(rules_dir, model_dir)
    selected = cases(pipeline.rules, rule_id)
    if rule_id is not None and not selected:
        raise click.ClickException(f"no rule {rule_id!r} in {rules_dir}")
    results = run_cases(pipeline, selected)
    for result in results:
        if result.status != "pass" or verbose:
            note = result.problem or result.found
            todo = f" (todo: {result.todo})" if result.todo else ""
            click.echo(f"{result.status} {result.where} [{result.rule_id}]{todo}: {note}")
    counts = {status: sum(r.status == status for r in results) for status in ("pass", "FAIL", "todo", "fixed")}
    click.echo(f"{counts['pass'] + counts['fixed']}/{len(results)} rule examples pass"
               f" ({counts['todo']} todo, {counts['fixed']} todo fixed, {counts['FAIL']} failed)")
    if counts["FAIL"]:
        raise SystemExit(1)


@rules.command("score")
@click.argument("gold_path", metavar="GOLD", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default="db/eval-cache.db", show_default=True, help="Parse cache (the one `quotetrack eval` uses).")
@click.option("--write", is_flag=True,
              help="Write the precisions to the rules folder's precision.yml: each quote's confidence. "
                   "Only from training data: a split folder named dev or test is refused.")
@click.option("--name", "gold_name", help="What precision.yml calls GOLD (default: its path).")
@rules_option
@models_option
@one_line_errors
def rules_score(gold_path, cache_path, write, gold_name, rules_dir, model_dir):
    """Each attribution rule's precision and recall contribution on a PolNeAR split folder GOLD.

    precision: its quotes that match an annotated attribution; recall: the annotated
    attributions it finds, of all (the rules together find the sum). With --write the
    precisions become rules/precision.yml, the confidence stored with every quote.

    \b
    Example: quotetrack rules score ../shared/eval/polnear/data/train --write
    """
    from .evaluation.evaluate import score_rules
    from .rulelang.precision import PRECISION_FILE, write_precision

    if write and gold_path.resolve().name in ("dev", "test"):
        raise click.ClickException(f"{gold_path}: precision.yml is measured on training data, never on the split "
                                   "rules are chosen on (dev) or tested on")
    if not (gold_path / "text").is_dir() or not (gold_path / "attributions").is_dir():
        raise click.ClickException(f"{gold_path}: not a PolNeAR split folder (text/ and attributions/)")
    pipeline, report, articles = read_articles(rules_dir, model_dir, gold_path / "text")
    with progressbar(len(articles), "Attributing") as bar:
        predictions = pipeline.predict(articles, cache_path, progress=bar.update, report=report)
    table, figures = score_rules(gold_path, predictions, [rule.id for rule in pipeline.rules.attributing()])
    click.echo(table)
    floating = pipeline.rules.attribution.floating
    if floating:  # its quotes have no cue, which the attribution criterion needs
        figures.pop(floating.id, None)
        click.echo(f"{floating.id}: its quotes have no cue, which an annotated attribution must "
                   "share: not measured")
    if write:
        path = write_precision(rules_dir, gold_name or gold_path.as_posix(), figures)
        click.echo(f"wrote {path} ({len(figures)} rules); rebuild to store the new confidences")
    elif not (rules_dir / PRECISION_FILE).is_file():
        click.echo(f"no {PRECISION_FILE} in {rules_dir}: quotes carry no confidence (write it with --write)")


@rules.command("learn")
@click.argument("gold_paths", metavar="GOLD...", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the candidates (YAML, for review).")
@click.option("--articles", "articles_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Articles of a gold.yml (default: articles/ beside it).")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default="db/eval-cache.db", show_default=True, help="Parse cache (the one `quotetrack eval` uses).")
@click.option("--min-support", type=click.IntRange(min=1), default=5, show_default=True,
              help="Gold attributions a candidate must find.")
@click.option("--min-precision", type=click.FloatRange(0, 1), default=0.7, show_default=True,
              help="Share of a candidate's quotes that must match gold.")
@click.option("--min-articles", type=click.IntRange(min=1), default=3, show_default=True,
              help="Different articles a candidate must find gold attributions in.")
@click.option("--min-lemma-support", type=click.IntRange(min=1), default=2, show_default=True,
              help="Gold attributions each lemma of a learned lemma list must find.")
@click.option("--min-cue-count", type=click.IntRange(min=1), default=3, show_default=True,
              help="Times a word must be annotated as a cue to be proposed for cues.yml.")
@click.option("--extend", "extend", multiple=True, metavar="RULE",
              help="Also propose the anchor lemmas this pattern lacks (repeatable).")
@rules_option
@models_option
@one_line_errors
def rules_learn(gold_paths, out_path, articles_dir, cache_path, min_support, min_precision, min_articles,
                min_lemma_support, min_cue_count, extend, rules_dir, model_dir):
    """Learn candidate patterns and cue words from annotated attributions, for a person to review.

    GOLD is a PolNeAR split folder (text/ + attributions/) or a gold.yml; give the
    training split(s), never the one you choose on. Candidates are patterns of the
    rule language, measured on GOLD (fires and right / fires) and ranked by the gold
    attributions they add to what the rules find; nothing in the rules folder is
    written. See docs/learning-rules.md.

    \b
    Example: quotetrack rules learn ../shared/eval/polnear/data/train --out learned.yml
    """
    from .evaluation.learn import LearnError, Settings, learn, read_corpus, write

    settings = Settings(min_support, min_precision, min_articles, min_lemma_support, min_cue_count, tuple(extend))
    pipeline = load_pipeline(rules_dir, model_dir)
    unknown = [rule for rule in extend if rule not in {p.id for p in pipeline.rules.attribution.patterns}]
    if unknown:
        raise click.ClickException(f"no pattern {unknown[0]!r} to extend in {rules_dir}")
    try:
        with progressbar(0, "Parsing") as bar:
            corpus = read_corpus(pipeline, gold_paths, cache_path, articles_dir, bar.update,
                                 lambda where, why: click.echo(f"skipped {where}: {why}", err=True))
        learned = learn(pipeline, corpus, settings)
    except LearnError as error:
        raise click.ClickException(str(error)) from None
    write(learned, out_path, [str(path) for path in gold_paths], settings)
    click.echo(f"{len(learned.candidates)} candidate patterns and {len(learned.cue_words)} cue words from "
               f"{learned.configurations} of {sum(len(d.attributions) for d in corpus.documents)} attributions in "
               f"{len(corpus.documents)} articles written to {out_path}")


@rules.command("docs")
@click.option("--check", is_flag=True, help="Exit 1 if docs/rules.md is not what the code would write.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: docs/rules.md).")
def rules_docs(check, output):
    """Write the rule-language reference, docs/rules.md, from the schema and the engine's tables."""
    from .rulelang.reference import DOCS_PATH, render

    path, text = output or DOCS_PATH, render()
    if check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date: run `quotetrack rules docs`")
        click.echo(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("target", metavar="TEXT | FILE[:LINE]")
@click.option("--rule", "rule_id", help="Trace this pattern only (even where its anchor takes no word).")
@rules_option
@models_option
@one_line_errors
def explain(target, rule_id, rules_dir, model_dir):
    """Why a sentence was or was not attributed: its parse (a table and a tree), its cue candidates, and for
    each pattern anchored in it the quote it found or the first node or constraint that failed.

    \b
    Examples:
      quotetrack explain '"We will appeal," the lawyer retorted.'
      quotetrack explain article.txt:12 --rule quote-then-subject-verb
    """
    from .evaluation.explain import explain as explain_text
    from .evaluation.explain import read_target, render

    try:
        source, text, line = read_target(target)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if not text.strip():
        raise click.ClickException(f"{source}: nothing to explain (empty text)")
    pipeline = load_pipeline(rules_dir, model_dir)
    if rule_id is not None and rule_id not in {p.id for p in pipeline.rules.attribution.patterns}:
        raise click.ClickException(f"no pattern {rule_id!r} in {rules_dir}")
    explanations = explain_text(pipeline, text, line, rule_id, source)
    if not explanations:
        raise click.ClickException(f"{source}: no sentence on line {line}")
    click.echo("\n".join(map(render, explanations)), nl=False)


@cli.group()
def models():
    """Stanza models: the embedded GloVe set or the official ones."""


@models.command("download")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@one_line_errors
def models_download(target):
    """Download the official Stanza English models into TARGET (needs network).

    Then build with `--models TARGET` or set $QUOTETRACK_STANZA_DIR=TARGET.
    """
    import stanza

    from .stages.parse import PROCESSORS

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
              default="db/eval-cache.db", show_default=True, help="Parse cache file: a second run parses nothing.")
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
    from .evaluation import evaluate

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
