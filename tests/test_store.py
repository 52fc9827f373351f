"""store: schema, idempotent saves, transactions, statements, full-text search.

Also home of ``hand_made_db``: a database built through ``store`` from records
written by hand to look like what the pipeline makes of examples/articles.
"""

import hashlib
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils
from conftest import GROUPING

from quotetrack.errors import StoreError
from quotetrack.records import MAX_ID_CHARS, Article, Quote, Sentence, Span, bounded_id
from quotetrack.store import (
    ParseFile,
    Store,
    article_rows,
    parses_path,
    rows,
    shape,
    statements,
)

PATTERNS = "rules/patterns.yml"
RULES = [
    {"id": "direct-said", "kind": "pattern", "description": '"..." X said', "file": PATTERNS, "line": 3},
    {"id": "indirect-said", "kind": "pattern", "description": "X said that", "file": PATTERNS, "line": 17},
    {"id": "mixed-cue", "kind": "pattern", "description": 'X "..." cue Y', "file": PATTERNS, "line": 31},
    {
        "id": "feed-notice",
        "kind": "boilerplate",
        "description": "",
        "file": "rules/boilerplate.yml",
        "line": 2,
    },
]

GAZETTEER = [
    {"name": "Vyacheslav Gladkov", "type": "person", "role": "governor", "aliases": ["Gladkov"]},
    {"name": "Mykhailo Podolyak", "type": "person", "role": "adviser", "aliases": ["Mikhaylo Podolyak"]},
    {"name": "Freedom of Russia Legion", "type": "group", "role": None, "aliases": ["Legion"]},
    {"name": "Russian Defence Ministry", "type": None, "role": None, "aliases": ["defence ministry"]},
]

GLADKOV = {"speaker": "Vyacheslav Gladkov", "role": "governor of the Belgorod region"}
PODOLYAK = {"speaker": "Mykhailo Podolyak", "role": "Ukrainian presidential adviser"}
LEGION = {"speaker": "Freedom of Russia Legion", "speaker_type": "group", "role": "spokesman"}
MINISTRY = {"speaker": "Russian Defence Ministry", "speaker_type": "organisation"}
DIRECT = {"rule": "direct-said", "type": "direct"}
INDIRECT = {"rule": "indirect-said", "type": "indirect"}
MIXED = {"rule": "mixed-cue", "type": "mixed"}

WOUNDED = "at least eight people had been wounded, several buildings damaged and many residents had left"
FREE = "{A camouflaged spokesman}, surrounded by armed men in fatigues, [said]: “<Russia will be free!>”"

