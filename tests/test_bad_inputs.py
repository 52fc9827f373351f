"""Bad input, case by case (issue 7): each ends in a one-line reason, the rest of the run goes on, nothing is lost.

Every case of ``CASES`` builds a folder holding one good article and one bad thing
with the real CLI, then checks the exit status, the one line said about the bad thing,
and that the good article (or what was stored before) is in the database. Cases that
need more than a folder (databases, rules, the server) follow the table.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from conftest import RULES_DIR, SEEDS_GOLD, load_boilerplate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotetrack.cli import cli
from quotetrack.errors import CODES, RuleError
from quotetrack.records import MAX_ID_CHARS, bounded_id
from quotetrack.rulelang.schema import SCHEMAS
from quotetrack.stages import ingest
from quotetrack.stages.ingest import (
    MAX_ARTICLE_CHARS,
    MAX_ARTICLE_PARAGRAPHS,
    MAX_JSONL_LINE_BYTES,
    read_articles,
)
from quotetrack.stages.parse import PARSE_CHUNK_CHARS, PARSE_SENTENCE_CHARS, chunks
from quotetrack.store import Store, shape
from quotetrack.web.publish import MAX_VALUE_BYTES, datasette_instance

GOOD = "Prime Minister Jane Smith said the plan would fail.\n"
GOOD_QUOTE = "the plan would fail"
QT104_HINT = CODES["QT104"].hint


def run(*args: str):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def stored_quotes(db_path: Path) -> list[str]:
    with closing(sqlite3.connect(db_path)) as db:
        return [row[0] for row in db.execute("select content from quotes order by content")]


def lines_about(result, needle: str) -> list[str]:
    return [line for line in result.output.splitlines() if needle in line]


def error_line(result) -> str:
    """The one line of a failed run that says why (a progress label may come before it)."""
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    return line


@dataclass
class Case:
    id: str
    make: Callable[[Path], Path]  # writes the bad thing beside good.txt in the folder; returns SOURCE
    message: str  # in the one line said about it
    exit_code: int = 0


def beside_good(name: str, content: bytes | str | None = None, make=None):
    """A case maker: good.txt, and ``name`` holding ``content`` (or made by ``make(path)``)."""
    def maker(folder: Path) -> Path:
        (folder / "good.txt").write_text(GOOD, encoding="utf-8")
        path = folder / name
        if make:
            make(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return folder
    return maker


def symlink_loop(path: Path) -> None:
    os.symlink(path.with_name("loop-b.txt"), path)
    os.symlink(path, path.with_name("loop-b.txt"))


def jsonl(*records) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


CASES = [
    # 2. one bad record
    Case("jsonl-null-text", beside_good("feed.jsonl", jsonl({"id": "ok", "text": "Fine."}, {"id": "n", "text": None})),
         "feed.jsonl:2: QT303 field 'text' is null"),
    Case("jsonl-bad-json", beside_good("feed.jsonl", '{"text": "A."}\n{not json\n'), "feed.jsonl:2: QT303 invalid JSON"),
    Case("jsonl-5000-digit-integer", beside_good("feed.jsonl", '{"text": "Smith said no.", "n": %s}\n' % ("7" * 5_000)),
         "feed.jsonl:1: QT302 a number of 5,000 characters (the limit is 1,000)"),
    Case("jsonl-line-too-long", beside_good("feed.jsonl", '{"text": "%s"}\n' % ("a" * MAX_JSONL_LINE_BYTES)),
         f"feed.jsonl:1: QT302 line too long ({MAX_JSONL_LINE_BYTES + 12:,} bytes; the limit is {MAX_JSONL_LINE_BYTES:,})"),
    # 3. what one article may cost
    Case("article-too-long", beside_good("long.txt", "Word " * (MAX_ARTICLE_CHARS // 5 + 1)),
         f"long.txt: QT302 too long ({MAX_ARTICLE_CHARS + 5:,} characters; the limit is {MAX_ARTICLE_CHARS:,})"),
    Case("100000-short-lines", beside_good("lines.txt", "A\n" * 100_000),
         f"lines.txt: QT302 too many paragraphs (100,000; the limit is {MAX_ARTICLE_PARAGRAPHS:,})"),
    Case("file-too-big", beside_good("huge.txt", b"x" * (4 * MAX_ARTICLE_CHARS + 1)), "huge.txt: QT302 too long ("),
    # 8. same id, different article
    Case("same-id-txt-and-jsonl", beside_good("z.jsonl", jsonl({"id": "good", "text": "Other text."})),
         "z.jsonl:1: QT306 id 'good' is already used by"),
    Case("duplicate-jsonl-ids", beside_good("feed.jsonl", jsonl({"id": 7, "text": "One."}, {"id": "7", "text": "Two."})),
         "feed.jsonl:2: QT306 id '7' is already used by"),
    # 9. quiet skips
    Case("html-file-without-a-story", beside_good("page.html", "<p>Hi</p>"),
         "page.html: QT305 no article text found on the page"),
    Case("pdf-file", beside_good("report.pdf", "%PDF-1.4"),
         "report.pdf: QT301 not an article file (quotetrack reads .txt, .jsonl, .html and .htm files)"),
    Case("no-extension", beside_good("README", "notes"), "README: QT301 not an article file"),
    Case("folder-named-txt", beside_good("x.txt", make=Path.mkdir), "x.txt: QT301 a folder (folders inside SOURCE are not read)"),
    Case("symlink-loop", beside_good("loop-a.txt", make=symlink_loop), "loop-a.txt: QT301 cannot read: Too many levels"),
    Case("broken-symlink", beside_good("gone.txt", make=lambda path: os.symlink(path.with_name("nowhere"), path)),
         "gone.txt: QT301 broken symbolic link"),
    Case("fifo", beside_good("pipe.txt", make=os.mkfifo), "pipe.txt: QT301 not a regular file (a FIFO)"),
    Case("only-html", lambda folder: [(folder / "a.html").write_text("<p>x</p>"), folder][1],
         "no articles read from", exit_code=1),
    Case("empty-folder", lambda folder: folder, "no articles read from", exit_code=1),
    Case("fifo-as-source", lambda folder: [os.mkfifo(folder / "f"), folder / "f"][1],
         "Error: QT300 not a regular file (a FIFO):", exit_code=1),
    Case("missing-source", lambda folder: folder / "nothing-here", "Error: QT300 no such file or folder:", exit_code=1),
    # 11. HTML given as text
    Case("html-as-txt", beside_good("page.txt", "<html><body><p>He said &quot;no&quot;.</p></body></html>"),
         "page.txt: QT304 looks like HTML, not plain text"),
    Case("entities-as-txt", beside_good("page.txt", "He said &quot;no&quot; and &quot;never&quot;.\n"),
         "page.txt: QT304 looks like HTML, not plain text (&quot;)"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_one_line_and_the_rest_goes_on(case, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    source = case.make(folder)
    db_path = tmp_path / "quotes.db"
    result = run("build", db_path, source)
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    said = lines_about(result, case.message)
    assert len(said) == 1, result.output
    if case.exit_code == 0:
        assert GOOD_QUOTE in stored_quotes(db_path)


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_a_headline_is_never_glued_to_the_speaker(tmp_path, line_end):
    """Ingest and the parser split lines alike: "Storm Hits Town\\r\\rOfficials said ..." is a headline, then prose."""
    text = line_end.join(["Storm Hits Town", "", "Officials said the storm was the worst in years.", ""])
    (tmp_path / "storm.txt").write_text(text, encoding="utf-8", newline="")
    result = run("build", tmp_path / "q.db", tmp_path)
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(tmp_path / "q.db")) as db:
        assert db.execute("select title from articles").fetchall() == [("Storm Hits Town",)]
        assert db.execute("select speaker_mention, content from quotes").fetchall() == [
            ("Officials", "the storm was the worst in years")]
        assert not db.execute("select 1 from speakers where name like '%Storm%'").fetchall()


def test_a_nul_character_never_cuts_a_quote(tmp_path):
    (tmp_path / "nul.txt").write_text("Jones said the vote was\0 fair and free.\n", encoding="utf-8")
    result = run("build", tmp_path / "q.db", tmp_path)
    assert result.exit_code == 0, result.output
    assert stored_quotes(tmp_path / "q.db") == ["the vote was fair and free"]


def test_upper_case_extension_is_read(tmp_path):
    (tmp_path / "GOOD.TXT").write_text(GOOD, encoding="utf-8")
    result = run("build", tmp_path / "q.db", tmp_path)
    assert result.exit_code == 0, result.output
    assert stored_quotes(tmp_path / "q.db") == [GOOD_QUOTE]


# ---------------------------------------------------------------- 3. the parser's bounds


@pytest.mark.parametrize("paragraph", [
    "word " * 20_000,  # a 20,000-word "sentence"
    "“Jones said " * 500 + "ok" + "”" * 500,  # 500 nested quotations
    "A short sentence here. " * 400,
    "x" * 7_000,
])
def test_the_parser_never_sees_an_unbounded_piece(paragraph):
    pieces = chunks(paragraph)
    assert "".join(text for _, text in pieces) == paragraph
    assert all(paragraph[start:start + len(text)] == text for start, text in pieces)
    assert all(len(text) <= PARSE_CHUNK_CHARS for _, text in pieces)
    for _, text in pieces:
        runs = ingest.regex.split(r"[.!?…][\"'”’)\]]*\s+", text)
        assert all(len(run) <= PARSE_SENTENCE_CHARS for run in runs)


def test_a_run_on_sentence_is_parsed_in_bounded_pieces(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "runon.txt").write_text("Smith said " + "word " * 600 + "end.\n", encoding="utf-8")
    result = run("build", tmp_path / "q.db", tmp_path)
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(tmp_path / "q.db")) as db:
        longest = db.execute("select max(length(text)) from sentences where article_id = 'runon'").fetchone()[0]
    assert longest <= PARSE_SENTENCE_CHARS
    assert GOOD_QUOTE in stored_quotes(tmp_path / "q.db")


def test_an_ordinary_paragraph_is_one_piece():
    text = (SEEDS_GOLD.parent / "articles").glob("*.txt")
    for path in text:
        for paragraph in path.read_text(encoding="utf-8").split("\n"):
            assert len(chunks(paragraph)) <= 1


# ---------------------------------------------------------------- 4, 10. the database


@pytest.fixture
def good_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def other_application_db(path: Path) -> list:
    with closing(sqlite3.connect(path)) as db:
        db.executescript("create table articles (id integer primary key, body text, author text);"
                         "create table settings (k text, v text); insert into articles values (1, 'theirs', 'me');")
    return schema_and_rows(path)


def schema_and_rows(path: Path) -> list:
    with closing(sqlite3.connect(path)) as db:
        return [*db.execute("select sql from sqlite_master order by name"), *db.execute("select * from articles")]


def test_another_applications_database_is_refused_untouched(tmp_path, good_folder):
    db_path = tmp_path / "theirs.db"
    before = other_application_db(db_path)
    result = run("build", db_path, good_folder)
    assert error_line(result).startswith(f"Error: QT205 {db_path} is not a quotetrack database (it has tables quotetrack "
                                         "did not create: articles, settings)")
    assert schema_and_rows(db_path) == before


def test_a_database_marked_by_another_application_is_refused(tmp_path, good_folder):
    db_path = tmp_path / "theirs.db"
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("pragma application_id = 1234")
    result = run("build", db_path, good_folder)
    assert error_line(result).startswith(
        f"Error: QT205 {db_path} belongs to another application (SQLite application_id 0x4d2)")


def test_an_older_quotetrack_database_is_migrated(tmp_path, good_folder):
    db_path = tmp_path / "old.db"
    assert run("build", db_path, good_folder).exit_code == 0
    db = sqlite_utils.Database(db_path)
    db.execute("pragma application_id = 0")  # written before quotetrack marked its files
    for view in shape.VIEWS:
        db.execute(f"drop view {view}")
    db["articles"].transform(drop={"dateline_agency"})  # an older shape
    db["speakers"].transform(not_null={"name": False})
    db["quotes"].add_column("retired_column", str)
    db.close()
    result = run("build", db_path, good_folder, "--force")
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(db_path)
    assert not any(shape._differs(db, name, table) for name, table in shape.TABLES.items())
    assert db.execute("select count(*) from who_said_what").fetchone()[0] == 1
    assert db.execute("pragma application_id").fetchone()[0] == shape.APPLICATION_ID


@pytest.mark.parametrize("make, message", [
    (lambda path: path.write_text("just some text, not a database\n" * 100),
     "QT204 {db_path} is not a usable SQLite database (file is not a database): choose another file"),
    (lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200),
     "QT204 {db_path} is not a usable SQLite database"),
], ids=["text-file", "damaged-header"])
def test_a_file_that_is_no_database(tmp_path, good_folder, make, message):
    db_path = tmp_path / "q.db"
    make(db_path)
    before = db_path.read_bytes()
    result = run("build", db_path, good_folder)
    assert message.format(db_path=db_path) in error_line(result)
    assert db_path.read_bytes() == before


def test_a_folder_as_database(tmp_path, good_folder):
    result = run("build", tmp_path, good_folder)
    assert result.exit_code == 2 and "is a directory" in result.output and "Traceback" not in result.output


def make_read_only(path: Path) -> None:
    path.chmod(0o444)
    if os.access(path, os.W_OK):  # root ignores file modes: an immutable file, where the system allows it
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode or os.access(path, os.W_OK):
            pytest.skip("cannot make a file read-only here (root without chattr)")


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_database_is_refused_before_any_work(tmp_path, good_folder, monkeypatch, read_only):
    db_path = tmp_path / "db" / "q.db"
    assert run("build", db_path, good_folder).exit_code == 0
    (good_folder / "new.txt").write_text("Jones said the vote was fair.\n", encoding="utf-8")
    target = db_path if read_only == "file" else db_path.parent
    make_read_only(target)
    try:
        from quotetrack.stages.parse import Parser
        monkeypatch.setattr(Parser, "parse", lambda self, articles: pytest.fail("parsed before checking the database"))
        result = run("build", db_path, good_folder)
    finally:
        subprocess.run(["chattr", "-i", str(target)], capture_output=True)
        target.chmod(0o755 if target.is_dir() else 0o644)
    assert error_line(result) == f"Error: QT202 {target} is read-only: make it writable, or build into another file"
    assert stored_quotes(db_path) == [GOOD_QUOTE]


def test_a_locked_database_is_one_line(tmp_path, good_folder):
    db_path = tmp_path / "q.db"
    assert run("build", db_path, good_folder).exit_code == 0
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("begin exclusive")
        result = run("build", db_path, good_folder, "--force")
    assert "database is locked): another process is writing to it" in error_line(result)


def test_disk_full_while_writing_is_one_line_and_keeps_what_was_committed(tmp_path, good_folder, monkeypatch):
    db_path = tmp_path / "q.db"
    assert run("build", db_path, good_folder).exit_code == 0
    (good_folder / "new.txt").write_text("Jones said the vote was fair.\n", encoding="utf-8")

    def full(store, batch):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(Store, "save_results", full)
    result = run("build", db_path, good_folder)
    assert error_line(result).startswith(f"Error: QT207 {db_path}: database or disk is full: free some space and run again")
    assert stored_quotes(db_path) == [GOOD_QUOTE]


# ---------------------------------------------------------------- 8. same id across runs


def test_the_same_file_name_in_another_folder_is_reported_not_overwritten(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    (first / "x.txt").write_text(GOOD, encoding="utf-8")
    (second / "x.txt").write_text("Jones said the vote was fair.\n", encoding="utf-8")
    (second / "y.txt").write_text("Brown said the match was over.\n", encoding="utf-8")
    db_path = tmp_path / "q.db"
    assert run("build", db_path, first).exit_code == 0
    result = run("build", db_path, second)
    assert result.exit_code == 0, result.output
    assert lines_about(result, f"skipped {second / 'x.txt'}: QT306 id 'x' is already stored for {first / 'x.txt'}")
    assert "1 articles (1 parsed, 0 unchanged, 1 skipped)" in result.output
    assert stored_quotes(db_path) == ["the match was over", GOOD_QUOTE]
    assert run("build", db_path, second, "--yes").exit_code == 0
    assert stored_quotes(db_path) == ["the match was over", "the vote was fair"]


# ---------------------------------------------------------------- 5, 7. rules


def rules_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    return rules


SLOW_NODE = ("  - id: slow-node\n    description: a word no regex should take long on\n"
             "    nodes:\n      - {id: cue, regex: '(a|aa)+b'}\n    cue: [cue]\n"
             "    content: {subtree: cue}\n    examples: [{text: aab}]\n    not: [Nothing here.]\n")


@pytest.mark.parametrize("rule_file, list_key, slow_rule, article", [
    ("cues.yml", "channels:\n", "  - {name: Slow, pattern: '(a|aa)+b'}\n",
     f"Smith said on {'a' * 40}c radio that the plan was over.\n"),
    ("patterns.yml", "patterns:\n", SLOW_NODE, f"Smith said {'a' * 40}c.\n"),
], ids=["channel", "pattern-node"])
def test_a_regex_timeout_in_matching_skips_the_article(tmp_path, good_folder, rule_file, list_key, slow_rule, article):
    rules = rules_copy(tmp_path)
    path = rules / rule_file
    path.write_text(path.read_text(encoding="utf-8").replace(list_key, list_key + slow_rule, 1), encoding="utf-8")
    (good_folder / "slow.txt").write_text(article, encoding="utf-8")
    result = run("build", tmp_path / "q.db", good_folder, "--rules", rules)
    assert result.exit_code == 0, result.output
    assert len(lines_about(result, "slow.txt: a rule's regular expression took over 0.05s on one word or phrase")) == 1
    assert GOOD_QUOTE in stored_quotes(tmp_path / "q.db")


SLOW = "(a|aa)+b"  # exponential on "aaaa…c"


@pytest.mark.parametrize("rule_file, old, new, article", [
    ("speakers.yml", "transliteration:\n", f"transliteration:\n  - ['{SLOW}', x]\n",
     f"C{'a' * 40}c Smith said the plan would work.\n"),
    ("defaults.yml", r"handover: '[,!?–—-]\W*$'", r"handover: 'b(?:a|aa)+\W*$'",
     f"“It is over, c{'a' * 40},” Smith said.\n"),
], ids=["transliteration", "handover"])
def test_every_user_regex_runs_under_the_timeout(tmp_path, good_folder, rule_file, old, new, article):
    rules = rules_copy(tmp_path)
    path = rules / rule_file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert run("rules", "check", "--rules", rules).exit_code == 0  # no name in the rules meets the slow case
    (good_folder / "slow.txt").write_text(article, encoding="utf-8")
    result = run("build", tmp_path / "q.db", good_folder, "--rules", rules)
    assert result.exit_code == 0, result.output
    assert len(lines_about(result, "slow.txt: a rule's regular expression took over 0.05s on one word or phrase")) == 1
    assert GOOD_QUOTE in stored_quotes(tmp_path / "q.db")


def test_rules_check_refuses_a_transliteration_slow_on_a_gazetteer_name(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "speakers.yml"
    text = path.read_text(encoding="utf-8").replace("transliteration:\n", f"transliteration:\n  - ['{SLOW}', x]\n", 1)
    path.write_text(text.replace("speakers:\n", f"speakers:\n  - {{name: C{'a' * 40}c Smith, type: person}}\n", 1),
                    encoding="utf-8")
    result = run("rules", "check", "--rules", rules)
    line = next(number for number, row in enumerate(text.splitlines(), 2) if SLOW in row)  # one speaker line above
    assert error_line(result) == (
        f"Error: QT104 {path}:{line}: the transliteration '{SLOW}' took over 0.05s on the name word 'c{'a' * 39}': "
        f"simplify it (hint: {QT104_HINT})")


def test_a_rule_change_deleting_most_quotes_needs_yes(tmp_path, good_folder):
    db_path = tmp_path / "q.db"
    assert run("build", db_path, good_folder).exit_code == 0
    rules = rules_copy(tmp_path)
    patterns = rules / "patterns.yml"
    document = yaml.safe_load(patterns.read_text(encoding="utf-8"))
    patterns.write_text(yaml.safe_dump({**document, "patterns": []}), encoding="utf-8")  # every pattern gone
    result = run("build", db_path, good_folder, "--rules", rules)
    assert error_line(result) == (
        f"Error: the changed rules would leave 0 of the 1 quotes stored in {db_path} (100% deleted; more than 50% "
        "needs confirming): check the rule change (`quotetrack rules check`), or run again with --yes")
    assert stored_quotes(db_path) == [GOOD_QUOTE]
    confirmed = run("build", db_path, good_folder, "--rules", rules, "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    assert stored_quotes(db_path) == []


# ---------------------------------------------------------------- 12. eval


def test_eval_errors_on_a_gold_yml(tmp_path):
    errors = tmp_path / "errors.txt"
    result = run("eval", SEEDS_GOLD, "--cache", tmp_path / "cache.db", "--errors", errors)
    assert result.exit_code == 0, result.output
    lines = errors.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and "false negatives" in lines[0]
    assert len(lines) - 1 == sum(line.startswith(("FN ", "FP ")) for line in lines)


# ---------------------------------------------------------------- 1, 6, 12. the server


async def test_a_served_database_shows_a_rebuild(tmp_path, good_folder):
    db_path = tmp_path / "quotes.db"
    assert run("build", db_path, good_folder).exit_code == 0
    ds = datasette_instance(db_path)
    count = "/quotes.json?sql=select+count(*)+from+quotes&_shape=arrayfirst"
    assert (await ds.client.get(count)).json() == [1]
    (good_folder / "new.txt").write_text("Jones said the vote was fair.\n", encoding="utf-8")
    assert run("build", db_path, good_folder).exit_code == 0
    response = await ds.client.get(count)
    assert response.status_code == 200 and response.json() == [2]


@pytest.mark.parametrize("method, path, status, message", [
    ("post", "/quotes/quotes_by_speaker", 405, "this database is served read-only: use GET"),
    ("post", "/quotes/quotes_by_speaker.csv", 405, "this database is served read-only: use GET"),
    ("post", "/quotes/quotes", 405, "this database is served read-only: use GET"),
    ("get", "/quotes/quotes.json?_sort=no_such_column", 400, "Cannot sort table by no_such_column"),
    ("get", "/quotes/who_said_what.json?_sort_desc=garbage", 400, "Cannot sort table by garbage"),
    ("get", "/quotes.json?sql=select+randomblob(1000000000)+from+quotes", 400, "string or blob too big"),
    ("get", "/quotes.db", 403, ""),
])
async def test_a_hostile_request_gets_a_4xx(built_db, method, path, status, message):
    ds = datasette_instance(built_db)
    response = await getattr(ds.client, method)(path)
    assert response.status_code == status
    assert message in response.text
    assert (await ds.client.get("/quotes/quotes.json?_size=1")).status_code == 200  # still serving


async def test_values_up_to_the_limit_are_served(built_db):
    ds = datasette_instance(built_db)
    response = await ds.client.get(f"/quotes.json?sql=select+length(zeroblob({MAX_VALUE_BYTES}))&_shape=arrayfirst")
    assert response.json() == [MAX_VALUE_BYTES]


# ---------------------------------------------------------------- fuzzing ingest

BOILERPLATE = load_boilerplate(RULES_DIR)


def read_one(path: Path):
    errors = []
    articles = list(read_articles(path, BOILERPLATE, lambda where, why: errors.append((where, why))))
    return articles, errors


def check_article(article, source_text: str | None = None):
    assert article.text and article.text == article.text.strip()
    assert len(article.text) <= MAX_ARTICLE_CHARS
    assert "\r" not in article.text and "\0" not in article.text  # one line end, which the parser splits on
    if source_text is not None:  # every kept stretch is the source's text (a lone \r read as \n) at its offset
        source_text = ingest.regex.sub(r"\r(?!\n)", "\n", source_text)
        ends = [clean for clean, _ in article.segments[1:]] + [len(article.text)]
        for (clean, source), end in zip(article.segments, ends):
            assert article.text[clean:end] == source_text[source:source + end - clean]


# Text made of any characters and of the pieces ingest looks for: quotes, line ends, markup, boilerplate, a date.
TEXTY = st.lists(st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(
    [*'"“”«»\n\r\t <>&;', "&quot;", "<p>", "Advertisement", "date 2024-01-02", "MOSCOW (AFP) - "]),
    max_size=200).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | TEXTY.map(lambda text: text.encode("utf-8")))
def test_any_text_file_gives_an_article_or_one_reason(tmp_path, data):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    articles, errors = read_one(path)
    assert len(articles) + len(errors) == 1
    for article in articles:
        check_article(article, data.decode("utf-8"))
    for where, why in errors:
        assert where == str(path) and why and "\n" not in why


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXTY,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTY, inner, max_size=3),
                           max_leaves=8)
RECORDS = st.fixed_dictionaries({}, optional={key: JSON_VALUES for key in ("id", "title", "url", "published", "text")})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(RECORDS.map(json.dumps).map(str.encode) | st.binary(max_size=80), max_size=6))
def test_any_jsonl_file_gives_articles_and_one_reason_per_bad_line(tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines))
    articles, errors = read_one(path)
    for article in articles:
        check_article(article)
    assert len({article.id for article in articles}) == len(articles)
    assert all(why and "\n" not in why for _, why in errors)
    assert len(articles) + len(errors) <= len(lines)


# ---------------------------------------------------------------- fuzzing the boilerplate rule loader

BOILERPLATE_KEYS = sorted(SCHEMAS["boilerplate.yml"]["properties"]["rules"]["items"]["properties"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTY | st.sampled_from(
    ["(unclosed", "x", "between_prose", "anywhere", "[a-z]+", "\\p{Lu}"])
RULE_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(BOILERPLATE_KEYS) | TEXTY, inner, max_size=4), max_leaves=12)
RULE_FILES = st.dictionaries(st.sampled_from(["rules", "other"]), st.lists(st.dictionaries(
    st.sampled_from(BOILERPLATE_KEYS), RULE_VALUES, max_size=6) | RULE_VALUES, max_size=3), max_size=2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=RULE_FILES | RULE_VALUES)
def test_any_boilerplate_file_loads_or_names_file_and_line(tmp_path, document):
    rules = tmp_path / "fuzz-rules"
    rules.mkdir(exist_ok=True)
    (rules / "boilerplate.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_boilerplate(rules)
    except RuleError as error:
        assert error.code.startswith("QT") and error.path == str(rules / "boilerplate.yml") and error.message


# ---------------------------------------------------------------- issue 22 #8: bounded ids


def test_a_100000_character_id_is_bounded(tmp_path):
    folder, db_path = tmp_path / "in", tmp_path / "q.db"
    folder.mkdir()
    long_id = "x" * 100_000
    (folder / "feed.jsonl").write_text(json.dumps({"id": long_id, "text": GOOD * 20}) + "\n", encoding="utf-8")
    result = run("build", db_path, folder)
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select id from articles").fetchall() == [(bounded_id(long_id),)]
        assert len(bounded_id(long_id)) == MAX_ID_CHARS and bounded_id(long_id).startswith("x" * 80)
        assert db.execute("select max(length(id)), max(length(article_id)) from sentences").fetchone() <= (
            MAX_ID_CHARS + 4, MAX_ID_CHARS)
        assert db.execute("select count(*) from quotes").fetchone()[0] == 20
    assert db_path.stat().st_size < 1_000_000  # an unbounded id is repeated in every sentence and quote row
