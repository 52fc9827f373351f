"""Store: write articles, sentences and quotes into the SQLite database that datasette publishes.

The shape of the database is declared once, as data (``TABLES``, ``INDEXES``,
``FTS``, ``VIEWS``), and ``ensure_db_shape`` makes a database fit it; running it
again changes nothing. Every row has a stable primary key derived from what it
describes, and every write replaces what was there, so rebuilding from the same
input gives the same rows. ``save_articles`` writes a batch of articles in one
transaction: a crash loses at most the batch being written.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from ..records import Article, Quote, Sentence, Span

TABLES = {
    # What a build needs to remember between runs, such as the rules' fingerprint.
    "settings": {"columns": {"key": str, "value": str}, "pk": "key"},
    "rules": {
        "columns": {"id": str, "kind": str, "description": str, "file": str, "line": int,
                    "examples": str},  # JSON list of {"text", "match", ...}, as the rule file writes them
        "pk": "id",
    },
    "speakers": {
        "columns": {
            "id": str,
            "name": str,
            "type": str,
            "role": str,
            "aliases": str,  # JSON list
            "in_gazetteer": int,
            "name_key": str,  # a person's full name as a spelling key its transliterations share
        },
        "pk": "id",
        "not_null": ["name"],
    },
    "articles": {
        "columns": {
            "id": str,
            "title": str,
            "title_source": str,  # given, headline or lede (the lede's first words: a derived title)
            "published": str,
            "outlet": str,
            "dateline_place": str,
            "dateline_agency": str,
            "author": str,
            "site_name": str,
            "language": str,
            "url": str,
            "source": str,
            "content_hash": str,
            "text": str,
            "metadata": str,  # JSON object
            "segments": str,  # JSON list of [offset in text, offset in source]
            "boilerplate": str,  # JSON list of {"rule", "text"}: the lines cleaning removed
            "input_hash": str,  # the input it was read from and how it was cleaned: ingest reads it once
        },
        "pk": "id",
        "not_null": ["source", "content_hash", "text"],
    },
    # Every request `quotetrack track` made: what came back, or why nothing usable did.
    "fetches": {
        "columns": {
            "id": int, "url": str, "final_url": str, "kind": str, "source": str, "fetched_at": str,
            "status": int, "bytes": int, "seconds": float, "tries": int, "content_type": str,
            "outcome": str, "error": str, "article_id": str,
        },
        "pk": "id",
    },
    # Every feed and article URL that `track`'s sources named, and where each stands (its queue).
    "tracked_urls": {
        "columns": {
            "url": str, "kind": str, "source": str, "state": str, "reason": str, "article_id": str,
            "title": str, "published": str, "author": str, "entry_updated": str,
            "etag": str, "last_modified": str, "failures": int, "first_seen": str, "last_fetched": str,
        },
        "pk": "url",
        "defaults": {"failures": 0},
    },
    # Inputs that were not ingested, and why (not English, not an article, unreadable); a later
    # build that ingests the source removes its row.
    "skipped": {"columns": {"source": str, "reason": str}, "pk": "source"},
    # The HTML an article was extracted from, kept only when asked (``--keep-html``).
    "pages": {
        "columns": {"article_id": str, "html": str},
        "pk": "article_id",
        "foreign_keys": [("article_id", "articles", "id")],
    },
    "sentences": {
        "columns": {
            "id": str,
            "article_id": str,
            "sentence_index": int,
            "paragraph": int,
            "start": int,
            "end": int,
            "text": str,
        },
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id")],
        "not_null": ["article_id", "sentence_index"],
    },
    "statements": {
        "columns": {
            "id": str,
            "speaker": str,
            "content": str,
            "quote_count": int,
            "article_count": int,
            "first_published": str,
            "first_article_id": str,
            "speaker_id": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("first_article_id", "articles", "id"),
            ("speaker_id", "speakers", "id"),
        ],
    },
    "quotes": {
        "columns": {
            "id": str,
            "speaker": str,
            "role": str,
            "cue": str,
            "type": str,
            "content": str,
            "channel": str,
            "category": str,
            "speaker_mention": str,
            "speaker_type": str,
            "speaker_kind": str,
            "cue_lemma": str,
            "referent": str,
            "article_id": str,
            "sentence_index": int,
            "sentence_id": str,
            "speaker_id": str,
            "rule_id": str,
            "confidence": float,
            "statement_id": str,
            "content_start": int,
            "content_end": int,
            "content_parts": str,
            "cue_start": int,
            "cue_end": int,
            "speaker_start": int,
            "speaker_end": int,
            "referent_start": int,
            "referent_end": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("article_id", "articles", "id"),
            ("sentence_id", "sentences", "id"),
            ("speaker_id", "speakers", "id"),
            ("rule_id", "rules", "id"),
            ("statement_id", "statements", "id"),
        ],
        "not_null": ["type", "content", "article_id", "sentence_id", "rule_id"],
    },
}

# Indexes beyond those on foreign keys, which ensure_db_shape always creates.
INDEXES = {"articles": [["input_hash"]], "quotes": [["speaker"], ["cue_lemma"], ["speaker_kind"]],
           "speakers": [["name_key"]], "fetches": [["url"], ["fetched_at"]], "tracked_urls": [["state"], ["article_id"]]}

# Full-text search, kept in step with its table by triggers.
FTS = {"quotes": ["content", "speaker", "speaker_mention"]}

VIEWS = {
    # One readable row per quote: what a reader needs first, then provenance, then internal ids.
    # quote_rowid joins quotes_fts, for searching the view. ``sentence`` is the one the content starts in.
    "who_said_what": """
