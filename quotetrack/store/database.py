"""The Store: one quotetrack database and its parse cache, with every write a build makes.

In the manner of sqlite-utils' ``Database``: a ``Store`` owns the connection, the
transactions and the SQL; the pipeline asks it to save an article's results, refresh
statements and record a run. Opening one makes the file fit ``shape.TABLES``
(``ensure_db_shape``) and moves an older layout's parse cache into its own file
(``parses.py``). Every row has a stable primary key derived from what it describes, and
every write replaces what was there, so rebuilding from the same input gives the same
rows. ``save_results`` writes a batch of articles in one transaction: a crash loses at
most the batch being written, and the build marker (``begin_build``) makes the next run
finish what an interrupted one started.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Self

import sqlite_utils

from ..records import Article
from .parses import TABLE as PARSES_TABLE
from .parses import ParseFile, move_parses, parses_path
from .rows import ArticleRows, article_of_row, role_words, speaker_id
from .shape import TABLES, claim_database, connect, ensure_db_shape
from .statements import Grouping, linked_groups, statement_row

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

# The speaker another spelling of a name already stands for (the gazetteer's first), and its roles.
SPEAKER_ROLES = "select distinct role from quotes where speaker_id = ? and role is not null"
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

# settings keys: the fingerprint of the rules, parser and code of the last build that finished, and
# that of the build under way (written before its first write, removed when it finishes)
FINGERPRINT, BUILD_STARTED = "rules_fingerprint", "build_started"
MIXED = "mixed"  # the build_started of builds with two fingerprints, both interrupted: equal to no fingerprint


class Store:
    """A quotetrack database (see the module's docstring). ``Store.open(path)``, or as a context manager."""

    def __init__(self, db: sqlite_utils.Database, parses: ParseFile):
        self.db, self.parses = db, parses

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (or create) the database at ``path`` and its parse cache beside it, in today's shape."""
        db = connect(path, claim_database)
        try:
            parses = ParseFile(parses_path(path))
        except BaseException:
            db.close()
            raise
        store = cls(db, parses)
        try:
            if PARSES_TABLE in db.table_names():
                move_parses(db, parses)
            ensure_db_shape(db)
        except BaseException:
            store.close()
            raise
        return store

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self.parses.close()

    def transaction(self) -> contextlib.AbstractContextManager:
        """One transaction (a savepoint inside another): all of it is written, or none. Every write of the
        store runs in one, so none is left in a transaction that the sqlite3 module opened and never commits."""
        return self.db.atomic()

    # ------------------------------------------------------------------ settings and the build marker

    def setting(self, key: str) -> str | None:
        row = self.db.execute("select value from settings where key = ?", [key]).fetchone()
        return row and row[0]

    def set_setting(self, key: str, value: str | None) -> None:
        """Set ``key`` to ``value``; None removes it."""
        with self.transaction():
            if value is None:
                self.db.execute("delete from settings where key = ?", [key])
            else:
                self.db.execute("insert into settings (key, value) values (?, ?) on conflict (key) do update set "
                                "value = excluded.value", [key, value])

    @property
    def rules_fingerprint(self) -> str | None:
        """The fingerprint of the rules, parser and code the last finished build ran with."""
        return self.setting(FINGERPRINT)

    def needs_reattribution(self, fingerprint: str) -> bool:
        """Whether stored articles may have been attributed otherwise than ``fingerprint`` says: the last
        finished build ran with others, or a build with others stopped half way."""
        stored, started = self.rules_fingerprint, self.setting(BUILD_STARTED)
        return (stored is not None and stored != fingerprint) or started not in (None, fingerprint)

    def begin_build(self, fingerprint: str) -> None:
        """Mark a build with ``fingerprint`` as under way, before its first write: a rerun after any
        interruption then knows the stored quotes may be a mix of two rule sets, and attributes every
        article again (``needs_reattribution``). A build with the stored fingerprint needs no mark."""
        started = self.setting(BUILD_STARTED)
        if fingerprint == self.rules_fingerprint or started == fingerprint:
            return
        # a second rule set while another's build stopped half way: rows of both may be stored
        self.set_setting(BUILD_STARTED, fingerprint if started is None else MIXED)

    def record_run(self, fingerprint: str, skipped: list[tuple[str, str]]) -> None:
        """A build finished: record the (source, reason) of the inputs it skipped, and its fingerprint."""
        with self.transaction():
            self.save_skipped(skipped)
            self.set_setting(FINGERPRINT, fingerprint)
            self.set_setting(BUILD_STARTED, None)

    # ------------------------------------------------------------------ inputs

    def save_skipped(self, skipped: list[tuple[str, str]]) -> None:
        """Record the (source, reason) of inputs that were not ingested."""
        with self.transaction():
            self.db.table("skipped").upsert_all([{"source": source, "reason": reason} for source, reason in skipped],
                                                pk="source")

    def forget_skipped(self, sources: list[str]) -> None:
        """These inputs were ingested now: they are no longer skipped."""
        with self.transaction():
            self.db.conn.executemany("delete from skipped where source = ?", [[source] for source in sources])

    def article_sources(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(source, content hash) of each of the articles ``ids`` that is stored, by article id."""
        sql = "select id, source, content_hash from articles where id in (select value from json_each(?))"
        return {article_id: (source, content_hash)
                for article_id, source, content_hash in self.db.execute(sql, [json.dumps(ids)])}

    def stored_articles(self) -> Iterator[Article]:
        """The stored articles as ingest made them, to attribute them again (their parses are cached)."""
        return map(article_of_row, self.db.query("select * from articles order by id"))

    # ------------------------------------------------------------------ rules and the gazetteer

    def save_rules(self, rules: list[dict]) -> None:
        """Make ``rules`` hold exactly these rules; quotes made by a rule that is gone go with it."""
        columns = TABLES["rules"]["columns"]
        rows = [{column: rule.get(column) for column in columns} for rule in rules]
        kept = json.dumps([row["id"] for row in rows])
        gone = "not in (select value from json_each(?))"
        with self.transaction():
            self.db.table("rules").upsert_all(rows, pk="id")
            self._unsettle(f"select id from quotes where rule_id {gone}", [kept])
            self.db.table("quotes").delete_where(f"rule_id {gone}", [kept])
            self.db.table("rules").delete_where(f"id {gone}", [kept])

    def save_speakers(self, speakers: list[dict]) -> None:
        """Upsert the gazetteer (name, type, role, aliases, name_key); speakers dropped from it keep only what
        quotes say of them."""
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
        with self.transaction():
            self.db.execute("update speakers set in_gazetteer = 0, role = null, aliases = '[]'"
                            " where in_gazetteer and id not in (select value from json_each(?))", [kept])
            self.db.conn.executemany(SPEAKER_FROM_GAZETTEER, rows)

    # ------------------------------------------------------------------ an article's results

    def save_results(self, batch: list[ArticleRows]) -> None:
        """Replace each article of ``batch`` with its sentences and quotes, all in one transaction.

        Rows stored as they are already stay untouched: re-attribution rewrites only the
        quotes that changed. Quotes' ``statement_id`` is set by ``refresh_statements``: a
        changed quote has none, nor has any quote that shared a statement with a quote that
        changed or went (``_unsettle``).
        """
        with self.transaction():
            for rows in batch:
                article_id = rows.article["id"]
                self._save_article_row(rows.article)
                self._save_sentence_rows(article_id, rows.sentences)
                self._save_quote_rows(article_id, rows.quotes)
                if rows.html is not None:
                    self.db.table("pages").upsert({"article_id": article_id, "html": rows.html}, pk="article_id")

    def _unsettle(self, quote_ids: str, parameters: list) -> None:
        """Take every quote that shares a statement with those ``quote_ids`` (SQL) selects out of its statement:
        before they change or go, so that ``refresh_statements`` groups their speakers' quotes again."""
        self.db.execute(f"update quotes set statement_id = null where statement_id in "
                        f"(select statement_id from quotes where id in ({quote_ids}))", parameters)

    def _save_article_row(self, row: dict) -> None:
        """Store the article's row; when it changes (its date orders its quotes), its quotes' statements are unsettled."""
        if self._stored_rows("articles", "id = ?", [row["id"]]) != [row]:
            self._unsettle("select id from quotes where article_id = ?", [row["id"]])
            self.db.table("articles").upsert(row, pk="id")

    def _save_sentence_rows(self, article_id: str, rows: list[dict]) -> None:
        """Make these rows the article's sentences; when they change, its quotes go first (they refer to them)."""
        if self._stored_rows("sentences", "article_id = ? order by sentence_index", [article_id]) != rows:
            self._unsettle("select id from quotes where article_id = ?", [article_id])
            for table in ("quotes", "sentences"):
                self.db.execute(f"delete from {table} where article_id = ?", [article_id])
            self.db.table("sentences").insert_all(rows)

    def _save_quote_rows(self, article_id: str, rows: list[dict]) -> None:
        """Make these rows the article's quotes; stored ones that are still wanted as they are stay.

        A speaker new to the database whose spelling key an earlier speaker has joins it (``_same_speaker``).
        """
        keys = {row["id"]: row.pop("speaker_key", None) for row in rows}
        keyed = [row for row in rows if keys[row["id"]] and row["speaker_id"]]
        known = self._stored_speaker_ids([row["speaker_id"] for row in keyed]) if keyed else set()
        for row in keyed:
            if row["speaker_id"] not in known:
                row["speaker_id"] = self._same_speaker(row["speaker_id"], row["speaker"], keys[row["id"]], row["role"])
        wanted = {row["id"]: row for row in rows}
        stored = {row["id"]: row for row in self._stored_rows("quotes", "article_id = ?", [article_id])}
        changed = {quote_id for quote_id, row in wanted.items() if stored.get(quote_id) != row}
        gone = [quote_id for quote_id in stored if quote_id not in wanted]
        if gone or changed & stored.keys():
            self._unsettle("select value from json_each(?)", [json.dumps([*changed & stored.keys(), *gone])])
        self.db.conn.executemany("delete from quotes where id = ?", [[quote_id] for quote_id in gone])
        self.db.conn.executemany(SPEAKER_FROM_QUOTE, [
            {"id": row["speaker_id"], "name": row["speaker"], "type": row["speaker_type"], "name_key": keys[row["id"]]}
            for row in rows if row["speaker_id"] and row["id"] in changed
        ])
        if changed:  # sqlite-utils reads the table's columns even for no rows
            self.db.table("quotes").insert_all([row for row in rows if row["id"] in changed], pk="id", replace=True)

    def _stored_speaker_ids(self, ids: list[str]) -> set[str]:
        return {found for found, in self.db.execute(
            "select id from speakers where id in (select value from json_each(?))", [json.dumps(ids)])}

    def _same_speaker(self, own_id: str, name: str, key: str, role: str | None) -> str:
        """The id of the speaker this name (new to the database) is another spelling of, or ``own_id``:
        "Tomas Dvorak" after "Tomáš Dvořák", "Volodymyr Zelenskiy" after "Volodymyr Zelensky". The
        spelling joins that speaker's aliases. A spelling that sounds alike but is written otherwise
        ("Choudhary" / "Chaudhary") joins only where the roles do not disagree (both known, sharing no word)."""
        found = self.db.execute(SPEAKER_BY_KEY, [key, own_id]).fetchone()
        if found is None:
            return own_id
        found_id, found_name, aliases = found
        if role and speaker_id(name) != speaker_id(found_name):
            stored = {word for known, in self.db.execute(SPEAKER_ROLES, [found_id]) for word in role_words(known)}
            if stored and not stored & role_words(role):
                return own_id
        aliases = json.loads(aliases or "[]")
        if name != found_name and name not in aliases:
            self.db.execute("update speakers set aliases = ? where id = ?",
                            [json.dumps(aliases + [name], ensure_ascii=False), found_id])
        return found_id

    def _stored_rows(self, table: str, where: str, parameters: list) -> list[dict]:
        """The rows of ``table`` matching ``where``, with the columns the store writes (all but ``statement_id``)."""
        columns = [column for column in TABLES[table]["columns"] if column != "statement_id"]
        sql = f"select {', '.join(f'[{column}]' for column in columns)} from {table} where {where}"
        return [dict(zip(columns, row)) for row in self.db.execute(sql, parameters)]

    # ------------------------------------------------------------------ statements

    def has_unsettled_quotes(self) -> bool:
        """Whether a quote is in no statement (written since the last ``refresh_statements``)."""
        return self.db.execute("select 1 from quotes where statement_id is null limit 1").fetchone() is not None

    def refresh_statements(self, grouping: Grouping) -> None:
        """Group each speaker's near-identical quotes (syndicated copies) into statements (``statements.py``).

        Brings ``statements`` and every ``quotes.statement_id`` up to date, writing only
        what changed, then removes statements and non-gazetteer speakers nothing refers
        to any more. Run it after the last ``save_results`` of a build. Only the speakers
        with a quote outside any statement are grouped again (``save_results`` leaves the
        others' statements as they were), and one speaker's quotes are in memory at a time.
        """
        with self.transaction():
            for quotes in self.quotes_by_speaker(unsettled=True):
                self._save_statements([(statement_row(members), members) for members in linked_groups(quotes, grouping)])
            self.db.execute("delete from statements"
                            " where id not in (select statement_id from quotes where statement_id is not null)")
            self.db.execute("delete from speakers where not in_gazetteer"
                            " and id not in (select speaker_id from quotes where speaker_id is not null)")

    def quotes_by_speaker(self, unsettled: bool = False) -> Iterator[list[dict]]:
        """Each speaker's quotes (or only each ``UNSETTLED_SPEAKERS``'), earliest first, one speaker at a time.

        They are sorted once into a temporary table and read back from it, so the caller
        may write to ``quotes`` meanwhile, and only one speaker's quotes are in memory.
        """
        self.db.execute("drop table if exists temp.quotes_by_speaker")
        self.db.execute("create temp table quotes_by_speaker as "
                        + QUOTES_BY_SPEAKER_EARLIEST_FIRST.format(where=UNSETTLED_SPEAKERS if unsettled else ""))
        try:
            cursor = self.db.execute("select * from temp.quotes_by_speaker order by rowid")
            columns = [column[0] for column in cursor.description]
            for _, rows in groupby(cursor, key=lambda row: row[1]):  # speaker_id
                yield [dict(zip(columns, row)) for row in rows]
        finally:
            self.db.execute("drop table if exists temp.quotes_by_speaker")

    def _save_statements(self, statements: list[tuple[dict, list[dict]]]) -> None:
        """Write these statements and point their quotes at them, touching only rows that change."""
        columns = list(TABLES["statements"]["columns"])
        cursor = self.db.execute(f"select {', '.join(columns)} from statements where id in "
                                 "(select value from json_each(?))", [json.dumps([row["id"] for row, _ in statements])])
        stored = {row[0]: dict(zip(columns, row)) for row in cursor}
        upsert = (f"insert into statements ({', '.join(columns)}) values ({', '.join(':' + c for c in columns)}) "
                  f"on conflict (id) do update set {', '.join(f'{c} = excluded.{c}' for c in columns)}")
        self.db.conn.executemany(upsert, [row for row, _ in statements if stored.get(row["id"]) != row])
        self.db.conn.executemany("update quotes set statement_id = ? where id = ?", [
            (row["id"], member["id"]) for row, members in statements for member in members
            if member["statement_id"] != row["id"]
        ])

    # ------------------------------------------------------------------ counts (a rule change's check)

    def quote_total(self, kept_rules: list[str] | None = None) -> int:
        """The number of stored quotes; with ``kept_rules`` (rule ids), only theirs."""
        where, parameters = _of_rules(kept_rules)
        return self.db.execute(f"select count(*) from quotes where {where}", parameters).fetchone()[0]

    def quote_counts(self, article_ids: list[str], kept_rules: list[str] | None = None) -> dict[str, int]:
        """The number of stored quotes of each of ``article_ids`` that has any; with ``kept_rules``, only theirs."""
        where, parameters = _of_rules(kept_rules)
        return dict(self.db.execute(f"select article_id, count(*) from quotes where article_id in "
                                    f"(select value from json_each(?)) and {where} group by article_id",
                                    [json.dumps(article_ids), *parameters]))

    def quoted_article_count(self) -> int:
        """How many articles have stored quotes."""
        return self.db.execute("select count(distinct article_id) from quotes").fetchone()[0]


def _of_rules(rule_ids: list[str] | None) -> tuple[str, list]:
    """A condition on quotes, and its parameters: made by one of ``rule_ids``, or any when None."""
    return ("rule_id in (select value from json_each(?))", [json.dumps(rule_ids)]) if rule_ids is not None \
        else ("1", [])


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
