"""The newsroom pages' data, through datasette's test client: links, speaker, article, statement and rule pages, charts.

Every expectation is read from the database the pages show (``built_db``: the example
articles through the real pipeline), so the tests hold on any build.
"""

import json
import re
import sqlite3
from contextlib import closing
from html.parser import HTMLParser
from urllib.parse import quote as urlquote

import pytest

from quotetrack.web.newsroom import (
    INTERNAL_COLUMNS,
    highlighted,
    human_date,
    period,
    source_label,
)
from quotetrack.web.publish import datasette_instance, load_metadata

DASHBOARD = load_metadata("quotes.db")["plugins"]["datasette-dashboards"]["newsroom"]


@pytest.fixture(scope="module")
def ds(built_db):
    return datasette_instance(built_db)


def query(db_path, sql: str, params=()) -> list[dict]:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


async def page(ds, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response.text


class Marks(HTMLParser):
    """The text inside each ``<mark class="nr-KIND" data-quote="ID">``, joined per (quote, kind); and the anchors."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str] | None] = []
        self.text: dict[tuple[str, str], str] = {}
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            attrs = dict(attrs)
            key = (attrs.get("data-quote"), (attrs.get("class") or "").removeprefix("nr-"))
            self.open.append(key if key[0] else None)
            if attrs.get("id"):
                self.anchors.add(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "mark":
            self.open.pop()

    def handle_data(self, data):
        for key in filter(None, self.open):
            self.text[key] = self.text.get(key, "") + data


def marks_of(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    return parser


def hrefs(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<a class="{css_class}" href="([^"]+)"', html)


# ----------------------------------------------------------------- highlighting

def test_highlighting_nested_and_interrupted_quotes():
    text = '"A, B," she said. Putin has pledged to help, he said. <b>'
    outer = {"id": "outer", "speaker": None, "speaker_mention": "he", "rule_id": "r1", "content_start": 24, "content_end": 43,
             "content_parts": None, "cue_start": 48, "cue_end": 52, "speaker_start": 45, "speaker_end": 47}
    inner = {"id": "inner", "speaker": "Vladimir Putin", "rule_id": "r2", "content_start": 36, "content_end": 43,
             "content_parts": None, "cue_start": 28, "cue_end": 35, "speaker_start": 18, "speaker_end": 23}
    parted = {"id": "parted", "speaker": "Anna", "rule_id": "r3", "content_start": 1, "content_end": 6,
              "content_parts": "[[1, 2], [4, 5]]", "cue_start": 12, "cue_end": 16, "speaker_start": 8, "speaker_end": 11}
    html = highlighted(text, [outer, inner, parted])
    marks = marks_of(html)
    assert marks.text[("outer", "content")] == "has pledged to help"
    assert marks.text[("inner", "content")] == "to help" and marks.text[("inner", "speaker")] == "Putin"
    assert marks.text[("inner", "cue")] == "pledged" and marks.text[("outer", "cue")] == "said"
    assert marks.text[("parted", "content")] == "AB"  # only the quoted parts, not ", "
    assert marks.anchors == {"q-outer", "q-inner", "q-parted"}
    assert "&lt;b&gt;" in html and "<b>" not in html  # the article text is escaped
    assert 'title="content · unresolved: he · rule r1"' in html  # a pronoun nothing agrees with


@pytest.mark.parametrize(("kind", "mention", "label"), [
    ("generic", "officials", "generic source: officials"),
    ("anonymous", "a source familiar with the talks", "anonymous source: a source familiar with the talks"),
    ("organisation", "the ministry", "organisation: the ministry"), ("place", "Kyiv", "place: Kyiv"),
    (None, "he", "unresolved: he"), (None, None, "no speaker found"),
])
def test_a_quote_without_a_named_speaker_says_what_its_source_is(kind, mention, label):
    assert source_label(kind, mention) == label


@pytest.mark.parametrize(("value", "text"), [
    ("2023-05-23", "23 May 2023"), ("2023-05-23T10:15:00+03:00", "23 May 2023, 10:15"),
    ("2024-01-02T09:05:00Z", "2 January 2024, 09:05"), (None, "undated"),
])
def test_dates_read_as_people_write_them(value, text):
    assert human_date(value) == text


@pytest.mark.parametrize(("first", "last", "start", "label"), [
    ("2023-05-01", "2023-05-30", "2023-05-23", "23 May 2023"),  # a month or less: days
    ("2023-01-01", "2023-05-30", "2023-05-22", "week of 22 May 2023"),  # up to a year: weeks from Monday
    ("2021-01-01", "2023-05-30", "2023-05-01", "May 2023"),  # longer: months
])
def test_charts_bucket_by_day_week_or_month_to_fit_the_range(first, last, start, label):
    assert period("2023-05-23T10:00:00+03:00", first, last) == (start, label)
    assert period(None, first, last)[1] == "undated"


# ----------------------------------------------------------------- the data behind the pages

def test_every_article_has_a_title_and_a_known_source_of_it(built_db):
    articles = query(built_db, "select id, title, title_source, published, outlet from articles")
    assert articles and all(row["title"] and row["title_source"] in ("given", "headline", "lede") for row in articles)
    assert {row["id"][:3]: row["outlet"] for row in articles} == {
        "000": "Devdiscourse", "001": None, "002": None, "003": "AFP", "004": None}
    assert {row["id"][:3]: row["published"] for row in articles}["002"] == "2023-05-23"


async def test_article_links_are_labelled_with_titles(ds, built_db):
    rows = (await ds.client.get("/quotes/quotes.json?_labels=on&_shape=array&_size=max")).json()
    titles = {row["id"]: row["title"] for row in query(built_db, "select id, title from articles")}
    assert rows and all(row["article_id"]["label"] == titles[row["article_id"]["value"]] for row in rows)


def test_rule_locations_are_relative_to_the_rules_folder(built_db):
    rules = query(built_db, "select kind, file, line from rules")
    assert {row["file"] for row in rules} == {"patterns.yml", "boilerplate.yml"}
    locations = {row["rule_location"] for row in query(built_db, "select rule_location from who_said_what")}
    assert locations and all(re.fullmatch(r"patterns\.yml:\d+", location) for location in locations)


def test_rules_carry_their_examples(built_db):
    for rule in query(built_db, "select id, kind, examples from rules"):
        examples = json.loads(rule["examples"])
        assert examples and all(example["text"] for example in examples), rule["id"]
        assert any(example["match"] for example in examples)


def test_the_sentence_is_the_one_the_content_starts_in(built_db):
    rows = query(built_db, """select who_said_what.sentence, articles.text, quotes.content_start from who_said_what
        join quotes on quotes.id = who_said_what.quote_id join articles on articles.id = quotes.article_id""")
    for row in rows:
        start = row["text"].index(row["sentence"])
        assert start <= row["content_start"] <= start + len(row["sentence"])


# ----------------------------------------------------------------- the main view

async def test_main_view_puts_what_a_reader_needs_first(ds):
    data = (await ds.client.get("/quotes/who_said_what.json?_size=1")).json()
    assert data["columns"][:6] == ["speaker", "content", "cue", "published", "outlet", "article"]
    assert INTERNAL_COLUMNS & set(data["columns"]), "internal columns stay available in the data"


async def test_main_view_links_speakers_quotes_articles_and_copies(ds, built_db):
    html = await page(ds, "/quotes/who_said_what?speaker=Vyacheslav+Gladkov&_size=max")
    quotes = query(built_db, "select id, article_id, statement_id from quotes where speaker = 'Vyacheslav Gladkov'")
    assert set(hrefs(html, "nr-speaker")) == {"/quotes/speakers/vyacheslav-gladkov"}
    assert sorted(hrefs(html, "nr-quote")) == sorted(f"/quotes/articles/{q['article_id']}#q-{q['id']}" for q in quotes)
    assert set(hrefs(html, "nr-article")) == {f"/quotes/articles/{q['article_id']}" for q in quotes}
    assert set(hrefs(html, "nr-copies")) == {f"/quotes/statements/{q['statement_id']}" for q in quotes}
    assert 'class="col-quote_id type-str nr-internal"' in html  # there, but hidden until asked for
    assert 'id="chart-quoted-over-time"' in html


@pytest.mark.parametrize("name, where", [
    ("who_said_what_about?words=the", "content like '%the%'"),
    ("quotes_by_speaker?speaker=podolyak", "speaker like '%podolyak%' or speaker_mention like '%podolyak%'"),
    ("unresolved_speakers", "speaker_id is null and speaker_kind is null"),
    ("unnamed_sources?kind=", "speaker_kind in ('anonymous', 'generic')"),
])
async def test_canned_queries_link_quotes_to_their_articles(ds, built_db, name, where):
    html = await page(ds, f"/quotes/{name}")
    expected = query(built_db, f"select id, article_id from quotes where {where}")
    assert sorted(hrefs(html, "nr-quote")) == sorted(f"/quotes/articles/{q['article_id']}#q-{q['id']}" for q in expected)


async def test_articles_table_shows_the_text_short_and_linked(ds, built_db):
    html = await page(ds, "/quotes/articles")
    articles = query(built_db, "select id, text from articles")
    assert sorted(hrefs(html, "nr-article")) == sorted(f"/quotes/articles/{a['id']}" for a in articles)
    assert all(a["text"][-200:] not in html for a in articles if len(a["text"]) > 1000)


async def test_the_article_url_is_linked_when_known(tmp_path, pipeline):
    source = tmp_path / "in.jsonl"
    text = "Gladkov said one elderly woman had died during the evacuation of the village."
    source.write_text(json.dumps({"id": "a1", "title": "One dead in Belgorod", "url": "https://example.org/a1",
                                  "text": text}) + "\n")
    db_path = tmp_path / "quotes.db"
    from quotetrack.run.pipeline import BuildReport

    pipeline.build(db_path, pipeline.read(source, BuildReport()))
    ds = datasette_instance(db_path)
    html = await page(ds, "/quotes/who_said_what")
    assert '<a class="nr-source" href="https://example.org/a1"' in html
    assert "One dead in Belgorod" in await page(ds, "/quotes/articles/a1")


# ----------------------------------------------------------------- speaker, article, statement, rule pages

async def test_speaker_page(ds, built_db):
    html = await page(ds, "/quotes/speakers/vyacheslav-gladkov")
    statements = query(built_db, "select id, content from statements where speaker_id = 'vyacheslav-gladkov'")
    quotes = query(built_db, "select id, article_id, speaker_mention, cue_lemma, channel from quotes"
                             " where speaker_id = 'vyacheslav-gladkov'")
    assert statements and all(f"/quotes/statements/{s['id']}" in html for s in statements)
    assert all(f"/quotes/articles/{q['article_id']}#q-{q['id']}" in html for q in quotes), "every copy is listed"
    for seen in {q["speaker_mention"] for q in quotes} | {q["cue_lemma"] for q in quotes} | {"Telegram"}:
        assert f"{seen} <span class=\"nr-n\">" in html.replace("&#39;", "'"), seen
    assert "Devdiscourse" in html and "AFP" in html  # outlets
    assert 'id="chart-speaker-timeline"' in html and '"query_string"' not in html


async def test_article_page_highlights_every_quote(ds, built_db):
    article_id = "002_b64cd32992bd66d3"
    html = await page(ds, f"/quotes/articles/{article_id}")
    marks = marks_of(html)
    [article] = query(built_db, "select text from articles where id = ?", [article_id])
    quotes = query(built_db, "select * from quotes where article_id = ?", [article_id])
    assert quotes and marks.anchors == {f"q-{q['id']}" for q in quotes}
    for q in quotes:
        parts = json.loads(q["content_parts"] or "null") or [[q["content_start"], q["content_end"]]]
        assert marks.text[(q["id"], "content")] == "".join(article["text"][start:end] for start, end in parts)
        assert marks.text[(q["id"], "cue")] == q["cue"]
        if q["speaker_start"] is not None:
            assert marks.text[(q["id"], "speaker")] == q["speaker_mention"]
    assert f'title="content · Vyacheslav Gladkov · rule {quotes[0]["rule_id"]}"' in html or any(
        f'title="content · {q["speaker"]} · rule {q["rule_id"]}"' in html for q in quotes if q["speaker"])


async def test_article_page_shows_removed_boilerplate_apart(ds):
    html = await page(ds, "/quotes/articles/004_bdc4634938a47494")
    removed = html[html.index('class="nr-removed"'):]
    assert "JOIN US ON TELEGRAM" in removed and "rule social-follow" in removed
    assert "JOIN US ON TELEGRAM" not in html[:html.index('class="nr-removed"')].split('class="nr-text"')[1]


async def test_statement_page_lists_its_copies(ds, built_db):
    [statement] = query(built_db, "select id, quote_count from statements order by article_count desc, id limit 1")
    html = await page(ds, f"/quotes/statements/{statement['id']}")
    copies = query(built_db, "select id, article_id from quotes where statement_id = ?", [statement["id"]])
    assert len(copies) == statement["quote_count"] > 1
    assert sorted(hrefs(html, "nr-copy")) == sorted(f"/quotes/articles/{c['article_id']}#q-{c['id']}" for c in copies)


@pytest.mark.parametrize("rule_id", ["subject-verb-clause", "social-follow"])
async def test_rule_page_lists_what_the_rule_found_and_its_examples(ds, built_db, rule_id):
    html = await page(ds, f"/quotes/rules/{rule_id}")
    [rule] = query(built_db, "select file, line, examples from rules where id = ?", [rule_id])
    assert f"<code>{rule['file']}:{rule['line']}</code>" in html
    for example in json.loads(rule["examples"]):
        assert str(escape(example["text"])) in html
    found = query(built_db, "select id from quotes where rule_id = ?", [rule_id])
    assert len(hrefs(html, "nr-quote")) == len(found)
    if rule_id == "social-follow":
        assert "Follow our coverage of the war on the @Kyivpost_official." in html


def escape(text: str) -> str:
    from markupsafe import escape as markup_escape

    return str(markup_escape(text))


async def test_a_missing_row_is_still_a_404(ds):
    assert (await ds.client.get("/quotes/speakers/nobody-at-all")).status_code == 404


# ----------------------------------------------------------------- charts and read-only

async def test_dashboard_page_and_every_chart_query(ds, built_db):
    html = await page(ds, "/-/dashboards/newsroom")
    assert "Who is quoted" in html and "vega-lite.min.js" in html and "cdn." not in html
    for slug, chart in DASHBOARD["charts"].items():
        sql = re.sub(r"\[\[(.*?)\]\]", r"\1", chart["query"])
        response = await ds.client.get(f"/quotes.json?sql={urlquote(sql)}&speaker=vyacheslav-gladkov&_shape=array")
        assert response.status_code == 200 and response.json(), slug
    timeline = re.sub(r"\[\[(.*?)\]\]", r"\1", DASHBOARD["charts"]["speaker-timeline"]["query"])
    rows = (await ds.client.get(f"/quotes.json?sql={urlquote(timeline)}&speaker=vyacheslav-gladkov&_shape=array")).json()
    expected = query(built_db, "select count(*) as n from statements where speaker_id = 'vyacheslav-gladkov'")
    assert sum(row["statements"] for row in rows) == expected[0]["n"]


async def test_the_site_is_read_only(ds, built_db):
    before = query(built_db, "select count(*) as n from quotes")[0]["n"]
    response = await ds.client.get("/quotes.json?sql=" + urlquote("delete from quotes"))
    assert response.status_code == 400 or not response.json().get("ok", True)
    response = await ds.client.post("/quotes/quotes/-/insert", json={"row": {"id": "x"}})
    assert response.status_code in (403, 404, 405)
    assert query(built_db, "select count(*) as n from quotes")[0]["n"] == before


async def test_rule_page_shows_its_yaml_and_measured_precision_where_known(built_db, tmp_path):
    copy = tmp_path / "quotes.db"
    copy.write_bytes(built_db.read_bytes())
    with closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute("update quotes set confidence = null")  # as a rules folder without precision.yml builds
        conn.execute("update quotes set confidence = 0.8 where rule_id = 'subject-verb-clause'")
    ds = datasette_instance(copy)
    html = await page(ds, "/quotes/rules/subject-verb-clause")
    assert "Measured precision: <b>0.80</b>" in html
    assert "<code>- id: subject-verb-clause\n" in html
    other = query(copy, "select id from rules where id != 'subject-verb-clause' and kind = 'pattern' limit 1")[0]["id"]
    assert "Precision not measured" in await page(ds, f"/quotes/rules/{other}")