select
  quotes.speaker,
  quotes.content,
  quotes.cue,
  articles.published,
  articles.outlet,
  articles.title as article,
  quotes.role,
  quotes.type,
  quotes.channel,
  statements.article_count as statement_articles,
  quotes.category,
  quotes.speaker_mention,
  coalesce(speakers.type, quotes.speaker_type) as speaker_type,
  quotes.speaker_kind,
  quotes.cue_lemma,
  quotes.rule_id,
  quotes.confidence,
  rules.file || ':' || rules.line as rule_location,
  (select sentences.text from sentences where sentences.article_id = quotes.article_id
     and sentences.start <= quotes.content_start order by sentences.start desc limit 1) as sentence,
  articles.url as article_url,
  quotes.article_id,
  quotes.content_start,
  quotes.content_end,
  quotes.speaker_id,
  quotes.statement_id,
  quotes.id as quote_id,
  quotes.rowid as quote_rowid
from quotes
join articles on articles.id = quotes.article_id
join rules on rules.id = quotes.rule_id
left join speakers on speakers.id = quotes.speaker_id
left join statements on statements.id = quotes.statement_id
order by articles.published is null, articles.published, quotes.article_id, quotes.content_start, quotes.id
""".strip(),
}

# Two quotes of one speaker are copies of one statement when they share this
# share of their words (syndicated copies on the seeds share 0.85 or more; two
# four-word quotes differing in one word share 0.6)...
STATEMENT_JACCARD = 0.75
# ...or when the words of one, at least this many, run unbroken in the other (a trimmed quote).
STATEMENT_CONTAINED_WORDS = 3

SPEAKER_FROM_GAZETTEER = """
insert into speakers (id, name, type, role, aliases, in_gazetteer, name_key)
values (:id, :name, :type, :role, :aliases, 1, :name_key)
on conflict (id) do update set
  name = excluded.name,
  type = coalesce(excluded.type, speakers.type),
  role = excluded.role,
  aliases = excluded.aliases,
  in_gazetteer = 1,
  name_key = excluded.name_key
"""

# A quoted speaker adds a row, or fills in a type the gazetteer left open.
SPEAKER_FROM_QUOTE = """
insert into speakers (id, name, type, aliases, in_gazetteer, name_key)
values (:id, :name, :type, '[]', 0, :name_key)
on conflict (id) do update set type = coalesce(speakers.type, excluded.type),
  name_key = coalesce(speakers.name_key, excluded.name_key)
"""

# The speaker another spelling of a name already stands for (the gazetteer's first).
SPEAKER_BY_KEY = """
select id, name, aliases from speakers where name_key = ? and id != ?
order by in_gazetteer desc, rowid limit 1
"""

# Quotes speaker by speaker (the unresolved, NULL, first), each speaker's in the order that
# makes one the earliest copy of its statement; {where} chooses the speakers.
QUOTES_BY_SPEAKER_EARLIEST_FIRST = """
select quotes.id, quotes.speaker_id, quotes.speaker, quotes.content, quotes.article_id, articles.published,
  quotes.statement_id
from quotes join articles on articles.id = quotes.article_id
{where}
order by quotes.speaker_id, articles.published is null, articles.published, quotes.article_id,
  quotes.content_start, quotes.id
"""
# The speakers with a quote in no statement: new, changed, or unsettled by a change to its statement.
UNSETTLED_SPEAKERS = """
where quotes.speaker_id in (select speaker_id from quotes where statement_id is null)
  or (quotes.speaker_id is null and exists (select 1 from quotes where statement_id is null and speaker_id is null))
