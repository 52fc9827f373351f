"""The second held-out round (tests/heldout/round2/): 25 stories written for issue 20 before its
fixes were coded — datelines, titles and credits, bodies named by a description, relative
pronouns, several people of one gender, one person spelt two ways in two articles."""

import yaml
from heldout.score import SETS, score

from quotetrack.run.pipeline import BuildReport

ROUND2 = SETS["round2"]


def test_round_two_speakers_kinds_and_roles(pipeline):
    articles = pipeline.read(ROUND2 / "stories", BuildReport())
    predictions = {parsed.article.id: quotes for parsed, quotes in pipeline.run(articles)}
    result = score(predictions, yaml.safe_load((ROUND2 / "expected.yml").read_text(encoding="utf-8")))
    assert result["found"] >= 120, result
    assert result["speaker_accuracy"] >= 0.95, result["misses"]
    assert result["non_statements_stored"] == 0, result["non_statements"]
