#!/usr/bin/env python
"""Build benchmark: how fast ``Pipeline.build`` is, and how close to bare Stanza.

Prints numbers; asserts nothing. Stages:

1. cold build   a fresh temporary database, ``Pipeline.build`` over the corpus
2. bare Stanza  the same paragraphs, batches, pipeline object and settings,
                straight into ``bulk_process``: the floor a build can reach
3. re-attribute after a rule edit (a cue word added to a copy of rules/):
                every article re-attributed from the cached parses
4. incremental  the same corpus again, nothing changed
5. peak RSS     of a cold build of the first 100 articles and of all of them,
                each in its own fresh process

Stages 1, 2 and the RSS figure for "all" come from one child process: it loads
the models, runs one warm-up ``bulk_process`` (excluded from both timings), the
cold build (its peak RSS is read right after it), then the bare Stanza pass. So
the corpus is parsed twice in all. Stages 3 and 4 run in this process on the
database the child built. Every extra RSS size runs a cold build (no bare pass)
in a child of its own; each child's peak comes from ``os.wait4``.

    python benchmarks/bench_build.py                      # 840 PolNeAR train articles
    python benchmarks/bench_build.py --limit 20           # a quick check
    python benchmarks/bench_build.py --json               # JSON instead of the table

``--scale-only`` and ``--reattribution-only`` run only the stages that need no parsing,
from the parses of ``--cache-db``: peak RSS by corpus size, statements and Dask; or
re-attribution after a rule edit, in process, through worker processes and by the
whole `quotetrack build` command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_CORPUS = Path("/work/shared/eval/polnear/data/train/text")
REPO = Path(__file__).resolve().parent.parent
BENCH_CUE = "benchmarkcueword"  # a lemma no article contains: changes the fingerprint, not the quotes


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- instrumentation


class Probe:
    """Wall time spent inside chosen quotetrack functions, by wrapping them at run time.

    Nothing in quotetrack is edited: the module attributes are replaced in this
    process only. Wrapped calls are per article or per sentence, so the two
    ``perf_counter`` calls a wrapper adds are noise next to what they time.
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner, name: str, key: str, count=None) -> None:
        original = getattr(owner, name)
        seconds, counts = self.seconds, self.counts

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - started
            if count is not None:
                count(counts, result)
            return result

        wrapper.__wrapped__ = original
        setattr(owner, name, wrapper)
        self._undo.append((owner, name, original))

    def reset(self) -> None:
        self.seconds.clear()
        self.counts.clear()

    def snapshot(self) -> tuple[dict[str, float], dict[str, int]]:
        return dict(self.seconds), dict(self.counts)


def count_parsed(counts, articles_sentences) -> None:
    for sentences in articles_sentences:
        counts["parsed_sentences"] += len(sentences)
        counts["parsed_words"] += sum(len(s.words) for s in sentences)


def count_decoded(counts, sentences) -> None:
    counts["decoded_sentences"] += len(sentences)
    counts["decoded_words"] += sum(len(s.words) for s in sentences)


def instrument() -> Probe:
    from quotetrack.run import pipeline
    from quotetrack.stages import parse
    from quotetrack.store import Store

    probe = Probe()
    # parse stage (inside parse_articles): Stanza + conversion, cache writes and reads
    probe.wrap(parse.Parser, "parse", "parse", count_parsed)
    probe.wrap(parse.ParseCache, "put_encoded", "cache.put")
    probe.wrap(pipeline, "encode", "cache.put.encode")  # in Pipeline.work, right after parsing
    probe.wrap(parse.ParseCache, "blob", "cache.get")
    probe.wrap(pipeline, "decode", "cache.get.decode", count_decoded)  # in Pipeline.work
    # build bookkeeping before the article loop and after it
    for name in ("open", "setting", "save_rules", "save_speakers", "article_sources", "set_setting"):
        probe.wrap(Store, name, "setup")
    probe.wrap(pipeline.Pipeline, "fingerprint", "setup")
    probe.wrap(Store, "refresh_statements", "statements")
    return probe


# Disjoint parts of a build's wall time; nested timers are subtracted from their parents.
PARTS = [
    ("setup", "db shape, rules, speakers, hashes"),
    ("stanza", "inside stanza bulk_process"),
    ("convert", "Parser.parse outside bulk_process"),
    ("cache_write", "encode + insert parses"),
    ("cache_read", "select parses"),
    ("decode", "decode cached parses"),
    ("match", "match rules"),
    ("resolve", "resolve speakers"),
    ("store", "store articles/sentences/quotes"),
    ("statements", "refresh_statements"),
    ("other", "wall - all of the above"),
]


def breakdown(wall: float, probe_seconds: dict[str, float], report_seconds: dict[str, float]) -> dict[str, float]:
    s = defaultdict(float, probe_seconds)
    parts = {
        "setup": s["setup"],
        "stanza": s["bulk_process"],
        "convert": s["parse"] - s["bulk_process"],
        "cache_write": s["cache.put"] + s["cache.put.encode"],
        "cache_read": s["cache.get"],
        "decode": s["cache.get.decode"],
        "match": report_seconds.get("match", 0.0),
        "resolve": report_seconds.get("resolve", 0.0),
        "store": report_seconds.get("store", 0.0) - s["cache.put"],  # the build times both as its store step
        "statements": s["statements"],
    }
    parts["other"] = wall - sum(parts.values())
    return parts


# --------------------------------------------------------------------------- corpus


def read_articles(pipeline, corpus: Path, limit: int | None):
    from quotetrack.run.pipeline import BuildReport

    report = BuildReport()
    articles = pipeline.read(corpus, report)
    if report.errors:
        log(f"{len(report.errors)} articles skipped by ingest, e.g. {report.errors[0]}")
    return articles[:limit] if limit else articles


def paragraphs_of(article) -> list[str]:
    """The paragraphs ``Parser.parse`` splits an article into (used for the warm-up and --bare-grouped)."""
    from quotetrack.stages.parse import PARAGRAPH

    return [m.group() for m in PARAGRAPH.finditer(article.text) if m.group().strip()]


