"""The newsroom view: datasette plugin hooks that make the quotes database pages a journalist can work in.

- ``render_cell`` links every speaker, quote, article, statement and rule cell to its page;
- ``extra_template_vars`` gives the row pages of speakers, articles, statements and rules
  what ``templates/newsroom/*.html`` shows: a speaker's statements, cues, outlets and
  timeline, an article's text with every quote highlighted, a rule's finds and examples.

Every query reads only the columns it needs and checks that optional ones exist, so
the pages keep working on databases with more (or older) columns. What one page does is
bounded: it lists at most ``PAGE_QUOTES`` quotes (an article's come in parts, a speaker's
or a rule's link to the rest in the table), and only http(s) addresses become links.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import datasette_atom
from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from datasette_dashboards import replace_opts_in_query
from feedgen.feed import FeedGenerator
from markupsafe import Markup, escape

from ..records import web_url

# Columns a reader does not need first: offsets, row ids, rule details. The main view hides
# them until "show all columns" is ticked; exports and the JSON API always carry them.
INTERNAL_COLUMNS = frozenset({
    "category", "speaker_mention", "speaker_type", "speaker_kind", "cue_lemma", "rule_id", "rule_location",
    "sentence", "article_url", "article_id", "content_start", "content_end", "speaker_id", "statement_id",
    "quote_id", "quote_rowid",
})
CONTENT_PREVIEW = 320  # characters of a quote shown in a table cell; the rest is on the article page
MAIN_VIEW = "who_said_what"
DASHBOARD = "newsroom"  # the datasette-dashboards dashboard of metadata.yml
SPEAKER_CHART = "speaker-timeline"  # its chart of one speaker's statements over time
MAIN_CHART = "quoted-over-time"  # its chart of the most quoted speakers, shown above the main view
PAGE_QUOTES = 500  # quotes one page lists: an article's in parts (?part=2), a speaker's or rule's then in the table
URL_COLUMNS = frozenset({"url", "article_url"})  # published as links only when they hold an http(s) address
SPEAKER_FEED, SEARCH_FEED = "speaker_feed", "search_feed"  # canned queries of metadata.yml, served as .atom
HOME_LIST = 8  # rows of each list on the home page
HOME_LINKS = {"main": MAIN_VIEW, "speakers": "most_quoted_speakers", "articles": "article_list",
              "rules": "quotes_per_rule"}


DATE_COLUMNS = frozenset({"published", "first_published", "fetched_at", "first_seen", "last_fetched", "entry_updated"})
JSON_COLUMNS = frozenset({"aliases", "segments", "boilerplate", "examples", "content_parts", "metadata"})
SOURCE_KINDS = {  # what a quote's speaker is when it names nobody in the speakers table
    "generic": "generic source",  # "officials", "a spokesman"
    "anonymous": "anonymous source",  # "a source familiar with the talks"
    "organisation": "organisation",
    "place": "place",
    "person": "person",
}


def human_date(value: str | None) -> str:
    """"23 May 2023, 10:15" (the time as the article states it), "23 May 2023", or "undated"."""
    if not value:
        return "undated"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    day = f"{moment.day} {moment:%B %Y}"
    return day if len(value) <= 10 else f"{day}, {moment:%H:%M}"


def period(value: str | None, first: str | None, last: str | None) -> tuple[str, str]:
    """The bucket of a chart's time axis that ``value`` falls in: (start date, label). Buckets are days when the
    dated range (``first`` to ``last``) spans a month or less, weeks (from Monday) up to a year, else months."""
    try:
        moment, start, end = (datetime.fromisoformat(text.replace("Z", "+00:00")).date()
                              for text in (value, first or value, last or value))
    except (AttributeError, ValueError):
        return "9999-99-99", "undated"
    span = (end - start).days
    if span <= 31:
        return moment.isoformat(), human_date(moment.isoformat())
    if span <= 366:
        monday = moment - timedelta(days=moment.weekday())
        return monday.isoformat(), f"week of {human_date(monday.isoformat())}"
    return moment.replace(day=1).isoformat(), f"{moment:%B %Y}"


@hookimpl
def prepare_connection(conn):
    """``period_start(date, first, last)`` and ``period_label(…)``: the charts' time buckets (see ``period``)."""
    conn.create_function("period_start", 3, lambda *args: period(*args)[0], deterministic=True)
    conn.create_function("period_label", 3, lambda *args: period(*args)[1], deterministic=True)


