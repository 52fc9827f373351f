"""What rules/speakers.yml and rules/first_names.yml say about names: titles, gender, name
particles, organisation words, generic and anonymous sourcing, aliases that need context.

The speaker sieve in ``stages.resolve`` reads only this; every word list is data. The schema
(``schema.SCHEMAS``) has checked both documents before they get here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import regex

from ..errors import RuleError
from ..names import fold, phonetic
from .rules import REGEX_TIMEOUT, compile_regex
from .yamlfile import line_of

GENDERS = ("female", "male")


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
    time_names: frozenset[str]
    definite_determiners: frozenset[str]
    anonymous_words: frozenset[str]
    anonymous_phrases: tuple[str, ...]
    ambiguous_aliases: dict[str, tuple[str, ...]]  # folded alias → words one of which the article must write
    transliteration: tuple[tuple[regex.Pattern, str], ...]  # rewrites under which spellings of a name meet
    description_classes: dict[str, frozenset[str]]  # folded head noun → the classes it belongs to
    bodies_by_subject: frozenset[str]  # heads of descriptions that may stand for a subject body nearby
    naming_determiners: frozenset[str]  # determiners after which a body's description names it
    never_bodies: frozenset[str]  # name words of storms, wars, events: never a body a description stands for
    never_roles: frozenset[str]  # words that are no role on their own
    role_cut: frozenset[str]  # words where a role ends
    role_nouns: frozenset[str]  # role nouns besides titles and person nouns
    role_head_ends: frozenset[str]  # words before which a role's head stands
    passes: tuple[str, ...]  # the sieve's passes for a mention, in order
    salience_sentences: int  # how far back a pronoun looks
    salient_few: int  # candidates among which a told gender outranks an open one

    def classes(self, words) -> frozenset[str]:
        """The description classes of folded ``words`` ("miner", "producer" → company)."""
        return frozenset(c for w in words for c in self.description_classes.get(w, ()))

    def spelling_key(self, words: list[str]) -> str:
        """The words of a name as a key that transliterations of it share: each word rewritten by the
        transliteration rules ("zelenski" for Zelenskiy), the surname by its sound ("Chaudhary" =
        "Choudhary"); the given names keep their letters, so namesakes with other first names stay apart.
        A rewrite that runs past ``REGEX_TIMEOUT`` on a word raises ``TimeoutError``."""
        keyed = [_rewritten(fold(word), self.transliteration) for word in words]
        return " ".join(keyed[:-1] + [phonetic(keyed[-1])])


@functools.lru_cache(maxsize=65536)
def _rewritten(word: str, rewrites: tuple[tuple[regex.Pattern, str], ...]) -> str:
    """``word`` after each rewrite in turn; remembered, as a name comes back in quote after quote."""
    for pattern, replacement in rewrites:
        word = pattern.sub(replacement, word, timeout=REGEX_TIMEOUT)
    return word


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


def _check_rewrites(path: Path, pairs: list, rewrites: tuple, speakers: list) -> None:
    """Run the rewrites on every word of the gazetteer's names, as a build keys them: one that runs past
    ``REGEX_TIMEOUT`` is refused here rather than met on every article."""
    words = {fold(word) for entry in speakers for name in (entry["name"], *entry.get("aliases", []))
             for word in str(name).split()}
    for count, pair in enumerate(pairs, 1):
        for word in sorted(words):
            try:
                _rewritten(word, rewrites[:count])
            except TimeoutError:
                raise RuleError("QT104", path, line_of(pair), f"the transliteration {pair[0]!r} took over "
                                f"{REGEX_TIMEOUT}s on the name word {word[:40]!r}: simplify it") from None


def speaker_lexicon(path: Path, data: dict, first_names: dict) -> SpeakerLexicon:
    """The sieve's sections of speakers.yml (``data``, read from ``path``) and first_names.yml."""
    pairs = data.get("transliteration", [])
    rewrites = tuple((compile_regex(path, pattern, line_of(pair)), replacement)
                     for pair in pairs for pattern, replacement in [pair])
    _check_rewrites(path, pairs, rewrites, data.get("speakers", []))
    descriptions, roles, sieve = data["descriptions"], data["roles"], data["sieve"]
    classes: dict[str, set[str]] = {}
    for name, nouns in descriptions["classes"].items():
        for noun in _words(nouns):
            classes.setdefault(noun, set()).add(name)
    return SpeakerLexicon(
        titles=_words(data["titles"]),
        courtesy_titles=_words(data.get("courtesy_titles", [])),
        gender_words=_by_gender(data["gendered"]),
        first_names=_by_gender(first_names),
        particles=_words(data["name_particles"]),
        links=_words(data["name_links"]),
        organisation_words=_words(data["organisation_words"]),
        generic_names=_words(data["generic_names"]),
        time_names=_words(data["time_names"]),
        definite_determiners=_words(data["definite_determiners"]),
        anonymous_words=_words(data["anonymous"]["words"]),
        anonymous_phrases=tuple(sorted(_words(data["anonymous"]["phrases"]))),
        ambiguous_aliases={" ".join(fold(w) for w in str(entry["alias"]).split()): tuple(map(str, entry["when"]))
                           for entry in data.get("ambiguous_aliases", [])},
        transliteration=rewrites,
        description_classes={noun: frozenset(found) for noun, found in classes.items()},
        bodies_by_subject=_words(descriptions["bodies_by_subject"]),
        naming_determiners=_words(descriptions["naming"]),
        never_bodies=_words(descriptions["never_bodies"]),
        never_roles=_words(roles["never"]),
        role_cut=_words(roles["cut_before"]),
        role_nouns=_words(roles["nouns"]),
        role_head_ends=_words(roles["head_ends_before"]),
        passes=tuple(sieve["passes"]),
        salience_sentences=sieve["salience_sentences"],
        salient_few=sieve["salient_few"],
    )
