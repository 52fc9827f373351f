"""The parse cache: each article's encoded Stanza parse by (content hash, model id), in a file of its own.

It lies beside the database it serves, named after it (``quotes.db`` → ``quotes.parses.db``,
``parses_path``), so the database datasette publishes holds only what is published; a
rule edit re-attributes from it without parsing, and deleting it costs only a re-parse.
``quotetrack eval --cache`` names such a file directly. The blobs are the parse stage's
(``stages.parse.encode``): this module stores them and knows nothing of their format.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from ..errors import StoreError
from .shape import APPLICATION_ID, PARSES_APPLICATION_ID, connect

TABLE = "parses"
COLUMNS = {"content_hash": str, "model_id": str, "sentences": bytes}


def parses_path(db_path: str | Path) -> Path:
    """The parse cache file of the database at ``db_path``: ``quotes.db`` → ``quotes.parses.db``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.parses{db_path.suffix or '.db'}")


class ParseFile:
    """Encoded parses in a SQLite file of their own (see the module's docstring); created when missing."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = connect(self.path, claim_parse_file)
        if TABLE not in self.db.table_names():
            self.db[TABLE].create(COLUMNS, pk=("content_hash", "model_id"))

    def blob(self, content_hash: str, model: str) -> bytes | None:
        """The encoded parse of this text by this model, if one is cached."""
        row = self.db.execute(f"select sentences from {TABLE} where content_hash = ? and model_id = ?",
                              [content_hash, model]).fetchone()
        return row and row[0]

    def put(self, model: str, parses: list[tuple[str, bytes]]) -> None:
        """Cache encoded parses, given as (content hash, blob), in one transaction."""
        if parses:
            with self.db.conn:
                self.db.conn.executemany(f"insert or replace into {TABLE} (content_hash, model_id, sentences) "
                                         "values (?, ?, ?)", [(content_hash, model, blob) for content_hash, blob in parses])

    def count(self) -> int:
        return self.db.execute(f"select count(*) from {TABLE}").fetchone()[0]

    def close(self) -> None:
        self.db.close()


def claim_parse_file(db: sqlite_utils.Database, path: Path) -> None:
    """Mark a new parse cache file, or an older one (a file of parses alone, as ``eval --cache`` wrote), as one;
    refuse any other file."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    if application_id == PARSES_APPLICATION_ID:
        return
    others = [name for name in db.table_names() if name != TABLE and not name.startswith("sqlite_")]
    if application_id not in (0, APPLICATION_ID) or others:
        raise StoreError("QT206", f"{path} is not a parse cache (it holds {', '.join(others) or 'other data'}): "
                         f"give a file of quotetrack's parses, such as {parses_path('quotes.db')}, or a new file")
    db.execute(f"PRAGMA application_id = {PARSES_APPLICATION_ID}")


def move_parses(db: sqlite_utils.Database, parse_file: ParseFile) -> None:
    """Move the ``parses`` table an older quotetrack kept in the database into its parse cache file.

    One transaction over both files (SQLite commits attached files atomically): the rows are
    copied (those the file has already stay), then the table is dropped; a crash leaves the
    database as it was. The freed space is then given back (VACUUM), so the published file shrinks.
    """
    db.execute("ATTACH DATABASE ? AS parse_file", [str(parse_file.path)])
    try:
        with db.atomic():
            db.execute(f"insert or ignore into parse_file.{TABLE} (content_hash, model_id, sentences) "
                       f"select content_hash, model_id, sentences from main.{TABLE}")
            db.execute(f"drop table main.{TABLE}")
    finally:
        db.execute("DETACH DATABASE parse_file")
    try:
        db.execute("VACUUM")
    except sqlite3.OperationalError:  # no room for the copy VACUUM makes: the space is reused by later writes
        pass