def source_label(kind: str | None, mention: str | None) -> str:
    """Who speaks when no named speaker is known: "generic source: officials", "anonymous source: …",
    "unresolved: he" (a pronoun nothing agrees with), "no speaker found"."""
    what = SOURCE_KINDS.get(kind or "", "unresolved" if mention else "no speaker found")
    return f"{what}: {mention}" if mention else what


def row_url(datasette, database: str, table: str, key: str) -> str:
    return datasette.urls.row(database, table, tilde_encode(str(key)))


def quote_url(datasette, database: str, article_id: str, quote_id: str | None) -> str:
    """The article page, scrolled to the quote."""
    url = row_url(datasette, database, "articles", article_id)
    return f"{url}#q-{quote_id}" if quote_id else url


def link(href: str, text, css_class: str, title: str | None = None) -> Markup:
    title_attribute = Markup(' title="{}"').format(title) if title else ""
    return Markup('<a class="{}" href="{}"{}>{}</a>').format(css_class, href, title_attribute, text)


def preview(text: str) -> str:
    return text if len(text) <= CONTENT_PREVIEW else text[:CONTENT_PREVIEW].rsplit(" ", 1)[0] + " …"


def plain(value):
    """A cell's value: datasette hands a foreign-key cell of a table page over as ``{"value": …, "label": …}``."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def count_label(items, one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def json_label(column: str, value) -> str | None:
    """What a JSON column holds, in words (aliases listed, offsets and removed lines counted), never the raw JSON."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if column == "aliases" and isinstance(data, list):
        return ", ".join(map(str, data)) or "none"
    if column == "segments" and isinstance(data, list):
        return count_label(data, "stretch of the source kept", "stretches of the source kept")
    if column == "boilerplate" and isinstance(data, list):
        return count_label(data, "line removed", "lines removed")
    if column == "examples" and isinstance(data, list):
        return count_label(data, "example", "examples")
    if column == "content_parts" and isinstance(data, list):
        return "quoted parts at " + ", ".join(f"{start}–{end}" for start, end in data)
    if column == "metadata" and isinstance(data, dict):
        return "; ".join(f"{key}: {value}" for key, value in data.items() if value not in (None, "", [])) or "none"
    return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links: speaker → speaker page, quote → its article at the quote, article → its page (and source url),
    copies → the statement, rule → the rule page; dates in words; JSON columns in words."""
    value = plain(value)
    if not hasattr(row, "keys"):
        return None
    keys = set(row.keys())

    def cell(name):
        return plain(row[name]) if name in keys else None

    if column == "speaker" and cell("speaker_id"):
        return link(row_url(datasette, database, "speakers", cell("speaker_id")), value, "nr-speaker")
    if column == "speaker" and keys & {"speaker_kind", "speaker_mention"}:
        return Markup('<span class="nr-unnamed">{}</span>').format(source_label(cell("speaker_kind"),
                                                                                cell("speaker_mention")))
    if value is None:
        return None
    quote_id = cell("quote_id") or (cell("id") if table == "quotes" else None)
    if column == "content" and cell("article_id") and table != "statements":
        return link(quote_url(datasette, database, cell("article_id"), quote_id), preview(str(value)), "nr-quote",
                    "Read it in the article" if len(str(value)) <= CONTENT_PREVIEW else str(value))
    if column == "content" and table == "statements":
        return link(row_url(datasette, database, "statements", cell("id")), preview(str(value)), "nr-quote")
    if column == "article" and cell("article_id"):
        page = link(row_url(datasette, database, "articles", cell("article_id")), value, "nr-article")
        url = web_url(cell("article_url"))
        return page + (Markup(' <a class="nr-source" href="{}" rel="noopener">source&nbsp;↗</a>').format(url)
                       if url else "")
    if column == "statement_articles" and cell("statement_id"):
        copies = f"{value} article{'s' if value != 1 else ''}"
        return link(row_url(datasette, database, "statements", cell("statement_id")), copies, "nr-copies",
                    "Every copy of this statement")
    if column == "rule_id" and table != "rules":
        return link(row_url(datasette, database, "rules", value), value, "nr-rule")
    if column == "text" and table == "articles":
        return link(row_url(datasette, database, "articles", cell("id")), preview(str(value)), "nr-article",
                    "Read it with its quotes highlighted")
    if column == "url" and table == "articles" and web_url(value):
        return Markup('<a href="{}" rel="noopener">{}</a>').format(web_url(value), value)
    if column in DATE_COLUMNS and isinstance(value, str):
        return Markup('<time datetime="{}">{}</time>').format(value, human_date(value))
    if column in JSON_COLUMNS:
        return json_label(column, value)
    return None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["human_date"] = human_date


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The data of the newsroom pages: the row pages of speakers, articles, statements and rules."""
    if view_name == "index":
        async def index_vars():
            return {"newsroom_home": await home_page(datasette, request)}
        return index_vars
    if view_name == "table" and table == MAIN_VIEW:
        search = request.args.get("_search") if request is not None else None
        return {"newsroom_internal_columns": INTERNAL_COLUMNS,
                "newsroom_chart": dashboard_chart(datasette, request, MAIN_CHART, height=140),
                "newsroom_search_feed": search and datasette.urls.table(database, SEARCH_FEED, format="atom")
                                        + "?" + urlencode({"words": search})}
    page = ROW_PAGES.get(table) if view_name == "row" and request is not None else None
    if page is None:
        return {}

    async def page_vars():
        key = urlsafe_components(request.url_vars["pks"])[0]
        data = await page(datasette, datasette.get_database(database), database, key, request)
        if data and data["page"] == "speaker":
            data["chart"] = dashboard_chart(datasette, request, SPEAKER_CHART, height=220,
                                            title="Statements over time", speaker=key)
        return {"newsroom": data}

    return page_vars


