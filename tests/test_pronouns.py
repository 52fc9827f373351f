"""Pronoun speakers against gold antecedents (tests/pronouns/pronouns.yml): several people of
one gender, quote turns, relative pronouns, bodies as "it" and "they"."""

from pronouns.score import articles, score


def test_pronouns_name_their_gold_antecedent(pipeline):
    cases, found = articles()
    result = score(cases, {parsed.article.id: quotes for parsed, quotes in pipeline.run(found)})
    assert result["accuracy"] >= 0.9, result["misses"]
