"""The newsroom pages in a real browser: headless Chromium (Debian's package) driven by Playwright, against
``quotetrack serve`` on a free local port over the database built from the example articles.

The tests assert what a person sees: quote text in the first screen, highlights around the right
words, links that lead somewhere, charts drawn, and no error in the browser's console.
Set QUOTETRACK_SCREENSHOTS to a folder to save a screenshot of each page there (docs/ holds some).
"""

import csv
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import feedparser
import pytest

from quotetrack.web.publish import load_metadata

CHROMIUM = os.environ.get("QUOTETRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 900}
SCREENSHOTS = os.environ.get("QUOTETRACK_SCREENSHOTS")
CANNED_QUERIES = load_metadata("quotes.db")["databases"]["quotes"]["queries"]
QUERY_ARGUMENTS = {"who_said_what_about": "?words=drones", "quotes_by_speaker": "?speaker=podolyak",
                   "speaker_feed": "?speaker=vyacheslav-gladkov", "search_feed": "?words=drones"}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(built_db):
    """``quotetrack serve`` (datasette under uvicorn) on a free port; its base url."""
    port = free_port()
    command = [sys.executable, "-c", "from quotetrack.cli import cli; cli()", "serve", str(built_db), "-p", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"quotetrack serve did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    """A fresh page whose console errors and uncaught exceptions fail the test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site)
    tab = context.new_page()
    errors = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("response", lambda response: errors.append(f"{response.status} {response.url}")
           if response.status >= 400 else None)
    yield tab
    context.close()
    assert not errors, errors


@pytest.fixture
def db(built_db):
    with closing(sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        yield conn


def screenshot(page, name: str, full_page: bool = False) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


def in_first_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= VIEWPORT["height"]


def wait_for_chart(page, slug: str):
    """The Vega chart ``slug``, once drawn: an SVG with at least one bar."""
    chart = page.locator(f"#chart-{slug} svg.marks")
    chart.wait_for(state="visible", timeout=15_000)
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 80
    assert page.locator(f"#chart-{slug} .mark-rect path").count() > 0, "bars are drawn"
    return chart


def test_home_page_is_the_newsroom(page, db):
    page.goto("/")
    assert "quotetrack: who said what" in page.title()
    newest = db.execute("select content from who_said_what order by published is null, published desc, quote_id"
                        " limit 1").fetchone()[0]
    first = page.locator(".nr-latest a.nr-quote").first
    assert first.inner_text().rstrip(" .…") in newest and in_first_screen(first), "who said what, newest first"
    assert page.locator(".nr-home-speakers a.nr-speaker").count() > 3
    assert page.locator("table.nr-articles tbody tr").count() == min(8, db.execute(
        "select count(*) from articles").fetchone()[0])
    assert page.locator(".nr-home-rules a.nr-rule").count() > 0
    wait_for_chart(page, "quoted-over-time")
    screenshot(page, "home")
    page.get_by_role("link", name="the tables, views and queries").click()  # the raw tables, one click further
    page.wait_for_url("**/quotes")
    assert page.get_by_role("link", name="quotes", exact=True).count() > 0


def test_main_view_first_screen_shows_who_said_what(page, db):
    page.goto("/quotes/who_said_what")
    first = db.execute("select speaker, content from who_said_what order by published desc, quote_id limit 1").fetchone()
    quote = page.locator("td.col-content a.nr-quote").first
    assert quote.inner_text() == first["content"]
    assert in_first_screen(quote), "the first quote is in the first screen"
    assert in_first_screen(page.locator("td.col-speaker").first)
    assert page.locator("td.col-content").first.bounding_box()["width"] >= 380, "the content column is wide enough to read"
    wait_for_chart(page, "quoted-over-time")
    screenshot(page, "main-view")
    assert not page.locator("th.col-quote_id").is_visible()  # internal columns wait until asked for
    page.locator("#nr-show-internal").check()
    assert page.locator("th.col-quote_id").is_visible()
    assert page.locator("td.col-rule_location").first.inner_text().startswith("patterns.yml:")


def test_every_link_of_the_main_view_leads_somewhere(page):
    page.goto("/quotes/who_said_what?_size=max")
    links = page.locator("a.nr-speaker, a.nr-quote, a.nr-article, a.nr-copies, a.nr-rule")
    targets = {href.split("#")[0] for href in (link.get_attribute("href") for link in links.all())}
    assert len(targets) > 20
    for target in sorted(targets):
        assert page.request.get(target).ok, target


def test_speaker_link_leads_to_the_speaker_page(page, db):
    page.goto("/quotes/who_said_what")
    link = page.locator("td.col-speaker a.nr-speaker").first
    name = link.inner_text()
    link.click()
    page.wait_for_url("**/quotes/speakers/*")
    assert page.locator("h1.nr-title").inner_text() == name
    [speaker_id] = db.execute("select id from speakers where name = ?", [name]).fetchone()
    statements = db.execute("select content from statements where speaker_id = ?", [speaker_id]).fetchall()
    shown = page.locator(".nr-statement blockquote").all_inner_texts()
    assert sorted(shown) == sorted(row["content"] for row in statements)
    wait_for_chart(page, "speaker-timeline")


def test_speaker_page(page):
    page.goto("/quotes/speakers/vyacheslav-gladkov")
    assert page.locator("h1.nr-title").inner_text() == "Vyacheslav Gladkov"
    facts = page.locator(".nr-facts").inner_text()
    for heading in ("As written", "Roles", "Cues", "Channels", "Outlets"):
        assert heading in facts
    assert "Telegram" in facts and "Devdiscourse" in facts
    wait_for_chart(page, "speaker-timeline")
    copy = page.locator("a.nr-copy").first
    copy.click()
    page.wait_for_url("**/quotes/articles/*#q-*")


def test_quote_link_scrolls_to_the_highlighted_quote(page, db):
    page.goto("/quotes/who_said_what?_search=evacuated")
    quote = page.locator("td.col-content a.nr-quote").first
    text = quote.inner_text()
    quote.click()
    page.wait_for_url("**/quotes/articles/*#q-*")
    quote_id = page.url.rsplit("#q-", 1)[1]
    mark = page.locator(f"#q-{quote_id}")
    assert in_first_screen(mark), "the article opens at the quote"
    row = db.execute("select content, cue, speaker_mention, rule_id, speaker from quotes where id = ?",
                     [quote_id]).fetchone()
    assert text == row["content"]
    content = "".join(page.locator(f'mark.nr-content[data-quote="{quote_id}"]').all_inner_texts())
    assert row["content"].split(" … ")[0] in content
    assert page.locator(f'mark.nr-cue[data-quote="{quote_id}"]').inner_text() == row["cue"]
    mark.hover()
    assert f"rule {row['rule_id']}" in mark.get_attribute("title")


def test_article_page_highlights_speaker_cue_and_content(page, db):
    article_id = "004_bdc4634938a47494"
    page.goto(f"/quotes/articles/{article_id}")
    quotes = db.execute("select * from quotes where article_id = ? and speaker = 'Alexei Smirnov'"
                        " and channel = 'video message'", [article_id]).fetchall()
    assert quotes
    for quote in quotes:
        marks = page.locator(f'mark[data-quote="{quote["id"]}"]')
        assert page.locator(f'mark.nr-speaker[data-quote="{quote["id"]}"]').inner_text() == quote["speaker_mention"]
        assert page.locator(f'mark.nr-cue[data-quote="{quote["id"]}"]').inner_text() == quote["cue"]
        assert "Alexei Smirnov" in marks.first.get_attribute("title")
    colors = {kind: page.locator(f"mark.nr-{kind}").first.evaluate("m => getComputedStyle(m).backgroundColor")
              for kind in ("content", "cue", "speaker")}
    assert len(set(colors.values())) == 3, "speaker, cue and content are told apart"
    assert page.locator(".nr-quote-list li").count() == db.execute(
        "select count(*) from quotes where article_id = ?", [article_id]).fetchone()[0]
    removed = page.locator(".nr-removed").inner_text()
    assert "JOIN US ON TELEGRAM" in removed and "JOIN US ON TELEGRAM" not in page.locator(".nr-text").inner_text()
    screenshot(page, "article-page")


def test_chart_page_draws_every_chart(page):
    page.goto("/-/dashboards/newsroom")
    for slug in ("quoted-over-time", "quotes-per-outlet", "cue-verbs"):
        wait_for_chart(page, slug)
    page.locator("#chart-speaker-timeline svg.marks").wait_for(state="visible", timeout=15_000)
    assert page.locator("#chart-speaker-timeline .mark-rect path").count() == 0, "nothing until a speaker is picked"
    axis = page.locator('#chart-quoted-over-time g[aria-label^="X-axis"]').get_attribute("aria-label")
    labels = axis.split(" values: ", 1)[1].split(", ")  # Vega names the axis' values for screen readers
    assert labels[-1] == "undated" and "date not stated" not in labels
    assert all(re.fullmatch(r"\d{1,2} \w+ \d{4}|week of .+|\w+ \d{4}|undated", label) for label in labels), labels
    screenshot(page, "charts")
    page.goto("/-/dashboards/newsroom?speaker=vyacheslav-gladkov")
    wait_for_chart(page, "speaker-timeline")


def test_rule_page_shows_what_the_rule_found(page, db):
    page.goto("/quotes/rules")
    page.get_by_role("link", name="subject-verb-clause", exact=True).first.click()
    page.wait_for_url("**/quotes/rules/subject-verb-clause")
    found = db.execute("select count(*) from quotes where rule_id = 'subject-verb-clause'").fetchone()[0]
    assert page.locator("table.nr-found tbody tr").count() == found > 0
    assert page.locator(".nr-examples li").count() > 0
    assert page.locator("pre.nr-yaml").inner_text().startswith("- id: subject-verb-clause\n")
    screenshot(page, "rule-page")


def test_statement_copies_link(page):
    page.goto("/quotes/who_said_what?_sort_desc=statement_articles")
    page.locator("a.nr-copies").first.click()
    page.wait_for_url("**/quotes/statements/*")
    assert page.locator("a.nr-copy").count() > 1


@pytest.mark.parametrize("name", CANNED_QUERIES)
def test_canned_query(page, name):
    page.goto(f"/quotes/{name}{QUERY_ARGUMENTS.get(name, '')}")
    assert CANNED_QUERIES[name]["title"] in page.locator("h1").inner_text()
    assert page.locator("table.rows-and-columns tbody tr").count() > 0 or name == "unresolved_speakers"
    for link in page.locator("a.nr-speaker, a.nr-quote").all()[:3]:
        href = link.get_attribute("href")
        assert page.request.get(href.split("#")[0]).ok, href



def test_the_content_security_policy_keeps_a_script_link_from_running(browser, site):
    """A javascript: link that reached a page anyway (written into it here) does nothing when clicked: the
    Content-Security-Policy refuses it, and says so in the console."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site)
    tab = context.new_page()
    refused = []
    tab.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
           else None)
    tab.goto("/quotes/who_said_what")
    tab.evaluate("""document.body.insertAdjacentHTML('afterbegin',
        '<a id="attack" href="javascript:document.title=&quot;pwned&quot;">source</a>')""")
    tab.click("#attack")
    tab.wait_for_timeout(500)
    assert tab.title() != "pwned" and refused
    context.close()


# ----------------------------------------------------------------- the whole site, crawled

RAW_LABEL = re.compile(r"""^\s*(\{\s*['"]|\[\s*['"{\[])""")  # {'value': …}, {"a": …}, ["…"], [[1, 2]], [{…}]
QUERY_LINKS_PER_SHAPE = 2  # of links that differ only in their arguments' values, the first two are fetched


class PageLinks(HTMLParser):
    """A page's links, and the text of every link and table cell (where a raw dict or JSON would show)."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.labels: list[str] = []
        self.open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])
        if tag in ("a", "td"):
            self.open.append([])

    def handle_endtag(self, tag):
        if tag in ("a", "td") and self.open:
            self.labels.append("".join(self.open.pop()))

    def handle_data(self, data):
        for text in self.open:
            text.append(data)


def shape(url: str) -> str:
    """A link with its values left out: the same shape is the same code making the link."""
    parts = urlsplit(url)
    return parts.path + "?" + "&".join(sorted(name for name, _ in parse_qsl(parts.query, keep_blank_values=True)))


def crawl(request, base: str) -> tuple[dict[str, str], list[str]]:
    """Every same-site page reachable from ``/`` through pages without arguments (every row page of every
    table), and the first links of each shape with arguments (sorts, facets, filters, exports), which are
    fetched and read but not followed further. Returns one url per kind of page (for the browser) and what
    went wrong."""
    queue, seen, kinds, problems = ["/"], {"/"}, {}, []
    shape_counts: dict[str, int] = {}
    while queue:
        url = queue.pop(0)
        response = request.get(url)
        if response.status >= 400:
            problems.append(f"{response.status} {url}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        kinds.setdefault(re.sub(r"/[^/?]+$", "/ID", urlsplit(url).path) + "?" + shape(url).split("?", 1)[1], url)
        links = PageLinks()
        links.feed(response.text())
        problems += [f"raw label on {url}: {label[:80]!r}" for label in links.labels if RAW_LABEL.match(label)]
        if urlsplit(url).query:
            continue
        for href in links.hrefs:
            target = urldefrag(urljoin(base + url, href))[0]
            path = target.removeprefix(base)
            if not target.startswith(base + "/") or path in seen:
                continue
            if urlsplit(path).query:
                shape_counts[shape(path)] = shape_counts.get(shape(path), 0) + 1
                if shape_counts[shape(path)] > QUERY_LINKS_PER_SHAPE:
                    continue
            seen.add(path)
            queue.append(path)
    return kinds, problems


def test_crawl_from_the_home_page_finds_no_broken_link_raw_label_or_script_error(page, site, db):
    kinds, problems = crawl(page.request, site)
    assert not problems, problems
    visited = {urlsplit(url).path for url in kinds.values()}
    for table in ("quotes", "statements", "speakers", "articles", "rules", "who_said_what"):
        assert f"/quotes/{table}" in visited, table
    for url in sorted(set(kinds.values())):  # each kind of page once in the browser: a script error fails (fixture)
        page.goto(url)
        page.wait_for_load_state("networkidle")


# ----------------------------------------------------------------- the journalist's tasks, from the home page

def test_task_who_is_quoted_most_this_week(page, db):
    page.goto("/")  # no click: the home page says it
    [newest] = db.execute("select max(published) from articles").fetchone()
    expected = [row[0] for row in db.execute(
        """select quotes.speaker from quotes join articles on articles.id = quotes.article_id
        where quotes.speaker_id is not null and articles.published >= date(?, '-6 days')
        group by quotes.speaker_id order by count(*) desc, quotes.speaker limit 8""", [newest])]
    assert expected
    assert page.locator(".nr-home-week a.nr-speaker").all_inner_texts() == expected
    assert in_first_screen(page.locator(".nr-home-week a.nr-speaker").first)


def test_task_find_quotes_mentioning_a_word(page, db):
    page.goto("/")
    page.get_by_label("Find quotes mentioning").fill("drones")
    page.get_by_role("button", name="Search").click()  # 1
    page.wait_for_url("**/quotes/who_said_what?_search=drones")
    shown = page.locator("td.col-content a.nr-quote").all_inner_texts()
    found = db.execute("select count(*) from quotes_fts where quotes_fts match 'drones'").fetchone()[0]
    assert found and len(shown) == found
    assert page.locator("a.nr-feed", has_text="Follow this search").count() == 1


def test_task_everything_a_speaker_said_exported(page, db):
    page.goto("/")
    page.locator(".nr-home-speakers a.nr-speaker", has_text="Vyacheslav Gladkov").click()  # 1
    page.wait_for_url("**/quotes/speakers/vyacheslav-gladkov")
    first = page.locator(".nr-statement blockquote").first
    assert in_first_screen(first), "the first statement is in the first screen at 1366x900"
    screenshot(page, "speaker-page")
    expected = sorted(row[0] for row in db.execute("select id from quotes where speaker_id = 'vyacheslav-gladkov'"))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()  # 2
    rows = list(csv.DictReader(Path(download.value.path()).read_text(encoding="utf-8").splitlines()))
    assert sorted(row["quote_id"] for row in rows) == expected
    response = page.request.get(page.get_by_role("link", name="JSON", exact=True).get_attribute("href"))
    assert sorted(row["quote_id"] for row in response.json()["rows"]) == expected


def test_task_open_a_quote_in_its_article(page, db):
    page.goto("/")
    quote = page.locator(".nr-latest a.nr-quote").first
    quote.click()  # 1
    page.wait_for_url("**/quotes/articles/*#q-*")
    quote_id = page.url.rsplit("#q-", 1)[1]
    mark = page.locator(f"#q-{quote_id}")
    box = mark.bounding_box()
    assert 60 <= box["y"] <= VIEWPORT["height"] - 40, "scrolled with a margin, not at the top edge"
    assert mark.evaluate("m => getComputedStyle(m).outlineWidth") == "3px", "clearly marked"
    [content] = db.execute("select content from quotes where id = ?", [quote_id]).fetchone()
    assert content.split(" … ")[0] in "".join(page.locator(f'mark.nr-content[data-quote="{quote_id}"]').all_inner_texts())


def test_task_see_the_yaml_of_the_rule_that_found_a_quote(page, db):
    page.goto("/")
    page.locator(".nr-latest a.nr-quote").first.click()  # 1
    page.wait_for_url("**/quotes/articles/*#q-*")
    quote_id = page.url.rsplit("#q-", 1)[1]
    [rule_id, file, line] = db.execute("select rules.id, rules.file, rules.line from quotes join rules"
                                       " on rules.id = quotes.rule_id where quotes.id = ?", [quote_id]).fetchone()
    page.locator(f'.nr-quote-list a.nr-jump[href="#q-{quote_id}"] ~ .nr-meta a.nr-rule').click()  # 2
    page.wait_for_url(f"**/quotes/rules/{rule_id}")
    written = (Path(__file__).resolve().parents[1] / "rules" / file).read_text(encoding="utf-8").splitlines()
    yaml = page.locator("pre.nr-yaml").inner_text()
    assert written[line - 1].strip() == yaml.splitlines()[0].strip() == f"- id: {rule_id}"
    assert len(yaml.splitlines()) > 3


def test_task_subscribe_to_a_speakers_feed(page, db):
    page.goto("/")
    page.locator(".nr-home-speakers a.nr-speaker", has_text="Vyacheslav Gladkov").click()  # 1
    link = page.get_by_role("link", name="follow (Atom feed)")  # 2: a feed reader takes this link
    feed = feedparser.parse(page.request.get(link.get_attribute("href")).text())
    dated = db.execute("""select count(*) from quotes join articles on articles.id = quotes.article_id
        where speaker_id = 'vyacheslav-gladkov' and published is not null""").fetchone()[0]
    assert not feed.bozo and len(feed.entries) == min(dated, 50) > 0
    assert all(page.request.get(entry.link).ok for entry in feed.entries[:3])


# ----------------------------------------------------------------- 800 px wide

@pytest.mark.parametrize("path", ["/", "/quotes/who_said_what", "/quotes/speakers/vyacheslav-gladkov",
                                  "/quotes/articles/002_b64cd32992bd66d3", "/quotes/rules/subject-verb-clause"])
def test_pages_are_usable_at_800_px(browser, site, path):
    context = browser.new_context(viewport={"width": 800, "height": 900}, base_url=site)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(path)
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 800, "no sideways scrolling of the page"
    for cell in tab.locator("td.col-published, td.nr-date, td.col-outlet, td.col-article").all()[:12]:
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 800, f"cut at 800 px: {cell.inner_text()!r}"
    if path == "/":
        screenshot(tab, "home-800")
    context.close()
    assert not errors, errors