class BulkRecorder:
    """Stands in for ``stanza.Pipeline.bulk_process`` on the pipeline object and records each call's texts.

    With ``parse=False`` it parses nothing (returns the documents untouched): a dry
    run of the build's parse stage that yields exactly the calls the build will
    make (which articles, which paragraphs, how many per call), whatever batching
    ``Parser.parse`` and ``parse_articles`` use today. With ``parse=True`` it times
    the real calls.
    """

    def __init__(self, nlp, parse: bool):
        self.nlp, self.parse = nlp, parse
        self.calls: list[list[str]] = []
        self.seconds = 0.0

    def __call__(self, documents, *args, **kwargs):
        self.calls.append([document.text for document in documents])
        if not self.parse:
            return documents
        started = time.perf_counter()
        try:
            return type(self.nlp).bulk_process(self.nlp, documents, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def __enter__(self):
        self.nlp.bulk_process = self  # an instance attribute: Parser.parse finds it first
        return self

    def __exit__(self, *exc):
        del self.nlp.bulk_process


def planned_calls(pipeline, articles) -> list[list[str]]:
    """The bulk_process calls a cold build of ``articles`` makes, from a dry run (nothing parsed)."""
    from quotetrack.stages.parse import ParseCache, parse_articles
    from quotetrack.store import ParseFile

    with tempfile.TemporaryDirectory() as folder, BulkRecorder(pipeline.parser.pipeline, parse=False) as recorder:
        for _ in parse_articles(articles, pipeline.parser, ParseCache(ParseFile(Path(folder) / "dry-run.parses.db"))):
            pass
    return recorder.calls


def rss_mib_self() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --------------------------------------------------------------------------- child: cold build (+ bare)


def child_cold(args) -> None:
    """Load, warm up, cold build; then (optionally) the bare Stanza pass. Writes JSON to --out."""
    import stanza
    import torch

    from quotetrack.run.pipeline import BuildReport, Pipeline

    if args.threads:
        torch.set_num_threads(args.threads)
    result: dict = {"pid": os.getpid()}
    started = time.perf_counter()
    pipeline = Pipeline(args.rules, args.models)
    articles = read_articles(pipeline, args.corpus, args.limit)
    result["read_s"] = time.perf_counter() - started
    result["articles"] = len(articles)

    started = time.perf_counter()
    nlp = pipeline.parser.pipeline  # the one stanza.Pipeline both passes use
    result["model_load_s"] = time.perf_counter() - started
    result["rss_after_load_mib"] = current_rss_mib()
    result["torch_threads"] = torch.get_num_threads()
    result["device"] = str(getattr(nlp, "device", "cpu"))

    # Warm-up, excluded from both timed passes: one bulk_process over the first article's paragraphs.
    started = time.perf_counter()
    warm = paragraphs_of(articles[0])[:16]
    nlp.bulk_process([stanza.Document([], text=text) for text in warm])
    result["warmup_s"] = time.perf_counter() - started
    result["warmup_paragraphs"] = len(warm)
    result["rss_after_warmup_mib"] = current_rss_mib()
    result["peak_rss_after_warmup_mib"] = rss_mib_self()

    # The calls the build will make, found by a dry run; the bare pass makes the same calls.
    started = time.perf_counter()
    planned = planned_calls(pipeline, articles)
    result["plan_s"] = time.perf_counter() - started
    calls: dict[str, list[list[str]]] = {"planned": planned}

    def build() -> None:
        probe = instrument()
        report = BuildReport(articles=len(articles))
        log(f"cold build: {len(articles)} articles -> {args.db}")
        load = os.getloadavg()[0]
        with BulkRecorder(nlp, parse=True) as recorder:
            started, cpu = time.perf_counter(), time.process_time()
            pipeline.build(args.db, articles, report)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        calls["build"] = recorder.calls
        seconds, counts = probe.snapshot()
        seconds["bulk_process"] = recorder.seconds
        result["build"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "load_before_after": [load, os.getloadavg()[0]],
            "articles": len(articles),
            "parsed": report.parsed,
            "quotes": report.quotes,
            "sentences": counts.get("parsed_sentences", 0),
            "words": counts.get("parsed_words", 0),
            "bulk_calls": len(recorder.calls),
            "paragraphs": sum(map(len, recorder.calls)),
            "report_seconds": dict(report.seconds),
            "probe_seconds": seconds,
            "parts": breakdown(wall, seconds, report.seconds),
            # the high-water mark so far: load + warm-up + build (+ the bare pass with --bare-first)
            "peak_rss_mib": rss_mib_self(),
        }
        log(f"cold build: {wall:.1f}s")

    def bare(key: str, grouped: list[list[str]], how: str) -> None:
        log(f"bare stanza ({how}): {len(grouped)} bulk_process calls")
        sentences = words = 0
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        for texts in grouped:
            for document in nlp.bulk_process([stanza.Document([], text=text) for text in texts]):
                sentences += len(document.sentences)
                words += sum(len(s.words) for s in document.sentences)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        result[key] = {"wall_s": wall, "cpu_s": cpu, "load_before_after": [load, os.getloadavg()[0]],
                       "articles": len(articles), "sentences": sentences, "words": words,
                       "bulk_calls": len(grouped), "paragraphs": sum(map(len, grouped)), "batching": how}
        log(f"bare stanza ({how}): {wall:.1f}s")

    def same_batching() -> None:
        # the build's own calls when it ran first, else the dry run's (checked against the build's below)
        bare("bare", calls.get("build", planned), "the build's own bulk_process calls, replayed")

    passes = [build, same_batching] if args.bare else [build]
    if args.bare_first:
        passes.reverse()
    for run_pass in passes:
        run_pass()
    result["planned_matches_build"] = calls["planned"] == calls["build"]
    if args.bare_grouped:
        k = args.bare_grouped
        grouped = [[text for article in articles[i:i + k] for text in paragraphs_of(article)]
                   for i in range(0, len(articles), k)]
        bare("bare_grouped", grouped, f"{k} articles per bulk_process call")

    result["versions"] = {"stanza": stanza.__version__, "torch": torch.__version__}
    result["peak_rss_process_mib"] = rss_mib_self()
    Path(args.out).write_text(json.dumps(result, indent=1))


def run_child(args, limit: int | None, db: Path, bare: bool, workdir: Path) -> dict:
    """A cold build in a fresh process; returns its JSON plus the peak RSS from os.wait4."""
    out = workdir / f"child-{limit or 'all'}-{os.getpid()}.json"
    command = [sys.executable, __file__, "--child", "--db", str(db), "--out", str(out),
               "--corpus", str(args.corpus), "--rules", str(args.rules)]
    if limit:
        command += ["--limit", str(limit)]
    if args.models:
        command += ["--models", str(args.models)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if bare:
        command.append("--bare")
        if args.bare_first:
            command.append("--bare-first")
        if args.bare_grouped:
            command += ["--bare-grouped", str(args.bare_grouped)]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child {command} failed with status {process.returncode}")
    result = json.loads(out.read_text())
    result["child_wall_s"] = time.perf_counter() - started
    result["child_maxrss_mib"] = usage.ru_maxrss / 1024  # the whole child: includes the bare pass if any
    return result


def child_pool(args) -> None:
    """A cold build through ``--processes`` worker processes (started and warmed up first, like the
    in-process child's model load); writes JSON to --out with the writer's and the workers' peak RSS."""
    import sqlite_utils

    from quotetrack.run.pipeline import BuildReport, Pipeline
    from quotetrack.run.pool import ProcessRunner
    from quotetrack.stages.parse import decode
    from quotetrack.store import parses_path

    pipeline = Pipeline(args.rules, args.models)
    articles = read_articles(pipeline, args.corpus, args.limit)
    report = BuildReport()
    with ProcessRunner(pipeline, args.processes) as runner:
        started = time.perf_counter()
        list(runner([[(articles[0], None)]] * 2 * args.processes))  # each worker loads Stanza, parses once
        warmup = time.perf_counter() - started
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        pipeline.build(args.db, iter(articles), report, runner=runner)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        writer_rss = rss_mib_self()
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker
    sentences = words = 0
    for (blob,) in sqlite_utils.Database(parses_path(args.db)).execute("select sentences from parses"):
        parsed = decode(blob)
        sentences += len(parsed)
        words += sum(len(sentence.words) for sentence in parsed)
    Path(args.out).write_text(json.dumps({
        "articles": len(articles), "processes": runner.processes, "warmup_s": warmup, "wall_s": wall, "cpu_s": cpu,
        "load_before_after": [load, os.getloadavg()[0]], "parsed": report.parsed, "quotes": report.quotes,
        "sentences": sentences, "words": words, "writer_peak_rss_mib": writer_rss,
        "largest_worker_peak_rss_mib": workers_rss}, indent=1))


def run_pool_child(args, limit: int | None, db: Path, workdir: Path) -> dict:
    """``child_pool`` in a fresh process."""
    out = workdir / f"pool-{limit or 'all'}-{os.getpid()}.json"
    command = [sys.executable, __file__, "--child-pool", "--db", str(db), "--out", str(out), "--corpus",
               str(args.corpus), "--rules", str(args.rules), "--processes", str(args.processes)]
    command += ["--limit", str(limit)] if limit else []
    command += ["--models", str(args.models)] if args.models else []
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def rss_row(child: dict) -> dict:
    return {"articles": child["articles"], "peak_rss_build_mib": child["build"]["peak_rss_mib"],
            "wait4_maxrss_mib": child["child_maxrss_mib"], "rss_after_load_mib": child["rss_after_load_mib"],
            "peak_rss_after_warmup_mib": child["peak_rss_after_warmup_mib"], "build_wall_s": child["build"]["wall_s"]}


# --------------------------------------------------------------------------- parent: re-attribute, incremental


def edited_rules(rules: Path, workdir: Path) -> Path:
    """A copy of the rules with one more speech cue: a new fingerprint, the same quotes."""
    target = workdir / "rules-edited"
    shutil.copytree(rules, target)
    cues = target / "cues.yml"
    lines = cues.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip() == "  speech:":
            lines.insert(i + 1, f"    - {BENCH_CUE}\n")
            break
    else:  # layout changed: a comment still changes the fingerprint
        lines.append(f"\n# {BENCH_CUE}\n")
    cues.write_text("".join(lines))
    return target


def rebuild(pipeline, db: Path, articles, probe: Probe, profile: Path | None = None, runner=None,
            force: bool = False) -> dict:
    from quotetrack.run.pipeline import BuildReport

    probe.reset()
    report = BuildReport(articles=len(articles))
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    pipeline.build(db, articles, report, runner=runner, force=force)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    seconds, counts = probe.snapshot()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "load_before_after": [load, os.getloadavg()[0]],
        "articles": len(articles),
        "parsed": report.parsed,
        "skipped_unchanged": report.skipped_unchanged,
        "quotes": report.quotes,
        "sentences": counts.get("decoded_sentences", 0) + counts.get("parsed_sentences", 0),
        "words": counts.get("decoded_words", 0) + counts.get("parsed_words", 0),
        "report_seconds": dict(report.seconds),
        "probe_seconds": seconds,
        "parts": breakdown(wall, seconds, report.seconds),
    }


# --------------------------------------------------------------------------- scale: flat memory, statements, Dask


def parses_only_db(cache_db: Path, target: Path) -> None:
    """A database holding nothing but the parses of ``cache_db`` (an eval cache, a parse cache file or a
    database an older quotetrack built, with its ``parses`` table), in its parse cache file."""
    from quotetrack.store import ParseFile, parses_path

    parse_file = ParseFile(parses_path(target))
    parse_file.db.execute("attach database ? as source", [str(cache_db)])
    with parse_file.db.conn:
        parse_file.db.execute("insert or replace into parses select content_hash, model_id, sentences from source.parses")
    parse_file.db.execute("detach database source")
    parse_file.close()


def copy_build(source: Path, target: Path) -> Path:
    """Copy a database and its parse cache file (either may not exist yet); ``target``."""
    from quotetrack.store import parses_path

    for one, other in ((source, target), (parses_path(source), parses_path(target))):
        if one.is_file():
            shutil.copy(one, other)
    return target


def replicated_corpus(articles, cache_db: Path, model: str, size: int, target: Path, distinct: int | None) -> int:
    """A JSON Lines file of ``size`` articles: those of ``articles`` whose parse ``cache_db`` holds
    (the ``distinct`` shortest of them, if given), repeated under new ids (same text: same content
    hash, so every parse is a cache hit)."""
    from quotetrack.stages.parse import ParseCache
    from quotetrack.store import ParseFile, parses_path

    cache = ParseCache(ParseFile(parses_path(cache_db)))
    cached = [a for a in articles if cache.blob(a.content_hash, model) is not None]
    if distinct:
        cached = sorted(cached, key=lambda a: (len(a.text), a.id))[:distinct]
    if not cached:
        raise SystemExit(f"no article of the corpus has a parse in {cache_db} for {model}")
    with target.open("w") as out:
        for n in range(size):
            article = cached[n % len(cached)]
            record = {"id": f"{article.id}~{n // len(cached)}", "text": article.text, "published": article.published}
            out.write(json.dumps(record) + "\n")
    return len(cached)


def child_cached(args) -> None:
    """A streaming build of ``--corpus`` (all parses cached) into ``--db``, as `quotetrack build` runs it."""
    from quotetrack.run.pipeline import BuildReport, Pipeline

    pipeline = Pipeline(args.rules, args.models)
    report = BuildReport()
    started, cpu = time.perf_counter(), time.process_time()
    pipeline.build(args.db, pipeline.stream(args.corpus, report), report)
    result = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
              "articles": report.articles, "parsed": report.parsed, "quotes": report.quotes,
              "report_seconds": dict(report.seconds), "peak_rss_mib": rss_mib_self(),
              "stanza_loaded": "stanza" in sys.modules}
    Path(args.out).write_text(json.dumps(result))


