"""The database's shape, declared once as data, and the steps that make a file fit it.

``TABLES``, ``INDEXES``, ``FTS`` and ``VIEWS`` are the published database; ``connect``
opens (and claims) a file, ``ensure_db_shape`` makes it fit the declaration, idempotently,
migrating a database an older quotetrack built (in the manner of github-to-sqlite).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from ..errors import StoreError

TABLES = {
    # What a build needs to remember between runs, such as the rules' fingerprint.
    "settings": {"columns": {"key": str, "value": str}, "pk": "key"},
    "rules": {
        "columns": {"id": str, "kind": str, "description": str, "file": str, "line": int,
                    "examples": str,  # JSON list of {"text", "match", ...}, as the rule file writes them
                    "yaml": str},  # the rule as its file writes it (the rule page shows it)
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
            "confidence": float,  # the measured precision of its rule (rules/precision.yml)
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
           "speakers": [["name_key"]], "fetches": [["url"], ["fetched_at"]], "tracked_urls": [["state"], ["article_id"]],
           # who_said_what's sentence of each quote: a lookup, not a scan of the article's sentences
           "sentences": [["article_id", "start"]]}

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
order by articles.published is null, articles.published desc, quotes.article_id, quotes.content_start, quotes.id
""".strip(),
}

# SQLite's way to say which application a database file belongs to (PRAGMA application_id):
# "quot". quotetrack writes only into a new file, one it marked, or one an older quotetrack built.
APPLICATION_ID = 0x71756F74
PARSES_APPLICATION_ID = 0x71747063  # "qtpc": a parse cache file (``parses.py``)
# Tables an unmarked database from an older quotetrack may hold (its parse cache among them, moved out on
# opening), and the ones that prove it was ours.
OWN_TABLES = {*TABLES, "parses", "sqlite_sequence", "sqlite_stat1"}
OWN_TABLE_PREFIXES = tuple(f"{name}_fts" for name in FTS)


def connect(path: str | Path, claim: Callable[[sqlite_utils.Database, Path], None]) -> sqlite_utils.Database:
    """Open (creating its folder) the SQLite file at ``path``, writable, with foreign keys enforced, once
    ``claim`` has accepted it (and marked it as quotetrack's).

    Refuses, with a ``StoreError`` saying what to do, a file that is not SQLite, that
    ``claim`` refuses, or that cannot be written: before any work is done.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError("QT200", f"{path} is a folder: give the path of a database file, such as {path / 'quotes.db'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError("QT201", f"cannot create the folder {path.parent}: {error.strerror or error}") from None
    for where in (path, path.parent):
        if where.exists() and not os.access(where, os.W_OK):
            raise StoreError("QT202", f"{where} is read-only: make it writable, or build into another file")
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
        raise StoreError("QT203", f"cannot write {path} ({error}): {advice}") from None
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError("QT204", f"{path} is not a usable SQLite database ({error}): choose another file") from None
    except StoreError:
        db.close()
        raise
    return db


def claim_database(db: sqlite_utils.Database, path: Path) -> None:
    """Mark a new or older quotetrack database as ours; refuse anyone else's, and a parse cache file."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    if application_id == APPLICATION_ID:
        return
    if application_id == PARSES_APPLICATION_ID:
        raise StoreError("QT206", f"{path} is quotetrack's parse cache of a database, not a database: give the "
                         f"database's own path (such as {path.name.replace('.parses', '')})")
    if application_id:
        raise StoreError("QT205", f"{path} belongs to another application (SQLite application_id {application_id:#x}): "
                         "quotetrack builds only its own databases, choose another file")
    names = db.table_names()
    foreign = [name for name in names if name not in OWN_TABLES and not name.startswith(OWN_TABLE_PREFIXES)]
    if names and (foreign or not _built_by_quotetrack(db, names)):
        listed = ", ".join(foreign or names)
        raise StoreError("QT205", f"{path} is not a quotetrack database (it has tables quotetrack did not create: "
                         f"{listed}); quotetrack never changes other applications' tables, choose another file")
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

