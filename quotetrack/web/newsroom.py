"""The newsroom view: datasette plugin hooks that make the quotes database pages a journalist can work in.

- ``render_cell`` links every speaker, quote, article, statement and rule cell to its page;
- ``extra_template_vars`` gives the row pages of speakers, articles, statements and rules
  what ``templates/newsroom/*.html`` shows: a speaker's statements, cues, outlets and
  timeline, an article's text with every quote highlighted, a rule's finds and examples.

Every query reads only the columns it needs and checks that optional ones exist, so
the pages keep working on databases with more (or older) columns.
"""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from datasette_dashboards import replace_opts_in_query
from markupsafe import Markup, escape

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


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links: speaker → speaker page, quote → its article at the quote, article → its page (and source url),
    copies → the statement, rule → the rule page."""
    if value is None or not hasattr(row, "keys"):
        return None
    keys = set(row.keys())
    quote_id = row["quote_id"] if "quote_id" in keys else (row["id"] if table == "quotes" else None)
    if column == "speaker" and "speaker_id" in keys and row["speaker_id"]:
        return link(row_url(datasette, database, "speakers", row["speaker_id"]), value, "nr-speaker")
    if column == "content" and "article_id" in keys and table != "statements":
        return link(quote_url(datasette, database, row["article_id"], quote_id), preview(str(value)), "nr-quote",
                    "Read it in the article" if len(str(value)) <= CONTENT_PREVIEW else str(value))
    if column == "content" and table == "statements":
        return link(row_url(datasette, database, "statements", row["id"]), preview(str(value)), "nr-quote")
    if column == "article" and "article_id" in keys:
        page = link(row_url(datasette, database, "articles", row["article_id"]), value, "nr-article")
        url = row["article_url"] if "article_url" in keys else None
        return page + (Markup(' <a class="nr-source" href="{}" rel="noopener">source&nbsp;↗</a>').format(url)
                       if url else "")
    if column == "statement_articles" and "statement_id" in keys and row["statement_id"]:
        copies = f"{value} article{'s' if value != 1 else ''}"
        return link(row_url(datasette, database, "statements", row["statement_id"]), copies, "nr-copies",
                    "Every copy of this statement")
    if column == "rule_id" and table != "rules":
        return link(row_url(datasette, database, "rules", value), value, "nr-rule")
    if column == "text" and table == "articles":
        return link(row_url(datasette, database, "articles", row["id"]), preview(str(value)), "nr-article",
                    "Read it with its quotes highlighted")
    if column == "url" and table == "articles" and str(value).startswith(("http://", "https://")):
        return Markup('<a href="{}" rel="noopener">{}</a>').format(value, value)
    return None


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The data of the newsroom pages: the row pages of speakers, articles, statements and rules."""
    if view_name == "table" and table == MAIN_VIEW:
        return {"newsroom_internal_columns": INTERNAL_COLUMNS,
                "newsroom_chart": dashboard_chart(datasette, request, MAIN_CHART, height=140)}
    page = ROW_PAGES.get(table) if view_name == "row" and request is not None else None
    if page is None:
        return {}

    async def page_vars():
        key = urlsafe_components(request.url_vars["pks"])[0]
        data = await page(datasette, datasette.get_database(database), database, key)
        if data and data["page"] == "speaker":
            data["chart"] = dashboard_chart(datasette, request, SPEAKER_CHART, height=220,
                                            title="Statements over time", speaker=key)
        return {"newsroom": data}

    return page_vars


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
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def speaker_page(datasette, db, database: str, speaker_id: str) -> dict | None:
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
    copies = await rows(db, f"""select quotes.id as quote_id, quotes.statement_id, quotes.article_id, quotes.cue,
        quotes.content, quotes.type, articles.title, articles.published, articles.url, {outlet} as outlet
        {quotes_where} order by articles.published is null, articles.published, quotes.article_id, quotes.content_start""",
                        [speaker_id])
    by_statement = defaultdict(list)
    for copy in copies:
        copy["href"] = quote_url(datasette, database, copy["article_id"], copy["quote_id"])
        by_statement[copy["statement_id"]].append(copy)
    statements = await rows(db, "select id, content, quote_count, article_count, first_published from statements"
                                " where speaker_id = ? order by first_published is null, first_published, id",
                            [speaker_id])
    for statement in statements:
        statement["copies"] = by_statement.pop(statement["id"], [])
        statement["href"] = row_url(datasette, database, "statements", statement["id"])
    unmerged = [copy for pending in by_statement.values() for copy in pending]  # a build that stopped before merging
    return {
        "page": "speaker",
        "speaker": speaker,
        "mentions": mentions,
        "aliases_unseen": [alias for alias in json.loads(speaker.get("aliases") or "[]")
                           if alias not in {mention["name"] for mention in mentions}],
        "roles": roles,
        "cues": cues,
        "channels": channels,
        "outlets": outlets,
        "statements": statements,
        "unmerged": unmerged,
        "quote_count": len(copies),
    }


