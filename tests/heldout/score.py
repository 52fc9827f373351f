"""Speaker accuracy on the held-out stories: ``python tests/heldout/score.py [--set round2] [--cache DB] [-v]``.

The stories were written before the speaker passes and are not tuned on. A quote is
*found* when a predicted quote's content holds the expected snippet (and its cue, where
given); its speaker is *right* when the canonical speaker is one of the expected names,
or, where no named speaker is expected, when the speaker is empty and the kind agrees.
Where a story says so, the role must hold a word (``role_has``) or be empty (``no_role``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
STORIES = HERE / "stories"
EXPECTED = HERE / "expected.yml"
SETS = {"round1": HERE, "round2": HERE / "round2", "recall": HERE / "recall", "round3": HERE / "round3"}  # each: stories/ and expected.yml


def predicted_kind(quote) -> str | None:
    return getattr(quote, "speaker_kind", None) or quote.speaker_type


def find(quotes, snippet: str, cue: str | None = None):
    """The predicted quotes whose content (or a quoted part) holds ``snippet``."""
    return [q for q in quotes
            if any(snippet in part.text for part in q.parts) or snippet in q.content.text
            if cue is None or (q.cue is not None and q.cue.text.lower() == cue.lower())]


def names(expected) -> list[str]:
    if expected is None:
        return []
    return [expected] if isinstance(expected, str) else list(expected)


def same_name(one: str | None, other: str) -> bool:
    return one is not None and " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def score(predictions: dict[str, list], expected: dict) -> dict:
    """Counts and the list of misses for ``predictions`` (article id → quotes)."""
    rows, vetoes = [], []
    for story, spec in expected["stories"].items():
        quotes = predictions[story]
        for item in spec.get("quotes", []):
            hits = find(quotes, item["content"], item.get("cue"))
            row = {"story": story, "content": item["content"], "expected": item.get("speaker"),
                   "kind": item["kind"], "found": bool(hits)}
            if hits:
                q = hits[0]
                wanted = names(item.get("speaker"))
                row["speaker"], row["predicted_kind"] = q.speaker, predicted_kind(q)
                row["mention"] = q.speaker_span.text if q.speaker_span else None
                row["speaker_right"] = (any(same_name(q.speaker, n) for n in wanted) if wanted
                                        else q.speaker is None and row["predicted_kind"] == item["kind"])
                row["kind_right"] = row["predicted_kind"] == item["kind"]
                if "role_has" in item or "no_role" in item:
                    row["role"] = q.role
                    row["role_right"] = (not q.role) if item.get("no_role") else \
                        bool(q.role) and item["role_has"].lower() in q.role.lower()
                if "channel_has" in item:
                    row["channel"] = q.channel
                    row["channel_right"] = bool(q.channel) and item["channel_has"].lower() in q.channel.lower()
            rows.append(row)
        for item in spec.get("none", []):
            for q in find(quotes, item["content"], item.get("cue")):
                vetoes.append({"story": story, "content": q.content.text, "cue": q.cue.text if q.cue else None})
    found = [r for r in rows if r["found"]]
    channels = [r for r in found if "channel_right" in r]
    roles = [r for r in found if "role_right" in r]
    same = [shared is True for shared in _shared(predictions, expected.get("same_speaker", []))]
    apart = [shared is False for shared in _shared(predictions, expected.get("different_speaker", []))]
    return {
        "expected": len(rows),
        "found": len(found),
        "speaker_right": sum(r["speaker_right"] for r in found),
        "speaker_accuracy": round(sum(r["speaker_right"] for r in found) / max(len(found), 1), 3),
        "kind_accuracy": round(sum(r["kind_right"] for r in found) / max(len(found), 1), 3),
        "channel_right": f"{sum(r['channel_right'] for r in channels)}/{len(channels)}",
        "role_right": f"{sum(r['role_right'] for r in roles)}/{len(roles)}",
        "non_statements_stored": len(vetoes),
        "same_speaker_across_stories": f"{sum(same)}/{len(same)}",
        "different_speakers_apart": f"{sum(apart)}/{len(apart)}",
        "misses": [r for r in rows if not r["found"] or not r["speaker_right"]],
        "role_misses": [r for r in roles if not r["role_right"]],
        "non_statements": vetoes,
    }


def _shared(predictions: dict[str, list], pairs: list) -> list[bool | None]:
    """For each pair of (story, snippet): whether the two quotes share a speaker id (None: one not named)."""
    found = []
    for (story_a, snippet_a), (story_b, snippet_b) in pairs:
        a, b = find(predictions[story_a], snippet_a), find(predictions[story_b], snippet_b)
        if not (a and b and a[0].speaker and b[0].speaker):
            found.append(None)
        else:
            found.append(speaker_key(a[0].speaker) == speaker_key(b[0].speaker) or
                         bool(a[0].speaker_key) and a[0].speaker_key == b[0].speaker_key)
    return found


def speaker_key(name: str) -> str:
    """The speaker id the store gives a name; the store also joins names sharing a spelling key."""
    from quotetrack.store.rows import speaker_id
    return speaker_id(name)


def predict(cache: str | None, models: str | None = None, stories: Path = STORIES) -> dict[str, list]:
    from quotetrack.run.pipeline import BuildReport, Pipeline
    pipeline = Pipeline(model_dir=models)
    articles = pipeline.read(stories, BuildReport())
    return {article_id: quotes for article_id, (_, quotes) in pipeline.predict(articles, cache).items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="db/heldout-cache.db", help="parse cache database")
    parser.add_argument("--models", default=None, help="Stanza models folder (default: the embedded ones)")
    parser.add_argument("--set", default="round1", choices=sorted(SETS), help="which stories")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args(argv)
    folder = SETS[args.set]
    result = score(predict(args.cache, args.models, folder / "stories"),
                   yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8")))
    if not args.verbose:
        result = {k: v for k, v in result.items() if k not in ("misses", "non_statements", "role_misses")}
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
