"""A parsed sentence as the matcher sees it (``SentenceView``: children, subtree edges, quoted
words, cached word tests) and the compiled word constraints of pattern nodes (``WordTest``)."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Hashable, Iterable, Sequence
from operator import attrgetter

from ..records import Sentence, Span, Word
from ..rulelang.rules import REGEX_TIMEOUT, Node
from ..rulelang.syntax import RELATIONS, ancestors

START, END = attrgetter("start"), attrgetter("end")
TRIM = " \t\n\"“”‘’'«»„,;:.!?–—-"  # what ``trimmed`` takes off a span's edges
ATTRS = ("lemma", "text", "deprel", "upos", "xpos")  # constraints on a word attribute as it is


def word_value(word: Word, key: str) -> str:
    """A word's value of an attribute constraint: an attribute, or ``lower`` (its text lowercased)."""
    return word.text.lower() if key == "lower" else getattr(word, key)


class SentenceView:
    """A sentence with the indexes the engine needs, each worked out on first use:
    children, subtree edges, words inside quotation marks, and which related words pass each ``WordTest``."""

    def __init__(self, sentence: Sentence, quotes: list[Span]):
        """``quotes``: the quotations of the article, or those overlapping the sentence (``QuotationMarks.find``'s,
        in text order)."""
        self.sentence, self.quotes = sentence, quotes
        self.links: dict[tuple[int, str, WordTest], list[int]] = {}
        self.features: dict[int, dict[str, str]] = {}
        self.nearest: dict[int, list[int]] = {}

    @property
    def children(self) -> list[list[int]]:
        return self.sentence.children

    @functools.cached_property
    def edges(self) -> tuple[list[int], list[int]]:
        """The first and the last word of each word's subtree."""
        words, children = self.sentence.words, self.sentence.children
        left, right = list(range(len(words))), list(range(len(words)))
        order = [index for index, word in enumerate(words) if word.head < 0]
        for index in order:  # heads before their dependents
            order.extend(children[index])
        if len(order) == len(words):  # a tree: each subtree's edges from its dependents', bottom up
            for index in reversed(order):
                for child in children[index]:
                    left[index] = min(left[index], left[child])
                    right[index] = max(right[index], right[child])
            return left, right
        for index, word in enumerate(words):  # an odd parse with a cycle: walk up from each word
            seen, head = {index}, word.head
            while head >= 0 and head not in seen:  # guard against cycles in odd parses
                seen.add(head)
                if index < left[head]:
                    left[head] = index
                elif index > right[head]:
                    right[head] = index
                head = words[head].head
        return left, right

    @property
    def left(self) -> list[int]:
        return self.edges[0]

    @property
    def right(self) -> list[int]:
        return self.edges[1]

    @functools.cached_property
    def quoted(self) -> set[int]:
        """The indexes of the words inside quotation marks."""
        sentence, words, quoted = self.sentence, self.sentence.words, set()
        starts = [w.start for w in words]
        for quote in overlapping(self.quotes, sentence.start, sentence.end):
            i = bisect.bisect_left(starts, quote.start)
            while i < len(words) and words[i].start < quote.end:
                if words[i].end <= quote.end:
                    quoted.add(words[i].index)
                i += 1
        return quoted

    def feats(self, index: int) -> dict[str, str]:
        """Word ``index``'s features by name."""
        if index not in self.features:
            feats = self.sentence.words[index].feats
            self.features[index] = dict(f.split("=", 1) for f in feats.split("|") if "=" in f)
        return self.features[index]

    def meets(self, index: int, key: str, wanted) -> bool:
        """Does word ``index`` meet the constraint ``key``: ``wanted``, one not in ``ATTRS``?"""
        if key == "lower":
            return self.sentence.words[index].text.lower() in wanted
        if key == "in_quote":
            return (index in self.quoted) == wanted
        if key == "feats":
            feats = self.feats(index)
            return all(feats.get(name) in values for name, values in wanted)
        return wanted.fullmatch(self.sentence.words[index].text, timeout=REGEX_TIMEOUT) is not None

    def related(self, index: int, rel: str) -> Sequence[int]:
        """Indexes of the words W such that ``word[index] rel W`` holds, in the order they are tried."""
        return RELATIONS[rel].words(self, index)

    def related_passing(self, index: int, rel: str, test: WordTest) -> list[int]:
        """``related(index, rel)`` that pass ``test``; worked out once (patterns share their first nodes)."""
        key = index, rel, test
        found = self.links.get(key)
        if found is None:
            found = self.links[key] = test.sieve(self, RELATIONS[rel].words(self, index))
        return found

    def nearest_children(self, index: int) -> list[int]:
        """The children of word ``index``, nearest first."""
        if index not in self.nearest:
            self.nearest[index] = sorted(self.children[index], key=lambda child: abs(child - index))
        return self.nearest[index]

    def ancestors(self, index: int) -> list[int]:
        return ancestors(self.sentence, index)

    def dominates(self, top: int, index: int) -> bool:
        return top in self.ancestors(index)

    def span(self, first: int, last: int, text: str) -> Span | None:
        """The words first..last as a span, trimmed of spaces, quotation marks and edge punctuation."""
        if first > last:
            return None
        words = self.sentence.words
        return trimmed(Span(words[first].start, words[last].end, ""), text)