# Article id → (agency, sentences), each sentence with the one quote match and
# resolve find in it: the sentence marks {the speaker as written}, [the cue]
# and <the content>; the dict adds the rest.
ARTICLES = {
    "000_c449df2106eae29f": (
        "Reuters",
        [
            (
                '"<The cleansing of the territory by the Ministry of Defence together with law enforcement '
                'agencies continues>," {Vyacheslav Gladkov}, governor of the Belgorod region where the '
                "incursion occurred, [said] on the Telegram messaging service.",
                {**DIRECT, **GLADKOV, "channel": "Telegram"},
            ),
            (f"On Monday, {{he}} [said] <{WOUNDED}>.", {**INDIRECT, **GLADKOV}),
            (
                '"<Once again, the myth that the citizens of the Russian Federation are safe and the Russian '
                'Federation is strong has been destroyed>," {it} [said] in a later post.',
                {**DIRECT, "speaker": None},
            ),
            (
                '<Kyiv "has nothing to do with it">, [tweeted] Ukrainian presidential adviser {Mykhailo Podolyak}.',
                {**MIXED, **PODOLYAK, "cue_lemma": "tweet", "channel": "Twitter"},
            ),
        ],
    ),
    "001_872b0ff09a35f84f": (
        "Reuters",
        [
            ("{Gladkov} [said] <one elderly woman had died during the evacuation>.", {**INDIRECT, **GLADKOV}),
            (f"On Monday, {{he}} [said] <{WOUNDED}>.", {**INDIRECT, **GLADKOV}),
            (
                "Kyiv “<has nothing to do with it>”, [tweeted] Ukrainian presidential adviser {Mykhailo Podolyak}.",
                {**MIXED, **PODOLYAK, "cue_lemma": "tweet", "channel": "Twitter"},
            ),
            (
                "“<The remnants of the nationalists were pushed back to Ukrainian territory>,” {it} [added].",
                {**DIRECT, **MINISTRY, "cue_lemma": "add"},
            ),
        ],
    ),
    "002_b64cd32992bd66d3": (
        "AFP",
        [
            (
                "{Mr Gladkov} [said] on Tuesday that <the “defence ministry and law enforcement are continuing "
                "to clear the area”>.",
                {**MIXED, **GLADKOV},
            ),
            ("{He} previously [said] <eight people were injured>.", {**INDIRECT, **GLADKOV}),
            (FREE, {**DIRECT, **LEGION}),
            (
                "Ukrainian presidential adviser {Mikhaylo Podolyak} [suggested] that <Russian “guerrilla groups” "
                "could be responsible>.",
                {**INDIRECT, **PODOLYAK, "cue_lemma": "suggest", "category": "belief"},
            ),
        ],
    ),
    "003_0ac1d9f3afffd339": (
        "AFP",
        [
            (
                "{Gladkov} [said] on Tuesday <the “defence ministry and law enforcement are continuing to clear "
                "the area.”>",
                {**MIXED, **GLADKOV},
            ),
            ("{He} previously [said] <eight people had been injured>.", {**INDIRECT, **GLADKOV}),
            (FREE, {**DIRECT, **LEGION}),
        ],
    ),
    "004_bdc4634938a47494": (
        "AFP",
        [
            (
                '"<Over the course of the last day, with our help, several thousand people left the shelling '
                'zone by personal transport>," {Smirnov} [said] in a video message on Telegram.',
                {
                    **DIRECT,
                    "speaker": "Alexei Smirnov",
                    "role": "Kursk regional governor",
                    "channel": "video message",
                },
            ),
        ],
    ),
}

MARKS = re.compile(r"\{(?P<mention>[^}]*)\}|\[(?P<cue>[^]]*)\]|<(?P<content>[^>]*)>")


def unmark(marked: str, offset: int) -> tuple[str, dict[str, Span]]:
    """A marked sentence's text, and the span of each mark, ``offset`` being where the sentence starts."""
    text, spans, copied = "", {}, 0
    for mark in MARKS.finditer(marked):
        text += marked[copied : mark.start()]
        name = mark.lastgroup
        start = offset + len(text)
        spans[name] = Span(start, start + len(mark[name]), mark[name])
        text += mark[name]
        copied = mark.end()
    return text + marked[copied:], spans


def article_records(article_id: str) -> tuple[Article, list[Sentence], list[Quote]]:
    """The records ingest, parse, match and resolve would hand to ``article_rows``."""
    agency, marked_sentences = ARTICLES[article_id]
    texts, sentences, quotes = [], [], []
    start = 0
    for index, (marked, quote) in enumerate(marked_sentences):
        text, spans = unmark(marked, start)
        texts.append(text)
        sentences.append(Sentence(index, start, start + len(text), paragraph=index, words=[]))
        quotes.append(
            Quote(
                article_id=article_id,
                sentence_index=index,
                rule_id=quote["rule"],
                type=quote["type"],
                cue=spans["cue"],
                cue_lemma=quote.get("cue_lemma", "say"),
                content=spans["content"],
                speaker_span=spans["mention"],
                category=quote.get("category", "speech"),
                channel=quote.get("channel"),
                speaker=quote["speaker"],
                speaker_type=quote.get("speaker_type", quote["speaker"] and "person"),
                role=quote.get("role"),
            )
        )
        start += len(text) + 2
    text = "\n\n".join(texts)
    article = Article(
        id=article_id,
        source=f"examples/articles/{article_id}.txt",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title=f"Belgorod raid ({agency})",
        dateline_agency=agency,
        metadata={"feed": "seed"},
    )
    return article, sentences, quotes


def build(store: Store, article_ids=tuple(ARTICLES)) -> None:
    """One build, the way the pipeline runs one."""
    store.save_rules(RULES)
    store.save_speakers(GAZETTEER)
    store.save_results([article_rows(*article_records(article_id)) for article_id in article_ids])
    store.refresh_statements(GROUPING)


def contents(store: Store) -> dict:
    """Every row of every table, in a stable order; checks the search index on the way."""
    store.db.execute("insert into quotes_fts(quotes_fts) values ('integrity-check')")
    return {name: sorted(map(repr, store.db.table(name).rows)) for name in shape.TABLES}


