"""Pronoun resolution accuracy on stories with gold antecedents: ``python tests/pronouns/score.py [--cache DB] [-v]``.

A case's quote is *right* when its canonical speaker is the gold antecedent (or, where the
gold names nobody, when the speaker is empty and the kind agrees); a quote not found is wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import yaml

CASES = Path(__file__).resolve().parent / "pronouns.yml"


def articles():
    from quotetrack.records import Article
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    return cases, [Article(c["id"], c["id"], c["text"], hashlib.sha256(c["text"].encode()).hexdigest()) for c in cases]


def score(cases: list[dict], predictions: dict[str, list]) -> dict:
    rows = []
    for case in cases:
        for item in case["quotes"]:
            found = [q for q in predictions[case["id"]] if item["content"] in q.content.text]
            row = {"case": case["id"], "content": item["content"], "gold": item["speaker"], "found": bool(found)}
            if found:
                q = found[0]
                row.update(speaker=q.speaker, kind=q.speaker_kind, mention=q.speaker_span.text if q.speaker_span else None)
                row["right"] = (q.speaker == item["speaker"] if item["speaker"]
                                else q.speaker is None and q.speaker_kind == item["kind"])
            else:
                row["right"] = False
            rows.append(row)
    return {"pronoun_quotes": len(rows), "right": sum(r["right"] for r in rows),
            "accuracy": round(sum(r["right"] for r in rows) / len(rows), 3),
            "misses": [r for r in rows if not r["right"]]}


def main(argv=None) -> int:
    from quotetrack.run.pipeline import Pipeline
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None, help="parse cache database (default: parse afresh)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    cases, found = articles()
    result = score(cases, {article_id: quotes for article_id, (_, quotes) in Pipeline().predict(found, args.cache).items()})
    if not args.verbose:
        result.pop("misses")
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