async def article_page(datasette, db, database: str, article_id: str) -> dict | None:
    [article] = await rows(db, "select * from articles where id = ?", [article_id]) or [None]
    if article is None:
        return None
    quotes = await rows(db, """select quotes.*, rules.file || ':' || rules.line as rule_location
        from quotes left join rules on rules.id = quotes.rule_id
        where article_id = ? order by content_start, id""", [article_id])
    for quote in quotes:
        quote["speaker_href"] = quote["speaker_id"] and row_url(datasette, database, "speakers", quote["speaker_id"])
        quote["rule_href"] = row_url(datasette, database, "rules", quote["rule_id"])
    return {
        "page": "article",
        "article": article,
        "text_html": highlighted(article["text"], quotes),
        "quotes": quotes,
        "boilerplate": json.loads(article.get("boilerplate") or "[]"),
        "metadata": json.loads(article.get("metadata") or "{}"),
    }


async def statement_page(datasette, db, database: str, statement_id: str) -> dict | None:
    [statement] = await rows(db, "select * from statements where id = ?", [statement_id]) or [None]
    if statement is None:
        return None
    outlet = "articles.outlet" if "outlet" in await columns_of(db, "articles") else "null"
    copies = await rows(db, f"""select quotes.id as quote_id, quotes.article_id, quotes.cue, quotes.content,
        quotes.speaker_mention, articles.title, articles.published, articles.url, {outlet} as outlet
        from quotes join articles on articles.id = quotes.article_id where quotes.statement_id = ?
        order by articles.published is null, articles.published, quotes.article_id""", [statement_id])
    for copy in copies:
        copy["href"] = quote_url(datasette, database, copy["article_id"], copy["quote_id"])
    speaker_href = statement["speaker_id"] and row_url(datasette, database, "speakers", statement["speaker_id"])
    return {"page": "statement", "statement": statement, "copies": copies, "speaker_href": speaker_href}


async def rule_page(datasette, db, database: str, rule_id: str) -> dict | None:
    [rule] = await rows(db, "select * from rules where id = ?", [rule_id]) or [None]
    if rule is None:
        return None
    found = await rows(db, """select quotes.id as quote_id, quotes.article_id, quotes.speaker, quotes.speaker_id,
        quotes.cue, quotes.content, articles.title from quotes join articles on articles.id = quotes.article_id
        where quotes.rule_id = ? order by articles.published is null, articles.published, quotes.article_id,
        quotes.content_start""", [rule_id])
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
    return {
        "page": "rule",
        "rule": rule,
        "examples": json.loads(rule.get("examples") or "[]"),
        "found": found,
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
    anchored, pieces = set(), []
    order = {"content": 0, "speaker": 1, "cue": 2}
    for start, end in zip(cuts, cuts[1:]):
        piece = escape(text[start:end])
        covering = sorted((s for s in spans if s[0] <= start and end <= s[1]), key=lambda s: order[s[2]])
        for _, _, kind, quote in reversed(covering):
            anchor = ""
            if kind == "content" and quote["id"] not in anchored:
                anchored.add(quote["id"])
                anchor = Markup(' id="q-{}"').format(quote["id"])
            hover = f"{kind} · {quote['speaker'] or 'unresolved speaker'} · rule {quote['rule_id']}"
            piece = Markup('<mark class="nr-{}" data-quote="{}" title="{}"{}>{}</mark>').format(
                kind, quote["id"], hover, anchor, piece)
        pieces.append(piece)
    return Markup("").join(pieces)

