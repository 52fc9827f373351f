#!/usr/bin/env python
"""Model-set benchmark: cold builds of the same articles with each Stanza model set, side by side.

Prints numbers; asserts nothing. Both sets load in this one process (one warm-up
``bulk_process`` each, excluded), then cold builds into fresh temporary databases
alternate between the sets for ``--rounds`` rounds, so load from other processes on a
shared machine falls on both alike. Reported per set: the median wall and CPU time of
its builds, articles/s, sentences/s, tokens/s (words of the parses) and the quotes
found; then the ratio of each set to the first.

    python benchmarks/bench_models.py --limit 10                   # embedded set vs ../shared compact set
    python benchmarks/bench_models.py --models A --models B --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "eval" / "polnear" / "data" / "train" / "text"
DEFAULT_MODELS = [REPO / "quotetrack" / "models" / "stanza_en_glove", REPO.parent / "shared" / "models" / "stanza_en_compact"]


def cold_build(pipeline, articles) -> dict:
    """One cold build into a fresh temporary database: times, and counts read back from it."""
    from quotetrack.stages.parse import ParseCache
    from quotetrack.store import ParseFile, parses_path

    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        report = pipeline.build(Path(folder) / "bench.db", articles)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cache = ParseCache(ParseFile(parses_path(Path(folder) / "bench.db")))
        parses = [cache.get(a.content_hash, pipeline.parser.model_id) for a in articles]
    return {"wall": wall, "cpu": cpu, "quotes": report.quotes, "sentences": sum(map(len, parses)),
            "tokens": sum(len(s.words) for sentences in parses for s in sentences)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=10, help="first N articles by file name (default 10)")
    parser.add_argument("--models", type=Path, action="append", help="a Stanza resources folder (repeat; default: embedded glove, shared compact)")
    parser.add_argument("--rounds", type=int, default=2, help="cold builds per set, alternating (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)

    from quotetrack.run.pipeline import BuildReport, Pipeline
    from quotetrack.stages.parse import load_stanza

    model_dirs = args.models or DEFAULT_MODELS
    pipelines = [Pipeline(REPO / "rules", model_dir) for model_dir in model_dirs]
    articles = pipelines[0].read(args.corpus, BuildReport())
    articles = sorted(articles, key=lambda a: a.source)[: args.limit] if args.limit else articles
    import stanza

    for pipeline in pipelines:  # load + warm up, excluded from the timings
        load_stanza(str(pipeline.parser.model_dir)).bulk_process([stanza.Document([], text=articles[0].text[:2000])])

    runs: list[list[dict]] = [[] for _ in pipelines]
    for _ in range(args.rounds):
        for i, pipeline in enumerate(pipelines):
            runs[i].append(cold_build(pipeline, articles))

    rows = []
    for i, pipeline in enumerate(pipelines):
        wall = statistics.median(r["wall"] for r in runs[i])
        cpu = statistics.median(r["cpu"] for r in runs[i])
        rows.append({
            "models": str(pipeline.parser.model_dir), "model_id": pipeline.parser.model_id,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "walls": [round(r["wall"], 2) for r in runs[i]],
            "articles_per_s": round(len(articles) / wall, 2), "sentences_per_s": round(runs[i][0]["sentences"] / wall, 1),
            "tokens_per_s": round(runs[i][0]["tokens"] / wall), "sentences": runs[i][0]["sentences"], "tokens": runs[i][0]["tokens"],
            "quotes": runs[i][0]["quotes"],
        })
    for row in rows:
        row["wall_ratio"] = round(row["wall_s"] / rows[0]["wall_s"], 3)
        row["cpu_ratio"] = round(row["cpu_s"] / rows[0]["cpu_s"], 3)
    header = {"articles": len(articles), "rounds": args.rounds, "machine": platform.machine(),
              "cpus": os.cpu_count(), "python": platform.python_version(), "load_1min": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps({**header, "sets": rows}, indent=1))
        return
    print(f"{len(articles)} articles, {args.rounds} alternating cold builds per set (medians); "
          f"{header['cpus']} CPUs, load {header['load_1min']}")
    columns = ("wall_s", "cpu_s", "articles_per_s", "sentences_per_s", "tokens_per_s", "tokens", "quotes", "wall_ratio", "cpu_ratio")
    print(f"{'models':<20}" + "".join(f"{c:>16}" for c in columns))
    for row in rows:
        print(f"{Path(row['models']).name:<20}" + "".join(f"{row[c]:>16}" for c in columns))


if __name__ == "__main__":
    sys.exit(main())