"""


# SQLite's way to say which application a database file belongs to (PRAGMA application_id):
# "quot". quotetrack writes only into a new file, one it marked, or one an older quotetrack built.
APPLICATION_ID = 0x71756F74
# Tables an unmarked database from an older quotetrack may hold, and the one that proves it was ours.
OWN_TABLES = {*TABLES, "parses", "sqlite_sequence", "sqlite_stat1"}
OWN_TABLE_PREFIXES = tuple(f"{name}_fts" for name in FTS)


class StoreError(Exception):
    """The database cannot be used: not ours, not writable, not SQLite. The message says what to do."""


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating its folder) the quotetrack database at ``path``, writable, with foreign keys enforced.

    Refuses, with a ``StoreError`` saying what to do, a file that is not SQLite, that
    another application's tables fill, or that cannot be written: before any work is done.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a folder: give the path of a database file, such as {path / 'quotes.db'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the folder {path.parent}: {error.strerror or error}") from None
    for where in (path, path.parent):
        if where.exists() and not os.access(where, os.W_OK):
            raise StoreError(f"{where} is read-only: make it writable, or build into another file")
    db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        claim(db, path)
        # a write undone: fails now, not after the parsing, if the file or its folder (the journal) cannot be written
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE quotetrack_write_check (x)")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        db.close()
        advice = ("make the file and its folder writable, or build into another file" if "readonly" in str(error)
                  else "another process is writing to it: wait for it and run again" if "locked" in str(error)
                  else "check that its folder exists and can be written")
        raise StoreError(f"cannot write {path} ({error}): {advice}") from None
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError(f"{path} is not a usable SQLite database ({error}): choose another file") from None
    except StoreError:
        db.close()
        raise
    return db


def claim(db: sqlite_utils.Database, path: Path) -> None:
    """Mark a new or older quotetrack database as ours; refuse anyone else's."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    if application_id == APPLICATION_ID:
        return
    if application_id:
        raise StoreError(f"{path} belongs to another application (SQLite application_id {application_id:#x}): "
                         "quotetrack builds only its own databases, choose another file")
    names = db.table_names()
    foreign = [name for name in names if name not in OWN_TABLES and not name.startswith(OWN_TABLE_PREFIXES)]
    if names and (foreign or not _built_by_quotetrack(db, names)):
        listed = ", ".join(foreign or names)
        raise StoreError(f"{path} is not a quotetrack database (it has tables quotetrack did not create: {listed}); "
                         "quotetrack never changes other applications' tables, choose another file")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _built_by_quotetrack(db: sqlite_utils.Database, names: list[str]) -> bool:
    """Whether an unmarked database holds what only quotetrack writes: its parse cache, its quotes, or its
    rules' fingerprint."""
    if "parses" in names and set(db.table("parses").columns_dict) == {"content_hash", "model_id", "sentences"}:
        return True
    if "quotes" in names and {"rule_id", "sentence_id", "content_start"} <= set(db.table("quotes").columns_dict):
        return True
    return "settings" in names and set(db.table("settings").columns_dict) == {"key", "value"} and bool(
        db.execute("select 1 from settings where key = 'rules_fingerprint'").fetchone())


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create or adapt tables, indexes, full-text search and views; idempotent.

    A database from an older quotetrack is migrated in place: missing columns are added,
    columns no longer written dropped, types, primary keys and NOT NULLs brought in line
    (sqlite-utils ``transform``); the views are rebuilt around it.
    """
    migrating = any(_differs(db, name, shape) for name, shape in TABLES.items())
    if migrating:
        for name in VIEWS:
            db.execute(f"drop view if exists [{name}]")
        db.execute("PRAGMA foreign_keys = OFF")  # a table rebuilt in place is dropped and renamed
    for name, shape in TABLES.items():
        db.table(name).create(**{**shape, "not_null": set(shape.get("not_null", ()))},
                              column_order=list(shape["columns"]), transform=True)
    if migrating:
        db.execute("PRAGMA foreign_keys = ON")
    db.index_foreign_keys()
    for name, indexes in INDEXES.items():
        for columns in indexes:
            db.table(name).create_index(columns, if_not_exists=True)
    for name, columns in FTS.items():
        db.table(name).enable_fts(columns, tokenize="porter", create_triggers=True, replace=True)
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)


def _differs(db: sqlite_utils.Database, name: str, shape: dict) -> bool:
    """Whether table ``name`` exists with other columns, column order, types, primary key or NOT NULLs than ``shape``."""
    table = db.table(name)
    if not table.exists():
        return False
    wanted_types = [(column, sqlite_utils.db.COLUMN_TYPE_MAPPING[kind]) for column, kind in shape["columns"].items()]
    return (
        [(column.name, column.type.upper()) for column in table.columns] != wanted_types
        or table.pks != [shape["pk"]]
        or {column.name for column in table.columns if column.notnull} != set(shape.get("not_null", ()))
    )


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("select value from settings where key = ?", [key]).fetchone()
    return row and row[0]


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.table("settings").upsert({"key": key, "value": value}, pk="key")


def save_rules(db: sqlite_utils.Database, rules: list[dict]) -> None:
    """Make ``rules`` hold exactly these rules; quotes made by a rule that is gone go with it."""
    columns = TABLES["rules"]["columns"]
    rows = [{column: rule.get(column) for column in columns} for rule in rules]
    kept = json.dumps([row["id"] for row in rows])
    gone = "not in (select value from json_each(?))"
    with db.atomic():
        db.table("rules").upsert_all(rows, pk="id")
        unsettle(db, f"select id from quotes where rule_id {gone}", [kept])
        db.table("quotes").delete_where(f"rule_id {gone}", [kept])
        db.table("rules").delete_where(f"id {gone}", [kept])


def save_speakers(db: sqlite_utils.Database, speakers: list[dict]) -> None:
    """Upsert the gazetteer; speakers dropped from it keep only what quotes say of them."""
    rows = [
        {
            "id": speaker_id(speaker["name"]),
            "name": speaker["name"],
            "type": speaker.get("type"),
            "role": speaker.get("role"),
            "aliases": json.dumps(list(speaker.get("aliases") or []), ensure_ascii=False),
            "name_key": speaker.get("name_key"),
        }
        for speaker in speakers
    ]
    kept = json.dumps([row["id"] for row in rows])
    with db.atomic():
        db.execute(
            "update speakers set in_gazetteer = 0, role = null, aliases = '[]'"
            " where in_gazetteer and id not in (select value from json_each(?))",
            [kept],
        )
        for row in rows:
            db.execute(SPEAKER_FROM_GAZETTEER, row)


class ArticleRows(NamedTuple):
    """The rows one article is stored as."""

    article: dict
    sentences: list[dict]
    quotes: list[dict]
    html: str | None = None  # the page, when it is kept


def article_rows(article: Article, sentences: list[Sentence], quotes: list[Quote]) -> ArticleRows:
    """An article, its sentences and its quotes as rows, ready for ``save_articles``."""
    return ArticleRows(article_row(article), [sentence_row(article, sentence) for sentence in sentences],
                       [quote_row(article.id, quote) for quote in quotes], article.html)


def save_articles(db: sqlite_utils.Database, batch: list[ArticleRows]) -> None:
    """Replace each article of ``batch`` with its sentences and quotes, all in one transaction.

    Rows stored as they are already stay untouched: re-attribution rewrites only the
    quotes that changed. Quotes' ``statement_id`` is set by ``refresh_statements``: a
    changed quote has none, nor has any quote that shared a statement with a quote that
    changed or went (``unsettle``).
    """
    with db.atomic():
        for rows in batch:
            article_id = rows.article["id"]
            save_article_row(db, rows.article)
            save_sentence_rows(db, article_id, rows.sentences)
            save_quote_rows(db, article_id, rows.quotes)
            if rows.html is not None:
                db.table("pages").upsert({"article_id": article_id, "html": rows.html}, pk="article_id")


def unsettle(db: sqlite_utils.Database, quote_ids: str, parameters: list) -> None:
    """Take every quote that shares a statement with those ``quote_ids`` (SQL) selects out of its statement:
    before they change or go, so that ``refresh_statements`` groups their speakers' quotes again."""
    db.execute(f"update quotes set statement_id = null where statement_id in "
               f"(select statement_id from quotes where id in ({quote_ids}))", parameters)


