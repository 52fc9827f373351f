"""Tracking feeds and URL lists against a local web server: incremental, resumable, every failure one line.

The feed's stories are made of the seed articles' paragraphs (real news prose with
real quotes), a few at a time; the layout pages in tests/data/web are a wire story,
its AMP copy, a live blog and a page with related links and a cookie banner.
"""

from __future__ import annotations

import email.utils
import json
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES_DIR, RULES_DIR, copy_db
from localweb import LocalWeb, Reply

from quotetrack import cli
from quotetrack.run import track as track_module
from quotetrack.run.fetch import Fetcher, Settings, SourcesError, read_sources
from quotetrack.run.pipeline import BuildReport, Pipeline
from quotetrack.run.track import Tracker, TrackReport
from quotetrack.stages.ingest import dateline_span
from quotetrack.stages.parse import Parser
from quotetrack.stages.screen import Screen

WEB = Path(__file__).parent / "data" / "web"
FETCH_SETTINGS = ("fetch: {rate_limit: 0, backoff: 0.01, timeout: 1, retries: 1, max_bytes: 1000000, "
                  "allow_private_addresses: true}")  # the local web server is on 127.0.0.1
ROBOTS = "User-agent: *\nDisallow: /private/\n"
DAY_ONE = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)


# ----------------------------------------------------------------- the stories the feed links to

def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(EXAMPLES_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs += [p.strip() for p in re.split(r"\n\s*\n|\n", text) if len(p.split()) >= 12]
    return paragraphs


@dataclass
class Story:
    number: int
    title: str
    paragraphs: list[str]
    published: datetime
    updated: datetime

    @property
    def path(self) -> str:
        return f"/news/story-{self.number:02d}"


def stories(count: int) -> list[Story]:
    """``count`` stories of three seed paragraphs each, an hour apart."""
    paragraphs = seed_paragraphs()
    made = []
    for number in range(1, count + 1):
        chunk = paragraphs[(number - 1) * 3:(number - 1) * 3 + 3]
        assert len(chunk) == 3, "the seeds have paragraphs enough for the feed"
        when = DAY_ONE + timedelta(hours=number)
        title = " ".join(chunk[0].split()[:8]).rstrip(",.;:")
        made.append(Story(number, title, chunk, when, when))
    return made


def story_page(story: Story, base: str) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(story.title)} | Border Monitor</title>
<link rel="canonical" href="{base}{story.path}">
<meta property="og:site_name" content="Border Monitor">
<meta property="article:published_time" content="{story.published.date().isoformat()}">
</head><body>
<header><a href="/">Border Monitor</a><nav><a href="/news">News</a> <a href="/analysis">Analysis</a></nav></header>
<article><h1>{escape(story.title)}</h1><p class="byline">By Staff reporters</p>
{body}
</article>
<aside><h3>Most read</h3><ul><li><a href="/news/story-01">Earlier coverage</a></li></ul></aside>
<footer>&copy; 2024 Border Monitor. All rights reserved.</footer></body></html>"""


def atom_feed(items: list[Story], base: str) -> str:
    entries = "\n".join(f"""<entry><title>{escape(s.title)}</title><link href="{base}{s.path}"/>
<id>{base}{s.path}</id><published>{s.published.isoformat()}</published><updated>{s.updated.isoformat()}</updated>
<author><name>Staff reporters</name></author></entry>""" for s in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Border Monitor</title><id>{base}/feed.atom</id>
<updated>{max(s.updated for s in items).isoformat()}</updated>
{entries}
</feed>"""


def rss_feed(links: list[tuple[str, str, datetime]]) -> str:
    items = "\n".join(f"<item><title>{escape(title)}</title><link>{url}</link>"
                      f"<pubDate>{email.utils.format_datetime(when)}</pubDate></item>" for title, url, when in links)
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Layouts</title><link>http://127.0.0.1/</link>
<description>pages of many shapes</description>{items}</channel></rss>"""


def serve_feed(web: LocalWeb, items: list[Story]) -> None:
    for story in items:
        web.page(story.path, story_page(story, web.base))
    feed = atom_feed(items, web.base).encode()
    etag = f'"{hash(feed) & 0xffffffff:x}"'
    web.routes["/feed.atom"] = lambda headers: (
        Reply(304, "application/atom+xml") if headers.get("if-none-match") == etag
        else Reply(body=feed, content_type="application/atom+xml", headers={"ETag": etag}))


def serve_layout(web: LocalWeb, name: str, path: str | None = None) -> str:
    """Serve tests/data/web/NAME.html, its links to http://127.0.0.1/ made links to this server."""
    html = (WEB / f"{name}.html").read_text(encoding="utf-8").replace("http://127.0.0.1/", web.base + "/")
    return web.page(path or f"/{name}", html)


