"""What the pathological inputs of issue 7 cost a build now: wall time and peak memory, one build each.

Each case is a folder with one good article and the bad one; ``quotetrack build`` runs
on it in a child process under an 8 GiB address-space cap; "good" is the number of quotes
stored from the good article (1 when all is well). Peak memory includes loading Stanza.

    python benchmarks/bench_bad_inputs.py                 # every case
    python benchmarks/bench_bad_inputs.py nested lines100k
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

GOOD = "Prime Minister Jane Smith said the plan would fail.\n"
CASES = {
    # 4.3 KB paragraph of 500 nested quotations (before: over 6 GB)
    "nested": "Smith said " + " ".join("“Jones said" for _ in range(500)) + " ok" + "”" * 500 + ".\n",
    # one 20,000-word "sentence" (before: asked PyTorch for 81 GB)
    "runon20k": "Smith said " + "word " * 20_000 + "end.\n",
    "runon5k": "Smith said " + "word " * 5_000 + "end.\n",
    # 100,000 short lines (before: not done in 15 minutes); 1,000 lines (before: 95 s)
    "lines100k": "Line said he.\n" * 100_000,
    "lines1k": "Line said he.\n" * 1_000,
}
MEMORY_CAP = 8 * 2**30


def run_case(name: str, text: str) -> tuple[float, float, int, str]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in"
        source.mkdir()
        (source / "good.txt").write_text(GOOD, encoding="utf-8")
        (source / f"{name}.txt").write_text(text, encoding="utf-8")
        db_path = Path(folder) / "q.db"
        quotetrack = Path(sys.executable).parent / "quotetrack"
        stderr_path = Path(folder) / "stderr.txt"
        started = time.perf_counter()
        with open(stderr_path, "w") as stderr:
            child = subprocess.Popen(
                [str(quotetrack), "build", str(db_path), str(source)], stdout=subprocess.DEVNULL, stderr=stderr,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP)))
            _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        peak = usage.ru_maxrss / 2**20  # KiB → GiB
        returncode = os.waitstatus_to_exitcode(status)
        with closing(sqlite3.connect(db_path)) as db:
            good = db.execute("select count(*) from quotes where article_id = 'good'").fetchone()[0]
        said = [line for line in stderr_path.read_text().splitlines() if name in line and "skipped" in line]
        return seconds, peak, good, (said[0] if said else f"exit {returncode}, nothing skipped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"some of: {', '.join(CASES)} (default: all)")
    names = parser.parse_args().cases or list(CASES)
    if unknown := set(names) - set(CASES):
        parser.error(f"unknown case(s) {sorted(unknown)}")
    print(f"{'case':<10} {'bytes':>9} {'seconds':>8} {'peak GiB':>9} good  message")
    for name in names:
        seconds, peak, good, said = run_case(name, CASES[name])
        print(f"{name:<10} {len(CASES[name].encode()):>9,} {seconds:>8.1f} {peak:>9.2f} {good:>4}  {said}", flush=True)


if __name__ == "__main__":
    main()