def save_article_row(db: sqlite_utils.Database, row: dict) -> None:
    """Store the article's row; when it changes (its date orders its quotes), its quotes' statements are unsettled."""
    if stored_rows(db, "articles", "id = ?", [row["id"]]) != [row]:
        unsettle(db, "select id from quotes where article_id = ?", [row["id"]])
        db.table("articles").upsert(row, pk="id")


def save_sentence_rows(db: sqlite_utils.Database, article_id: str, rows: list[dict]) -> None:
    """Make these rows the article's sentences; when they change, its quotes go first (they refer to them)."""
    if stored_rows(db, "sentences", "article_id = ? order by sentence_index", [article_id]) != rows:
        unsettle(db, "select id from quotes where article_id = ?", [article_id])
        for table in ("quotes", "sentences"):
            db.execute(f"delete from {table} where article_id = ?", [article_id])
        db.table("sentences").insert_all(rows)


def save_quote_rows(db: sqlite_utils.Database, article_id: str, rows: list[dict]) -> None:
    """Make these rows the article's quotes; stored ones that are still wanted as they are stay.

    A name new to the database whose spelling key an earlier speaker has ("Tomas Dvorak" after
    "Tomáš Dvořák", "Volodymyr Zelenskiy" after "Volodymyr Zelensky") joins that speaker, and
    the spelling is added to its aliases.
    """
    keys = {row["id"]: row.pop("speaker_key", None) for row in rows}
    keyed = [row for row in rows if keys[row["id"]] and row["speaker_id"]]
    known = stored_speaker_ids(db, [row["speaker_id"] for row in keyed]) if keyed else set()
    for row in keyed:
        if row["speaker_id"] not in known:
            row["speaker_id"] = same_speaker(db, row["speaker_id"], row["speaker"], keys[row["id"]])
    wanted = {row["id"]: row for row in rows}
    stored = {row["id"]: row for row in stored_rows(db, "quotes", "article_id = ?", [article_id])}
    changed = {quote_id for quote_id, row in wanted.items() if stored.get(quote_id) != row}
    gone = [[quote_id] for quote_id in stored if quote_id not in wanted]
    if gone or changed & stored.keys():
        unsettle(db, "select value from json_each(?)", [json.dumps([*changed & stored.keys(), *(g for g, in gone)])])
    db.conn.executemany("delete from quotes where id = ?", gone)
    db.conn.executemany(SPEAKER_FROM_QUOTE, [
        {"id": row["speaker_id"], "name": row["speaker"], "type": row["speaker_type"], "name_key": keys[row["id"]]}
        for row in rows if row["speaker_id"] and row["id"] in changed
    ])
    if changed:  # sqlite-utils reads the table's columns even for no rows
        db.table("quotes").insert_all([row for row in rows if row["id"] in changed], pk="id", replace=True)


