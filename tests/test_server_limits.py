"""The server's bounds (docs/limits.md, "Server"), tried as an attacker would: a real ``quotetrack serve`` process
answering oversized queries with a one-line 400 while its memory stays small; the same 400 for every form of an
over-budget query; a Content-Security-Policy on every response; no link but http(s) on any page; bidirectional
control characters gone at ingest; and an article of ~10,000 quotes that builds and whose pages answer in bounded
parts while other requests are served.
"""

import asyncio
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from conftest import RULES_DIR, load_boilerplate

from quotetrack.records import Sentence, Word, web_url
from quotetrack.stages.ingest import BIDI_CONTROLS, read_articles
from quotetrack.stages.parse import encode
from quotetrack.web import newsroom, publish
from quotetrack.web.publish import MAX_QUERY_BYTES, datasette_instance

# 50 and 500 rows of a blob just under the value limit: 50 MB and 500 MB asked for in one GET.
BLOBS = "with recursive r(n) as (select 1 union all select n + 1 from r where n < {n}) select zeroblob(999990) from r"
SERVER_MEMORY_BOUND = 400 * 2**20  # bytes: the server answered these with 1.1 to 7.6 GB before the budget
TOO_BIG = "too big: the rows asked for hold more than"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m quotetrack serve`` on a free port, and its peak memory (VmHWM)."""

    def __init__(self, db_path: Path):
        port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "quotetrack", "serve", str(db_path), "-p", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.base + "/-/versions.json", timeout=5)
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    pytest.fail(f"quotetrack serve did not start: {self.process.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)

    def peak_memory(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) * 1024

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(built_db):
    started = Server(built_db)
    yield started
    started.close()


# ---------------------------------------------------------------- 1. a response-size budget


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the server's memory from /proc")
@pytest.mark.parametrize("rows", [50, 500])
@pytest.mark.parametrize("extension", [".json", ".csv", ""])
def test_a_query_for_gigabytes_is_400_and_the_server_stays_small(server, rows, extension):
    response = httpx.get(f"{server.base}/quotes{extension}", params={"sql": BLOBS.format(n=rows)}, timeout=120)
    assert response.status_code == 400
    assert TOO_BIG in response.text
    if extension == ".json":
        error = response.json()["error"]
        assert error.startswith(TOO_BIG) and "\n" not in error
    assert server.peak_memory() < SERVER_MEMORY_BOUND
    assert httpx.get(f"{server.base}/quotes/quotes.json?_size=1", timeout=30).status_code == 200  # still serving


def test_rows_just_inside_the_budget_are_served(server):
    fits = MAX_QUERY_BYTES // 999990
    response = httpx.get(f"{server.base}/quotes.json", timeout=120,
                         params={"sql": BLOBS.format(n=fits).replace("zeroblob(999990)", "length(zeroblob(999990))"),
                                 "_shape": "arrayfirst"})
    assert response.json() == [999990] * fits
    text = BLOBS.format(n=fits).replace("zeroblob(999990)", "hex(zeroblob(499995)) as text")  # 999,990 characters
    response = httpx.get(f"{server.base}/quotes.csv", params={"sql": text}, timeout=120)
    assert response.status_code == 200 and len(response.content) > fits * 999990
    assert server.peak_memory() < SERVER_MEMORY_BOUND


@pytest.fixture
def tight_budget(monkeypatch):
    """A query budget smaller than the example articles' texts, so that ordinary pages pass it."""
    monkeypatch.setattr(publish, "MAX_QUERY_BYTES", 3_000)
    return "too big: the rows asked for hold more than 3,000 bytes (the limit)"


@pytest.mark.parametrize("path", [
    "/quotes.json?sql=select+text+from+articles",
    "/quotes.csv?sql=select+text+from+articles",
    "/quotes?sql=select+text+from+articles",
    "/quotes/articles.json",
    "/quotes/articles.csv",
    "/quotes/articles.csv?_stream=on",
    "/quotes/articles",
    "/quotes/articles.json?_where=length(text)+>+0",
    "/quotes/articles.json?text__contains=the",
])
async def test_every_form_of_an_over_budget_query_gets_the_same_400(built_db, tight_budget, path):
    response = await datasette_instance(built_db).client.get(path)
    assert response.status_code == 400
    assert tight_budget in response.text


@pytest.mark.parametrize("path", [
    "/quotes.json?sql=select+randomblob(1e9)",
    "/quotes.csv?sql=select+randomblob(1e9)",
    "/quotes?sql=select+randomblob(1e9)",
    "/quotes/quotes.json?_where=randomblob(1e9)",
    "/quotes/quotes?_where=randomblob(1e9)",
    "/quotes/quotes.csv?_where=randomblob(1e9)&_stream=on",
])
async def test_every_form_of_an_oversized_value_gets_the_same_400(built_db, path):
    response = await datasette_instance(built_db).client.get(path)
    assert response.status_code == 400
    assert f"string or blob too big: a value may hold at most {publish.MAX_VALUE_BYTES:,} bytes" in response.text


