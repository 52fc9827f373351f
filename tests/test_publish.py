"""publish: datasette over a quotes database, with metadata.yml's pages, facets, search and queries.

Expectations are read from the database itself, so the same tests run on any
build: add "built_db" (a fixture giving the path of a database built by the
pipeline) to ``PUBLISHED_DATABASES``.
"""

import csv
import sqlite3
from contextlib import closing
from pathlib import Path

import feedparser
import pytest
from test_store import hand_made_db  # noqa: F401  (fixture)

from quotetrack.web.publish import (
    datasette_instance,
    default_metadata_path,
    load_metadata,
)

PUBLISHED_DATABASES = ["hand_made_db", "built_db"]

METADATA = load_metadata("quotes.db")
CANNED_QUERIES = METADATA["databases"]["quotes"]["queries"]
TABLES = {
    name: table
    for name, table in METADATA["databases"]["quotes"]["tables"].items()
    if not table.get("hidden")
}


@pytest.fixture(params=PUBLISHED_DATABASES)
def db_path(request) -> Path:
    return request.getfixturevalue(request.param)


@pytest.fixture
def ds(db_path):
    return datasette_instance(db_path)


def query(db_path: Path, sql: str) -> list[dict]:
    """Rows straight from SQLite, to hold datasette's answers against."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


async def get_json(ds, path: str):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_metadata_is_found_in_the_checkout():
    assert default_metadata_path().resolve() == Path(__file__).resolve().parents[1] / "metadata.yml"


def test_metadata_follows_the_database_file_name():
    metadata = load_metadata("build/other.db")
    databases = metadata["databases"]
    assert list(databases) == ["other"]
    assert databases["other"]["queries"] == CANNED_QUERIES
    assert "/other/who_said_what" in metadata["description_html"] and "/quotes/" not in metadata["description_html"]
    charts = metadata["plugins"]["datasette-dashboards"]["newsroom"]["charts"]
    assert {chart["db"] for chart in charts.values()} == {"other"}


def test_every_canned_query_has_a_title_and_description():
    assert set(CANNED_QUERIES) == {
        "who_said_what_about",
        "quotes_by_speaker",
        "most_quoted_speakers",
        "cue_verbs",
        "quotes_per_rule",
        "unresolved_speakers",
        "unnamed_sources",
        "sources_by_kind",
        "article_list",
        "speaker_feed",
        "search_feed",
    }
    for canned in CANNED_QUERIES.values():
        assert canned["title"] and canned["description"] and canned["sql"]


def test_the_database_is_served_read_only_not_immutable(ds):
    database = ds.databases["quotes"]
    assert database.is_mutable and not database.is_memory


@pytest.mark.parametrize("name", CANNED_QUERIES)
async def test_canned_query_page_renders(ds, name):
    response = await ds.client.get(f"/quotes/{name}")
    assert response.status_code == 200
    assert CANNED_QUERIES[name]["title"] in response.text


async def test_who_said_what_about(ds, db_path):
    rows = await get_json(ds, "/quotes/who_said_what_about.json?words=eight+people&_shape=array")
    expected = query(db_path, "select id from quotes where content like '%eight people%'")
    assert rows and sorted(row["quote_id"] for row in rows) == sorted(row["id"] for row in expected)


async def test_quotes_by_speaker_matches_names_mentions_and_aliases(ds, db_path):
    rows = await get_json(ds, "/quotes/quotes_by_speaker.json?speaker=gladkov&_shape=array")
    assert rows and all("gladkov" in f"{row['speaker']} {row['speaker_mention']}".casefold() for row in rows)
    expected = query(
        db_path,
        "select quotes.id from quotes left join speakers on speakers.id = quotes.speaker_id"
        " where quotes.speaker like '%gladkov%' or speaker_mention like '%gladkov%' or aliases like '%gladkov%'",
    )
    assert sorted(row["quote_id"] for row in rows) == sorted(row["id"] for row in expected)


async def test_most_quoted_speakers_counts_statements_not_copies(ds, db_path):
    rows = await get_json(ds, "/quotes/most_quoted_speakers.json?_shape=array")
    expected = query(
        db_path,
        "select speaker, count(distinct statement_id) as statements, count(*) as quotes"
        " from quotes where speaker_id is not null group by speaker_id",
    )
    assert sorted((row["speaker"], row["statements"], row["quotes"]) for row in rows) == sorted(
        (row["speaker"], row["statements"], row["quotes"]) for row in expected
    )
    assert [row["statements"] for row in rows] == sorted((row["statements"] for row in rows), reverse=True)
    assert any(row["quotes"] > row["statements"] for row in rows), "a syndicated statement counts once"


async def test_cue_verbs(ds, db_path):
    rows = await get_json(ds, "/quotes/cue_verbs.json?_shape=array")
    expected = query(
        db_path,
        "select cue_lemma, count(*) as quotes from quotes where cue_lemma is not null group by cue_lemma",
    )
    assert {row["cue_lemma"]: row["quotes"] for row in rows} == {
        row["cue_lemma"]: row["quotes"] for row in expected
    }
    assert rows[0]["cue_lemma"] == "say"


async def test_quotes_per_rule(ds, db_path):
    rows = await get_json(ds, "/quotes/quotes_per_rule.json?_shape=array")
    assert {row["rule_id"] for row in rows} == {row["id"] for row in query(db_path, "select id from rules")}
    assert sum(row["quotes"] for row in rows) == query(db_path, "select count(*) as n from quotes")[0]["n"]


async def test_unresolved_speakers(ds, db_path):
    rows = await get_json(ds, "/quotes/unresolved_speakers.json?_shape=array")
    expected = query(db_path, "select id from quotes where speaker_id is null and speaker_kind is null")
    assert sorted(row["quote_id"] for row in rows) == sorted(row["id"] for row in expected)


async def test_unnamed_sources_are_listed_apart_from_named_speakers(ds, db_path):
    rows = await get_json(ds, "/quotes/unnamed_sources.json?_shape=array&kind=")
    expected = query(db_path, "select id from quotes where speaker_kind in ('generic', 'anonymous')")
    assert sorted(row["quote_id"] for row in rows) == sorted(row["id"] for row in expected)
    assert all(row["speaker_mention"] for row in rows)
    generic = await get_json(ds, "/quotes/unnamed_sources.json?_shape=array&kind=generic")
    assert {row["speaker_kind"] for row in generic} <= {"generic"}
    assert len(generic) == len([row for row in rows if row["speaker_kind"] == "generic"])
    most_quoted = await get_json(ds, "/quotes/most_quoted_speakers.json?_shape=array")
    mentions = {row["speaker_mention"].casefold() for row in rows}
    assert not mentions & {row["speaker"].casefold() for row in most_quoted}


async def test_sources_by_kind_counts_every_quote(ds, db_path):
    rows = await get_json(ds, "/quotes/sources_by_kind.json?_shape=array")
    assert sum(row["quotes"] for row in rows) == query(db_path, "select count(*) as n from quotes")[0]["n"]
    if "built" in str(db_path):  # the example articles quote named people and generic sources
        assert {"person", "generic"} <= {row["speaker_kind"] for row in rows}


@pytest.mark.parametrize("table", TABLES)
async def test_table_page_renders_with_its_facets(ds, table):
    response = await ds.client.get(f"/quotes/{table}")
    assert response.status_code == 200
    page = await get_json(ds, f"/quotes/{table}.json?_shape=objects")
    assert set(page["facet_results"]) == set(TABLES[table].get("facets", []))


async def test_facets_count_quotes(ds, db_path):
    page = await get_json(ds, "/quotes/quotes.json?_shape=objects&_facet_size=max")
    speakers = {result["value"]: result["count"] for result in page["facet_results"]["speaker"]["results"]}
    expected = query(
        db_path, "select speaker, count(*) as n from quotes where speaker is not null group by speaker"
    )
    assert speakers == {row["speaker"]: row["n"] for row in expected}


@pytest.mark.parametrize("table, id_column", [("quotes", "id"), ("who_said_what", "quote_id")])
async def test_full_text_search(ds, db_path, table, id_column):
    page = await get_json(ds, f"/quotes/{table}.json?_search=wounded&_shape=objects&_size=max")
    expected = query(
        db_path,
        "select id from quotes where rowid in (select rowid from quotes_fts where quotes_fts match 'wounded')",
    )
    assert page["rows"] and sorted(row[id_column] for row in page["rows"]) == sorted(
        row["id"] for row in expected
    )
    assert all("wound" in row["content"].casefold() for row in page["rows"])


async def test_quote_row_links_its_speaker_and_sentence(ds, db_path):
    [quote] = query(db_path, "select id, sentence_id from quotes where speaker_id is not null limit 1")
    page = await get_json(ds, f"/quotes/quotes.json?id={quote['id']}&_labels=on&_shape=array")
    speaker, sentence = page[0]["speaker_id"], page[0]["sentence_id"]
    assert speaker["label"] == page[0]["speaker"]
    assert sentence["value"] == quote["sentence_id"] and sentence["label"]


# ----------------------------------------------------------------- exports hold every row exactly once

KEYS = {"who_said_what": "quote_id", "sentences": "id", "rules": "id", "quotes": "id", "statements": "id",
        "speakers": "id", "articles": "id"}
TIED_SORTS = [  # (table, sort argument): each sorts on a column most rows share
    ("statements", ""), ("quotes", ""), ("who_said_what", ""), ("statements", "_sort=speaker"),
    ("quotes", "_sort_desc=type"), ("articles", "_sort=outlet"), ("who_said_what", "_sort=outlet"),
    ("speakers", "_sort=id"), ("quotes", "_sort=id"), ("articles", "_sort_desc=id"), ("statements", "_sort=id"),
]


@pytest.mark.parametrize(("table", "sort"), TIED_SORTS)
async def test_paged_json_and_streamed_csv_hold_every_row_exactly_once(ds, db_path, table, sort):
    """Two rows a page, so ties cross page boundaries (statements: most have article_count 1)."""
    key = KEYS[table]
    expected = sorted(row[key] for row in query(db_path, f"select {key} from {table}"))
    assert len(expected) > 2
    seen, path = [], f"/quotes/{table}.json?_shape=objects&_size=2&{sort}"
    while path:
        page = await get_json(ds, path)
        seen += [row[key] for row in page["rows"]]
        path = page["next_url"] and page["next_url"].split("://", 1)[1].split("/", 1)[1]
        path = path and "/" + path
    assert sorted(seen) == expected
    response = await ds.client.get(f"/quotes/{table}.csv?_stream=on&_size=2&_labels=off&{sort}")
    assert response.status_code == 200
    csv_rows = list(csv.DictReader(response.text.splitlines()))
    assert sorted(row[key] for row in csv_rows) == expected


@pytest.mark.parametrize("table", ["quotes", "speakers", "articles", "statements"])
async def test_sorting_by_id_is_allowed(ds, table):
    for sort in ("_sort=id", "_sort_desc=id"):
        assert (await ds.client.get(f"/quotes/{table}?{sort}")).status_code == 200


# ----------------------------------------------------------------- Atom feeds, read back by a feed reader's parser

async def read_feed(ds, path: str):
    response = await ds.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.bozo_exception
    return feed


async def test_a_speakers_feed_holds_their_newest_dated_quotes(built_db):
    ds, db_path = datasette_instance(built_db), built_db  # the example articles: some are dated
    [top] = query(db_path, """select speaker_id from who_said_what where speaker_id is not null
        and published is not null group by 1 order by count(*) desc, 1 limit 1""")
    speaker_id = top["speaker_id"]
    expected = query(db_path, f"""select quote_id, content, article_id from who_said_what
        where speaker_id = '{speaker_id}' and published is not null order by published desc, quote_id limit 50""")
    feed = await read_feed(ds, f"/quotes/speaker_feed.atom?speaker={speaker_id}")
    assert [entry.id for entry in feed.entries] == [row["quote_id"] for row in expected]
    for entry, row in zip(feed.entries, expected):
        assert row["content"] in entry.content[0].value
        assert entry.link.startswith("http") and entry.link.endswith(f"/quotes/articles/{row['article_id']}#q-{row['quote_id']}")
        assert (await ds.client.get("/" + entry.link.split("#")[0].split("/", 3)[3])).status_code == 200


async def test_a_search_feed_holds_the_quotes_with_the_words_and_an_empty_one_is_valid(built_db):
    ds, db_path = datasette_instance(built_db), built_db
    word = query(db_path, "select content from quotes join articles on articles.id = article_id"
                          " where published is not null limit 1")[0]["content"].split()[0]
    expected = query(db_path, f"""select quote_id from who_said_what where content like '%{word}%'
        and published is not null order by published desc, quote_id limit 50""")
    feed = await read_feed(ds, f"/quotes/search_feed.atom?words={word}")
    assert [entry.id for entry in feed.entries] == [row["quote_id"] for row in expected]
    empty = await read_feed(ds, "/quotes/search_feed.atom?words=xqzzyv+nobody+said+this")
    assert empty.entries == [] and empty.feed.title == CANNED_QUERIES["search_feed"]["title"]
    assert (await read_feed(ds, "/quotes/speaker_feed.atom?speaker=no-such-speaker")).entries == []


@pytest.mark.parametrize("path", ["/quotes/who_said_what.json?_shape=objects&_size=max",
                                  "/quotes/who_said_what_about.json?_shape=objects&words=the",
                                  "/quotes/unnamed_sources.json?_shape=objects&kind=generic"])
async def test_quotes_are_listed_newest_first_undated_last(built_db, path):
    rows = (await get_json(datasette_instance(built_db), path))["rows"]
    published = [row["published"] for row in rows]
    dated = [value for value in published if value]
    assert dated and published == dated + [None] * (len(published) - len(dated))
    assert dated == sorted(dated, reverse=True)