def stored_speaker_ids(db: sqlite_utils.Database, ids: list[str]) -> set[str]:
    """Those of the speaker ``ids`` that are stored."""
    return {speaker_id for speaker_id, in db.execute(
        "select id from speakers where id in (select value from json_each(?))", [json.dumps(ids)])}


def same_speaker(db: sqlite_utils.Database, own_id: str, name: str, key: str) -> str:
    """The id of the speaker this name (new to the database) is another spelling of, or ``own_id``."""
    found = db.execute(SPEAKER_BY_KEY, [key, own_id]).fetchone()
    if found is None:
        return own_id
    found_id, found_name, aliases = found
    aliases = json.loads(aliases or "[]")
    if name != found_name and name not in aliases:
        db.execute("update speakers set aliases = ? where id = ?",
                   [json.dumps(aliases + [name], ensure_ascii=False), found_id])
    return found_id


def stored_rows(db: sqlite_utils.Database, table: str, where: str, parameters: list) -> list[dict]:
    """The rows of ``table`` matching ``where``, with the columns the store writes (all but ``statement_id``)."""
    columns = [column for column in TABLES[table]["columns"] if column != "statement_id"]
    sql = f"select {', '.join(f'[{column}]' for column in columns)} from {table} where {where}"
    return [dict(zip(columns, row)) for row in db.execute(sql, parameters)]


def article_sources(db: sqlite_utils.Database, ids: list[str]) -> dict[str, tuple[str, str]]:
    """(source, content hash) of each of the articles ``ids`` that is stored, by article id."""
    sql = "select id, source, content_hash from articles where id in (select value from json_each(?))"
    return {article_id: (source, content_hash) for article_id, source, content_hash in db.execute(sql, [json.dumps(ids)])}


def save_skipped(db: sqlite_utils.Database, skipped: list[tuple[str, str]], ingested_sources: list[str]) -> None:
    """Forget the skipped inputs ingested now, then record the (source, reason) of those skipped."""
    with db.atomic():
        db.conn.executemany("delete from skipped where source = ?", [[source] for source in ingested_sources])
        db.table("skipped").upsert_all([{"source": source, "reason": reason} for source, reason in skipped], pk="source")


def stored_articles(db: sqlite_utils.Database) -> Iterator[Article]:
    """The stored articles as ingest made them, to attribute them again (their parses are cached)."""
    return map(article_of_row, db.query("select * from articles order by id"))


