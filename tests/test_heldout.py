"""The held-out check of the speaker sieve (tests/heldout/): 18 wire stories written before
the sieve was built; the bar is the issue's: ≥ 90% of the found quotes carry the right
canonical speaker (or the right generic or anonymous kind), and no non-statement is stored."""

from pathlib import Path

import yaml
from heldout.score import EXPECTED, STORIES, score

from quotetrack.run.pipeline import BuildReport


def test_held_out_speakers_are_right_and_no_non_statement_is_stored(pipeline):
    articles = pipeline.read(STORIES, BuildReport())
    predictions = {parsed.article.id: quotes for parsed, quotes in pipeline.run(articles)}
    result = score(predictions, yaml.safe_load(Path(EXPECTED).read_text(encoding="utf-8")))
    assert result["found"] >= 80, result
    assert result["speaker_accuracy"] >= 0.9, result["misses"]
    assert result["non_statements_stored"] == 0, result["non_statements"]
    assert result["same_speaker_across_stories"] == "1/1"