@hookimpl(trylast=True)  # the last renderer of an extension wins: this one wraps datasette-atom's
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render_feed, "can_render": datasette_atom.can_render_atom}


def render_feed(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    """datasette-atom's feed, with each entry linking to its quote in the article (an absolute url) and an empty
    feed (a speaker not quoted yet, a word nobody said) a valid feed rather than an error."""
    rows = [dict(row) for row in rows]
    if {"article_id", "quote_id"} <= set(columns):
        columns = [*columns, "atom_link"]
        for row in rows:
            row["atom_link"] = datasette.absolute_url(
                request, quote_url(datasette, database, row["article_id"], row["quote_id"]))
    if rows or not datasette_atom.REQUIRED_COLUMNS <= set(columns):
        return datasette_atom.render_atom(datasette, request, sql, columns, rows, database, table, query_name,
                                          view_name, data)
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.title(((datasette.metadata("queries", database=database) or {}).get(query_name) or {}).get("title")
               or query_name or table or "quotes")
    feed.updated(datetime.now(timezone.utc))
    return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8")


def dashboard_chart(datasette, request, slug: str, height: int, title: str | None = None, **filters) -> dict | None:
    """A chart of the newsroom dashboard, with its filters applied, for ``newsroom/_chart.html`` to draw."""
    dashboard = (datasette.plugin_config("datasette-dashboards") or {}).get(DASHBOARD) or {}
    chart = (dashboard.get("charts") or {}).get(slug)
    if not chart or request is None:
        return None
    return {
        "slug": slug,
        "chart": {**chart, "title": title or chart.get("title"), "query": replace_opts_in_query(chart["query"], filters),
                  "display": {**chart.get("display", {}), "height": height}},
        "query_string": urlencode(filters),
        "absolute_url": datasette.absolute_url(request, datasette.urls.instance()),
        "dashboard_url": datasette.urls.path(f"/-/dashboards/{DASHBOARD}"),
    }


async def columns_of(db, table: str) -> set[str]:
    return set(await db.table_columns(table)) if await db.table_exists(table) else set()


async def rows(db, sql: str, params=()) -> list[dict]:
    """The rows as dicts, a url column kept only where it holds an http(s) address (a page links it)."""
    found = [dict(row) for row in (await db.execute(sql, params)).rows]
    for row in found:
        for column in URL_COLUMNS.intersection(row):
            row[column] = web_url(row[column])
    return found


def more(datasette, database: str, shown: int, total: int, table: str, **filters) -> dict | None:
    """A link to every one of ``total`` rows, in ``table`` filtered, when a page shows only ``shown``."""
    if total <= shown:
        return None
    return {"shown": shown, "total": total, "href": datasette.urls.table(database, table) + "?" + urlencode(filters)}


def part_of(request) -> int:
    """The part of a long list a page shows (``?part=2``), from 1."""
    value = request.args.get("part", "") if request is not None else ""
    return int(value) if value.isdigit() and 0 < int(value) < 10_000 else 1


async def home_page(datasette, request) -> dict | None:
    """The newsroom first: newest quotes, who is quoted most in the newest week and overall, newest articles, rules."""
    db = datasette.get_database()
    if not await db.table_exists("quotes") or not await db.table_exists("articles"):
        return None
    name = db.name
    latest = await rows(db, f"""select speaker, speaker_id, speaker_kind, speaker_mention, content, cue, published,
        outlet, article, article_id, quote_id from who_said_what
        order by published is null, published desc, quote_id limit {HOME_LIST}""")
    [newest] = await rows(db, "select max(published) as day from articles")
    week = await rows(db, f"""select quotes.speaker, quotes.speaker_id, count(*) as quotes,
        count(distinct quotes.statement_id) as statements from quotes join articles on articles.id = quotes.article_id
        where quotes.speaker_id is not null and articles.published >= date(:day, '-6 days')
        group by quotes.speaker_id order by quotes desc, quotes.speaker limit {HOME_LIST}""", newest)
    speakers = await rows(db, f"""select speakers.id, speakers.name, speakers.type, count(*) as quotes
        from speakers join quotes on quotes.speaker_id = speakers.id
        group by speakers.id order by quotes desc, speakers.name limit {HOME_LIST * 2}""")
    outlet = "outlet" if "outlet" in await columns_of(db, "articles") else "null"
    articles = await rows(db, f"""select id, title, published, {outlet} as outlet,
        (select count(*) from quotes where quotes.article_id = articles.id) as quotes
        from articles order by published is null, published desc, id limit {HOME_LIST}""")
    rules = await rows(db, f"""select rule_id as id, count(*) as quotes from quotes
        group by rule_id order by quotes desc, rule_id limit {HOME_LIST}""")
    for quote in latest:
        quote["href"] = quote_url(datasette, name, quote["article_id"], quote["quote_id"])
        quote["speaker_href"] = quote["speaker_id"] and row_url(datasette, name, "speakers", quote["speaker_id"])
        quote["who"] = quote["speaker"] or source_label(quote["speaker_kind"], quote["speaker_mention"])
        quote["when"] = human_date(quote["published"])
    for speaker in [*week, *speakers]:
        speaker["href"] = row_url(datasette, name, "speakers", speaker.get("speaker_id") or speaker.get("id"))
    for article in articles:
        article["href"] = row_url(datasette, name, "articles", article["id"])
        article["when"] = human_date(article["published"])
    for rule in rules:
        rule["href"] = row_url(datasette, name, "rules", rule["id"])
    counts = (await rows(db, "select (select count(*) from quotes) as quotes, (select count(*) from articles)"
                             " as articles, (select count(*) from speakers) as speakers"))[0]
    return {
        "database": name, "counts": counts, "latest": latest, "week": week, "speakers": speakers,
        "articles": articles, "rules": rules,
        "week_label": newest["day"] and f"the 7 days to {human_date(newest['day'][:10])}",
        "chart": dashboard_chart(datasette, request, MAIN_CHART, height=160),
        "urls": {key: datasette.urls.table(name, table) for key, table in HOME_LINKS.items()},
    }


async def speaker_page(datasette, db, database: str, speaker_id: str, request=None) -> dict | None:
    [speaker] = await rows(db, "select * from speakers where id = ?", [speaker_id]) or [None]
    if speaker is None:
        return None
    quotes_where = "from quotes join articles on articles.id = quotes.article_id where quotes.speaker_id = ?"
    mentions = await rows(db, f"select speaker_mention as name, count(*) as n {quotes_where}"
                              " and speaker_mention is not null group by speaker_mention order by n desc", [speaker_id])
    roles = await rows(db, f"select role, min(published) as first, max(published) as last, count(*) as n {quotes_where}"
                           " and role is not null group by role order by first is null, first, n desc", [speaker_id])
    cues = await rows(db, f"select cue_lemma as lemma, group_concat(distinct lower(cue)) as written, count(*) as n"
                          f" {quotes_where} group by cue_lemma order by n desc", [speaker_id])
    channels = await rows(db, f"select channel, count(*) as n {quotes_where} and channel is not null"
                              " group by channel order by n desc", [speaker_id])
    outlet = "articles.outlet" if "outlet" in await columns_of(db, "articles") else "null"
    outlets = await rows(db, f"select {outlet} as outlet, count(*) as n, count(distinct articles.id) as articles"
                             f" {quotes_where} group by 1 order by n desc", [speaker_id])
    [[quote_count]] = (await db.execute("select count(*) from quotes where speaker_id = ?", [speaker_id])).rows
    copies = await rows(db, f"""select quotes.id as quote_id, quotes.statement_id, quotes.article_id, quotes.cue,
        quotes.content, quotes.type, articles.title, articles.published, articles.url, {outlet} as outlet
        {quotes_where} order by articles.published is null, articles.published desc, quotes.article_id,
        quotes.content_start, quotes.id limit {PAGE_QUOTES}""", [speaker_id])
    by_statement = defaultdict(list)
    for copy in copies:
        copy["href"] = quote_url(datasette, database, copy["article_id"], copy["quote_id"])
        by_statement[copy["statement_id"]].append(copy)
    statements = await rows(db, "select id, content, quote_count, article_count, first_published from statements"
                                " where id in (select statement_id from quotes where quotes.id in"
                                f" ({', '.join('?' * len(copies))}))"
                                " order by first_published is null, first_published desc, id",
                            [copy["quote_id"] for copy in copies])
    for statement in statements:
        statement["copies"] = by_statement.pop(statement["id"], [])
        statement["href"] = row_url(datasette, database, "statements", statement["id"])
    unmerged = [copy for pending in by_statement.values() for copy in pending]  # a build that stopped before merging
    [[statement_count]] = (await db.execute("select count(*) from statements where speaker_id = ?", [speaker_id])).rows
    table = datasette.urls.table(database, MAIN_VIEW)
    only = urlencode({"speaker_id": speaker_id})
    return {
        "page": "speaker",
        "speaker": speaker,
        "statement_count": statement_count,
        "exports": {"csv": f"{datasette.urls.table(database, MAIN_VIEW, format='csv')}?{only}&_stream=on&_size=max",
                    "json": f"{datasette.urls.table(database, MAIN_VIEW, format='json')}?{only}&_shape=objects&_size=max",
                    "atom": f"{datasette.urls.table(database, SPEAKER_FEED, format='atom')}?"
                            + urlencode({"speaker": speaker_id}),
                    "table": f"{table}?{only}"},
        "mentions": mentions,
        "aliases_unseen": [alias for alias in json.loads(speaker.get("aliases") or "[]")
                           if alias not in {mention["name"] for mention in mentions}],
        "roles": roles,
        "cues": cues,
        "channels": channels,
        "outlets": outlets,
        "statements": statements,
        "unmerged": unmerged,
        "quote_count": quote_count,
        "more": more(datasette, database, len(copies), quote_count, MAIN_VIEW, speaker_id=speaker_id),
    }


async def article_page(datasette, db, database: str, article_id: str, request=None) -> dict | None:
    [article] = await rows(db, "select * from articles where id = ?", [article_id]) or [None]
    if article is None:
        return None
    [[quote_count]] = (await db.execute("select count(*) from quotes where article_id = ?", [article_id])).rows
    parts = max(1, -(-quote_count // PAGE_QUOTES))
    part = min(part_of(request), parts)
    quotes = await rows(db, f"""select quotes.*, rules.file || ':' || rules.line as rule_location
        from quotes left join rules on rules.id = quotes.rule_id
        where article_id = ? order by content_start, id limit {PAGE_QUOTES} offset ?""",
                        [article_id, (part - 1) * PAGE_QUOTES])
    for quote in quotes:
        quote["speaker_href"] = quote["speaker_id"] and row_url(datasette, database, "speakers", quote["speaker_id"])
        quote["rule_href"] = row_url(datasette, database, "rules", quote["rule_id"])
        quote["who"] = quote["speaker"] or source_label(quote.get("speaker_kind"), quote.get("speaker_mention"))
    page_url = row_url(datasette, database, "articles", article_id)
    return {
        "page": "article",
        "article": article,
        "text_html": highlighted(article["text"], quotes),
        "quotes": quotes,
        "quote_count": quote_count,
        # a long article's quotes come in parts: each highlights its own in the whole text
        "parts": [{"number": number, "href": f"{page_url}?part={number}", "current": number == part,
                   "first": (number - 1) * PAGE_QUOTES + 1, "last": min(number * PAGE_QUOTES, quote_count)}
                  for number in range(1, parts + 1)] if parts > 1 else [],
        "boilerplate": json.loads(article.get("boilerplate") or "[]"),
        "metadata": json.loads(article.get("metadata") or "{}"),
    }


async def statement_page(datasette, db, database: str, statement_id: str, request=None) -> dict | None:
    [statement] = await rows(db, "select * from statements where id = ?", [statement_id]) or [None]
    if statement is None:
        return None
    outlet = "articles.outlet" if "outlet" in await columns_of(db, "articles") else "null"
    copies = await rows(db, f"""select quotes.id as quote_id, quotes.article_id, quotes.cue, quotes.content,
        quotes.speaker_mention, articles.title, articles.published, articles.url, {outlet} as outlet
        from quotes join articles on articles.id = quotes.article_id where quotes.statement_id = ?
        order by articles.published is null, articles.published desc, quotes.article_id, quotes.id""", [statement_id])
    for copy in copies:
        copy["href"] = quote_url(datasette, database, copy["article_id"], copy["quote_id"])
    speaker_href = statement["speaker_id"] and row_url(datasette, database, "speakers", statement["speaker_id"])
    return {"page": "statement", "statement": statement, "copies": copies, "speaker_href": speaker_href}


async def rule_page(datasette, db, database: str, rule_id: str, request=None) -> dict | None:
    [rule] = await rows(db, "select * from rules where id = ?", [rule_id]) or [None]
    if rule is None:
        return None
    [[found_count]] = (await db.execute("select count(*) from quotes where rule_id = ?", [rule_id])).rows
    found = await rows(db, f"""select quotes.id as quote_id, quotes.article_id, quotes.speaker, quotes.speaker_id,
        quotes.cue, quotes.content, articles.title from quotes join articles on articles.id = quotes.article_id
        where quotes.rule_id = ? order by articles.published is null, articles.published desc, quotes.article_id,
        quotes.content_start, quotes.id limit {PAGE_QUOTES}""", [rule_id])
    for quote in found:
        quote["href"] = quote_url(datasette, database, quote["article_id"], quote["quote_id"])
        quote["speaker_href"] = quote["speaker_id"] and row_url(datasette, database, "speakers", quote["speaker_id"])
    removed = []
    if "boilerplate" in await columns_of(db, "articles"):
        removed = await rows(db, """select articles.id as article_id, articles.title,
            json_extract(line.value, '$.text') as text from articles, json_each(articles.boilerplate) as line
            where json_extract(line.value, '$.rule') = ? order by articles.id""", [rule_id])
        for line in removed:
            line["href"] = row_url(datasette, database, "articles", line["article_id"])
    precision = None  # a build that measures its rules gives each quote its rule's precision as ``confidence``
    if "confidence" in await columns_of(db, "quotes"):
        [precision] = await rows(db, "select avg(confidence) as value, count(confidence) as quotes from quotes"
                                     " where rule_id = ? and confidence is not null", [rule_id])
    return {
        "page": "rule",
        "rule": rule,
        "precision": precision if precision and precision["quotes"] else None,
        "examples": json.loads(rule.get("examples") or "[]"),
        "found": found,
        "found_count": found_count,
        "more": more(datasette, database, len(found), found_count, MAIN_VIEW, rule_id=rule_id),
        "removed": removed,
    }


ROW_PAGES = {"speakers": speaker_page, "articles": article_page, "statements": statement_page, "rules": rule_page}


def highlighted(text: str, quotes: list[dict]) -> Markup:
    """The article text as HTML with each quote's content, cue and speaker in ``<mark>`` elements.

    Spans of different quotes may overlap (a nested attribution), so the text is cut at every
    span boundary and each piece is wrapped in the marks of all spans covering it. The first
    piece of each quote's content carries the anchor ``id="q-<quote id>"``.
    """
    spans = []  # (start, end, kind, quote)
    for quote in quotes:
        parts = json.loads(quote.get("content_parts") or "null") or [[quote["content_start"], quote["content_end"]]]
        spans += [(start, end, "content", quote) for start, end in parts]
        for kind, prefix in (("cue", "cue"), ("speaker", "speaker")):
            if quote.get(f"{prefix}_start") is not None and quote.get(f"{prefix}_end") is not None:
                spans.append((quote[f"{prefix}_start"], quote[f"{prefix}_end"], kind, quote))
    cuts = sorted({0, len(text), *(offset for start, end, *_ in spans for offset in (start, end))})
    starting, ending = defaultdict(list), defaultdict(list)  # span numbers by where they start and end
    for number, (start, end, *_) in enumerate(spans):
        if start < end:
            starting[start].append(number)
            ending[end].append(number)
    anchored, pieces, covering = set(), [], set()  # covering: the spans around the piece, kept in one sweep
    order = {"content": 0, "speaker": 1, "cue": 2}
    for start, end in zip(cuts, cuts[1:]):
        covering.difference_update(ending[start])
        covering.update(starting[start])
        piece = escape(text[start:end])
        for number in sorted(covering, key=lambda number: (order[spans[number][2]], number), reverse=True):
            _, _, kind, quote = spans[number]
            anchor = ""
            if kind == "content" and quote["id"] not in anchored:
                anchored.add(quote["id"])
                anchor = Markup(' id="q-{}"').format(quote["id"])
            who = quote["speaker"] or source_label(quote.get("speaker_kind"), quote.get("speaker_mention"))
            hover = f"{kind} · {who} · rule {quote['rule_id']}"
            piece = Markup('<mark class="nr-{}" data-quote="{}" title="{}"{}>{}</mark>').format(
                kind, quote["id"], hover, anchor, piece)
        pieces.append(piece)
    return Markup("").join(pieces)