def write_sources(path: Path, web: LocalWeb, *entries: str) -> Path:
    path.write_text("\n".join([FETCH_SETTINGS, "sources:", *entries]) + "\n", encoding="utf-8")
    return path


def table(db_path: Path, sql: str, parameters=()) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, parameters).fetchall()


def content_rows(db_path: Path) -> dict[str, list]:
    """What a build stores of articles, sentences and quotes, to compare two databases."""
    return {
        "articles": sorted(table(db_path, "select id, url, title, published, content_hash, text from articles")),
        "sentences": sorted(table(db_path, "select id, start, end, text from sentences")),
        "quotes": sorted(table(db_path, "select id, speaker, cue, content, rule_id from quotes")),
    }


def run_track(db_path, sources_path, pipeline, yes=False, **options) -> TrackReport:
    sources = read_sources(sources_path)
    with Fetcher(sources.settings) as fetcher:
        return Tracker(db_path, sources, pipeline, fetcher, yes=yes).run(**options)


# ----------------------------------------------------------------- two runs against one server

@dataclass
class Tracked:
    web: LocalWeb
    sources: Path
    first: TrackReport
    second: TrackReport
    after_first: Path  # a copy of the database after the first run
    db: Path  # the database after the second run
    first_run_requests: list
    second_run_requests: list
    updated_story: Story
    old_quotes_of_updated: set


@pytest.fixture(scope="session")
def tracked(tmp_path_factory, pipeline) -> Tracked:
    """A feed of 20 stories (3 of them already in the database, built from saved pages) and 4 layout pages,
    tracked twice: between the runs the feed gains 2 stories and one story is rewritten."""
    folder = tmp_path_factory.mktemp("tracked")
    with LocalWeb() as web:
        web.page("/robots.txt", ROBOTS, content_type="text/plain")
        feed_stories = stories(22)
        serve_feed(web, feed_stories[:20])
        layouts = {name: serve_layout(web, name) for name in ("wire_story", "amp_story", "live_blog", "related_cookie")}
        web.page("/layouts.rss", rss_feed([(name, url, DAY_ONE) for name, url in layouts.items()]),
                 content_type="application/rss+xml")
        saved = folder / "saved"
        saved.mkdir()
        for story in feed_stories[:3]:
            (saved / f"saved-{story.number:02d}.html").write_text(story_page(story, web.base), encoding="utf-8")
        db = folder / "quotes.db"
        pipeline.build(db, pipeline.read(saved, BuildReport()))
        sources = write_sources(folder / "feeds.yml", web, f"  - feed: {web.url('/feed.atom')}",
                                f"  - feed: {web.url('/layouts.rss')}")

        first = run_track(db, sources, pipeline)
        first_requests = list(web.requests)
        after_first = copy_db(db, folder / "after-first.db")

        quotes_of = {story.number: {row[0] for row in table(
            db, "select q.id from quotes q join articles a on a.id = q.article_id where a.url = ?",
            [web.url(story.path)])} for story in feed_stories[3:20]}
        updated = feed_stories[max(quotes_of, key=lambda number: len(quotes_of[number])) - 1]
        old_quotes = quotes_of[updated.number]
        updated.paragraphs = [updated.paragraphs[0], *seed_paragraphs()[-2:]]
        updated.updated = updated.updated + timedelta(days=1)
        serve_feed(web, feed_stories)  # two new stories, one rewritten
        del web.requests[:]
        second = run_track(db, sources, pipeline)
        yield Tracked(web, sources, first, second, after_first, db, first_requests, list(web.requests), updated,
                      old_quotes)