def schema(store: Store) -> list:
    return store.db.execute("select type, name, tbl_name, sql from sqlite_master order by name").fetchall()


@pytest.fixture(scope="session")
def hand_made_db(tmp_path_factory):
    """Path to a quotes.db built from the hand-made records."""
    path = tmp_path_factory.mktemp("hand_made") / "quotes.db"
    with Store.open(path) as store:
        build(store)
    return path


@pytest.fixture
def db(tmp_path):
    with Store.open(tmp_path / "db" / "quotes.db") as store:
        yield store


@pytest.fixture
def built(db):
    build(db)
    return db


def statement_of(store: Store, content: str) -> dict:
    [row] = store.db.query(
        "select statements.* from statements join quotes on quotes.statement_id = statements.id"
        " where quotes.content = ? limit 1",
        [content],
    )
    return row


def test_open_db_creates_folder_and_enforces_foreign_keys(db, tmp_path):
    assert (tmp_path / "db" / "quotes.db").exists()
    assert db.db.execute("pragma foreign_keys").fetchone() == (1,)


def test_ensure_db_shape_is_idempotent(db):
    first = schema(db)
    shape.ensure_db_shape(db.db)
    assert schema(db) == first
    build(db)
    assert schema(db) == first
    assert set(shape.TABLES) | {"quotes_fts"} <= set(db.db.table_names())
    assert set(shape.VIEWS) <= set(db.db.view_names())


def test_foreign_keys_are_declared_and_indexed(built):
    quotes = built.db.table("quotes")
    assert {(fk.column, fk.other_table) for fk in quotes.foreign_keys} == {
        ("article_id", "articles"),
        ("sentence_id", "sentences"),
        ("speaker_id", "speakers"),
        ("rule_id", "rules"),
        ("statement_id", "statements"),
    }
    indexed = {tuple(index.columns) for index in quotes.indexes}
    assert all((fk.column,) in indexed for fk in quotes.foreign_keys)
    assert built.db.execute("pragma foreign_key_check").fetchall() == []


def test_rows_hold_what_the_records_say(built):
    article, sentences, quotes = article_records("000_c449df2106eae29f")
    row = built.db.table("articles").get(article.id)
    assert (row["text"], row["content_hash"], row["dateline_agency"]) == (
        article.text,
        article.content_hash,
        "Reuters",
    )
    assert built.db.table("sentences").get(f"{article.id}:1")["text"].startswith("On Monday, he said")
    [wounded] = built.db.query(
        "select * from quotes where content like 'at least eight%' and article_id = ?", [article.id]
    )
    assert (wounded["speaker"], wounded["speaker_id"], wounded["speaker_mention"]) == (
        "Vyacheslav Gladkov",
        "vyacheslav-gladkov",
        "he",
    )
    assert (wounded["cue"], wounded["type"], wounded["rule_id"]) == ("said", "indirect", "indirect-said")
    assert article.text[wounded["content_start"] : wounded["content_end"]] == wounded["content"]
    assert article.text[wounded["speaker_start"] : wounded["speaker_end"]] == "he"


def test_saving_again_gives_identical_rows(built):
    before = contents(built)
    build(built)
    assert contents(built) == before


def test_saving_unchanged_articles_writes_nothing(built):
    before = built.db.conn.total_changes
    built.save_results([article_rows(*article_records(article_id)) for article_id in ARTICLES])
    assert built.db.conn.total_changes == before


def test_resaving_an_article_with_other_sentences_keeps_its_quotes(built):
    article, sentences, quotes = article_records("000_c449df2106eae29f")
    for sentence in sentences:
        sentence.paragraph = 0
    built.save_results([article_rows(article, sentences, quotes)])
    assert {row["paragraph"] for row in built.db.table("sentences").rows_where("article_id = ?", [article.id])} == {0}
    assert built.db.table("quotes").count_where("article_id = ?", [article.id]) == len(quotes)
    contents(built)


def test_stored_articles_are_the_articles_saved(built):
    stored = list(built.stored_articles())
    assert stored == [article_records(article_id)[0] for article_id in sorted(ARTICLES)]
    assert [rows.article_row(article) for article in stored] == list(built.db.query("select * from articles order by id"))