class StoredInputs:
    """The articles stored in the database at ``path``, by ``input_hash``: what ``ingest`` need not read again.
    Opened read-only on the first call at which the database exists; the build writes through its own connection."""

    def __init__(self, path: str | Path):
        self.path, self.db = Path(path), None

    def __call__(self, input_hash: str) -> Article | None:
        if self.db is None:
            if not self.path.is_file():
                return None
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            self.db.row_factory = sqlite3.Row
        try:  # fetchall: no statement left open to hold the file's lock while the build commits
            rows = self.db.execute("select * from articles where input_hash = ? limit 1", [input_hash]).fetchall()
        except sqlite3.OperationalError:  # no articles table yet, or one from before input hashes
            return None
        return article_of_row(dict(rows[0])) if rows else None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def article_of_row(row: dict) -> Article:
    """The article ``article_row`` made ``row`` of (its page's HTML aside)."""
    return Article(**{column: row[column] for column in TABLES["articles"]["columns"] if column not in JSON_FIELDS},
                   metadata=json.loads(row["metadata"] or "{}"), boilerplate=json.loads(row["boilerplate"] or "[]"),
                   segments=[tuple(segment) for segment in json.loads(row["segments"] or "[[0, 0]]")])


def quote_counts(db: sqlite_utils.Database, article_ids: list[str],
                 kept_rules: str | None = None) -> dict[str, int]:
    """The number of stored quotes of each of ``article_ids`` that has any; with ``kept_rules`` (a JSON
    list of rule ids), only theirs."""
    where, parameters = of_rules(kept_rules)
    return dict(db.execute(f"select article_id, count(*) from quotes where article_id in "
                           f"(select value from json_each(?)) and {where} group by article_id",
                           [json.dumps(article_ids), *parameters]))


def quoted_article_count(db: sqlite_utils.Database) -> int:
    """How many articles have stored quotes."""
    return db.execute("select count(distinct article_id) from quotes").fetchone()[0]


def quote_total(db: sqlite_utils.Database, kept_rules: str | None = None) -> int:
    """The number of stored quotes; with ``kept_rules`` (a JSON list of rule ids), only theirs."""
    where, parameters = of_rules(kept_rules)
    return db.execute(f"select count(*) from quotes where {where}", parameters).fetchone()[0]


def of_rules(rule_ids: str | None) -> tuple[str, list]:
    """A condition on quotes, and its parameters: made by one of ``rule_ids`` (a JSON list), or any when None."""
    return ("rule_id in (select value from json_each(?))", [rule_ids]) if rule_ids is not None else ("1", [])


def refresh_statements(db: sqlite_utils.Database) -> None:
    """Group each speaker's near-identical quotes (syndicated copies) into statements.

    Brings ``statements`` and every ``quotes.statement_id`` up to date, writing only
    what changed, then removes statements and non-gazetteer speakers nothing refers
    to any more. Run it after the last ``save_articles`` of a build. Only the speakers
    with a quote outside any statement are grouped again (``save_articles`` leaves the
    others' statements as they were), and one speaker's quotes are in memory at a time.
    """
    with db.atomic():
        for quotes in quotes_by_speaker(db, unsettled=True):
            save_statements(db, [(statement_row(members), members) for members in linked_groups(quotes)])
        db.execute(
            "delete from statements"
            " where id not in (select statement_id from quotes where statement_id is not null)"
        )
        db.execute(
            "delete from speakers where not in_gazetteer"
            " and id not in (select speaker_id from quotes where speaker_id is not null)"
        )


def quotes_by_speaker(db: sqlite_utils.Database, unsettled: bool = False) -> Iterator[list[dict]]:
    """Each speaker's quotes (or only each ``UNSETTLED_SPEAKERS``'), earliest first, one speaker at a time.

    They are sorted once into a temporary table and read back from it, so the caller
    may write to ``quotes`` meanwhile, and only one speaker's quotes are in memory.
    """
    db.execute("drop table if exists temp.quotes_by_speaker")
    db.execute("create temp table quotes_by_speaker as "
               + QUOTES_BY_SPEAKER_EARLIEST_FIRST.format(where=UNSETTLED_SPEAKERS if unsettled else ""))
    try:
        cursor = db.execute("select * from temp.quotes_by_speaker order by rowid")
        columns = [column[0] for column in cursor.description]
        for _, rows in groupby(cursor, key=lambda row: row[1]):  # speaker_id
            yield [dict(zip(columns, row)) for row in rows]
    finally:
        db.execute("drop table if exists temp.quotes_by_speaker")


def upsert_sql(table: str) -> str:
    """An insert of one row of ``table`` (named parameters) that replaces the row with its primary key."""
    columns = list(TABLES[table]["columns"])
    return (f"insert into {table} ({', '.join(columns)}) values ({', '.join(':' + c for c in columns)})"
            f" on conflict ({TABLES[table]['pk']}) do update set {', '.join(f'{c} = excluded.{c}' for c in columns)}")


