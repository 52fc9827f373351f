"""Dependency-tree helpers shared by the match and resolve stages."""

from __future__ import annotations

from .records import Sentence


def children_of(sentence: Sentence) -> list[list[int]]:
    """Each word's children, by index."""
    children: list[list[int]] = [[] for _ in sentence.words]
    for word in sentence.words:
        if word.head >= 0:
            children[word.head].append(word.index)
    return children


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