def test_build_order_does_not_matter(built, tmp_path):
    with Store.open(tmp_path / "reversed.db") as other:
        build(other, article_ids=reversed(ARTICLES))
        assert contents(other) == contents(built)


def test_settings(db):
    assert db.setting("rules_fingerprint") is None
    db.set_setting("rules_fingerprint", "a")
    db.set_setting("rules_fingerprint", "b")
    assert db.setting("rules_fingerprint") == "b"
    db.set_setting("rules_fingerprint", None)
    assert db.setting("rules_fingerprint") is None


def test_article_sources(built):
    first = next(iter(ARTICLES))
    assert built.article_sources([*ARTICLES, "not-stored"]) == {
        article_id: (f"examples/articles/{article_id}.txt", article_records(article_id)[0].content_hash)
        for article_id in ARTICLES
    }
    assert list(built.article_sources([first])) == [first]


def test_resaving_an_article_with_fewer_quotes_removes_the_old_ones(built):
    article, sentences, quotes = article_records("000_c449df2106eae29f")
    built.save_results([article_rows(article, sentences, quotes[:1])])
    built.refresh_statements(GROUPING)
    assert built.db.table("quotes").count_where("article_id = ?", [article.id]) == 1
    assert list(built.db.query("select * from quotes_fts where quotes_fts match 'cleansing'"))
    assert not list(built.db.query("select * from quotes_fts where quotes_fts match 'myth'"))
    assert statement_of(built, "has nothing to do with it")["article_count"] == 1
    contents(built)


def test_save_rules_replaces_the_rules_and_drops_their_quotes(built):
    built.save_rules([rule for rule in RULES if rule["id"] != "mixed-cue"])
    built.refresh_statements(GROUPING)
    assert "mixed-cue" not in {row["id"] for row in built.db.table("rules").rows}
    assert built.db.table("quotes").count_where("rule_id = 'mixed-cue'") == 0
    assert built.db.execute("pragma foreign_key_check").fetchall() == []


def test_a_failed_save_leaves_the_previous_state(built):
    before = contents(built)
    article, sentences, quotes = article_records("001_872b0ff09a35f84f")
    article.title = "Changed"
    quotes[-1].rule_id = "no-such-rule"
    with pytest.raises(sqlite3.IntegrityError):
        built.save_results([article_rows(article, sentences, quotes[:1] + quotes[-1:])])
    assert not built.db.conn.in_transaction
    assert contents(built) == before


def test_statements_group_syndicated_copies(built):
    wounded = statement_of(
        built, "at least eight people had been wounded, several buildings damaged and many residents had left"
    )
    assert (wounded["speaker"], wounded["quote_count"], wounded["article_count"]) == (
        "Vyacheslav Gladkov",
        2,
        2,
    )
    assert wounded["first_article_id"] == "000_c449df2106eae29f"

    free = statement_of(built, "Russia will be free!")
    assert (free["speaker"], free["article_count"]) == ("Freedom of Russia Legion", 2)

    nothing = statement_of(built, "has nothing to do with it")
    assert nothing == statement_of(built, 'Kyiv "has nothing to do with it"')
    assert nothing["content"] == 'Kyiv "has nothing to do with it"'

    clear = statement_of(built, "the “defence ministry and law enforcement are continuing to clear the area”")
    assert clear["article_count"] == 2


def test_statements_keep_different_statements_apart(built):
    wounded = "at least eight people had been wounded, several buildings damaged and many residents had left"
    assert statement_of(built, "eight people had been injured") != statement_of(built, wounded)
    # A paraphrase is not a copy: AFP's two versions worded this differently.
    assert statement_of(built, "eight people were injured") != statement_of(
        built, "eight people had been injured"
    )
    assert statement_of(built, "one elderly woman had died during the evacuation")["quote_count"] == 1
    assert built.db.table("quotes").count_where("statement_id is null") == 0
    assert (
        built.db.execute("select count(distinct statement_id) from quotes").fetchone()[0]
        == built.db.table("statements").count
    )


def test_near_identical():
    def near(text, other):
        return statements.near_identical(statements.wording(text), statements.wording(other), GROUPING)

    assert near('Kyiv "has nothing to do with it"', "has nothing to do with it")
    assert near("Russia will be free!", "“Russia will be free!”")
    assert near(
        "it was too soon for residents who had fled to return to their homes",
        "it was too soon for residents who fled to return to their homes",
    )
    assert not near("eight people were injured", "eight people were killed")
    assert not near("nothing to do", "it has something to do with nothing")
    assert not near("Yes.", "Yes, but no.")