def test_first_run_builds_the_feed_less_what_the_database_has(tracked):
    # 17 new stories + 3 layouts built; 3 stories already stored (same text) and the AMP copy (same canonical url)
    assert tracked.first.outcomes == {"new": 20, "duplicate": 4}
    assert tracked.first.build.parsed == 20 and tracked.first.build.quotes > 20
    assert tracked.first.problems == []
    assert table(tracked.after_first, "select count(*) from articles") == [(23,)]
    duplicates = table(tracked.after_first, "select url, error from fetches where outcome = 'duplicate' order by url")
    assert [error.split(" as ")[0] for _, error in duplicates] == ["same canonical url"] + ["same text"] * 3


def test_the_second_run_fetches_only_what_is_new_or_changed(tracked):
    paths = sorted(request.path for request in tracked.second_run_requests)
    assert paths == sorted(["/feed.atom", "/layouts.rss", "/robots.txt", "/news/story-21", "/news/story-22",
                            tracked.updated_story.path])
    assert len(tracked.old_quotes_of_updated) > 1  # the rewritten story had quotes to replace
    assert tracked.second.outcomes == {"new": 2, "updated": 1}
    assert tracked.second.build.parsed == 3


def test_an_updated_story_is_reattributed_and_its_old_quotes_replaced(tracked):
    url = tracked.web.url(tracked.updated_story.path)
    (text,) = table(tracked.db, "select text from articles where url = ?", [url])[0]
    assert tracked.updated_story.paragraphs[-1] in text
    rows = table(tracked.db, "select q.id, q.content, q.content_start, q.content_end, q.content_parts from quotes q "
                             "join articles a on a.id = q.article_id where a.url = ?", [url])
    assert tracked.old_quotes_of_updated - {row[0] for row in rows}  # the quotes of the paragraphs taken out are gone
    for _, content, start, end, parts in rows:  # what stays has its offsets in the new text
        assert parts or text[start:end] == content
    assert table(tracked.db, "select count(*) from sentences s join articles a on a.id = s.article_id "
                             "where a.url = ? and instr(a.text, s.text) = 0", [url]) == [(0,)]
    assert table(tracked.db, "select count(*) from articles where url = ?", [url]) == [(1,)]


def test_a_feed_that_did_not_change_is_not_read_again(tracked):
    second_feed = [r for r in tracked.second_run_requests if r.path == "/layouts.rss"]
    assert second_feed and second_feed[0].headers.get("if-none-match") is None  # the rss route sends no ETag
    first_atom = [r for r in tracked.first_run_requests if r.path == "/feed.atom"]
    second_atom = [r for r in tracked.second_run_requests if r.path == "/feed.atom"]
    assert "if-none-match" not in first_atom[0].headers and second_atom[0].headers.get("if-none-match")


def test_every_request_is_polite_and_logged(tracked):
    requests = tracked.first_run_requests + tracked.second_run_requests
    assert {request.user_agent for request in requests} == {Settings().user_agent}
    assert [r.path for r in tracked.first_run_requests].count("/robots.txt") == 1
    logged = table(tracked.db, "select url, status, bytes, fetched_at, outcome from fetches")
    assert len(logged) == len(requests) - 2  # robots.txt is not an article or a feed
    assert all(status in (200, 304) and fetched_at and outcome for _, status, _, fetched_at, outcome in logged)


def test_articles_carry_the_feed_and_page_metadata(tracked):
    rows = table(tracked.db, "select url, title, published, site_name, language from articles "
                             "where url like ? and source like 'http%'", [tracked.web.url("/news/%")])
    assert len(rows) == 19  # the 3 saved stories are stored under their files' names
    for url, title, published, site_name, language in rows:
        assert title and site_name == "Border Monitor" and language == "en"
        assert datetime.fromisoformat(published).tzinfo is not None  # the feed's time, not just the page's day
    wire = table(tracked.db, "select title, author, published, site_name from articles where url = ?",
                 [tracked.web.url("/wire_story")])
    assert wire == [("Port workers strike over pay as talks collapse", "Maria Keller",
                     "2024-05-01T06:00:00+00:00", "Harbour Wire")]


