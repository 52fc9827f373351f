"""Building the database: idempotent, incremental, crash-safe, rule edits re-attribute without parsing."""

import importlib.metadata
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import EXAMPLES_DIR, RULES_DIR, SEEDS_ARTICLES, copy_db
from importgraph import GRAPH

from quotetrack.rulelang import load
from quotetrack.run import pipeline as pipeline_module
from quotetrack.run.pipeline import BuildReport, Pipeline
from quotetrack.stages.match import content_kind
from quotetrack.stages.parse import (
    CACHE_FORMAT,
    TEXT_FIELDS,
    WORD_FIELDS,
    ParseCache,
    Parser,
    decode,
    encode,
)
from quotetrack.stages.steps import HOLDS_ATTRIBUTION
from quotetrack.store import ParseFile, Store, parses_path


def dump(db_path: Path) -> dict[str, list]:
    """Every row of every table, in a stable order, to compare two databases."""
    with closing(sqlite3.connect(db_path)) as db:
        tables = [row[0] for row in db.execute(
            "select name from sqlite_master where type = 'table' and name not like 'quotes_fts%' order by name")]
        return {table: sorted(map(repr, db.execute(f"select * from [{table}]"))) for table in tables}


@pytest.fixture
def copied_db(built_db, tmp_path) -> Path:
    return copy_db(built_db, tmp_path / "quotes.db")


def no_parsing(monkeypatch):
    def refuse(self, articles):
        raise AssertionError(f"parsed {[a.id for a in articles]} although the cache has them")
    monkeypatch.setattr(Parser, "parse", refuse)


def test_rebuilding_gives_the_same_database(pipeline, seed_articles, copied_db, built_db, monkeypatch):
    no_parsing(monkeypatch)
    report = pipeline.build(copied_db, seed_articles, force=True)
    assert report.parsed == 0 and report.quotes > 0
    assert dump(copied_db) == dump(built_db)


def test_unchanged_articles_are_skipped(pipeline, seed_articles, copied_db, monkeypatch):
    no_parsing(monkeypatch)
    report = pipeline.build(copied_db, seed_articles)
    assert (report.skipped_unchanged, report.parsed, report.quotes) == (5, 0, 0)


def test_a_rule_edit_reattributes_without_parsing(seed_articles, copied_db, tmp_path, monkeypatch):
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    patterns = rules / "patterns.yml"
    # remove the "according to" rules: their quotes must disappear, nothing is re-parsed
    text = patterns.read_text()
    start = text.index("  - id: according-to\n")
    end = text.index("  - id: clause-then-subject-verb")
    patterns.write_text(text[:start] + text[end:])
    no_parsing(monkeypatch)
    report = Pipeline(rules).build(copied_db, seed_articles)
    assert report.parsed == 0 and report.skipped_unchanged == 0
    with closing(sqlite3.connect(copied_db)) as db:
        assert db.execute("select count(*) from quotes where rule_id like 'according-to%'").fetchone()[0] == 0
        assert db.execute("select count(*) from rules where id like 'according-to%'").fetchone()[0] == 0
        assert db.execute("select count(*) from quotes").fetchone()[0] > 50


@pytest.mark.parametrize("changed", ["version", "engine code"])
def test_a_code_upgrade_reattributes_without_parsing(pipeline, seed_articles, copied_db, monkeypatch, changed):
    if changed == "version":
        monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0")
    else:
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda path: real(path) + (b"#" if path.name == "match.py" else b""))
    pipeline_module.code_digest.cache_clear()
    try:
        no_parsing(monkeypatch)
        report = pipeline.build(copied_db, seed_articles)
    finally:
        monkeypatch.undo()
        pipeline_module.code_digest.cache_clear()
    assert report.parsed == 0 and report.skipped_unchanged == 0 and report.quotes > 0