def test_unresolved_speakers_have_no_speaker_row(built):
    [unresolved] = built.db.query("select * from quotes where speaker_id is null")
    assert (unresolved["speaker"], unresolved["speaker_mention"]) == (None, "it")
    article, sentences, quotes = article_records("004_bdc4634938a47494")
    quotes[0].speaker = None  # as resolve leaves a pronoun it found no referent for
    built.save_results([article_rows(article, sentences, quotes)])
    assert built.db.table("quotes").count_where("speaker_id is null") == 2


def test_speakers_come_from_gazetteer_and_quotes(built):
    speakers = {row["id"]: row for row in built.db.table("speakers").rows}
    assert speakers["vyacheslav-gladkov"]["aliases"] == '["Gladkov"]'
    assert speakers["vyacheslav-gladkov"]["in_gazetteer"] == 1
    assert speakers["russian-defence-ministry"]["type"] == "organisation"  # gazetteer left it open
    smirnov = speakers["alexei-smirnov"]
    assert (smirnov["name"], smirnov["type"], smirnov["in_gazetteer"]) == ("Alexei Smirnov", "person", 0)


def test_speakers_nothing_refers_to_disappear(built):
    built.save_speakers([entry for entry in GAZETTEER if entry["name"] != "Freedom of Russia Legion"])
    article, sentences, _ = article_records("004_bdc4634938a47494")
    built.save_results([article_rows(article, sentences, [])])
    built.refresh_statements(GROUPING)
    speakers = {row["id"]: row for row in built.db.table("speakers").rows}
    assert "alexei-smirnov" not in speakers
    legion = speakers["freedom-of-russia-legion"]  # still quoted
    assert (legion["in_gazetteer"], legion["aliases"], legion["type"]) == (0, "[]", "group")


def test_full_text_search(built):
    found = list(built.db.table("quotes").search("wounded"))
    assert {row["article_id"] for row in found} == {"000_c449df2106eae29f", "001_872b0ff09a35f84f"}
    assert len(list(built.db.table("quotes").search("podolyak"))) == 3  # speaker is indexed too


def test_who_said_what_view_reads_like_a_sentence(built):
    rows = list(built.db.query("select * from who_said_what"))
    assert len(rows) == built.db.table("quotes").count
    assert list(rows[0])[:6] == ["speaker", "content", "cue", "published", "outlet", "article"]
    smirnov = next(row for row in rows if row["speaker"] == "Alexei Smirnov")
    assert smirnov["channel"] == "video message"
    assert smirnov["rule_location"] == "rules/patterns.yml:3"
    assert smirnov["sentence"].endswith("on Telegram.")


def test_a_name_with_and_without_diacritics_is_one_speaker():
    assert rows.speaker_id("Tomáš Dvořák") == rows.speaker_id("Tomas Dvorak") == "tomas-dvorak"


# ---------------------------------------------------------------- the parse cache file, build marker, ids


def test_the_parse_cache_is_a_file_of_its_own_beside_the_database(db, tmp_path):
    assert parses_path(tmp_path / "db" / "quotes.db") == tmp_path / "db" / "quotes.parses.db"
    assert parses_path("archive") == type(parses_path("x"))("archive.parses.db")
    assert db.parses.path == tmp_path / "db" / "quotes.parses.db" and db.parses.path.is_file()
    db.parses.put("model", [("hash", b"columns/2\nblob")])
    assert db.parses.blob("hash", "model") == b"columns/2\nblob" and db.parses.blob("hash", "other") is None
    assert "parses" not in db.db.table_names()  # the published database holds only what is published




def old_layout_db(tmp_path, hand_made_db) -> Path:
    """A database as the code before this layout built it: its parse cache in a ``parses`` table."""
    path = tmp_path / "old.db"
    shutil.copy(hand_made_db, path)
    with closing(sqlite3.connect(path)) as old, old:
        old.execute("create table parses (content_hash text, model_id text, sentences blob, "
                    "primary key (content_hash, model_id))")
        old.executemany("insert into parses values (?, ?, ?)",
                        [(f"hash{n}", "model", f"columns/2\nparse {n}".encode()) for n in range(50)])
    return path