def test_limit_and_since_leave_the_rest_queued(tmp_path, tracked, pipeline, monkeypatch):
    db = copy_db(tracked.db, tmp_path / "quotes.db")
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("update tracked_urls set state = 'pending' where url like '%/news/story-1%'")
    monkeypatch.setattr(Pipeline, "build", lambda self, *args, **kwargs: BuildReport())  # nothing here needs building
    report = run_track(db, tracked.sources, pipeline, since="2024-05-01T20", limit=3)  # stories 14 to 19
    assert report.fetched == 3 and report.outcomes == {"unchanged": 3}
    pending = table(db, "select url from tracked_urls where state = 'pending' order by url")
    assert [url.rsplit("-", 1)[1] for (url,) in pending] == ["10", "11", "12", "13", "17", "18", "19"]


# ----------------------------------------------------------------- a killed run

def test_a_killed_run_resumes_with_nothing_lost_or_duplicated(tmp_path, tracked, pipeline, monkeypatch):
    db = copy_db(tracked.db, tmp_path / "quotes.db")
    tracked_ids = [row[0] for row in table(db, "select id from articles where source like 'http%'")]
    with closing(sqlite3.connect(db)) as connection, connection:  # keep only the parse cache and the saved pages
        for name in ("pages", "quotes", "sentences", "articles"):
            column = "id" if name == "articles" else "article_id"
            connection.execute(f"delete from {name} where {column} in (select value from json_each(?))",
                               [json.dumps(tracked_ids)])
        connection.execute("delete from tracked_urls")
        connection.execute("delete from fetches")
    builds = []
    real_build = Pipeline.build

    def killed_on_third_batch(self, *args, **kwargs):
        builds.append(args[1])
        if len(builds) == 3:
            raise KeyboardInterrupt
        return real_build(self, *args, **kwargs)

    monkeypatch.setattr(track_module, "TRACK_BATCH", 4)
    monkeypatch.setattr(Pipeline, "build", killed_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        run_track(db, tracked.sources, pipeline)
    assert table(db, "select count(*) from tracked_urls where state = 'done' and kind = 'article'") == [(8,)]
    assert table(db, "select count(*) from tracked_urls where state = 'done' and kind = 'article'"
                     " and article_id not in (select id from articles)") == [(0,)]
    assert len(builds) == 3 and not table(db, "select 1 from articles where id in (select value from json_each(?))",
                                          [json.dumps([article.id for article in builds[-1]])])
    monkeypatch.setattr(Pipeline, "build", real_build)
    resumed = run_track(db, tracked.sources, pipeline)
    assert resumed.build.parsed == 0  # every text was parsed before: the cache has it
    assert content_rows(db) == content_rows(tracked.db)
    assert table(db, "select count(*) from tracked_urls where state != 'done'") == [(0,)]


# ----------------------------------------------------------------- failures, one line each

FAILURES = {
    "/missing": ("HTTP 404", "skipped"),
    "/broken": ("HTTP 500", "failed"),
    "/loop": ("redirect loop", "skipped"),
    "/slow": ("timed out", "failed"),
    "/report.pdf": ("not text/html", "skipped"),
    "/huge": ("too large", "skipped"),
    "/front": ("no article text", "skipped"),
    "/empty": ("empty page", "skipped"),
    "/french": ("not English", "skipped"),
    "/private/memo": ("disallowed by robots.txt", "skipped"),
}


@pytest.fixture
def failing_web():
    with LocalWeb() as web:
        web.page("/robots.txt", ROBOTS, content_type="text/plain")
        web.routes["/broken"] = Reply(500, body=b"<h1>Internal Server Error</h1>")
        web.routes["/loop"] = Reply(302, headers={"Location": "/loop-again"})
        web.routes["/loop-again"] = Reply(302, headers={"Location": "/loop"})
        serve_layout(web, "wire_story", "/slow")
        web.routes["/slow"].delay = 2.5
        web.page("/report.pdf", b"%PDF-1.4 not a page", content_type="application/pdf")
        web.page("/huge", b"<html><body>" + b"<p>word </p>" * 200_000 + b"</body></html>")
        web.page("/front", (WEB / "front_page.html").read_bytes())
        web.page("/empty", b"")
        web.page("/french", (WEB / "french_story.html").read_bytes())
        serve_layout(web, "wire_story", "/private/memo")
        serve_layout(web, "related_cookie", "/good")
        web.page("/not-a-feed.xml", (WEB / "front_page.html").read_bytes())
        web.page("/truncated.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item>',
                 content_type="application/rss+xml")
        yield web


def test_each_failure_is_one_line_recorded_and_the_run_goes_on(failing_web, tmp_path, pipeline, monkeypatch):
    web = failing_web
    urls = [web.url(path) for path in [*FAILURES, "/good"]]
    sources = write_sources(tmp_path / "feeds.yml", web, f"  - urls: [{', '.join(urls)}]",
                            f"  - feed: {web.url('/not-a-feed.xml')}", f"  - feed: {web.url('/truncated.xml')}",
                            f"  - feed: {web.url('/no-such-feed.xml')}")
    monkeypatch.setattr(cli, "load_pipeline", lambda *args: pipeline)
    db = tmp_path / "quotes.db"
    result = CliRunner().invoke(cli.cli, ["track", str(db), str(sources), "--keep-html"])
    assert result.exit_code == 0, result.output
    problems = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(problems) == len(FAILURES) + 3 and "Traceback" not in result.output
    for path, (reason, _) in FAILURES.items():
        (line,) = [line for line in problems if line.startswith(f"skipped {web.url(path)}:")]
        assert reason in line
    assert sum("not an RSS/Atom feed" in line for line in problems) == 2
    assert any(web.url("/no-such-feed.xml") in line and "HTTP 404" in line for line in problems)
    assert "1 new" in result.stdout
    states = dict(table(db, "select url, state from tracked_urls where kind = 'article'"))
    assert states == {**{web.url(path): state for path, (_, state) in FAILURES.items()}, web.url("/good"): "done"}
    errors = dict(table(db, "select url, error from fetches where kind = 'article'"))
    assert all(FAILURES[path][0] in errors[web.url(path)] for path in FAILURES)
    assert web.hits("/broken") == 2  # tried again once, with backoff
    assert table(db, "select count(*) from articles") == [(1,)]
    assert table(db, "select count(*) from pages where html like '%Market Street%'") == [(1,)]  # --keep-html

    # the next run tries the passing failures again, and nothing else
    del web.requests[:]
    result = CliRunner().invoke(cli.cli, ["track", str(db), str(sources)])
    assert result.exit_code == 0, result.output
    article_paths = {r.path for r in web.requests} - {"/robots.txt", "/not-a-feed.xml", "/truncated.xml",
                                                       "/no-such-feed.xml"}
    assert article_paths == {"/broken", "/slow"}


def test_a_broken_sources_file_is_one_line_with_file_and_line(tmp_path):
    path = tmp_path / "feeds.yml"
    path.write_text("- feed: https://example.com/rss\n- fed: https://example.com/atom\n", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"feeds.yml:2: unknown key\(s\) \['fed'\]"):
        read_sources(path)
    path.write_text("- urls: [ftp://example.com/x]\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="not an http"):
        read_sources(path)
    result = CliRunner().invoke(cli.cli, ["track", str(tmp_path / "q.db"), str(path)])
    assert result.exit_code == 1 and "Error: QT102" in result.output and "Traceback" not in result.output


def test_a_url_list_file_is_read_beside_the_sources_file(tmp_path):
    (tmp_path / "urls.txt").write_text("# morning list\nhttps://example.com/a\n\nhttps://example.com/b\n")
    (tmp_path / "feeds.yml").write_text("sources:\n  - url_list: urls.txt\n    name: morning\n")
    (source,) = read_sources(tmp_path / "feeds.yml").sources
    assert (source.name, source.urls) == ("morning", ("https://example.com/a", "https://example.com/b"))


def test_the_tracking_guide_feeds_example_is_a_valid_sources_file_with_the_defaults(tmp_path):
    guide = (Path(__file__).parent.parent / "docs" / "tracking.md").read_text(encoding="utf-8")
    example = guide.split("## Tracking feeds", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "feeds.yml").write_text(example, encoding="utf-8")
    (tmp_path / "urls.txt").write_text("https://www.example.net/a\n", encoding="utf-8")
    sources = read_sources(tmp_path / "feeds.yml")
    assert sources.settings == Settings()
    assert [source.kind for source in sources.sources] == ["feed", "urls", "urls"]


def test_after_a_rule_edit_a_run_reattributes_what_is_stored_without_parsing(tmp_path, tracked, monkeypatch):
    db = copy_db(tracked.db, tmp_path / "quotes.db")
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    patterns = rules / "patterns.yml"
    text = patterns.read_text(encoding="utf-8")
    (rule_id, used), *_ = table(db, "select rule_id, count(*) from quotes group by rule_id order by 2 desc")
    start = text.index(f"  - id: {rule_id}\n")
    end = text.find("  - id: ", start + 1)
    patterns.write_text(text[:start] + (text[end:] if end > 0 else ""), encoding="utf-8")  # the most used rule goes
    assert used > 1
    monkeypatch.setattr(Parser, "parse", lambda self, articles: pytest.fail("parsed although the cache has it"))
    screened = []  # the articles as the screen gets them: the database keeps no dateline span, it is found again
    screen = Screen.screen
    monkeypatch.setattr(Screen, "screen", lambda self, parsed, *args: screened.append(parsed.article) or
                        screen(self, parsed, *args))
    edited = Pipeline(rules)
    report = run_track(db, tracked.sources, edited, yes=True)  # yes: the rule may hold most of these quotes
    assert report.fetched == 0 and report.build.parsed == 0
    assert "ROTTERDAM, March 12 (Harbour Wire) - " in [article.dateline.text for article in screened if article.dateline]
    assert all(article.dateline == dateline_span(article) for article in screened)
    assert table(db, "select count(*) from quotes where rule_id = ?", [rule_id]) == [(0,)]
    assert table(db, "select value from settings where key = 'rules_fingerprint'") == [(edited.fingerprint(),)]
    assert {row[0] for row in table(db, "select id from articles")} == {
        row[0] for row in table(tracked.db, "select id from articles")}


# ----------------------------------------------------------------- politeness, without waiting for it

def test_requests_to_one_host_are_spaced_and_robots_crawl_delay_wins(tmp_path):
    waits = []
    with LocalWeb() as web:
        web.page("/robots.txt", "User-agent: *\nCrawl-delay: 2\n", content_type="text/plain")
        web.page("/a", "<p>a</p>")
        other_host = web.base.replace("127.0.0.1", "localhost")
        with Fetcher(Settings(rate_limit=0.5, allow_private_addresses=True), sleep=waits.append) as fetcher:
            fetcher.fetch(web.url("/a"))
            fetcher.fetch(web.url("/a"))
            fetcher.fetch(other_host + "/a")  # another host: robots.txt, no wait for the first host's sake
    # each host: robots.txt unhindered, then every next request after the Crawl-delay (2 s beats the 0.5 s rate limit)
    assert len(waits) == 3 and all(1.5 < wait <= 2 for wait in waits), waits


def test_retries_back_off_and_honour_retry_after():
    waits = []
    with LocalWeb() as web:
        web.routes["/busy"] = Reply(503, headers={"Retry-After": "7"})
        web.routes["/broken"] = Reply(500)
        settings = Settings(rate_limit=0, retries=2, backoff=0.5, allow_private_addresses=True)
        with Fetcher(settings, sleep=waits.append) as fetcher:
            broken = fetcher.fetch(web.url("/broken"))
            busy = fetcher.fetch(web.url("/busy"))
    assert waits == [0.5, 1.0, 7.0, 7.0]
    assert broken.error == "HTTP 500 Internal Server Error (after 3 tries)" and busy.tries == 3


# ----------------------------------------------------------------- what track fetches and stores (issue 22)

def all_text(db_path: Path) -> str:
    """Every value of the tables track writes, as one text."""
    return "\n".join(str(row) for name in ("articles", "tracked_urls", "fetches")
                     for row in table(db_path, f"select * from {name}"))


def test_loopback_and_private_addresses_are_refused_unless_allowed(tmp_path, pipeline):
    with LocalWeb() as web:
        web.page("/admin", "<p>token: s3cr3t-admin-token</p>")
        sources = tmp_path / "feeds.yml"
        named = web.url("/admin").replace("127.0.0.1", "localhost")  # refused after its name is resolved
        sources.write_text(f"sources:\n  - urls: [{web.url('/admin')}, {named}]\n", encoding="utf-8")
        db_path = tmp_path / "q.db"
        for _ in range(2):  # refused for good: not asked for again
            report = run_track(db_path, sources, pipeline)
        assert web.requests == []  # not even robots.txt
    port = web.base.rsplit(":", 1)[1]
    assert report.fetched == 0 and table(db_path, "select url, state, reason from tracked_urls order by url") == [
        (f"http://127.0.0.1:{port}/admin", "skipped", "refused: 127.0.0.1 is at a non-public address (127.0.0.1); "
         "set allow_private_addresses: true under fetch: to fetch it"),
        (f"http://localhost:{port}/admin", "skipped", "refused: localhost is at a non-public address (127.0.0.1); "
         "set allow_private_addresses: true under fetch: to fetch it")]
    assert "s3cr3t" not in all_text(db_path)


@pytest.mark.parametrize("location, reason", [
    ("http://127.0.0.1:9/admin", "refused: 127.0.0.1 is at a non-public address (127.0.0.1)"),
    ("http://[::1]/", "refused: ::1 is at a non-public address (::1)"),
    ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is at a non-public address"),
    ("file:///etc/passwd", "refused: file://93.184.215.14/etc/passwd: only http and https URLs are fetched"),
])
def test_every_redirect_is_checked_too(location, reason):
    """A public page (an address literal: no DNS here) redirecting to a private one or to a file."""
    import httpx

    asked = []

    def public_site(request):
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": location}) if request.url.path == "/story" \
            else httpx.Response(404)
    with Fetcher(Settings(rate_limit=0), transport=httpx.MockTransport(public_site)) as fetcher:
        fetched = fetcher.fetch("http://93.184.215.14/story")
    assert fetched.error.startswith(reason) and not fetched.body
    assert asked == ["http://93.184.215.14/robots.txt", "http://93.184.215.14/story"]


def test_a_refused_redirect_is_recorded_for_good(tmp_path, pipeline):
    with LocalWeb() as web:
        web.routes["/go"] = Reply(302, headers={"Location": "file:///etc/passwd"})
        sources = write_sources(tmp_path / "feeds.yml", web, f"  - urls: [{web.url('/go')}]")
        db_path = tmp_path / "q.db"
        first = run_track(db_path, sources, pipeline)
        second = run_track(db_path, sources, pipeline)
        assert web.hits("/go") == 1
    assert first.problems == [(web.url("/go"), "refused: file://127.0.0.1/etc/passwd: only http and https URLs are "
                                               "fetched")]
    assert first.outcomes == {"skipped": 1} and second.fetched == 0


def test_user_names_and_passwords_are_never_stored(tmp_path, pipeline):
    with LocalWeb() as web:
        story = serve_layout(web, "wire_story")
        web.page("/feed.rss", rss_feed([("wire", story.replace("//", "//reader:feedsecret@"), DAY_ONE)]),
                 content_type="application/rss+xml")
        with_password = web.url("/feed.rss").replace("//", "//me:topsecret@")
        sources = write_sources(tmp_path / "feeds.yml", web, f"  - feed: {with_password}")
        db_path = tmp_path / "q.db"
        report = run_track(db_path, sources, pipeline)
        assert web.hits("/feed.rss") == 1 and web.hits("/wire_story") == 1
    assert report.outcomes == {"new": 1}
    stored = all_text(db_path)
    assert "secret" not in stored and "@" not in stored.replace("@context", "")
    assert table(db_path, "select url from articles") == [(story,)]


def test_a_canonical_url_on_another_site_is_not_taken(tmp_path, pipeline):
    """A page on host A naming a page on host B canonical: both are stored, each as its own article."""
    with LocalWeb() as web:
        other_site = web.base.replace("127.0.0.1", "localhost")
        html = (WEB / "wire_story.html").read_text(encoding="utf-8")
        story = stories(1)[0]
        page_b = other_site + story.path
        web.page(story.path, story_page(story, other_site))  # B's page, canonical itself
        page_a = web.page("/a", html.replace("http://127.0.0.1/wire_story", page_b))
        sources = write_sources(tmp_path / "feeds.yml", web, f"  - urls: [{page_a}, {page_b}]")
        report = run_track(tmp_path / "q.db", sources, pipeline)
    assert report.outcomes == {"new": 2}, report.problems
    assert sorted(table(tmp_path / "q.db", "select url, title from articles")) == [
        (page_a, "Port workers strike over pay as talks collapse"), (page_b, story.title)]
