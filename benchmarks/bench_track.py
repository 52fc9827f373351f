"""Time `quotetrack track` against a local web server: a first run, a second with little new, a third with nothing new.

The server (tests/localweb.py, on 127.0.0.1) serves an Atom feed of stories made of the
seed articles' paragraphs (as the tests do) plus the four layout pages of
tests/data/web. Between the two runs the feed gains two stories and one story is
rewritten; nothing changes before the third. Each run is a real `quotetrack track` process (Stanza loaded in it);
prints wall seconds and what each run fetched. Asserts nothing.

    python benchmarks/bench_track.py [--stories 20]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from localweb import LocalWeb  # noqa: E402
from test_track import (  # noqa: E402
    DAY_ONE,
    ROBOTS,
    rss_feed,
    seed_paragraphs,
    serve_feed,
    serve_layout,
    stories,
)


def run(db: Path, sources: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "quotetrack"), "track", str(db), str(sources)],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "exit": done.returncode, "summary": done.stdout.strip(),
            "problems": done.stderr.strip().splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LocalWeb() as web:
        folder = Path(folder)
        web.page("/robots.txt", ROBOTS, content_type="text/plain")
        feed_stories = stories(options.stories + 2)
        serve_feed(web, feed_stories[:options.stories])
        layouts = {name: serve_layout(web, name) for name in ("wire_story", "amp_story", "live_blog", "related_cookie")}
        web.page("/layouts.rss", rss_feed([(name, url, DAY_ONE) for name, url in layouts.items()]),
                 content_type="application/rss+xml")
        sources = folder / "feeds.yml"
        sources.write_text(f"fetch: {{rate_limit: 0, allow_private_addresses: true}}\nsources:\n  - feed: {web.url('/feed.atom')}\n"
                           f"  - feed: {web.url('/layouts.rss')}\n", encoding="utf-8")
        db = folder / "quotes.db"
        first = run(db, sources)
        first["requests"] = len(web.requests)
        rewritten = feed_stories[4]
        rewritten.paragraphs = [rewritten.paragraphs[0], *seed_paragraphs()[-2:]]
        rewritten.updated += timedelta(days=1)
        serve_feed(web, feed_stories)
        del web.requests[:]
        second = run(db, sources)
        second["requests"] = len(web.requests)
        del web.requests[:]
        third = run(db, sources)  # nothing new at all
        third["requests"] = len(web.requests)
        with closing(sqlite3.connect(db)) as connection:
            third["fetches_by_outcome"] = dict(connection.execute(
                "select outcome, count(*) from fetches group by outcome order by outcome"))
        print(json.dumps({"first": first, "second": second, "third": third}, indent=2))


if __name__ == "__main__":
    main()