def save_statements(db: sqlite_utils.Database, statements: list[tuple[dict, list[dict]]]) -> None:
    """Write these statements and point their quotes at them, touching only rows that change."""
    columns = list(TABLES["statements"]["columns"])
    cursor = db.execute(f"select {', '.join(columns)} from statements where id in (select value from json_each(?))",
                        [json.dumps([row["id"] for row, _ in statements])])
    stored = {row[0]: dict(zip(columns, row)) for row in cursor}
    db.conn.executemany(upsert_sql("statements"), [row for row, _ in statements if stored.get(row["id"]) != row])
    db.conn.executemany("update quotes set statement_id = ? where id = ?", [
        (row["id"], member["id"]) for row, members in statements for member in members
        if member["statement_id"] != row["id"]
    ])


def linked_groups(quotes: list[dict]) -> list[list[dict]]:
    """Partition one speaker's quotes, given earliest first, into statements, each listed earliest first.

    Quotes are one statement when a chain of ``near_identical`` pairs links them:
    syndicated copies of one wording, not paraphrases. Only the pairs ``candidate_pairs`` proposes are compared: the same groups as
    comparing every pair, in about linear time instead of quadratic.
    """
    wordings = [wording(quote["content"]) for quote in quotes]
    parent = list(range(len(quotes)))  # union-find forest; a group's root is its first quote

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        first, second = sorted((root(i), root(j)))
        parent[second] = first

    unique: dict[str, int] = {}  # identical wordings are near-identical: compare one of each
    for i, one in enumerate(wordings):
        if one.spaced in unique:
            join(unique[one.spaced], i)
        else:
            unique[one.spaced] = i
    representatives = list(unique.values())
    for a, b in candidate_pairs([wordings[i] for i in representatives]):
        i, j = representatives[a], representatives[b]
        if root(i) != root(j) and near_identical(wordings[i], wordings[j]):
            join(i, j)
    groups = defaultdict(list)
    for i, quote in enumerate(quotes):
        groups[root(i)].append(quote)
    return list(groups.values())


def candidate_pairs(wordings: list[Wording]) -> Iterator[tuple[int, int]]:
    """Pairs of distinct ``wordings`` (indexes, each pair once or more) that may be ``near_identical``;
    every near-identical pair is among them.

    Two indexes find them. Shared words: wordings whose distinct words overlap by
    ``STATEMENT_JACCARD`` share a word among the rarest few of each (prefix
    filtering: a set of n words shares one of its first n - ceil(t·n) + 1 words, in
    any fixed order, with every set it overlaps by t). Contained runs: a wording of
    ``STATEMENT_CONTAINED_WORDS`` words or more that runs unbroken in a longer one
    shares all its runs of that many words with it, so the longer one is listed
    under the shorter's rarest run.
    """
    frequency = Counter(word for one in wordings for word in one.distinct)
    sizes = [len(one.distinct) for one in wordings]
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, one in enumerate(wordings):
        rarest_first = sorted(one.distinct, key=lambda word: (frequency[word], word))
        prefix = sizes[i] - math.ceil(STATEMENT_JACCARD * sizes[i] - 1e-9) + 1  # rounded to the safe side
        for word in rarest_first[:prefix]:
            # sets of sizes m <= n overlap by at most m/n
            yield from ((j, i) for j in by_word[word]
                        if min(sizes[i], sizes[j]) + 1e-9 >= STATEMENT_JACCARD * max(sizes[i], sizes[j]))
            by_word[word].append(i)
    length = STATEMENT_CONTAINED_WORDS
    words = [one.spaced.split() for one in wordings]
    by_run: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, sequence in enumerate(words):
        for run in set(runs(sequence, length)):
            by_run[run].append(i)
    for i, sequence in enumerate(words):
        if len(sequence) >= length:
            rarest = min(runs(sequence, length), key=lambda run: len(by_run[run]))
            yield from ((i, j) for j in by_run[rarest] if len(words[j]) > len(sequence))


