"""One article of 9,500 short quotes (198 KB, inside every limit of ingest): what building it and serving its pages
cost. Prints numbers; asserts nothing.

Stanza parses the headline and one paragraph of 50 quotes; the article is that paragraph 190 times, so its parse is
that paragraph's repeated at each paragraph's offsets, cached in the database before the build: the build parses
nothing and measures matching, resolving and storing. Then datasette (in process) serves the article page, the main
view and a speaker page, and SQLite counts the main view.

    python benchmarks/bench_many_quotes.py                       # this checkout's code
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_many_quotes.py   # another's, side by side

CPU seconds are this process's (the build runs with --processes 1); wall seconds follow the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils

from quotetrack.records import Sentence, Word
from quotetrack.run.pipeline import BuildReport, Pipeline
from quotetrack.stages.parse import ParseCache
from quotetrack.web import publish

SPEAKERS = ["Lee", "Stone", "Diaz", "Park"]
WORDS = ["Yes", "No", "Soon", "Now", "Go"]
PARAGRAPH = " ".join(f'"{WORDS[i % 5]} {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}," {SPEAKERS[i % 4]} said.'
                     for i in range(50))
HEAD = "Storm talks\n\n"


def prepare(folder: Path, paragraphs: int) -> Path:
    """The article as JSON Lines in ``folder``, and a database whose parse cache holds its parse."""
    text = HEAD + "\n\n".join([PARAGRAPH] * paragraphs)
    source = folder / "many.jsonl"
    source.write_text(json.dumps({"id": "many", "url": "https://example.com/many", "text": text}) + "\n")
    (folder / "one.txt").write_text(HEAD + PARAGRAPH + "\n")
    pipeline = Pipeline()
    [one] = pipeline.read(folder / "one.txt", BuildReport())
    [[headline, *sentences]] = pipeline.parser.parse([one])
    repeated, step = [headline], len(PARAGRAPH) + 2
    for number in range(paragraphs):
        shift = number * step
        repeated += [Sentence(len(repeated) + i, s.start + shift, s.end + shift, s.paragraph + number,
                              [Word(w.index, w.text, w.lemma, w.upos, w.xpos, w.feats, w.head, w.deprel,
                                    w.start + shift, w.end + shift) for w in s.words])
                     for i, s in enumerate(sentences)]
    [article] = pipeline.read(source, BuildReport())
    db_path = folder / "quotes.db"
    pipeline.build(db_path, [one])
    ParseCache(sqlite_utils.Database(db_path)).put(article.content_hash, pipeline.parser.model_id, repeated)
    return source


def build(db_path: Path, source: Path) -> tuple[float, float, str]:
    """``quotetrack build --processes 1`` in a child process: its CPU and wall seconds, and its report line."""
    wall = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", "import resource, sys; from quotetrack.cli import cli\n"
         "try: cli()\nfinally: print(resource.getrusage(resource.RUSAGE_SELF).ru_utime, file=sys.stderr)",
         "build", str(db_path), str(source), "--processes", "1"],
        capture_output=True, text=True, cwd=db_path.parent)  # not the checkout: PYTHONPATH picks the code
    wall = time.perf_counter() - wall
    return float(child.stderr.strip().splitlines()[-1]), wall, child.stdout.strip().splitlines()[-1]


async def pages(db_path: Path) -> list[tuple[str, int, int, float, float]]:
    publish.SETTINGS["sql_time_limit_ms"] = 120_000  # the true cost, not the 1 s cut
    ds = publish.datasette_instance(db_path)
    measured = []
    for path in ["/quotes/articles/many", "/quotes/who_said_what", "/quotes/speakers/lee"]:
        cpu, wall = time.process_time(), time.perf_counter()
        response = await ds.client.get(path)
        measured.append((path, response.status_code, len(response.content), time.process_time() - cpu,
                         time.perf_counter() - wall))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=190, help="paragraphs of 50 quotes (default 190)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = prepare(Path(folder), args.paragraphs)
        db_path = Path(folder) / "quotes.db"
        cpu, wall, line = build(db_path, source)
        print(f"code: {Path(publish.__file__).parents[2]}")
        print(f"build: {cpu:.2f} s CPU, {wall:.2f} s wall  ({line})")
        with sqlite3.connect(db_path) as conn:
            started = time.process_time()
            [[count]] = conn.execute("select count(*) from who_said_what").fetchall()
            print(f"count(*) from who_said_what: {count} rows, {time.process_time() - started:.2f} s CPU")
        for path, status, size, page_cpu, page_wall in asyncio.run(pages(db_path)):
            print(f"GET {path}: {status}, {size:,} bytes, {page_cpu:.2f} s CPU, {page_wall:.2f} s wall")


if __name__ == "__main__":
    main()