class WordTest:
    """A node's word constraints, compiled: does a word meet all of ``required`` and none of
    ``negated``? Hashable by identity: ``word_tests`` gives nodes with the same constraints the
    same test, which a sentence view works out once per word and relation."""

    def __init__(self, required: tuple[tuple[str, Hashable], ...], negated: tuple[tuple[str, Hashable], ...]):
        self.checks = [(key, wanted, True) for key, wanted in required] + [(key, wanted, False) for key, wanted in negated]

    def sieve(self, view: SentenceView, indexes: Iterable[int]) -> list[int]:
        """The words of ``indexes`` that pass, in order: one pass over those left per constraint."""
        if not self.checks:
            return list(indexes)
        words = view.sentence.words
        for key, wanted, kept in self.checks:
            if key in ATTRS:
                indexes = [i for i in indexes if (getattr(words[i], key) in wanted) is kept]
            elif key == "in_quote":
                quoted = view.quoted
                indexes = [i for i in indexes if ((i in quoted) == wanted) is kept]
            else:
                indexes = [i for i in indexes if view.meets(i, key, wanted) is kept]
            if not indexes:
                break
        return indexes


def word_tests(nodes: list[Node], shared: dict[tuple, WordTest]) -> list[WordTest]:
    """A test per node; nodes with the same constraints get the same test, kept in ``shared``."""
    tests = []
    for node in nodes:
        key = frozen(node.constraints), frozen(node.negated)
        tests.append(shared.setdefault(key, WordTest(*key)))
    return tests


def frozen(constraints: dict) -> tuple[tuple[str, Hashable], ...]:
    """Constraints as hashable pairs, the cheap ones first: attributes, then quotation, features, regex."""
    order = {key: i for i, key in enumerate((*ATTRS, "lower", "in_quote", "feats"))}
    return tuple(sorted(
        ((key, tuple(sorted(value.items())) if key == "feats" else value) for key, value in constraints.items()),
        key=lambda pair: order.get(pair[0], len(order)),
    ))


def overlapping(quotes: list[Span], start: int, end: int) -> list[Span]:
    """The quotations of ``quotes`` (``QuotationMarks.find``'s, in text order) that overlap start..end."""
    first = bisect.bisect_right(quotes, start, key=END)
    return quotes[first:bisect.bisect_left(quotes, end, lo=first, key=START)]


def trimmed(span: Span, text: str) -> Span | None:
    """``span`` without edge spaces, quotation marks and punctuation; None when nothing is left."""
    start, end = span.start, span.end
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return Span(start, end, text[start:end]) if start < end else None