async def test_a_response_over_the_budget_is_400_or_ends_saying_why(built_db, monkeypatch):
    monkeypatch.setattr(publish, "MAX_RESPONSE_MB", 0.02)  # 20 KB: a page of quotes is more
    ds = datasette_instance(built_db)
    page = await ds.client.get("/quotes/who_said_what")
    assert page.status_code == 400 and "too big: the response would pass 0.02 MB (the limit)" in page.text
    export = await ds.client.get("/quotes/who_said_what.csv?_stream=on")  # streamed: the status left already
    lines = export.text.rstrip("\n").split("\n")
    assert lines[-1].startswith("too big: the response would pass 0.02 MB")
    assert len(export.content) < 0.02 * 2**20 + 4096 + len(lines[-1]) + 2


# ---------------------------------------------------------------- 2. no script links, a CSP, no bidi controls


def script_nonces(html: str) -> list[str | None]:
    return [(re.search(r'nonce="([^"]+)"', tag) or [None, None])[1] for tag in re.findall(r"<script\b[^>]*>", html)]


@pytest.mark.parametrize("path", ["/", "/quotes/who_said_what", "/quotes/quotes.json", "/quotes/quotes.csv",
                                  "/quotes?sql=select+1", "/-/dashboards/newsroom", "/-/static/app.css", "/nowhere"])
def test_every_response_has_a_content_security_policy(server, path):
    response = httpx.get(server.base + path, timeout=30)
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)[1].split()
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "default-src 'none'" in policy and "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy
    nonce = next(source for source in script_src if source.startswith("'nonce-")).removeprefix("'nonce-").rstrip("'")
    if response.headers["content-type"].startswith("text/html"):
        assert set(script_nonces(response.text)) <= {nonce}  # every script of the page, and only those, may run
    if path.startswith("/-/dashboards") or path in ("/", "/quotes/who_said_what"):  # pages drawing a chart
        assert "'unsafe-eval'" in script_src  # Vega compiles its chart expressions
    else:
        assert "'unsafe-eval'" not in script_src
    assert response.headers["x-content-type-options"] == "nosniff"


def test_each_page_gets_its_own_nonce(server):
    nonces = {tuple(script_nonces(httpx.get(server.base + "/quotes", timeout=30).text)) for _ in range(3)}
    assert len(nonces) == 3