def cached_rss(args, sizes: list[int], workdir: Path) -> list[dict]:
    """Peak RSS of streaming builds of ``sizes`` articles with cached parses, each in a fresh process."""
    from quotetrack.run.pipeline import Pipeline

    pipeline = Pipeline(args.rules, args.models)
    articles = read_articles(pipeline, args.corpus, None)
    base = workdir / "parses-only.db"
    parses_only_db(args.cache_db, base)
    rows = []
    for size in sizes:
        corpus = workdir / f"replicated-{size}.jsonl"
        distinct = replicated_corpus(articles, base, pipeline.parser.model_id, size, corpus, args.distinct)
        db = workdir / f"cached-{size}.db"
        copy_build(base, db)
        out = workdir / f"cached-{size}.json"
        log(f"cached build of {size} articles ({distinct} distinct texts)")
        command = [sys.executable, __file__, "--child-cached", "--db", str(db), "--out", str(out),
                   "--corpus", str(corpus), "--rules", str(args.rules)] + (["--models", str(args.models)]
                                                                          if args.models else [])
        process = subprocess.Popen(command)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"child {command} failed")
        result = json.loads(out.read_text())
        result.update(size=size, distinct=min(size, distinct), wait4_maxrss_mib=usage.ru_maxrss / 1024, db=str(db))
        rows.append(result)
        log(f"cached build of {size}: {result['wall_s']:.1f}s, peak RSS {result['peak_rss_mib']:.0f} MiB")
    return rows


