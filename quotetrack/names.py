"""Names compared across spellings: one folding for every comparison of names and words.

``fold`` is the only place that decides when two spellings are the same letters: case,
accents and scripts are folded by anyascii (a maintained transliteration table), so
"Straße" = "Strasse", "Yıldırım" = "Yildirim", "Dvořák" = "Dvorak". ``phonetic`` gives a
surname's sound key (jellyfish's Metaphone) for spellings that differ in their letters
("Choudhary" / "Chaudhary"); ``rulelang.lexicon`` adds the transliteration rules of rules/.
"""

from __future__ import annotations

import functools

import jellyfish
import regex
from anyascii import anyascii

_APOSTROPHES = regex.compile(r"[’`]")
_NOT_NAME = regex.compile(r"[^\w' -]+")
_ARTICLES = regex.compile(r"\b(?:the|a|an)\s+")
_SPACES = regex.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word compared case-, accent- and script-insensitively, a trailing full stop ignored
    ("Mr." = "mr", "Straße" = "strasse", "Yıldırım" = "yildirim")."""
    if not word.isascii():
        word = anyascii(word)
    return word.lower().rstrip(".")


@functools.lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """A name as compared with others: folded, articles and punctuation dropped ("the Kremlin's" → "kremlin's")."""
    name = _NOT_NAME.sub(" ", _APOSTROPHES.sub("'", fold(name.strip())))
    return _SPACES.sub(" ", _ARTICLES.sub("", name)).strip()


def phonetic(word: str) -> str:
    """The sound key of a folded name word: spellings that sound alike share it ("chaudhary" = "choudhary")."""
    return jellyfish.metaphone(word) or word