@pytest.mark.parametrize("url, kept", [
    ("https://example.com/a?b=c", True), ("HTTP://Example.com", True),
    ("javascript:alert(document.domain)//", False), ("JavaScript:alert(1)", False), ("java\tscript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False), ("file:///etc/passwd", False), ("//evil.example", False),
    ("vbscript:msgbox", False), ("https://exa mple.com", False), ("http://", False), ("https://\u202eexample.com", False),
])
def test_only_http_addresses_are_web_urls(url, kept):
    assert (web_url(url) == url) is kept


RTL_ARTICLE = {
    "id": "rtl", "title": "Mayor \u202eyrots\u202c speaks", "url": "javascript:alert(document.domain)//",
    "text": "Storm hits town\n\nThe mayor, Ann \u202eeeL\u202c, said on Monday that the roads were closed. "
            "\u201cWe are ready for the storm,\u201d Ann \u2066Lee\u2069 said.\n",
}


def test_ingest_drops_a_script_url_saying_why_and_removes_bidi_controls(tmp_path):
    path = tmp_path / "rtl.jsonl"
    path.write_text(json.dumps(RTL_ARTICLE) + "\n", encoding="utf-8")
    errors = []
    [article] = read_articles(path, load_boilerplate(RULES_DIR), lambda where, why: errors.append(why))
    assert not errors and article.url is None
    assert article.metadata["url_dropped"] == "not an http(s) address: 'javascript:alert(document.domain)//'"
    assert article.title == "Mayor yrots speaks"
    assert not BIDI_CONTROLS.search(article.text) and "Ann eeL, said" in article.text
    source = RTL_ARTICLE["text"]
    for offset in (article.text.index("eeL"), article.text.index("Lee")):  # offsets still lead back to the source
        assert source[article.source_offset(offset):].startswith(article.text[offset:offset + 3])


@pytest.fixture(scope="module")
def script_url_db(tmp_path_factory, pipeline, built_db):
    """The example build, plus the article above built for real, then a javascript: url written straight into
    every article (a database from before ingest refused them): the pages must still link none."""
    folder = tmp_path_factory.mktemp("script-url")
    (folder / "rtl.jsonl").write_text(json.dumps(RTL_ARTICLE) + "\n", encoding="utf-8")
    path = folder / "quotes.db"
    path.write_bytes(built_db.read_bytes())
    from quotetrack.run.pipeline import BuildReport
    pipeline.build(path, pipeline.read(folder / "rtl.jsonl", BuildReport()))
    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("select url from articles where id = 'rtl'").fetchone() == (None,)
        names = [name for [name] in conn.execute("select name from speakers union all select speaker from quotes")]
        assert names and not any(BIDI_CONTROLS.search(name or "") for name in names)
        conn.execute("update articles set url = 'javascript:alert(document.domain)//'")
    return path


async def test_no_page_links_a_script_url(script_url_db):
    ds = datasette_instance(script_url_db)
    with closing(sqlite3.connect(script_url_db)) as conn:
        quote_id, speaker_id, statement_id, article_id = conn.execute(
            "select id, speaker_id, statement_id, article_id from quotes where speaker_id is not null").fetchone()
    pages = ["/quotes/who_said_what", "/quotes/who_said_what?_size=max", f"/quotes/articles/{article_id}",
             f"/quotes/speakers/{speaker_id}", f"/quotes/statements/{statement_id}", "/quotes/articles",
             f"/quotes/quotes/{quote_id}", "/quotes/quotes_by_speaker?speaker=a", "/quotes/who_said_what_about?words=e"]
    for path in pages:
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        hrefs = re.findall(r'href="([^"]*)"', response.text)
        assert hrefs and not [href for href in hrefs if re.match(r"\s*[a-z][a-z0-9+.-]*:", href, re.I)
                              and not web_url(href)], path


# ---------------------------------------------------------------- 3. an article of ~10,000 quotes

SPEAKERS = ["Lee", "Stone", "Diaz", "Park"]
WORDS = ["Yes", "No", "Soon", "Now", "Go"]
PARAGRAPH = " ".join(f'"{WORDS[i % 5]} {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}," {SPEAKERS[i % 4]} said.'
                     for i in range(50))
PARAGRAPHS = 190  # 9,500 quotes in 190 KB: inside every limit of ingest


@pytest.fixture(scope="module")
def many_quotes_db(tmp_path_factory, pipeline, shared_parses):
    """An article of 190 paragraphs of 50 short quotes each, built through the real pipeline. Stanza parses the
    headline and one paragraph; the article's parse is that paragraph's, repeated at each paragraph's offsets
    (the paragraphs are the same text), so the test parses 50 sentences, not 9,500."""
    folder = tmp_path_factory.mktemp("many-quotes")
    head = "Storm talks\n\n"
    text = head + "\n\n".join([PARAGRAPH] * PARAGRAPHS)
    source = folder / "many.jsonl"
    source.write_text(json.dumps({"id": "many", "url": "https://example.com/many", "text": text}) + "\n")
    sample = folder / "one.txt"
    sample.write_text(head + PARAGRAPH + "\n", encoding="utf-8")
    from quotetrack.run.pipeline import BuildReport
    [one] = pipeline.read(sample, BuildReport())
    [[headline, *sentences]] = pipeline.parser.parse([one])
    repeated, step = [headline], len(PARAGRAPH) + 2
    for number in range(PARAGRAPHS):
        for sentence in sentences:
            shift = number * step
            repeated.append(Sentence(
                len(repeated), sentence.start + shift, sentence.end + shift, sentence.paragraph + number,
                [Word(w.index, w.text, w.lemma, w.upos, w.xpos, w.feats, w.head, w.deprel, w.start + shift,
                      w.end + shift) for w in sentence.words]))
    [article] = pipeline.read(source, BuildReport())
    assert article.text == text and len(text) < 200_000
    assert all(text[w.start:w.end] == w.text for s in repeated[-50:] for w in s.words)
    shared_parses[pipeline.parser.model_id, article.content_hash] = encode(repeated)
    path = folder / "quotes.db"
    report = BuildReport()
    pipeline.build(path, [article], report)
    return path


def test_an_article_of_ten_thousand_quotes_builds_every_quote(many_quotes_db):
    with closing(sqlite3.connect(many_quotes_db)) as conn:
        [[quotes]] = conn.execute("select count(*) from quotes where article_id = 'many'").fetchall()
        [[speakers]] = conn.execute("select count(distinct speaker) from quotes").fetchall()
    assert quotes == 50 * PARAGRAPHS and speakers == len(SPEAKERS)


async def test_its_pages_hold_a_bounded_number_of_quotes(many_quotes_db):
    ds = datasette_instance(many_quotes_db)
    total = 50 * PARAGRAPHS
    first = await ds.client.get("/quotes/articles/many")
    assert first.status_code == 200
    assert first.text.count('class="nr-jump"') == newsroom.PAGE_QUOTES
    assert f"{total} quotes" in first.text and f"of {total}" in first.text
    last_part = -(-total // newsroom.PAGE_QUOTES)
    last = await ds.client.get(f"/quotes/articles/many?part={last_part}")
    assert last.text.count('class="nr-jump"') == total - (last_part - 1) * newsroom.PAGE_QUOTES
    speaker = await ds.client.get("/quotes/speakers/lee")
    assert speaker.status_code == 200 and speaker.text.count('class="nr-copy"') <= newsroom.PAGE_QUOTES
    assert "/quotes/who_said_what?speaker_id=lee" in speaker.text  # the rest, in the table
    with closing(sqlite3.connect(many_quotes_db)) as conn:
        [[rule]] = conn.execute("select rule_id from quotes group by rule_id order by count(*) desc limit 1")
    rule_page = await ds.client.get(f"/quotes/rules/{rule}")
    assert rule_page.status_code == 200 and rule_page.text.count('class="nr-quote"') <= newsroom.PAGE_QUOTES


async def test_the_main_view_counts_and_pages_it(many_quotes_db):
    ds = datasette_instance(many_quotes_db)
    response = await ds.client.get("/quotes/who_said_what.json?_size=100")
    assert response.status_code == 200, response.text[:300]
    assert response.json()["filtered_table_rows_count"] == 50 * PARAGRAPHS and len(response.json()["rows"]) == 100
    for name in ("most_quoted_speakers", "quotes_by_speaker.json?speaker=lee", "unresolved_speakers"):
        assert (await ds.client.get(f"/quotes/{name}")).status_code == 200, name


def test_its_pages_answer_while_other_requests_are_served(many_quotes_db):
    server = Server(many_quotes_db)
    try:
        async def together():
            async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
                return await asyncio.gather(
                    client.get("/quotes/articles/many"), client.get("/quotes/who_said_what"),
                    client.get("/quotes/speakers/lee"), client.get("/quotes/quotes.json?_size=5"))
        responses = asyncio.run(together())
        assert [response.status_code for response in responses] == [200] * 4
    finally:
        server.close()


# ---------------------------------------------------------------- docs/limits.md


def server_limits() -> dict[str, list[str]]:
    """docs/limits.md's Server table: each row's cells by the setting named in it."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "limits.md").read_text(encoding="utf-8")
    section = text.split("## Server", 1)[1].split("\n## ", 1)[0]
    table = section[section.index("\n| "):].split("\n\n", 1)[0]  # its first table
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.strip().splitlines()]
    return {re.search(r"`([^`]+)`", row[2])[1]: row for row in rows[1:] if "`" in row[2]}


@pytest.mark.parametrize("setting, bound", [
    ("sql_time_limit_ms", f"{publish.SETTINGS['sql_time_limit_ms']:,} ms"),
    ("facet_time_limit_ms", f"{publish.SETTINGS['facet_time_limit_ms']:,} ms"),
    ("max_returned_rows", f"{publish.SETTINGS['max_returned_rows']:,}"),
    ("publish.MAX_VALUE_BYTES", f"{publish.MAX_VALUE_BYTES:,} bytes"),
    ("publish.MAX_QUERY_BYTES", f"{publish.MAX_QUERY_BYTES:,} bytes (characters for text)"),
    ("publish.MAX_RESPONSE_MB", f"{publish.MAX_RESPONSE_MB} MiB"),
    ("max_csv_mb", f"{publish.SETTINGS['max_csv_mb']} MiB"),
    ("newsroom.PAGE_QUOTES", f"{newsroom.PAGE_QUOTES:,}"),
])
def test_the_limits_table_gives_the_code_s_bounds(setting, bound):
    assert server_limits()[setting][1] == bound


def test_the_limits_table_quotes_the_messages():
    rows = server_limits()
    assert publish.QueryTooBig.value_message(sqlite3.DataError("string or blob too big")) in rows[
        "publish.MAX_VALUE_BYTES"][3]
    assert publish.response_too_big() in rows["publish.MAX_RESPONSE_MB"][3]
    assert f"{TOO_BIG} {MAX_QUERY_BYTES:,} bytes" in rows["publish.MAX_QUERY_BYTES"][3]
    assert f"CSV contains more than {publish.SETTINGS['max_csv_mb'] * 2**20} bytes" in rows["max_csv_mb"][3]