def pairwise_groups(quotes: list[dict], grouping) -> list[list[dict]]:
    """Statements as quotetrack grouped them before the index: every pair of a speaker's quotes compared."""
    from itertools import combinations

    from quotetrack.store.statements import near_identical, wording

    wordings = [wording(quote["content"]) for quote in quotes]
    parent = list(range(len(quotes)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in combinations(range(len(quotes)), 2):
        if near_identical(wordings[i], wordings[j], grouping):
            first, second = sorted((root(i), root(j)))
            parent[second] = first
    groups = defaultdict(list)
    for i, quote in enumerate(quotes):
        groups[root(i)].append(quote)
    return list(groups.values())


def statements_bench(db_path: Path, quotes_wanted: int, pairwise_budget: int) -> dict:
    """Grouping ``quotes_wanted`` quotes into statements: the index against every pair, side by side.

    The quotes are the database's, repeated under new ids with a word changed in each
    repeat after the first, until there are ``quotes_wanted``; grouped speaker by
    speaker. The pairwise grouping runs only when its pairs number at most
    ``pairwise_budget``; otherwise its time is extrapolated from the pairs per second
    it makes on the first speakers.
    """
    from quotetrack.rulelang import load
    from quotetrack.run.pipeline import statement_grouping
    from quotetrack.store import Store, statements

    grouping = statement_grouping(load())  # the default rules' defaults.yml
    with Store.open(db_path) as store:
        speakers = list(store.quotes_by_speaker())
    stored = sum(map(len, speakers))
    copies = max(1, -(-quotes_wanted // stored))
    grown = []
    for quotes in speakers:
        same = []
        for copy in range(copies):
            for quote in quotes:
                words = quote["content"].split()
                if copy and words:
                    words[copy % len(words)] = f"w{copy}"
                same.append({**quote, "id": f"{quote['id']}~{copy}", "content": " ".join(words)})
        grown.append(same)
    total = sum(map(len, grown))
    pairs = sum(len(q) * (len(q) - 1) // 2 for q in grown)
    started = time.perf_counter()
    indexed = [statements.linked_groups(quotes, grouping) for quotes in grown]
    index_s = time.perf_counter() - started
    result = {"quotes": total, "speakers": len(grown), "largest_speaker": max(map(len, grown)), "pairs": pairs,
              "index_s": index_s, "statements": sum(map(len, indexed))}
    if pairs <= pairwise_budget:
        started = time.perf_counter()
        pairwise = [pairwise_groups(quotes, grouping) for quotes in grown]
        result["pairwise_s"] = time.perf_counter() - started
        result["same_groups"] = [[[q["id"] for q in g] for g in groups] for groups in pairwise] == \
                                [[[q["id"] for q in g] for g in groups] for groups in indexed]
    else:
        done, started = 0, time.perf_counter()
        for quotes in sorted(grown, key=len):
            if done + len(quotes) * (len(quotes) - 1) // 2 > pairwise_budget:
                break
            pairwise_groups(quotes, grouping)
            done += len(quotes) * (len(quotes) - 1) // 2
        result["pairwise_s_estimated"] = (time.perf_counter() - started) / max(done, 1) * pairs
    return result


def dask_reattribute(pipeline, db: Path, articles, workers: int, probe: Probe) -> dict:
    """Re-attribution through a local Dask cluster of ``workers`` processes (one thread each)."""
    from distributed import Client, LocalCluster

    from quotetrack.run.cluster import DaskRunner

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        runner = DaskRunner(client, pipeline)
        pipeline.build(db, articles, force=True, runner=runner, batch_size=8)  # warm the workers
        result = rebuild(pipeline, db, articles, probe, runner=runner, force=True)
    result["workers"] = workers
    return result


def dask_cold_build(pipeline, db: Path, articles, workers: int) -> dict:
    """A cold build (every article parsed) through a local Dask cluster of ``workers`` processes."""
    from distributed import Client, LocalCluster

    from quotetrack.run.cluster import DaskRunner

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        started = time.perf_counter()
        report = pipeline.build(db, articles, runner=DaskRunner(client, pipeline))
        return {"wall_s": time.perf_counter() - started, "parsed": report.parsed, "workers": workers}


def same_rows(one: Path, other: Path) -> bool:
    """Whether two databases hold the same rows in quotetrack's tables (the rules' file paths aside)."""
    import sqlite3

    from quotetrack.store import parses_path

    def rows(path):
        with sqlite3.connect(path) as db, sqlite3.connect(parses_path(path)) as parses:
            return {table: sorted(map(repr, (parses if table == "parses" else db).execute(f"select * from [{table}]")))
                    for table in ("articles", "sentences", "quotes", "speakers", "statements", "parses")}

    return rows(one) == rows(other)


def scale_stages(args) -> str:
    """The cached-parse stages: peak RSS by corpus size, statements at scale, re-attribution local vs Dask."""
    from quotetrack.run.pipeline import BuildReport, Pipeline

    workdir = Path(tempfile.mkdtemp(prefix="quotetrack-bench-scale-"))
    try:
        sizes = sorted({int(size) for size in args.cached_sizes.split(",") if size.strip()})
        rss = cached_rss(args, sizes, workdir)
        out = ["6. peak memory (RSS) of streaming builds from cached parses, each in a fresh process "
               "(`Pipeline.build(pipeline.stream(...))`, as `quotetrack build` runs)"
               + (f"; the {args.distinct} shortest cached articles repeated" if args.distinct else "")]
        out.append(table([[f"{r['size']} articles", str(r["distinct"]), str(r["parsed"]), str(r["quotes"]),
                           f"{r['peak_rss_mib']:.0f}", f"{r['wait4_maxrss_mib']:.0f}", f"{r['wall_s']:.1f}",
                           f"{r['report_seconds'].get('statements', 0):.2f}"] for r in rss],
                         ["", "distinct texts", "parsed", "quotes", "peak RSS MiB", "wait4 MiB", "wall s",
                          "statements s"]))
        largest = rss[-1]
        log(f"statements: {args.statements} quotes")
        st = statements_bench(Path(largest["db"]), args.statements, args.pairwise_budget)
        pairwise = st.get("pairwise_s")
        pairwise_text = f"{pairwise:.2f}" if pairwise is not None else f"~{st['pairwise_s_estimated']:.0f} (extrapolated)"
        out += ["", f"7. statements: {st['quotes']} quotes of {st['speakers']} speakers (largest "
                    f"{st['largest_speaker']} quotes, {st['pairs']:,} same-speaker pairs), grouping only",
                table([["index (prefix filter + word runs)", f"{st['index_s']:.2f}", str(st["statements"])],
                       ["every pair (before)", pairwise_text,
                        "same groups" if st.get("same_groups") else ("DIFFERENT" if pairwise else "-")]],
                      ["", "seconds", "statements"])]
        pipeline = Pipeline(args.rules, args.models)
        middle = rss[0]  # the smallest
        articles = pipeline.read(workdir / f"replicated-{middle['size']}.jsonl", BuildReport())
        probe = instrument()
        rows = []
        log(f"re-attribution of {len(articles)} articles, local")
        local = rebuild(pipeline, Path(middle["db"]), articles, probe, force=True)
        rows.append(["local (this process)", local])
        if args.processes:
            from quotetrack.run.pool import ProcessRunner

            log(f"re-attribution of {len(articles)} articles, {args.processes} worker processes")
            with ProcessRunner(pipeline, args.processes) as runner:
                pipeline.build(Path(middle["db"]), articles, runner=runner, force=True, batch_size=8)  # warm-up
                rows.append([f"{args.processes} worker processes",
                             rebuild(pipeline, Path(middle["db"]), articles, probe, runner=runner, force=True)])
        if args.dask_workers:
            log(f"re-attribution of {len(articles)} articles, Dask {args.dask_workers} workers")
            rows.append([f"Dask, {args.dask_workers} local workers",
                         dask_reattribute(pipeline, Path(middle["db"]), articles, args.dask_workers, probe)])
        sentences = local["sentences"]
        out += ["", f"8. re-attribution of {len(articles)} articles ({sentences} sentences) from cached parses",
                table([[name, f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", f"{rate(sentences, r['wall_s']):.0f}",
                        f"{rate(sentences, r['cpu_s']):.0f}", "{:.1f} -> {:.1f}".format(*r["load_before_after"])]
                       for name, r in rows],
                      ["", "wall s", "cpu s (this process)", "sentences/s", "sentences per cpu-s", "load"])]
        return "\n".join(out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def corpus_folder(corpus: Path, limit: int | None, workdir: Path) -> Path:
    """The folder `quotetrack build` reads: ``corpus``, or links to the first ``limit`` of its files."""
    if not limit:
        return corpus
    folder = workdir / "corpus"
    folder.mkdir()
    for file in sorted(path for path in corpus.iterdir() if not path.name.startswith("."))[:limit]:
        (folder / file.name).symlink_to(file.resolve())
    return folder


def command_run(command: list[str]) -> dict:
    """Run a command in a fresh process: its wall time, its children's CPU, its last line of output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return {"wall_s": wall, "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "output": done.stdout.strip().splitlines()[-1]}


def reattribution_stages(args) -> str:
    """Re-attribution after a rule edit, from cached parses: ``Pipeline.build`` in this process and through
    worker processes (warmed up), then the whole `quotetrack build` command in a fresh process (start-up,
    reading the corpus, starting its workers) after the edit and once more with nothing changed."""
    from quotetrack.run.pipeline import BuildReport, Pipeline
    from quotetrack.run.pool import ProcessRunner

    workdir = Path(tempfile.mkdtemp(prefix="quotetrack-bench-reattribute-"))
    try:
        folder = corpus_folder(args.corpus, args.limit, workdir)
        pipeline = Pipeline(args.rules, args.models)
        articles = pipeline.read(folder, BuildReport())
        base = workdir / "base.db"
        parses_only_db(args.cache_db, base)
        if (parsed := pipeline.build(base, articles).parsed):
            log(f"{parsed} articles had no cached parse and were parsed")
        edited_dir = edited_rules(args.rules, workdir)
        edited = Pipeline(edited_dir, args.models)

        def fresh_copy(name: str) -> Path:
            return copy_build(base, workdir / name)

        probe = instrument()
        log(f"re-attribution of {len(articles)} articles in this process")
        rows = [["`Pipeline.build`, this process", rebuild(edited, fresh_copy("one.db"), articles, probe)]]
        sentences = rows[0][1]["sentences"]
        for processes in sorted({1, args.processes or os.cpu_count()} - {1}):
            log(f"re-attribution through {processes} worker processes")
            with ProcessRunner(edited, processes) as runner:
                edited.build(fresh_copy("warm.db"), articles, runner=runner)  # the workers load their pipelines
                rows.append([f"`Pipeline.build`, {processes} worker processes",
                             rebuild(edited, fresh_copy("pool.db"), articles, probe, runner=runner)])
        db = fresh_copy("cli.db")
        command = [sys.executable, "-m", "quotetrack", "build", str(db), str(folder), "--rules", str(edited_dir)]
        log("re-attribution by `quotetrack build`")
        rows.append(["`quotetrack build` (whole command)", command_run(command)])
        rows.append(["`quotetrack build` again, nothing changed", command_run(command)])
        out = [f"re-attribution of {len(articles)} articles ({sentences} sentences) after a rule edit, "
               f"from cached parses; {os.cpu_count()} CPUs",
               table([[name, f"{r['wall_s']:.2f}", f"{rate(sentences, r['wall_s']):.0f}" if "again" not in name else "-"]
                      for name, r in rows],
                     ["", "wall s", "sentences/s"])]
        out += [f"{name}: {r['output']}" for name, r in rows if "output" in r]
        return "\n".join(out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- machine


def machine() -> dict:
    import stanza
    import torch

    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "stanza": stanza.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
    }


# --------------------------------------------------------------------------- report


def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("nan")


def table(rows: list[list[str]], header: list[str] | None = None) -> str:
    all_rows = ([header] if header else []) + rows
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(all_rows[0]))]

    def line(row):
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))

    out = []
    if header:
        out.append(line(header))
        out.append("  ".join("-" * w for w in widths))
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def render(results: dict) -> str:
    m, cold, bare = results["machine"], results["cold"], results.get("bare")
    re, inc = results["reattribute"], results["incremental"]
    out = []
    out.append("quotetrack build benchmark")
    out.append(f"corpus     {results['corpus']}  ({cold['articles']} articles)")
    out.append(f"machine    {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['cpu_model']}")
    threads = results["child_torch_threads"]
    chosen = "set by --threads" if results.get("threads") else "torch's default"
    out.append(f"software   Python {m['python']}, torch {m['torch']} ({threads} threads, {chosen}; "
               f"device {results['device']}), stanza {m['stanza']}")
    out.append(f"load avg   {results['load_start']:.2f} at start, {results['load_end']:.2f} at end "
               f"(1-minute; other processes compete for the CPUs when it exceeds the CPU count)")
    out.append(f"setup      model load {results['model_load_s']:.2f}s, warm-up {results['warmup_s']:.2f}s "
               f"(excluded from both the build and the bare pass, which share one process and one "
               f"stanza.Pipeline; order: {results['order']})")
    out.append("")

    out.append("1-2. cold build vs bare Stanza: same process, same stanza.Pipeline, same paragraphs in the same "
               "bulk_process calls")
    rows = []
    grouped = results.get("bare_grouped")
    for name, r in (("cold build", cold), ("bare Stanza", bare), ("bare, regrouped*", grouped)):
        if not r:
            continue
        rows.append([name, f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", f"{rate(r['articles'], r['wall_s']):.2f}",
                     f"{rate(r['sentences'], r['wall_s']):.1f}", f"{rate(r['words'], r['wall_s']):.0f}",
                     str(r["sentences"]), str(r["words"]), str(r["bulk_calls"]),
                     "{:.1f} -> {:.1f}".format(*r["load_before_after"])])
    out.append(table(rows, ["", "wall s", "cpu s", "articles/s", "sentences/s", "tokens/s", "sentences", "tokens",
                            "calls", "load"]))
    if bare:
        ratio = cold["wall_s"] / bare["wall_s"]
        out.append(f"ratio build/bare  {ratio:.3f} wall, {cold['cpu_s'] / bare['cpu_s']:.3f} cpu   "
                   f"(goal <= 1.05: {'met' if ratio <= 1.05 else 'not met'}; "
                   f"build - bare = {cold['wall_s'] - bare['wall_s']:.2f}s wall)")
        if (bare["sentences"], bare["words"]) != (cold["sentences"], cold["words"]):
            out.append("NOTE: the bare pass found different sentence/word counts than the build")
    if not results.get("planned_matches_build", True):
        out.append("NOTE: the dry run's bulk_process calls differ from the build's")
    if grouped:
        out.append(f"* {grouped['batching']}: what the batching itself costs or saves "
                   f"(build/regrouped {cold['wall_s'] / grouped['wall_s']:.3f} wall)")
    out.append("")

    out.append("3. re-attribution after a rule edit (cached parses), 4. incremental (nothing changed)")
    out.append(table([
        ["re-attribute", f"{re['wall_s']:.3f}", f"{re['cpu_s']:.3f}", f"{rate(re['articles'], re['wall_s']):.1f}",
         f"{rate(re['sentences'], re['wall_s']):.0f}", str(re["sentences"]), str(re["parsed"]),
         str(re["skipped_unchanged"]), "{:.1f} -> {:.1f}".format(*re["load_before_after"])],
        ["incremental", f"{inc['wall_s']:.3f}", f"{inc['cpu_s']:.3f}", f"{rate(inc['articles'], inc['wall_s']):.1f}",
         f"{rate(cold['sentences'], inc['wall_s']):.0f}", str(inc["sentences"]), str(inc["parsed"]),
         str(inc["skipped_unchanged"]), "{:.1f} -> {:.1f}".format(*inc["load_before_after"])],
    ], ["", "wall s", "cpu s", "articles/s", "sentences/s", "sentences read", "parsed", "skipped", "load"]))
    runs = [("in this process", re)]
    if (results.get("pool") or {}).get("reattribute"):
        runs.append(("through the worker processes (3b)", results["pool"]["reattribute"]))
    where, fastest = max(runs, key=lambda run: rate(re["sentences"], run[1]["wall_s"]))
    best = rate(re["sentences"], fastest["wall_s"])
    out.append(f"re-attribution sentences/s goal >= 10,000: {'met' if best >= 10000 else 'not met'} "
               f"({best:.0f}, {where})   (incremental sentences/s counts the corpus' sentences over its wall time)")
    out.append("")

    out.append("time per part of the build (s and share of wall)")
    rows = []
    for key, description in PARTS:
        cells = [f"{key}", description]
        for r in (cold, re, inc):
            seconds = r["parts"][key]
            cells += [f"{seconds:.3f}", f"{100 * seconds / r['wall_s']:.1f}%"]
        rows.append(cells)
    rows.append(["wall", ""] + [cell for r in (cold, re, inc) for cell in (f"{r['wall_s']:.3f}", "100%")])
    out.append(table(rows, ["part", "", "cold s", "%", "re-attr s", "%", "increm. s", "%"]))
    out.append("(re-attribution stages as asked: decode cache = cache_read + decode; match rules = match; "
               "resolve speakers = resolve; store = store + statements)")
    out.append("")

    if results.get("pool"):
        pool = results["pool"]
        out.append("1c. cold builds through local worker processes (pool.ProcessRunner; workers started and warmed "
                   "up before the timed build, as the in-process child's model load is)")
        rows = [[f"{r['articles']} articles, {r['processes']} processes", f"{r['wall_s']:.2f}",
                 f"{rate(r['words'], r['wall_s']):.0f}", f"{r['warmup_s']:.1f}", f"{r['writer_peak_rss_mib']:.0f}",
                 f"{r['largest_worker_peak_rss_mib']:.0f}", "{:.1f} -> {:.1f}".format(*r["load_before_after"]),
                 "" if r["same_database"] else "DIFFERENT database from the in-process build"]
                for r in pool["cold"]]
        out.append(table(rows, ["", "wall s", "tokens/s", "warm-up s", "writer peak RSS MiB",
                                "largest worker peak RSS MiB", "load", ""]))
        r = pool["reattribute"]
        out.append(f"3b. re-attribution through the workers: {r['wall_s']:.3f}s wall, "
                   f"{rate(r['sentences'], r['wall_s']):.0f} sentences/s ({r['sentences']} sentences; this "
                   f"process {r['cpu_s']:.3f} cpu s)")
        out.append("")
    if results.get("dask_cold"):
        d = results["dask_cold"]
        out.append(f"1b. the same cold build through a local Dask cluster of {d['workers']} workers (one thread "
                   "each; model loading in the workers included, so compare with care on small corpora)")
        out.append(table([
            ["local (child process)", f"{cold['wall_s']:.2f}", f"{rate(cold['words'], cold['wall_s']):.0f}", ""],
            [f"Dask, {d['workers']} workers", f"{d['wall_s']:.2f}", f"{rate(cold['words'], d['wall_s']):.0f}",
             "same database" if d["same_database"] else "DIFFERENT database"],
        ], ["", "wall s", "tokens/s", ""]))
        out.append("")
    out.append("5. peak memory (RSS) of a cold build, each in a fresh process")
    rows = []
    for r in results["rss"]:
        rows.append([f"{r['articles']} articles", f"{r['peak_rss_build_mib']:.0f}", f"{r['rss_after_load_mib']:.0f}",
                     f"{r['peak_rss_after_warmup_mib']:.0f}", f"{r['wait4_maxrss_mib']:.0f}",
                     f"{r['build_wall_s']:.1f}"])
    out.append(table(rows, ["", "peak RSS MiB", "after model load", "peak after warm-up", "wait4 (whole child)",
                            "build wall s"]))
    out.append("(peak RSS = the child's ru_maxrss read right after its build: model load + warm-up + build; "
               "wait4 = the whole child as its parent sees it, bare pass included where it ran one)")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv=None) -> None:
    from quotetrack.rulelang import DEFAULT_RULES_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a folder or file of articles")
    parser.add_argument("--limit", type=int, help="only the first N articles (sorted by file name)")
    parser.add_argument("--rss-sizes", default="100",
                        help="comma-separated article counts for extra peak-RSS children (besides all); "
                             "sizes not below the corpus size are dropped")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Stanza pass")
    parser.add_argument("--bare-first", action="store_true",
                        help="run the bare Stanza pass before the build (default: after), to see order effects")
    parser.add_argument("--bare-grouped", type=int, metavar="K",
                        help="also time bare Stanza with the paragraphs of K articles per bulk_process call "
                             "(a third parse of the corpus)")
    parser.add_argument("--threads", type=int,
                        help="torch.set_num_threads(N) in the parsing processes (default: torch's own choice, "
                             "as `quotetrack build` runs)")
    parser.add_argument("--rules", type=Path, default=Path(DEFAULT_RULES_DIR))
    parser.add_argument("--models", type=Path, help="Stanza resources folder (default: quotetrack's)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--save", type=Path, help="also write the JSON results to this file")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the re-attribution build here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases)")
    parser.add_argument("--cache-db", type=Path,
                        help="a database whose parse cache holds the corpus' parses (e.g. a copy of an eval cache): "
                             "enables the cached-parse stages below")
    parser.add_argument("--cached-sizes", default="100,840,5000",
                        help="article counts for peak-RSS builds from cached parses (the corpus' cached articles "
                             "repeated under new ids), each in a fresh process; needs --cache-db")
    parser.add_argument("--distinct", type=int,
                        help="repeat only the N shortest cached articles (a faster run; the same mix at every size)")
    parser.add_argument("--statements", type=int, default=100_000,
                        help="quotes to group into statements, index vs every pair (from the largest cached build)")
    parser.add_argument("--pairwise-budget", type=int, default=20_000_000,
                        help="most pairs the pairwise grouping compares before its time is extrapolated")
    parser.add_argument("--processes", type=int, default=0,
                        help="also build cold (at each --rss-sizes and all) and re-attribute through this many "
                             "local worker processes (pool.ProcessRunner), as `quotetrack build` does by default")
    parser.add_argument("--dask-workers", type=int, default=0,
                        help="also build cold, and re-attribute (with --cache-db), through a local Dask cluster of "
                             "N worker processes")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the cached-parse stages (no cold build, no parsing): needs --cache-db")
    parser.add_argument("--reattribution-only", action="store_true",
                        help="only re-attribution after a rule edit, from the parses of --cache-db: in this "
                             "process, through --processes workers (default: one per CPU), and by the whole "
                             "`quotetrack build` command")
    # internal: the child process
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-cached", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-pool", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        child_cold(args)
        return
    if args.child_cached:
        child_cached(args)
        return
    if args.child_pool:
        child_pool(args)
        return
    if args.scale_only:
        print(scale_stages(args), flush=True)
        return
    if args.reattribution_only:
        print(reattribution_stages(args), flush=True)
        return

    from quotetrack.run.pipeline import Pipeline

    load_start = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="quotetrack-bench-"))
    try:
        # how many articles there are, without loading any model
        pipeline = Pipeline(args.rules, args.models)
        total = len(read_articles(pipeline, args.corpus, args.limit))
        sizes = sorted({int(s) for s in args.rss_sizes.split(",") if s.strip()} - {0})
        rss = []
        for size in (s for s in sizes if s < total):
            log(f"peak RSS child: cold build of {size} articles")
            r = run_child(args, size, workdir / f"rss-{size}.db", bare=False, workdir=workdir)
            rss.append(rss_row(r))

        db = workdir / "bench.db"
        log(f"main child: cold build{'' if args.no_bare else ' + bare Stanza'} of {total} articles")
        main_child = run_child(args, args.limit, db, bare=not args.no_bare, workdir=workdir)
        cold = main_child["build"]
        rss.append(rss_row(main_child))
        if args.processes:
            copy_build(db, workdir / "cold.db")  # the in-process cold build, before re-attribution changes it

        # 3. re-attribution after a rule edit, 4. incremental: in this process, on the child's database
        articles = read_articles(pipeline, args.corpus, args.limit)
        edited = Pipeline(edited_rules(args.rules, workdir), args.models)
        assert edited.fingerprint() != pipeline.fingerprint()
        probe = instrument()
        log("re-attribution after a rule edit")
        reattribute = rebuild(edited, db, articles, probe, args.profile)
        log(f"re-attribution: {reattribute['wall_s']:.2f}s")
        incremental = rebuild(edited, db, articles, probe)
        log(f"incremental: {incremental['wall_s']:.2f}s")
        pool = None
        if args.processes:
            from quotetrack.run.pool import ProcessRunner

            pool = {"cold": []}
            for size in [s for s in sizes if s < total] + [args.limit]:
                log(f"cold build of {size or total} articles through {args.processes} worker processes")
                pool_db = workdir / f"pool-{size or 'all'}.db"
                pool["cold"].append(run_pool_child(args, size, pool_db, workdir))
                pool["cold"][-1]["same_database"] = size != args.limit or same_rows(workdir / "cold.db", pool_db)
            with ProcessRunner(edited, args.processes) as runner:
                edited.build(db, articles, runner=runner, force=True, batch_size=8)  # warm the workers
                log(f"re-attribution through {args.processes} worker processes")
                pool["reattribute"] = rebuild(edited, db, articles, probe, runner=runner, force=True)
                pool["reattribute"]["sentences"] = reattribute["sentences"]  # decoded in the workers, not counted here
        dask_cold = None
        if args.dask_workers:
            log(f"cold build through a local Dask cluster of {args.dask_workers} workers")
            dask_cold = dask_cold_build(pipeline, workdir / "dask.db", articles, args.dask_workers)
            dask_cold["same_database"] = same_rows(db, workdir / "dask.db")

        results = {
            "load_start": load_start,
            "load_end": os.getloadavg()[0],
            "threads": args.threads,
            "order": "bare Stanza, then build" if args.bare_first else "build, then bare Stanza",
            "corpus": str(args.corpus),
            "limit": args.limit,
            "machine": machine(),
            "child_torch_threads": main_child["torch_threads"],
            "device": main_child["device"],
            "model_load_s": main_child["model_load_s"],
            "warmup_s": main_child["warmup_s"],
            "warmup": "one bulk_process of the first article's first paragraphs before both timed passes, "
                      "excluded from both",
            "cold": cold,
            "bare": main_child.get("bare"),
            "bare_grouped": main_child.get("bare_grouped"),
            "planned_matches_build": main_child.get("planned_matches_build"),
            "ratio_build_over_bare": cold["wall_s"] / main_child["bare"]["wall_s"] if "bare" in main_child else None,
            "reattribute": reattribute,
            "incremental": incremental,
            "rss": rss,
            "dask_cold": dask_cold,
            "pool": pool,
        }
        if args.save:
            args.save.write_text(json.dumps(results, indent=1))
        print(json.dumps(results, indent=1) if args.json else render(results), flush=True)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
