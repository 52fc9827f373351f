"""What rules/speakers.yml and rules/first_names.yml say about names: titles, gender, name
particles, organisation words, generic and anonymous sourcing, aliases that need context.

The speaker sieve in ``resolve`` reads only this; every word list is data.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from .rules import REGEX_TIMEOUT, load_file
from .yamlfile import RuleError, line_of

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
    generic_determiners: frozenset[str]
    generic_names: frozenset[str]
    definite_determiners: frozenset[str]
    anonymous_words: frozenset[str]
    anonymous_phrases: tuple[str, ...]
    ambiguous_aliases: dict[str, tuple[str, ...]]  # folded alias → words one of which the article must write
    transliteration: tuple[tuple[regex.Pattern, str], ...]  # rewrites under which spellings of a name meet

    def spelling_key(self, words: list[str]) -> str:
        """The words of a name as a key that transliterations of it share ("zelenski" for Zelenskiy).
        A rewrite that runs past ``REGEX_TIMEOUT`` on a word raises ``TimeoutError``."""
        return " ".join(_rewritten(fold(word), self.transliteration) for word in words)


def _rewritten(word: str, rewrites: tuple[tuple[regex.Pattern, str], ...]) -> str:
    for pattern, replacement in rewrites:
        word = pattern.sub(replacement, word, timeout=REGEX_TIMEOUT)
    return word


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


def _check_rewrite(path: Path, pair: list, rewrites: list, speakers: list) -> None:
    """Run the rewrites so far on every word of the gazetteer's names, as a build keys them: one that runs past
    ``REGEX_TIMEOUT`` is refused here rather than met on every article."""
    words = {fold(word) for entry in speakers if isinstance(entry, dict)
             for name in (entry.get("name"), *(entry.get("aliases") or [])) if isinstance(name, str)
             for word in name.split()}
    for word in sorted(words):
        try:
            _rewritten(word, tuple(rewrites))
        except TimeoutError:
            raise RuleError("QT104", path, line_of(pair), f"the transliteration {pair[0]!r} took over "
                            f"{REGEX_TIMEOUT}s on the name word {word[:40]!r}: simplify it") from None


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
        _check_rewrite(path, pair, rewrites, data.get("speakers") or [])
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
    )