def test_an_older_database_s_parses_move_to_their_file_on_opening(tmp_path, hand_made_db):
    path = old_layout_db(tmp_path, hand_made_db)
    with closing(sqlite3.connect(path)) as old:
        published = {table: old.execute(f"select * from [{table}] order by 1").fetchall() for table in shape.TABLES}
    with Store.open(path) as store:
        assert "parses" not in store.db.table_names()
        assert store.parses.count() == 50 and store.parses.blob("hash7", "model") == b"columns/2\nparse 7"
        assert {table: store.db.execute(f"select * from [{table}] order by 1").fetchall()
                for table in shape.TABLES} == published
    with Store.open(path) as again:  # idempotent: nothing more to move, nothing lost
        assert again.parses.count() == 50


def test_a_crash_while_moving_the_parses_loses_none(tmp_path, hand_made_db, monkeypatch):
    path = old_layout_db(tmp_path, hand_made_db)
    real_execute = sqlite_utils.Database.execute

    def crash_on_drop(self, sql, *args):
        if sql.startswith("drop table main.parses"):
            raise KeyboardInterrupt
        return real_execute(self, sql, *args)

    monkeypatch.setattr(sqlite_utils.Database, "execute", crash_on_drop)
    with pytest.raises(KeyboardInterrupt):
        Store.open(path)
    monkeypatch.undo()
    with closing(sqlite3.connect(path)) as old:
        assert old.execute("select count(*) from parses").fetchone()[0] == 50  # the move was undone as a whole
    with Store.open(path) as store:
        assert store.parses.count() == 50 and "parses" not in store.db.table_names()


def test_a_parse_cache_is_refused_as_a_database_and_the_reverse(db, tmp_path):
    db.parses.close()
    with pytest.raises(StoreError, match=r"^QT206 .*quotes.parses.db is quotetrack's parse cache of a database"):
        Store.open(tmp_path / "db" / "quotes.parses.db")
    with pytest.raises(StoreError, match=r"^QT206 .*quotes.db is not a parse cache"):
        ParseFile(tmp_path / "db" / "quotes.db")


def test_the_build_marker_says_when_stored_quotes_may_mix_two_rule_sets(db):
    assert not db.needs_reattribution("A")  # nothing stored
    db.begin_build("A")
    assert not db.needs_reattribution("A") and db.needs_reattribution("B")  # A stopped half way
    db.record_run("A", [])
    assert not db.needs_reattribution("A") and db.needs_reattribution("B")
    db.begin_build("B")  # a rule edit, interrupted ...
    assert db.needs_reattribution("A") and db.needs_reattribution("B")  # ... a rerun with either finishes it
    db.begin_build("A")  # the original rules, interrupted too
    assert db.needs_reattribution("A") and db.needs_reattribution("B")
    db.record_run("A", [])
    assert not db.needs_reattribution("A") and db.setting("build_started") is None


def test_ids_are_bounded(tmp_path):
    assert bounded_id("short-id") == "short-id" and bounded_id("x" * MAX_ID_CHARS) == "x" * MAX_ID_CHARS
    long_a, long_b = "a" * 100_000, "a" * 99_999 + "b"
    assert len(bounded_id(long_a)) == MAX_ID_CHARS and bounded_id(long_a).startswith("a" * 80)
    assert bounded_id(long_a) != bounded_id(long_b) and bounded_id(long_a) == bounded_id(long_a)
    assert len(rows.speaker_id("Name " * 10_000)) == MAX_ID_CHARS


def test_an_eval_cache_written_before_is_read_as_a_parse_cache_file(tmp_path):
    path = tmp_path / "eval-cache.db"
    with closing(sqlite3.connect(path)) as old, old:  # as `quotetrack eval --cache` wrote it: parses alone
        old.execute(f"pragma application_id = {shape.APPLICATION_ID}")
        old.execute("create table parses (content_hash text, model_id text, sentences blob, "
                    "primary key (content_hash, model_id))")
        old.execute("insert into parses values ('hash', 'model', ?)", [b"columns/2\nblob"])
    cache = ParseFile(path)
    assert cache.blob("hash", "model") == b"columns/2\nblob"
    assert cache.db.execute("pragma application_id").fetchone()[0] == shape.PARSES_APPLICATION_ID
