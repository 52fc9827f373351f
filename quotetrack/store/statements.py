"""Statements: each speaker's near-identical quotes (syndicated copies of one wording) grouped as one.

Pure functions over quote rows; ``Store.refresh_statements`` reads the rows and writes the groups.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from .rows import stable_id


class Grouping(NamedTuple):
    """When two quotes of one speaker are copies of one statement (the ``statements`` step of
    rules/defaults.yml, which the pipeline passes on)."""

    shared_words: float  # they share this share of their distinct words...
    contained_words: int  # ...or the words of one, at least this many, run unbroken in the other


def linked_groups(quotes: list[dict], grouping: Grouping) -> list[list[dict]]:
    """Partition one speaker's quotes, given earliest first, into statements, each listed earliest first.

    Quotes are one statement when a chain of ``near_identical`` pairs links them:
    syndicated copies of one wording, not paraphrases. Only the pairs ``candidate_pairs`` proposes
    are compared: the same groups as comparing every pair, in about linear time instead of quadratic.
    """
    wordings = [wording(quote["content"]) for quote in quotes]
    parent = list(range(len(quotes)))  # union-find forest; a group's root is its first quote

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        first, second = sorted((root(i), root(j)))
        parent[second] = first

    unique: dict[str, int] = {}  # identical wordings are near-identical: compare one of each
    for i, one in enumerate(wordings):
        if one.spaced in unique:
            join(unique[one.spaced], i)
        else:
            unique[one.spaced] = i
    representatives = list(unique.values())
    for a, b in candidate_pairs([wordings[i] for i in representatives], grouping):
        i, j = representatives[a], representatives[b]
        if root(i) != root(j) and near_identical(wordings[i], wordings[j], grouping):
            join(i, j)
    groups = defaultdict(list)
    for i, quote in enumerate(quotes):
        groups[root(i)].append(quote)
    return list(groups.values())


def candidate_pairs(wordings: list[Wording], grouping: Grouping) -> Iterator[tuple[int, int]]:
    """Pairs of distinct ``wordings`` (indexes, each pair once or more) that may be ``near_identical``;
    every near-identical pair is among them.

    Two indexes find them. Shared words: wordings whose distinct words overlap by
    ``grouping.shared_words`` share a word among the rarest few of each (prefix
    filtering: a set of n words shares one of its first n - ceil(t·n) + 1 words, in
    any fixed order, with every set it overlaps by t). Contained runs: a wording of
    ``grouping.contained_words`` words or more that runs unbroken in a longer one
    shares all its runs of that many words with it, so the longer one is listed
    under the shorter's rarest run.
    """
    frequency = Counter(word for one in wordings for word in one.distinct)
    sizes = [len(one.distinct) for one in wordings]
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, one in enumerate(wordings):
        rarest_first = sorted(one.distinct, key=lambda word: (frequency[word], word))
        prefix = sizes[i] - math.ceil(grouping.shared_words * sizes[i] - 1e-9) + 1  # rounded to the safe side
        for word in rarest_first[:prefix]:
            # sets of sizes m <= n overlap by at most m/n
            yield from ((j, i) for j in by_word[word]
                        if min(sizes[i], sizes[j]) + 1e-9 >= grouping.shared_words * max(sizes[i], sizes[j]))
            by_word[word].append(i)
    length = grouping.contained_words
    words = [one.spaced.split() for one in wordings]
    by_run: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, sequence in enumerate(words):
        for run in set(runs(sequence, length)):
            by_run[run].append(i)
    for i, sequence in enumerate(words):
        if len(sequence) >= length:
            rarest = min(runs(sequence, length), key=lambda run: len(by_run[run]))
            yield from ((i, j) for j in by_run[rarest] if len(words[j]) > len(sequence))


def runs(words: list[str], length: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``length`` consecutive ``words``."""
    return zip(*(words[k:] for k in range(length)))


class Wording(NamedTuple):
    """A quote's case-folded words, punctuation and quote marks ignored, ready to compare."""

    count: int
    spaced: str  # the words in order, each with a space before and after
    distinct: frozenset[str]


def wording(text: str) -> Wording:
    words = re.findall(r"\w+", text.casefold())
    return Wording(len(words), f" {' '.join(words)} ", frozenset(words))


def near_identical(one: Wording, other: Wording, grouping: Grouping) -> bool:
    """Whether two quotes' wordings are copies of one statement."""
    shorter, longer = sorted((one, other), key=lambda w: w.count)
    if shorter.count >= grouping.contained_words and shorter.spaced in longer.spaced:
        return True
    return len(one.distinct & other.distinct) >= grouping.shared_words * len(one.distinct | other.distinct)


def statement_row(members: list[dict]) -> dict:
    """One statement from its quotes, earliest first: named after the earliest, worded as the longest."""
    first = members[0]
    return {
        "id": stable_id("statement", first["id"]),
        "speaker": first["speaker"],
        "content": max(members, key=lambda quote: len(quote["content"]))["content"],
        "quote_count": len(members),
        "article_count": len({member["article_id"] for member in members}),
        "first_published": first["published"],
        "first_article_id": first["article_id"],
        "speaker_id": first["speaker_id"],
    }