def runs(words: list[str], length: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``length`` consecutive ``words``."""
    return zip(*(words[k:] for k in range(length)))


class Wording(NamedTuple):
    """A quote's case-folded words, punctuation and quote marks ignored, ready to compare."""

    count: int
    spaced: str  # the words in order, each with a space before and after
    distinct: frozenset[str]


def wording(text: str) -> Wording:
    words = re.findall(r"\w+", text.casefold())
    return Wording(len(words), f" {' '.join(words)} ", frozenset(words))


def near_identical(one: Wording, other: Wording) -> bool:
    """Whether two quotes' wordings are copies of one statement."""
    shorter, longer = sorted((one, other), key=lambda w: w.count)
    if shorter.count >= STATEMENT_CONTAINED_WORDS and shorter.spaced in longer.spaced:
        return True
    return len(one.distinct & other.distinct) >= STATEMENT_JACCARD * len(one.distinct | other.distinct)


def statement_row(members: list[dict]) -> dict:
    """One statement from its quotes, earliest first: named after the earliest, worded as the longest."""
    first = members[0]
    return {
        "id": stable_id("statement", first["id"]),
        "speaker": first["speaker"],
        "content": max(members, key=lambda quote: len(quote["content"]))["content"],
        "quote_count": len(members),
        "article_count": len({member["article_id"] for member in members}),
        "first_published": first["published"],
        "first_article_id": first["article_id"],
        "speaker_id": first["speaker_id"],
    }


JSON_FIELDS = ("metadata", "segments", "boilerplate")  # an article's fields stored as JSON


def article_row(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "title_source": article.title_source,
        "published": article.published,
        "outlet": article.outlet,
        "dateline_place": article.dateline_place,
        "dateline_agency": article.dateline_agency,
        "author": article.author,
        "site_name": article.site_name,
        "language": article.language,
        "url": article.url,
        "source": article.source,
        "content_hash": article.content_hash,
        "text": article.text,
        "metadata": json.dumps(article.metadata, ensure_ascii=False, sort_keys=True),
        "segments": json.dumps(article.segments),
        "boilerplate": json.dumps(article.boilerplate, ensure_ascii=False),
        "input_hash": article.input_hash,
    }


def sentence_row(article: Article, sentence: Sentence) -> dict:
    return {
        "id": sentence_id(article.id, sentence.index),
        "article_id": article.id,
        "sentence_index": sentence.index,
        "paragraph": sentence.paragraph,
        "start": sentence.start,
        "end": sentence.end,
        "text": article.text[sentence.start : sentence.end],
    }


def quote_row(article_id: str, quote: Quote) -> dict:
    return {
        "id": quote_id(article_id, quote),
        "speaker": quote.speaker,
        "role": quote.role,
        "type": quote.type,
        "channel": quote.channel,
        "category": quote.category,
        "speaker_type": quote.speaker_type,
        "speaker_kind": quote.speaker_kind,
        "speaker_key": quote.speaker_key,  # read (and dropped) by save_quote_rows
        "cue_lemma": quote.cue_lemma,
        "article_id": article_id,
        "sentence_index": quote.sentence_index,
        "sentence_id": sentence_id(article_id, quote.sentence_index),
        "speaker_id": speaker_id(quote.speaker) if quote.speaker else None,
        "rule_id": quote.rule_id,
        "confidence": quote.confidence,
        **span_columns("content", "content", quote.content),
        **content_parts_columns(quote),
        **span_columns("cue", "cue", quote.cue),
        **span_columns("speaker_mention", "speaker", quote.speaker_span),
        **span_columns("referent", "referent", quote.referent_span),
    }


def content_parts_columns(quote: Quote) -> dict:
    """An interrupted quotation: its quoted parts as the content text, joined by " … ", and their
    offsets as JSON ``[[start, end], …]``; nothing for content in one piece."""
    if not quote.content_parts:
        return {"content_parts": None}
    return {"content": " … ".join(part.text for part in quote.content_parts),
            "content_parts": json.dumps([[part.start, part.end] for part in quote.content_parts])}


def span_columns(text_column: str, offset_prefix: str, span: Span | None) -> dict:
    """A span as a text column plus ``<prefix>_start``/``<prefix>_end`` offset columns."""
    return {
        text_column: span and span.text,
        f"{offset_prefix}_start": span and span.start,
        f"{offset_prefix}_end": span and span.end,
    }


def quote_id(article_id: str, quote: Quote) -> str:
    """Stable id: the same rule finding the same content and cue in the same article."""
    cue = quote.cue and (quote.cue.start, quote.cue.end)
    return stable_id(article_id, quote.content.start, quote.content.end, cue, quote.rule_id)


def sentence_id(article_id: str, index: int) -> str:
    return f"{article_id}:{index}"


def speaker_id(name: str) -> str:
    """A readable slug of a canonical name, accents folded: "Tomáš Dvořák" → "tomas-dvorak",
    so one person written with and without diacritics in two articles is one speaker."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return "-".join(re.findall(r"\w+", folded)) or stable_id(name)


def stable_id(*parts) -> str:
    """A short hash of ``parts``, the same on every run."""
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
