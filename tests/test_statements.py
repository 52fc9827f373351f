"""Statements through an index: the same groups as comparing every pair of a speaker's quotes."""

import random
from dataclasses import replace
from itertools import combinations

import pytest
from conftest import GROUPING

from quotetrack.store import Store, statements

VOCABULARY = "the war will end soon said we are not going to stop Kyiv Russia free drones".split()


def pairwise_groups(quotes: list[dict]) -> list[list[dict]]:
    """The reference: compare every pair (quadratic), join near-identical ones, keep the given order."""
    wordings = [statements.wording(quote["content"]) for quote in quotes]
    parent = list(range(len(quotes)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in combinations(range(len(quotes)), 2):
        if statements.near_identical(wordings[i], wordings[j], GROUPING):
            first, second = sorted((root(i), root(j)))
            parent[second] = first
    groups = {}
    for i, quote in enumerate(quotes):
        groups.setdefault(root(i), []).append(quote)
    return list(groups.values())


def ids(groups):
    return [[quote["id"] for quote in group] for group in groups]


def variant(words: list[str], chance: random.Random) -> str:
    """A copy as another outlet might print it: trimmed, a word changed, other case and marks."""
    words = list(words)
    edit = chance.randrange(5)
    if edit == 0 and len(words) > 3:
        start = chance.randrange(len(words) - 2)
        words = words[start:start + chance.randrange(3, len(words) - start + 1)]
    elif edit == 1 and words:
        words[chance.randrange(len(words))] = chance.choice(VOCABULARY)
    elif edit == 2:
        words.insert(chance.randrange(len(words) + 1), chance.choice(VOCABULARY))
    text = " ".join(words)
    return chance.choice([text, text.upper(), f"“{text}!”", f'"{text}," {chance.choice(VOCABULARY)}'])


def generated_quotes(seed: int, count: int) -> list[dict]:
    """Quotes over a tiny vocabulary, many of them copies and variants of others: collisions everywhere."""
    chance = random.Random(seed)
    originals = [[chance.choice(VOCABULARY) for _ in range(chance.randrange(0, 12))] for _ in range(count // 4)]
    quotes = []
    for number in range(count):
        text = variant(chance.choice(originals), chance) if chance.random() < 0.8 else chance.choice(["!", "...", ""])
        quotes.append({"id": f"q{number}", "content": text})
    return quotes


@pytest.mark.parametrize("seed", range(8))
def test_indexed_groups_are_the_pairwise_groups(seed):
    quotes = generated_quotes(seed, 300)
    expected = pairwise_groups(quotes)
    assert ids(statements.linked_groups(quotes, GROUPING)) == ids(expected)
    assert 1 < len(expected) < len(quotes)  # the case is not trivial: some groups, not one


def test_every_near_identical_pair_is_a_candidate():
    wordings = [statements.wording(quote["content"]) for quote in generated_quotes(99, 200)]
    wordings = list({one.spaced: one for one in wordings}.values())  # linked_groups passes distinct wordings
    candidates = {frozenset(pair) for pair in statements.candidate_pairs(wordings, GROUPING)}
    near = {frozenset((i, j)) for i, j in combinations(range(len(wordings)), 2)
            if statements.near_identical(wordings[i], wordings[j], GROUPING)}
    assert near and near <= candidates
    assert len(candidates) < len(wordings) * (len(wordings) - 1) // 2  # and not every pair


def test_seed_statements_are_the_pairwise_groups(built_db):
    store = Store.open(built_db)
    speakers = [quotes[0]["speaker_id"] for quotes in store.quotes_by_speaker()]
    assert len(speakers) == len(set(speakers)) > 5
    for quotes in store.quotes_by_speaker():
        assert ids(statements.linked_groups(quotes, GROUPING)) == ids(pairwise_groups(quotes))
        expected = {quote["id"]: statements.statement_row(group)["id"] for group in pairwise_groups(quotes) for quote in group}
        assert {quote["id"]: quote["statement_id"] for quote in quotes} == expected


def test_statements_kept_up_to_date_are_a_full_regrouping(pipeline, seed_articles, tmp_path):
    """A build regroups only the speakers whose quotes changed: the result is what grouping every speaker gives."""
    first, second = seed_articles[:2]
    copies = [replace(first, id="copy-a", source="copy-a.txt", published="2020-01-01"),
              replace(second, id="copy-b", source="copy-b.txt", published="2030-01-01")]
    db_path = tmp_path / "quotes.db"
    pipeline.build(db_path, [*seed_articles, *copies])
    paragraphs = second.text.split("\n")
    cut = "\n".join(paragraphs[:len(paragraphs) // 2])
    changes = [replace(copies[0], published="1990-01-01"),  # now the earliest copy: its statements are renamed
               replace(copies[1], text=cut, content_hash="cut")]  # half of its quotes go
    pipeline.build(db_path, changes)
    store = Store.open(db_path)
    db = store.db
    kept = {row[0]: row[1] for row in db.execute("select id, statement_id from quotes")}
    grouped = sorted(db.execute("select * from statements").fetchall())
    assert None not in kept.values() and any(count > 1 for count, in db.execute("select quote_count from statements"))
    with store.transaction():
        db.execute("update quotes set statement_id = null")  # every speaker unsettled: grouped from scratch
    store.refresh_statements(GROUPING)
    assert {row[0]: row[1] for row in db.execute("select id, statement_id from quotes")} == kept
    assert sorted(db.execute("select * from statements").fetchall()) == grouped
