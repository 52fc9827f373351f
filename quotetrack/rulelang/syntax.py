"""Dependency-tree helpers, the one home for them, and the one table of pattern relations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..records import Sentence


def ancestors(sentence: Sentence, index: int) -> list[int]:
    """Word ``index``'s head, its head's head, … up to the root (cycles in odd parses cut)."""
    found, head = [], sentence.words[index].head
    while head >= 0 and head not in found and head != index:
        found.append(head)
        head = sentence.words[head].head
    return found


def phrase(sentence: Sentence, children: list[list[int]], head: int, deprels) -> tuple[int, int]:
    """First and last word of ``head`` with its dependents over ``deprels`` (not the head's own case/mark)."""
    words = sentence.words
    keep, stack = {head}, [head]
    while stack:
        top = stack.pop()
        for child in children[top]:
            deprel = words[child].deprel
            if deprel in deprels and not (top == head and deprel in ("case", "mark")):
                keep.add(child)
                stack.append(child)
    return min(keep), max(keep)


class Tree(Protocol):
    """What a relation needs of a sentence: its words, each word's children nearest first, subtree edges."""

    sentence: Sentence
    children: list[list[int]]
    left: list[int]
    right: list[int]

    def nearest_children(self, index: int) -> list[int]: ...

    def ancestors(self, index: int) -> list[int]: ...

    def dominates(self, top: int, index: int) -> bool: ...


@dataclass(frozen=True)
class Relation:
    meaning: str
    words: Callable[[Tree, int], Sequence[int]]  # the words W with ``node REL W``, in the order they are tried


def _siblings(tree: Tree, index: int) -> list[int]:
    head = tree.sentence.words[index].head
    return [i for i in tree.children[head] if i != index] if head >= 0 else []


def _later_siblings(tree: Tree, index: int) -> list[int]:
    return [i for i in _siblings(tree, index) if i > index]


def _earlier_siblings(tree: Tree, index: int) -> list[int]:
    return [i for i in _siblings(tree, index) if i < index]


RELATIONS = {
    ">": Relation("child: W depends on the node (nearest first)", lambda t, i: t.nearest_children(i)),
    "<": Relation("head: W is the node's head",
                  lambda t, i: [t.sentence.words[i].head] if t.sentence.words[i].head >= 0 else []),
    ">>": Relation("descendant: W is in the node's subtree",
                   lambda t, i: [w for w in range(t.left[i], t.right[i] + 1) if w != i and t.dominates(i, w)]),
    "<<": Relation("ancestor: the node is in W's subtree (nearest first)", lambda t, i: t.ancestors(i)),
    ".": Relation("next word: W comes right after the node",
                  lambda t, i: [i + 1] if i + 1 < len(t.sentence.words) else []),
    ".*": Relation("any later word", lambda t, i: range(i + 1, len(t.sentence.words))),
    ";": Relation("previous word: W comes right before the node", lambda t, i: [i - 1] if i > 0 else []),
    ";*": Relation("any earlier word (nearest first)", lambda t, i: range(i - 1, -1, -1)),
    "$+": Relation("next sibling: W shares the node's head, the first such word after it",
                   lambda t, i: _later_siblings(t, i)[:1]),
    "$-": Relation("previous sibling: the last word before the node sharing its head",
                   lambda t, i: _earlier_siblings(t, i)[-1:]),
    "$++": Relation("any later sibling (in word order)", _later_siblings),
    "$--": Relation("any earlier sibling (in word order)", _earlier_siblings),
}