def test_the_code_fingerprint_covers_every_module_the_engine_imports():
    seen, todo = set(), ["quotetrack.stages.match", "quotetrack.stages.resolve", "quotetrack.store.database"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(GRAPH[name])
    fingerprinted = {f"quotetrack.{name}" for name in pipeline_module.ENGINE_MODULES}
    assert seen - {"quotetrack.stages", "quotetrack.store"} <= fingerprinted, seen - fingerprinted


def test_adding_articles_adds(pipeline, seed_articles, tmp_path):
    db_path = tmp_path / "quotes.db"
    pipeline.build(db_path, seed_articles[:2])
    first = dump(db_path)["articles"]
    report = pipeline.build(db_path, seed_articles)
    assert report.skipped_unchanged == 2 and report.parsed == 3
    assert len(dump(db_path)["articles"]) == 5 and set(first) <= set(dump(db_path)["articles"])


@pytest.fixture
def unbuilt_db(copied_db) -> Path:
    """The built database with nothing left but its parse cache (and the rules, speakers and statements)."""
    with closing(sqlite3.connect(copied_db)) as db, db:
        for table in ("quotes", "sentences", "articles"):
            db.execute(f"delete from {table}")
    return copied_db


def test_a_crash_loses_nothing_committed(pipeline, seed_articles, built_db, unbuilt_db, monkeypatch):
    db_path = unbuilt_db
    batches = []
    real_save = Store.save_results

    def crash_on_second_batch(self, batch):
        batches.append(batch)
        if len(batches) == 2:
            raise KeyboardInterrupt
        real_save(self, batch)

    monkeypatch.setattr(pipeline_module, "STORE_BATCH", 2)
    monkeypatch.setattr(Store, "save_results", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(db_path, seed_articles)
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == 2
    monkeypatch.undo()
    no_parsing(monkeypatch)
    pipeline.build(db_path, seed_articles)
    assert dump(db_path) == dump(built_db)


def test_building_twice_in_small_batches_gives_the_same_database(pipeline, seed_articles, built_db, unbuilt_db,
                                                                  monkeypatch):
    monkeypatch.setattr(pipeline_module, "STORE_BATCH", 2)
    no_parsing(monkeypatch)
    for force in (False, True):
        pipeline.build(unbuilt_db, seed_articles, force=force)
        assert dump(unbuilt_db) == dump(built_db)


def test_cached_parses_read_back_as_they_were_written(pipeline, seed_articles, built_db):
    cache = ParseCache(ParseFile(parses_path(built_db)))
    for article in seed_articles:
        sentences = cache.get(article.content_hash, pipeline.parser.model_id)
        assert sentences and decode(encode(sentences)) == sentences


def test_a_parse_cached_in_another_format_is_a_cache_miss(pipeline, seed_articles, copied_db):
    cache = ParseCache(ParseFile(parses_path(copied_db)))
    article = seed_articles[0]
    cache.blobs.db.execute("update parses set sentences = ? where content_hash = ?",
                     [b"x\x9c an older encoding", article.content_hash])
    assert cache.get(article.content_hash, pipeline.parser.model_id) is None
    assert cache.get(seed_articles[1].content_hash, pipeline.parser.model_id) is not None


def columns_1(sentences) -> bytes:
    """A parse as the cache's previous format (columns/1) wrote it: every column in the JSON."""
    words = [word for sentence in sentences for word in sentence.words]
    data = {"paragraphs": [s.paragraph for s in sentences], "lengths": [len(s.words) for s in sentences]}
    vocabulary: dict[str, int] = {}
    for field in WORD_FIELDS:
        values = [getattr(word, field) for word in words]
        data[field] = [vocabulary.setdefault(v, len(vocabulary)) for v in values] if field in TEXT_FIELDS else values
    data["vocabulary"] = list(vocabulary)
    return b"columns/1\n" + zlib.compress(json.dumps(data).encode())


def test_a_parse_cached_in_the_previous_format_is_read_and_cached_again(pipeline, seed_articles, copied_db,
                                                                         built_db, monkeypatch):
    no_parsing(monkeypatch)
    cache = ParseCache(ParseFile(parses_path(copied_db)))
    article, model = seed_articles[0], pipeline.parser.model_id
    sentences = cache.get(article.content_hash, model)
    cache.blobs.db.execute("update parses set sentences = ? where content_hash = ?",
                     [columns_1(sentences), article.content_hash])
    assert not cache.blob(article.content_hash, model).startswith(CACHE_FORMAT)
    assert cache.get(article.content_hash, model) == sentences
    report = pipeline.build(copied_db, seed_articles, force=True)
    assert report.parsed == 0
    assert cache.blob(article.content_hash, model).startswith(CACHE_FORMAT)
    assert dump(copied_db) == dump(built_db)


def test_a_bad_article_is_reported_and_skipped(pipeline, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(EXAMPLES_DIR / "000_c449df2106eae29f.txt", folder)
    (folder / "broken.txt").write_bytes(b"\xff\xfe not utf-8 \xff")
    report = BuildReport()
    articles = pipeline.read(folder, report)
    assert [a.id for a in articles] == ["000_c449df2106eae29f"]
    assert len(report.errors) == 1 and "broken.txt" in report.errors[0][0]


def test_an_interrupted_quotation_is_stored_as_its_quoted_parts(built_db):
    with closing(sqlite3.connect(built_db)) as db:
        rows = db.execute("select q.content, q.content_parts, a.text, q.cue_start, q.rule_id from quotes q "
                          "join articles a on a.id = q.article_id where q.content_parts is not null").fetchall()
    assert rows
    # contents that hold their own attribution ("policies, which he said had harmed …") hold their cue
    holding = {pattern.id for pattern in load(RULES_DIR).attribution.patterns
               if any(content_kind(spec) in HOLDS_ATTRIBUTION for spec in pattern.content)}
    for content, parts, text, cue_start, rule_id in rows:
        spans = json.loads(parts)
        pieces = [text[start:end] for start, end in spans]
        assert len(pieces) > 1 and content == " … ".join(pieces)
        if rule_id not in holding:  # the attribution between the parts is left out
            assert not any(start <= cue_start < end for start, end in spans)


def test_build_streams_its_articles(pipeline, seed_articles, copied_db, monkeypatch):
    """A long stream of articles is consumed a few batches ahead of what is stored, never all at once."""
    no_parsing(monkeypatch)
    pulled, ahead, stored = [0], [], [0]

    def stream():
        for n in range(200):  # the seeds again and again under new ids: their parses are cached
            article = seed_articles[n % len(seed_articles)]
            pulled[0] += 1
            yield replace(article, id=f"{article.id}~{n}")

    def progress(count):
        stored[0] += count
        ahead.append(pulled[0] - stored[0])

    report = pipeline.build(copied_db, stream(), progress=progress)
    assert (report.articles, report.parsed, stored[0]) == (200, 0, 200)
    assert max(ahead) <= pipeline_module.STORE_BATCH + pipeline_module.PARSE_BATCH
    with closing(sqlite3.connect(copied_db)) as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == 205


def test_work_batches_are_runs_of_cached_or_uncached_articles(pipeline, seed_articles, copied_db):
    cache = ParseCache(ParseFile(parses_path(copied_db)))
    fresh = [replace(article, content_hash="0" * 64, id=f"new{n}") for n, article in enumerate(seed_articles)]
    articles = [*seed_articles[:2], *fresh, *seed_articles[2:]]
    batches = list(pipeline_module.work_batches(articles, cache, pipeline.parser.model_id, size=3))
    assert [[article.id for article, _ in batch] for batch in batches] == [
        [a.id for a in seed_articles[:2]], ["new0", "new1", "new2"], ["new3", "new4"],
        [a.id for a in seed_articles[2:]]]
    assert [{blob is None for _, blob in batch} for batch in batches] == [{False}, {True}, {True}, {False}]


def test_a_rule_change_deleting_most_quotes_is_judged_on_a_sample(built_db, seed_articles, tmp_path, monkeypatch):
    db_path = copy_db(built_db, tmp_path / "quotes.db")
    monkeypatch.setattr(pipeline_module, "CHECK_SAMPLE", 2)
    emptied = Path(shutil.copytree(RULES_DIR, tmp_path / "emptied"))
    (emptied / "patterns.yml").write_text("patterns: []\n")
    with pytest.raises(pipeline_module.BuildRefused, match=r"would leave 0 of the \d+ quotes stored in .* \(estimated "
                                                            r"from 2 re-attributed articles\) \(100% deleted"):
        Pipeline(emptied).build(db_path, iter(seed_articles))
    assert dump(db_path) == dump(built_db)
    # a harmless change (a comment): checked on the first two, then every article is re-attributed
    commented = Path(shutil.copytree(RULES_DIR, tmp_path / "commented"))
    with open(commented / "patterns.yml", "a") as patterns:
        patterns.write("# a comment\n")
    report = Pipeline(commented).build(db_path, iter(seed_articles))
    assert report.articles == 5 and report.skipped_unchanged == 0
    assert dump(db_path)["quotes"] == dump(built_db)["quotes"]


KILLED_BUILD = """
import os, sys
from quotetrack.run import pipeline as pipeline_module
from quotetrack.run.pipeline import BuildReport, Pipeline
from quotetrack.store import Store

db_path, rules, articles = sys.argv[1:]
pipeline_module.STORE_BATCH = pipeline_module.CHECK_SAMPLE = 2
real_save = Store.save_results

def save_then_die(self, batch):
    real_save(self, batch)
    if not self.db.conn.in_transaction:  # committed on its own: the build's second commit
        os.kill(os.getpid(), 9)

Store.save_results = save_then_die
pipeline = Pipeline(rules)
pipeline.build(db_path, pipeline.read(articles, BuildReport()))
"""


def test_a_rule_edit_build_killed_half_way_is_finished_by_a_rerun_with_the_original_rules(
        pipeline, seed_articles, copied_db, built_db, tmp_path, monkeypatch):
    """Issue 22 #5: the build marker is written before the first write, so a rerun after a kill -9 finishes the job,
    whichever rules it runs with."""
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    patterns = rules / "patterns.yml"
    text = patterns.read_text()
    patterns.write_text(text[:text.index("  - id: according-to\n")] + text[text.index("  - id: clause-then-subject-verb"):])
    killed = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(copied_db), str(rules), str(SEEDS_ARTICLES)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    half_done = dump(copied_db)
    assert half_done["quotes"] != dump(built_db)["quotes"]  # two commits of the edited rules' quotes are stored
    no_parsing(monkeypatch)
    report = pipeline.build(copied_db, seed_articles)  # the original rules again
    assert report.skipped_unchanged == 0 and report.parsed == 0
    assert dump(copied_db) == dump(built_db)
