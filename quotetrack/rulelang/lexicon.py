"""What rules/speakers.yml and rules/first_names.yml say about names: titles, gender, name
particles, organisation words, generic and anonymous sourcing, aliases that need context.

The speaker sieve in ``resolve`` reads only this; every word list is data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import regex

from ..names import fold, phonetic
from .rules import load_file
from .yamlfile import RuleError, line_of

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
    generic_determiners: frozenset[str]
    generic_names: frozenset[str]
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
        "Choudhary"); the given names keep their letters, so namesakes with other first names stay apart."""
        keyed = []
        for word in words:
            word = fold(word)
            for pattern, replacement in self.transliteration:
                word = pattern.sub(replacement, word)
            keyed.append(word)
        return " ".join(keyed[:-1] + [phonetic(keyed[-1])])


def _words(path: Path, data: dict, key: str, where=None) -> frozenset[str]:
    value = (where if where is not None else data).get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError("QT102", path, line_of(value, line_of(data)), f"{key} must be a list of words")
    return frozenset(fold(v) for v in value)


def _by_gender(path: Path, data, key: str) -> dict[str, str]:
    if not isinstance(data, dict) or set(data) - set(GENDERS):
        raise RuleError("QT102", path, line_of(data), f"{key} is {{female: [...], male: [...]}}")
    found: dict[str, str] = {}
    both: set[str] = set()
    for gender in GENDERS:
        for word in _words(path, data, gender) if gender in data else ():
            if word in found:
                both.add(word)
            found[word] = gender
    return {word: gender for word, gender in found.items() if word not in both}


def load_lexicon(rules_dir: str | Path) -> SpeakerLexicon:
    """Read the sieve's sections of ``speakers.yml`` and ``first_names.yml``; mistakes raise ``RuleError``."""
    rules_dir = Path(rules_dir)
    path = rules_dir / "speakers.yml"
    data = load_file(path)
    if not isinstance(data, dict):
        raise RuleError("QT102", path, 1, "speakers.yml must be a mapping")
    anonymous = data.get("anonymous")
    if not isinstance(anonymous, dict):
        raise RuleError("QT102", path, line_of(data), "anonymous is {words: [...], phrases: [...]}")
    ambiguous: dict[str, tuple[str, ...]] = {}
    for entry in data.get("ambiguous_aliases") or []:
        if not isinstance(entry, dict) or set(entry) != {"alias", "when"} or not isinstance(entry["when"], list):
            raise RuleError("QT102", path, line_of(entry, line_of(data)),
                            "an ambiguous alias is {alias: ..., when: [words the article must write]}")
        ambiguous[" ".join(fold(w) for w in str(entry["alias"]).split())] = tuple(str(w) for w in entry["when"])
    rewrites = []
    for pair in data.get("transliteration") or []:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise RuleError("QT102", path, line_of(pair, line_of(data)), "a transliteration is [pattern, replacement]")
        try:
            rewrites.append((regex.compile(pair[0]), pair[1]))
        except regex.error as error:
            raise RuleError("QT104", path, line_of(pair, line_of(data)), f"bad regular expression {pair[0]!r}: {error}") \
                from None
    descriptions, roles, sieve = data["descriptions"], data["roles"], data["sieve"]
    classes: dict[str, set[str]] = {}
    for name, nouns in descriptions["classes"].items():
        for noun in _words(path, descriptions["classes"], name):
            classes.setdefault(noun, set()).add(name)
    names_path = rules_dir / "first_names.yml"
    first_names = _by_gender(names_path, load_file(names_path), "first_names.yml") if names_path.exists() else {}
    return SpeakerLexicon(
        titles=_words(path, data, "titles"),
        courtesy_titles=_words(path, data, "courtesy_titles") if "courtesy_titles" in data else frozenset(),
        gender_words=_by_gender(path, data.get("gendered"), "gendered"),
        first_names=first_names,
        particles=_words(path, data, "name_particles"),
        links=_words(path, data, "name_links"),
        organisation_words=_words(path, data, "organisation_words"),
        generic_determiners=_words(path, data, "generic_determiners"),
        generic_names=_words(path, data, "generic_names"),
        definite_determiners=_words(path, data, "definite_determiners"),
        anonymous_words=_words(path, data, "words", anonymous),
        anonymous_phrases=tuple(sorted(_words(path, data, "phrases", anonymous))),
        ambiguous_aliases=ambiguous,
        transliteration=tuple(rewrites),
        description_classes={noun: frozenset(found) for noun, found in classes.items()},
        bodies_by_subject=_words(path, data, "bodies_by_subject", descriptions),
        naming_determiners=_words(path, data, "naming", descriptions),
        never_bodies=_words(path, data, "never_bodies", descriptions),
        never_roles=_words(path, data, "never", roles),
        role_cut=_words(path, data, "cut_before", roles),
        role_nouns=_words(path, data, "nouns", roles),
        role_head_ends=_words(path, data, "head_ends_before", roles),
        passes=tuple(sieve["passes"]),
        salience_sentences=sieve["salience_sentences"],
        salient_few=sieve["salient_few"],
    )
