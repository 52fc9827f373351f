"""What rules/speakers.yml and rules/first_names.yml say about names: titles, gender, name
particles, organisation words, generic and anonymous sourcing, aliases that need context.

The speaker sieve in ``stages.resolve`` reads only this; every word list is data. The schema
(``schema.SCHEMAS``) has checked both documents before they get here.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from .rules import compile_regex
from .yamlfile import line_of

GENDERS = ("female", "male")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word compared case- and accent-insensitively, a trailing full stop ignored ("Mr." = "mr")."""
    if word.isascii():  # nothing to decompose, and casefold is lower
        return word.lower().rstrip(".")
    word = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in word if not unicodedata.combining(c)).rstrip(".")


@dataclass(frozen=True)
class SpeakerLexicon:
    titles: frozenset[str]
    courtesy_titles: frozenset[str]  # titles that are never a role on their own ("Mr.")
    gender_words: dict[str, str]  # folded title or role noun → female | male
    first_names: dict[str, str]  # folded first name → female | male (a name in both lists is left out)
    particles: frozenset[str]
    links: frozenset[str]
    organisation_words: frozenset[str]
    generic_names: frozenset[str]
    definite_determiners: frozenset[str]
    anonymous_words: frozenset[str]
    anonymous_phrases: tuple[str, ...]
    ambiguous_aliases: dict[str, tuple[str, ...]]  # folded alias → words one of which the article must write
    transliteration: tuple[tuple[regex.Pattern, str], ...]  # rewrites under which spellings of a name meet

    def spelling_key(self, words: list[str]) -> str:
        """The words of a name as a key that transliterations of it share ("zelenski" for Zelenskiy)."""
        keyed = []
        for word in words:
            word = fold(word)
            for pattern, replacement in self.transliteration:
                word = pattern.sub(replacement, word)
            keyed.append(word)
        return " ".join(keyed)


def _words(values: list[str]) -> frozenset[str]:
    return frozenset(fold(v) for v in values)


def _by_gender(data: dict) -> dict[str, str]:
    """Folded word → female | male; a word listed under both genders is left out."""
    found: dict[str, str] = {}
    both: set[str] = set()
    for gender in GENDERS:
        for word in _words(data[gender]):
            if word in found:
                both.add(word)
            found[word] = gender
    return {word: gender for word, gender in found.items() if word not in both}


def speaker_lexicon(path: Path, data: dict, first_names: dict) -> SpeakerLexicon:
    """The sieve's sections of speakers.yml (``data``, read from ``path``) and first_names.yml."""
    rewrites = tuple((compile_regex(path, pattern, line_of(pair)), replacement)
                     for pair in data.get("transliteration", []) for pattern, replacement in [pair])
    return SpeakerLexicon(
        titles=_words(data["titles"]),
        courtesy_titles=_words(data.get("courtesy_titles", [])),
        gender_words=_by_gender(data["gendered"]),
        first_names=_by_gender(first_names),
        particles=_words(data["name_particles"]),
        links=_words(data["name_links"]),
        organisation_words=_words(data["organisation_words"]),
        generic_names=_words(data["generic_names"]),
        definite_determiners=_words(data["definite_determiners"]),
        anonymous_words=_words(data["anonymous"]["words"]),
        anonymous_phrases=tuple(sorted(_words(data["anonymous"]["phrases"]))),
        ambiguous_aliases={" ".join(fold(w) for w in str(entry["alias"]).split()): tuple(map(str, entry["when"]))
                           for entry in data.get("ambiguous_aliases", [])},
        transliteration=rewrites,
    )
