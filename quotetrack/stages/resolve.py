"""Resolve stage: each quote's speaker mention → canonical speaker, speaker kind, type and role.

A deterministic multi-pass sieve in the spirit of CoreNLP's coreference (Lee et al. 2013)
and its quote-attribution sieves, most precise pass first. A mention goes through the passes
rules/speakers.yml lists under ``sieve.passes`` (``Resolver.PASSES``), the first that names it wins:

- relative: "X, which said" → the noun the relative clause modifies;
- name: a name in the mention or apposed to its role noun, titles stripped ("Deputy Mayor Sam
  Austin", "The company's lawyer, Tom Reyes"); a short form to the full name written last before it;
- gazetteer: a description the gazetteer knows (an ambiguous alias only after its context words);
- body: a body named with a proper modifier ("Japan's finance ministry");
- anonymous: "a source familiar with …";
- description: a definite description by head noun or class, with type agreement ("the miner" ⇐
  a platinum producer; a ministry never stands for a place or a storm), else the body it names;
- generic: "officials", "a spokesman".

Pronouns come after every name mention: gender, number and animacy agreement, most salient
candidate first (same sentence, then earlier sentences, subjects before other mentions), within
``sieve.salience_sentences``. Floating quotes take the previous quote's speaker.

Antecedents are every name in the article outside the headline and the dateline, wherever it
stands (subject, object, apposition, prepositional object). A mention that names nobody is
``generic`` or ``anonymous`` and gets no canonical speaker; neither does a pronoun nothing agrees
with. Every word list is data (rules/speakers.yml, rules/first_names.yml, see ``lexicon``);
docs/speakers.md describes the sieve.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import regex

from ..names import fold, fold_name
from ..records import ParsedArticle, Quote, Sentence, Span, Word
from ..rulelang.lexicon import SpeakerLexicon
from ..rulelang.rules import RuleSet, Speaker
from ..rulelang.syntax import phrase

POSSESSIVE = regex.compile(r"^['’]s?$")
ROLE_WORD = regex.compile(r"\w+")
KINDS = {"person": "person", "organisation": "organisation", "group": "organisation", "place": "place"}


def without_possessive(name: str) -> str:
    """``name`` without a possessive ending: "Biden's" → "Biden", "Reuters'" → "Reuters"."""
    if name.endswith(("'s", "’s")):
        return name[:-2]
    return name[:-1] if name.endswith(("'", "’")) else name


@dataclass
class Entity:
    """Someone or something the article names: the fullest name it writes, and what it says of it."""

    name: str
    key: tuple[str, ...]  # folded name words
    type: str | None
    gender: str | None
    role: str | None
    roles: set[str]  # folded role words ("finance", "minister"): what a definite description can match
    span: Span  # where the fullest name is written
    gazetteer: bool = False


class Registry:
    """The article's entities by name key, in the order their keys were written (a renamed one goes
    last), with the keys sharing a last word and a first word at hand for the short-form passes."""

    def __init__(self):
        self.entities: dict[tuple[str, ...], Entity] = {}
        self.by_last: dict[tuple[str, ...], dict[tuple[str, ...], Entity]] = {}  # key[-1:] → entries, in order
        self.by_first: dict[tuple[str, ...], dict[tuple[str, ...], Entity]] = {}  # key[:1] → entries, in order

    def get(self, key: tuple[str, ...]) -> Entity | None:
        return self.entities.get(key)

    def setdefault(self, key: tuple[str, ...], entity: Entity) -> Entity:
        """The entity of ``key``; ``entity`` when there is none yet."""
        found = self.entities.get(key)
        if found is None:
            found = self.entities[key] = self.by_last.setdefault(key[-1:], {})[key] = \
                self.by_first.setdefault(key[:1], {})[key] = entity
        return found

    def rename(self, entity: Entity, key: tuple[str, ...]) -> None:
        """File ``entity`` under its fuller name ``key`` (a key not used yet) instead of its own."""
        if self.entities.pop(entity.key, None) is not None:
            del self.by_last[entity.key[-1:]][entity.key], self.by_first[entity.key[:1]][entity.key]
        entity.key = key
        self.setdefault(key, entity)

    def ending_with(self, key: tuple[str, ...]) -> list[Entity]:
        """The entities whose name ends with ``key`` and is longer, in order."""
        return [e for k, e in self.by_last.get(key[-1:], {}).items() if len(k) > len(key) and k[-len(key):] == key]

    def endings_of(self, key: tuple[str, ...]) -> list[Entity]:
        """The entities whose name is a shorter ending of ``key``, in order."""
        return [e for k, e in self.by_last.get(key[-1:], {}).items() if len(k) < len(key) and key[-len(k):] == k]

    def opening_with(self, word: str) -> list[Entity]:
        """The entities whose name of more than one word opens with ``word``, in order."""
        return [e for k, e in self.by_first.get((word,), {}).items() if len(k) > 1]


@dataclass(slots=True)
class Occurrence:
    """One place an entity (or a generic group, for "they") is mentioned."""

    entity: Entity | None
    start: int
    sentence: int
    subject: bool
    kind: str | None = None  # for a mention without an entity: generic | anonymous
    plural: bool = False


@dataclass
class Resolution:
    speaker: str | None
    kind: str | None
    type: str | None
    role: str | None
    referent: Span | None = None
    entity: Entity | None = None
    plural: bool = False


@dataclass(slots=True)
class Run:
    """A stretch of name words in a sentence ("Jan van der Linden", "Bank of Japan")."""

    words: list[Word]
    possessive: bool
    titles: list[Word] = field(default_factory=list)  # title words that opened it ("Deputy Mayor")

    @property
    def head(self) -> Word:
        """The word whose head is outside the run, its titles included ("Rep." of "Rep. Ruben Gallego")."""
        return outer_word(self.titles + self.words if self.titles else self.words)


def outer_word(words: list[Word]) -> Word:
    """The word of ``words`` (contiguous) whose head is outside them, else the last."""
    if len(words) == 1:
        return words[0]
    inside = {w.index for w in words}
    return next((w for w in words if w.head not in inside), words[-1])


@dataclass
class Mention:
    """A speaker mention as the sieve's passes read it."""

    sentence: Sentence
    quote: Quote
    words: list[Word]
    head: Word
    text: str
    occurrences: list[Occurrence]
    registry: Registry

    @property
    def span(self) -> Span:
        return self.quote.speaker_span

    @property
    def determiners(self) -> list[str]:
        return [fold(w.text) for w in self.words if w.head == self.head.index and w.deprel in ("det", "nummod")]

    @property
    def plural(self) -> bool:
        return "Number=Plur" in self.head.feats


class Resolver:
    def __init__(self, rules: RuleSet, lexicon: SpeakerLexicon):
        self.rules = rules
        self.lex = lexicon
        self.gazetteer = {}
        for speaker in rules.speakers:
            for alias in (speaker.name, *speaker.aliases):
                self.gazetteer.setdefault(fold_name(alias), speaker)
        self._runs: dict[int, tuple[Sentence, list[Run]]] = {}
        self._lookups: tuple[str, dict[str, Speaker | None]] = ("", {})  # an article's text, its names' entries
        self._dateline = Span(0, 0, "")  # the article's dateline: no name, role or speaker is read in it
        self.person_words = self.lex.titles | {fold(w) for w in rules.person_nouns} | set(self.lex.gender_words)
        self.joiners = self.lex.particles | self.lex.links  # words inside a name ("van", "of")
        self.trailing = self.joiners | {"-"}  # words a name never ends with
        self.not_named = self.lex.titles | self.lex.organisation_words  # words no person's name after a title has
        self.passes = [self.PASSES[name] for name in self.lex.passes]
        self.role_heads = (self.person_words | self.lex.role_nouns) - self.lex.never_roles
        # the head nouns of a body's description: organisation words and the nouns sharing a class with one
        # ("ministry", "company", "court" → "utility", "miner")
        body_classes = self.lex.classes(self.lex.organisation_words)
        self.body_nouns = self.lex.organisation_words | {
            noun for noun, classes in self.lex.description_classes.items() if classes & body_classes}

    def spelling_key(self, name: str | None, kind: str | None) -> str | None:
        """A person's full name as a key shared by its transliterations ("al-Rashidi" = "Al Rashidi"); None
        for anything else."""
        words = fold_name(name).replace("-", " ").split() if name and kind == "person" else []
        return self.lex.spelling_key(words) if len(words) >= 2 else None

    # ---- reading names ---------------------------------------------------------------

    def runs(self, sentence: Sentence, words: list[Word]) -> list[Run]:
        """The name runs among ``words`` (contiguous words of ``sentence``), titles split off."""
        if words is sentence.words:
            found = self._runs.get(id(sentence))
            if found is None or found[0] is not sentence:
                found = self._runs[id(sentence)] = (sentence, self.find_runs(sentence, words))
            return found[1]
        return self.find_runs(sentence, words)

    def find_runs(self, sentence: Sentence, words: list[Word]) -> list[Run]:
        lex, runs, current = self.lex, [], []
        proper = [(w.upos == "PROPN" or w.text[:1].isupper()) and self.is_proper(sentence, w)
                  and not self.in_dateline(w) for w in words]
        if not any(proper):  # a run holds a proper word
            return []
        proper += (False, False)  # no name word past the last word: proper[i + 2] is always there
        for i, w in enumerate(words):
            if proper[i]:
                current.append(w)
                continue
            if not current:  # a lowercase particle before a name opens it: "de Gaulle", "van der Linden"
                if (proper[i + 1] or proper[i + 2] and fold(words[i + 1].text) in lex.particles) and \
                        w.text.islower() and fold(w.text) in lex.particles:
                    current.append(w)
                continue
            if w.start == current[-1].end and current[-1].text.endswith(("-", "‐")):
                current.append(w)  # the rest of a hyphenated name the tokenizer split ("Sang- | mok")
                continue
            f = fold(w.text)
            # "of" joins a body's name ("Bank of Japan"), never a person's to a place ("Rep. X of Maryland")
            link = f in lex.links and not any(fold(c.text) in lex.organisation_words
                                              for c in current + self.continuation(words, proper, i + 1))
            if not link and (f in self.joiners or w.text in ("-", "‐")) and (proper[i + 1] or proper[i + 2]):
                current.append(w)
                continue
            runs.append(self._run(current, w))
            current = []
        if current:
            runs.append(self._run(current, None))
        return [r for r in runs if r.words and not all(fold(w.text) in lex.time_names for w in r.words)]

    def continuation(self, words: list[Word], proper: list[bool], start: int) -> list[Word]:
        """The name words from ``start`` on, across particles and links."""
        found = []
        for i in range(start, len(words)):
            if not (proper[i] or fold(words[i].text) in self.joiners):
                break
            found.append(words[i])
        return found

    def in_dateline(self, w: Word) -> bool:
        return w.start < self._dateline.end and w.end > self._dateline.start

    def is_proper(self, sentence: Sentence, w: Word) -> bool:
        if w.upos == "PROPN":
            return w.text[:1].isupper() or w.text[:1].isdigit()
        if not w.text[:1].isupper():
            return False
        if w.upos == "ADJ":  # "Saudi Arabia", "Digital Affairs Minister": before a proper noun, wherever it stands
            following = sentence.words[w.index + 1] if w.index + 1 < len(sentence.words) else None
            return following is not None and following.upos == "PROPN"
        if w.upos == "VERB" and w.deprel == "compound" and w.head == w.index + 1 \
                and sentence.words[w.head].upos == "PROPN":
            return True  # a name the tagger read as a verb, before the name it is part of ("Samsung Electronics")
        if w.index == 0 or sentence.words[w.index - 1].text in ('"', "“", "‘", "'", "(", "-", "—", ":"):
            return False  # capitalised because it opens the sentence
        if w.deprel in ("flat", "flat:name") and w.upos not in ("PUNCT", "NUM"):
            return True  # a name word the tagger got wrong ("Thabo" as a determiner)
        return w.upos in ("NOUN", "X")

    def _run(self, words: list[Word], after: Word | None) -> Run:
        while words and fold(words[-1].text) in self.trailing:
            words = words[:-1]
        if not words:
            return Run(words, False)
        possessive = after is not None and after.upos == "PART" and POSSESSIVE.match(after.text) is not None
        possessive = possessive or (after is not None and after.deprel == "case" and after.text in ("'s", "’s", "'", "’"))
        possessive = possessive or words[-1].text.endswith(("'s", "’s", "'", "’"))
        run = Run(words, possessive)
        if len(words) == 1:
            return run
        titled = [i for i, w in enumerate(words[:-1]) if fold(w.text) in self.lex.titles]
        opening = 0  # an unknown capitalised title before a name of two words or more is a title too
        while len(words) - opening >= 3 and self.title_before_name(words[opening], words[opening + 1]):
            opening += 1
        titled += [opening - 1] if opening and (not titled or titled[-1] < opening - 1) else []
        if titled:
            rest = words[titled[-1] + 1:]
            if rest and fold(rest[0].text) not in self.lex.links and \
                    not any(fold(w.text) in self.not_named for w in rest):
                run.titles, run.words = words[:titled[-1] + 1], rest
        return run

    def title_before_name(self, word: Word, following: Word) -> bool:
        """Whether ``word``, opening a run of name words, is a title: a role noun of the lexicon, a word the
        tagger reads as a common noun ("Author" → author), or a word before a known first name
        ("Commuter Daniel Price")."""
        folded = fold(word.text)
        if folded in self.lex.first_names or folded in self.lex.particles:
            return False
        return folded in self.person_words or word.lemma[:1].islower() or fold(following.text) in self.lex.first_names

    def name_type(self, run: Run, roles: set[str]) -> tuple[str | None, str | None]:
        """(type, gender) of a name from the words around it; the gazetteer comes first elsewhere."""
        keys = [fold(w.text) for w in run.words]
        gender = None
        if run.titles:
            gender = next((self.lex.gender_words[fold(w.text)] for w in run.titles
                           if fold(w.text) in self.lex.gender_words), None)
        if roles and gender is None:
            gender = next((self.lex.gender_words[r] for r in roles if r in self.lex.gender_words), None)
        if run.titles or roles & self.person_words:
            kind = "person"
        elif not self.lex.organisation_words.isdisjoint(keys):
            kind = "organisation"
        elif len(keys) >= 2 and keys[0] in self.lex.first_names:
            kind = "person"
        else:
            kind = None
        if kind == "person" and gender is None and len(keys) >= 2:
            gender = self.lex.first_names.get(keys[0])
        return kind, gender

    def role_of(self, sentence: Sentence, run: Run, text: str) -> tuple[str | None, set[str]]:
        """What the sentence calls the named one: title, role nouns before it, an apposition."""
        words = sentence.words
        before: list[Word] = list(run.titles)
        i = (run.titles or run.words)[0].index - 1
        while i >= 0 and words[i].upos in ("NOUN", "ADJ", "PROPN") and \
                words[i].deprel in ("compound", "amod", "flat", "nmod", "appos", "nsubj", "obj", "nmod:poss") \
                and not self.is_proper(sentence, words[i]) and not self.in_dateline(words[i]):
            before.insert(0, words[i])
            i -= 1
        appositive = self.apposition(sentence, run, text)
        roles, parts = set(), []
        if before:
            roles = {fold(w.lemma) for w in before if w.upos != "PROPN"} | {fold(w.text) for w in before}
            if shown := self.without_courtesy(before):
                parts.append(text[shown[0].start:shown[-1].end])
        if appositive:
            parts.append(appositive[0])
            roles |= appositive[1]
        return ", ".join(parts) or None, roles

    def apposition(self, sentence: Sentence, run: Run, text: str) -> tuple[str, set[str]] | None:
        """An appositive role noun phrase of the name, in either order ("X, the lawyer" / "the lawyer, X")."""
        words, inside, head = sentence.words, {w.index for w in run.words}, outer_word(run.words)
        children = sentence.children
        candidates = [c for c in children[head.index] if words[c].deprel == "appos" and words[c].upos == "NOUN"]
        if head.deprel == "appos" and head.head >= 0 and words[head.head].upos == "NOUN":
            candidates.append(head.head)
        for c in candidates:
            first, last = phrase(sentence, children, c, {"amod", "compound", "nmod:poss", "det", "case", "nmod",
                                                          "flat", "nummod"} if c != head.head else {"amod", "compound",
                                                                                                    "nmod:poss", "det", "case"})
            span = [w for w in words[first:last + 1] if w.index not in inside and w.upos != "PUNCT"]
            if span and span[0].upos == "DET":
                span = span[1:]
            if span:
                return text[span[0].start:span[-1].end], {fold(w.lemma) for w in span if w.upos == "NOUN"} | \
                    {fold(words[c].lemma)}
        return None

    # ---- the article's entities --------------------------------------------------------

    def entities(self, parsed: ParsedArticle, skip_before: int) -> tuple[list[Occurrence], Registry]:
        """Every name and named description in the article outside the headline, in text order."""
        text = parsed.article.text
        occurrences: list[Occurrence] = []
        registry = Registry()
        for sentence in parsed.sentences:
            if sentence.start < skip_before:
                continue
            for run in self.runs(sentence, sentence.words):
                entity = self.entity_of_run(sentence, run, text, registry)
                head = run.head
                if head.deprel in ("amod", "compound") and sentence.words[head.head].upos == "NOUN" and \
                        not set(entity.key) & self.lex.organisation_words:
                    continue  # a modifier ("Russian forces") names no one; a body's name does ("Fire Authority chief")
                occurrences.append(Occurrence(entity, run.words[0].start, sentence.index,
                                              head.deprel in ("nsubj", "nsubj:pass")))
            for noun in sentence.words:
                if noun.upos != "NOUN" or not self.is_body_noun(noun):  # only a body's noun heads a description
                    continue
                entity = self.description_entity(sentence, noun, text, registry) or \
                    self.body_of_description(sentence, noun, text, occurrences, registry)
                if entity:
                    occurrences.append(Occurrence(entity, noun.start, sentence.index,
                                                  noun.deprel in ("nsubj", "nsubj:pass")))
        occurrences.sort(key=lambda o: o.start)
        return occurrences, registry

    def body_of_description(self, sentence: Sentence, noun: Word, text: str, occurrences: list[Occurrence],
                            registry: Registry) -> Entity | None:
        """What a definite description of a body (``noun``, a body's noun) stands for, or the body it names
        ("the utility")."""
        first, last = phrase(sentence, sentence.children, noun.index, {"det", "amod", "compound", "nmod:poss", "case"})
        words = sentence.words[first:noun.index + 1]
        if fold(words[0].text) not in self.lex.definite_determiners or any(self.in_dateline(w) for w in words):
            return None
        return self.described(fold(noun.lemma), noun.start, sentence.index, occurrences) or \
            self.body_named(words, noun, text, registry)

    def entity_of_run(self, sentence: Sentence, run: Run, text: str, registry: Registry) -> Entity:
        """The entity a name run names: the gazetteer's, a fuller name already written, or a new one."""
        name = without_possessive(text[run.words[0].start:run.words[-1].end])
        key = tuple(without_possessive(fold(w.text)) for w in run.words if w.text not in ("-", "‐"))
        role, roles = self.role_of(sentence, run, text)
        kind, gender = self.name_type(run, roles)
        if kind in (None, "person"):
            gender = gender or self.possessive_gender(sentence, run)
        entry = self.lookup(name, text, run.words[0].start)
        if entry:
            key = tuple(fold(w) for w in fold_name(entry.name).split())
            return registry.get(key) or registry.setdefault(key, Entity(
                entry.name, key, entry.type, gender, entry.role, roles, Span(run.words[0].start, run.words[-1].end, name),
                gazetteer=True))
        found = registry.get(key) or self.fuller(key, registry, gender, kind, run.words[0].start)
        if found is None:
            longer_of = [e for e in registry.endings_of(key)
                         if not e.gazetteer and e.type in (None, "person") and kind in (None, "person")]
            if longer_of:  # the short form came first: the entity now has its full name
                found = longer_of[-1]
                registry.rename(found, key)
                found.name, found.span = name, Span(run.words[0].start, run.words[-1].end, name)
            else:
                return registry.setdefault(key, Entity(name, key, kind, gender, role, set(roles),
                                                       Span(run.words[0].start, run.words[-1].end, name)))
        found.type = found.type or kind
        found.gender = found.gender or gender
        found.role = found.role or role
        found.roles |= roles
        return found

    def possessive_gender(self, sentence: Sentence, run: Run) -> str | None:
        """The gender a subject's clause gives it: "Wanjiru said in her ruling", "X told his supporters"."""
        head = run.head
        if head.deprel not in ("nsubj", "nsubj:pass") or head.head < 0:
            return None
        words = sentence.words
        genders = {self.lex.gender_words.get(fold(w.text)) for w in words
                   if w.upos == "PRON" and w.deprel == "nmod:poss" and w.head >= 0 and words[w.head].head == head.head}
        genders.discard(None)
        return genders.pop() if len(genders) == 1 else None

    def fuller(self, key: tuple[str, ...], registry: Registry, gender: str | None, kind: str | None,
               at: int) -> Entity | None:
        """The full name a short form written at offset ``at`` stands for: the name ending in it written last
        before it (two people may share a surname), or the only one opening with it."""
        if kind not in (None, "person"):
            return None
        ending = [e for e in registry.ending_with(key) if e.type in (None, "person") and _agrees(gender, e.gender)]
        if ending:
            before = [e for e in ending if e.span.start < at]
            return max(before, key=lambda e: e.span.start) if before else ending[-1]
        if len(key) == 1:
            opening = [e for e in registry.opening_with(key[0]) if e.type in (None, "person")]
            if len(opening) == 1:
                return opening[0]
        return None

    def description_entity(self, sentence: Sentence, noun: Word, text: str, registry: Registry) -> Entity | None:
        """A body named by a description with a proper modifier: "Japan's finance ministry"."""
        if noun.upos != "NOUN" or fold(noun.lemma) not in self.lex.organisation_words:
            return None
        words = sentence.words
        modifying = [w for w in words if w.head == noun.index and w.index < noun.index
                     and w.deprel in ("amod", "nmod:poss", "compound") and not self.in_dateline(w)]
        if not any(w.text[:1].isupper() and (w.upos == "PROPN" or (w.upos == "ADJ" and w.index > 0) or
                                             w.text.endswith(("'s", "’s")))  # "Turkey's", however tagged
                   for w in modifying):
            return None
        first = min(w.index for w in modifying)
        # the whole of a possessor ("the Spanish football federation", "Kenya's")
        while first > 0 and words[first - 1].head == words[first].index and words[first - 1].deprel in (
                "compound", "flat", "amod") and not self.in_dateline(words[first - 1]):
            first -= 1
        span = Span(words[first].start, noun.end, text[words[first].start:noun.end])
        key = tuple(fold(w.text) for w in words[first:noun.index + 1] if not POSSESSIVE.match(w.text))
        entry = self.lookup(span.text, text, span.start)
        if entry:
            key = tuple(fold(w) for w in fold_name(entry.name).split())
            return registry.setdefault(key, Entity(entry.name, key, entry.type, None, entry.role,
                                                   {fold(noun.lemma)}, span, gazetteer=True))
        return registry.setdefault(key, Entity(span.text, key, "organisation", None, None, {fold(noun.lemma)}, span))

    def lookup(self, name: str, text: str, at: int) -> Speaker | None:
        """The gazetteer entry for ``name`` (written at offset ``at`` of ``text``, the article's) or its longest
        trailing stretch; an ambiguous alias counts only where the article wrote one of its context words
        before it. Remembered for the article: a name comes back many times."""
        if self._lookups[0] is not text:
            self._lookups = text, {}
        found = self._lookups[1]
        if name not in found:
            found[name] = self.find_entry(name)
        entry, context = found[name]
        if context and not any(regex.search(rf"\b{regex.escape(w)}\b", text[:at]) for w in context):
            return None
        return entry

    def find_entry(self, name: str) -> tuple[Speaker | None, tuple[str, ...]]:
        """The entry of ``name`` or its longest trailing stretch, with the context words its alias needs."""
        words = name.split()
        for i in range(len(words)):
            alias = fold_name(" ".join(words[i:]))
            entry = self.gazetteer.get(alias)
            if entry is not None:
                return entry, self.lex.ambiguous_aliases.get(" ".join(fold(w) for w in alias.split()), ())
        return None, ()

    # ---- quote speaker mentions --------------------------------------------------------

    def resolve(self, parsed: ParsedArticle, quotes: list[Quote]) -> list[Quote]:
        """Fill speaker, speaker_kind, speaker_type, role and referent_span of each quote, in text order."""
        if all(q.speaker_span is None for q in quotes):
            return quotes  # no mention to resolve, no speaker to carry over
        self._runs = {}
        self._dateline = parsed.article.dateline or Span(0, 0, "")
        text = parsed.article.text
        title = parsed.article.title
        skip_before = len(title) if title and text.startswith(title) else 0
        sentences = {s.index: s for s in parsed.sentences}
        occurrences, registry = self.entities(parsed, skip_before)
        in_content = Coverage([q.content for q in quotes])
        pronoun_antecedents = [o for o in occurrences if not in_content.covers(o.start)]
        ordered = sorted(quotes, key=lambda q: (q.speaker_span.start if q.speaker_span else q.content.start))
        results: dict[int, Resolution] = {}
        pending: list[Quote] = []
        for quote in ordered:  # names and descriptions first: pronouns then see them resolved
            if quote.speaker_span is None:
                continue
            sentence = sentences[quote.sentence_index]
            resolution = self.mention(sentence, quote, text, occurrences, registry)
            if resolution is None:
                pending.append(quote)
                continue
            results[id(quote)] = resolution
            inside = in_content.covers(quote.speaker_span.start)
            if not inside and (resolution.kind in ("generic", "anonymous") or resolution.entity is not None):
                pronoun_antecedents.append(Occurrence(resolution.entity, quote.speaker_span.start, quote.sentence_index,
                                                      True, None if resolution.entity else resolution.kind,
                                                      resolution.plural))
        pronoun_antecedents.sort(key=lambda o: o.start)
        for quote in pending:
            results[id(quote)] = self.pronoun(quote, sentences, pronoun_antecedents)
        previous: Quote | None = None
        for quote in sorted(quotes, key=lambda q: q.content.start):
            if quote.speaker_span is None and previous is not None and quote.cue is None:
                for name in ("speaker_span", "speaker", "speaker_kind", "speaker_type", "role", "referent_span",
                             "speaker_key"):
                    setattr(quote, name, getattr(previous, name))
            elif id(quote) in results:
                r = results[id(quote)]
                quote.speaker, quote.speaker_kind, quote.speaker_type = r.speaker, r.kind, r.type
                quote.role, quote.referent_span = self.clean_role(r.role), r.referent
                quote.speaker_key = self.spelling_key(r.speaker, r.kind)
            if quote.speaker_span is not None and quote.speaker_kind:
                previous = quote
        return quotes

    def mention(self, sentence: Sentence, quote: Quote, text: str, occurrences: list[Occurrence],
                registry: Registry) -> Resolution | None:
        """A non-pronoun mention through the sieve's passes, in the order rules/speakers.yml gives
        (``sieve.passes``); None for a pronoun (the pronoun pass comes once every name is read)."""
        span = quote.speaker_span
        words = [w for w in sentence.words if span.start <= w.start and w.end <= span.end]
        if not words:
            return Resolution(None, None, None, None)
        cut = len(words)
        while words[-1].index + 2 < len(sentence.words) and (fold(words[-1].text) in self.lex.particles or
                                                             words[-1].text in ("-", "‐")):
            words.append(sentence.words[words[-1].index + 1])  # a name the mention cut ("al" of "al-Masri")
        if len(words) > cut and self.is_proper(sentence, words[-1]):
            quote.speaker_span = Span(span.start, words[-1].end, text[span.start:words[-1].end])
        inside = {w.index for w in words}
        head = next((w for w in words if w.head not in inside), words[0])
        if len([w for w in words if w.upos != "PUNCT"]) == 1 and head.upos == "PRON" and \
                "PronType=Rel" not in head.feats and head.text.lower() in self.rules.pronouns:
            return None
        read = Mention(sentence, quote, words, head, text, occurrences, registry)
        for sieve_pass in self.passes:
            found = sieve_pass(self, read)
            if found is not None:
                return found
        return Resolution(None, None, None, None)

    def relative_pass(self, m: Mention) -> Resolution | None:
        """"X, which said": what the relative pronoun stands for."""
        if len(m.words) == 1 and "PronType=Rel" in m.head.feats:
            return self.relative(m.sentence, m.head, m.quote, m.text, m.occurrences, m.registry)
        return None

    def name_pass(self, m: Mention) -> Resolution | None:
        """A name in the mention, or next to its role noun in the sentence (exact name, appositions, short forms)."""
        run = self.speaker_run(m.sentence, m.words, m.head)
        if run is None or " ".join(fold(w.text) for w in run.words) in self.lex.generic_names:
            return None  # "Police said": a body nobody named
        entity = self.entity_of_run(m.sentence, run, m.text, m.registry)
        resolution = self.named(entity, m.sentence, run, m.text)
        resolution.role = self.mention_role(m.words, run, m.text) or resolution.role
        return resolution

    def gazetteer_pass(self, m: Mention) -> Resolution | None:
        """A description the gazetteer knows ("the defence ministry" in a story about Russia)."""
        words = m.words
        written = [w for w in words if not (w is words[0] and fold(w.text) in self.lex.definite_determiners)]
        entry = self.lookup(m.text[written[0].start:written[-1].end], m.text, m.span.start) if written else None
        if entry is None:
            return None
        key = tuple(fold(w) for w in fold_name(entry.name).split())
        entity = m.registry.setdefault(key, Entity(entry.name, key, entry.type, None, entry.role, set(), m.span,
                                                   gazetteer=True))
        return self.named(entity, m.sentence, None, m.text)

    def body_pass(self, m: Mention) -> Resolution | None:
        """A body named by a description with a proper modifier ("Turkey's interior ministry")."""
        body = self.description_entity(m.sentence, m.head, m.text, m.registry)
        return None if body is None else Resolution(body.name, "organisation", body.type, None, body.span, body)

    def anonymous_pass(self, m: Mention) -> Resolution | None:
        """Sourcing that names nobody on purpose ("a source familiar with the matter")."""
        if self.anonymous(fold(" ".join(w.text for w in m.words)), m.sentence, m.quote, m.text):
            return Resolution(None, "anonymous", None, m.span.text, plural=m.plural)
        return None

    def description_pass(self, m: Mention) -> Resolution | None:
        """A definite description: the earlier name it stands for, by head noun and class ("the miner" ⇐ a
        platinum producer); a body no name stands for is named by the description ("the city's water utility")."""
        determiners = m.determiners
        possessed = [w for w in m.words if w.head == m.head.index and w.deprel == "nmod:poss"]
        definite = (determiners and determiners[0] in self.lex.definite_determiners) or \
            any(fold(w.text) in self.lex.definite_determiners for w in possessed + m.words[:1])
        if not definite or m.plural:
            return None
        entity = self.described(fold(m.head.lemma), m.span.start, m.sentence.index, m.occurrences)
        if entity is None:
            entity = self.body_described(m)
            if entity is not None:
                return Resolution(entity.name, "organisation", "organisation", None, entity.span, entity)
            return None
        if entity.type is None and self.is_body_noun(m.head):
            entity.type = "organisation"  # "the company" said it: a body, however many words its name has
        resolution = self.named(entity, m.sentence, None, m.text)
        resolution.role = resolution.role or m.span.text
        return resolution

    def generic_pass(self, m: Mention) -> Resolution:
        """Whoever is left names nobody in particular: "officials", "a spokesman"."""
        return Resolution(None, "generic", None, m.span.text,
                          plural=m.plural or m.head.upos == "NOUN" and not m.determiners)

    PASSES = {"relative": relative_pass, "name": name_pass, "gazetteer": gazetteer_pass, "body": body_pass,
              "anonymous": anonymous_pass, "description": description_pass, "generic": generic_pass}

    def body_described(self, m: Mention) -> Entity | None:
        """The body a description names when no name stands for it: "the national disaster agency" → national
        disaster agency; only after a naming determiner ("the", not "its") and for a body's head noun."""
        return self.body_named(m.words, m.head, m.text, m.registry)

    def body_named(self, words: list[Word], head: Word, text: str, registry: Registry) -> Entity | None:
        """The body ``words`` (a noun phrase ending at or after its ``head``) name when they open with a
        naming determiner and end in a body's noun; None otherwise."""
        if words[0].upos != "DET" or fold(words[0].text) not in self.lex.naming_determiners or \
                not self.is_body_noun(head) or "Number=Plur" in head.feats:
            return None
        named = [w for w in words[1:head.index - words[0].index + 1] if w.upos != "PUNCT"]
        if not named:
            return None
        span = Span(named[0].start, head.end, text[named[0].start:head.end])
        key = tuple(without_possessive(fold(w.text)) for w in named if not POSSESSIVE.match(w.text))
        return registry.setdefault(key, Entity(span.text, key, "organisation", None, None, {fold(head.lemma)}, span))

    def is_body_noun(self, noun: Word) -> bool:
        return noun.upos == "NOUN" and fold(noun.lemma) in self.body_nouns

    def speaker_run(self, sentence: Sentence, words: list[Word], head: Word) -> Run | None:
        """The name a mention gives its speaker: its own name, or the apposed name of its role noun."""
        runs = [r for r in self.runs(sentence, words) if not r.possessive]
        if head.upos == "NOUN" and not any(head in r.words for r in runs):
            # "The workers' lawyer, Peter Mwangi", "club president Ana Lima": the name after the role noun;
            # "analysts at Komercni Banka", "a Halifax Transit spokesperson": no name of the speaker
            nouns = {w.index for w in words if w.upos == "NOUN"}  # "OPEC's secretary general, Haitham Al Ghais"
            named = [r for r in runs if r.words[0].index > head.index and r.head.head in nouns
                     and r.head.deprel in ("appos", "flat", "flat:name", "compound")]
            if named:
                return named[0]
            # "Ofwat, the industry regulator, said", however parsed
            first = words[0].index
            definite = fold(words[0].text) in self.lex.definite_determiners
            before = sentence.words[head.head] if head.deprel == "appos" and head.head >= 0 else \
                sentence.words[first - 2] if definite and first >= 2 and sentence.words[first - 1].text == "," \
                else None
            if before is not None and before.deprel not in ("nmod", "obl", "nmod:poss"):
                found = next((r for r in self.runs(sentence, sentence.words) if before in r.words
                              and not r.possessive), None)
                if found:
                    return found
            return self.apposed_in_sentence(sentence, head)
        if runs:
            with_head = [r for r in runs if head in r.words]
            return (with_head or runs)[0]
        if head.upos == "PROPN" or (runs := self.runs(sentence, words)):
            # a possessor alone ("Thames Water's"): the parser cut the role and name off; read them from the tree
            found = self.apposed_in_sentence(sentence, sentence.words[head.head]) if head.head >= 0 and \
                head.deprel == "nmod:poss" else None
            return found or (runs[0] if runs else None)
        return None

    def apposed_in_sentence(self, sentence: Sentence, noun: Word) -> Run | None:
        """A name apposed to ``noun`` anywhere in the sentence ("X's chief executive, Chris Weston, told")."""
        if noun.upos != "NOUN":
            return None
        for child in sentence.words:
            if child.head == noun.index and child.deprel == "appos" and child.upos == "PROPN":
                run = next((r for r in self.runs(sentence, sentence.words) if child in r.words and not r.possessive),
                           None)
                if run:
                    return run
        return None

    def named(self, entity: Entity, sentence: Sentence, run: Run | None, text: str) -> Resolution:
        kind = KINDS.get(entity.type or "")
        if kind is None:
            kind = "person" if len(entity.key) >= 2 or entity.gender else "organisation"
        referent = entity.span if run is None or entity.span.start != run.words[0].start else None
        role = None
        if run is not None:
            role = self.role_of(sentence, run, text)[0]
        return Resolution(entity.name, kind, entity.type or kind, role or entity.role, referent, entity)

    def mention_role(self, words: list[Word], run: Run, text: str) -> str | None:
        """What the mention says of the speaker around the name: "Deputy Mayor", "the director of the division"."""
        parenthesized = _parenthesized(words)
        before = [w for w in words if w.end <= run.words[0].start and w.upos != "PUNCT"] or run.titles
        if before and before[0].upos == "DET":
            before = before[1:]
        before = self.without_courtesy(before)
        after = [w for w in words if w.start >= run.words[-1].end and w.index not in parenthesized]
        while after and after[0].upos == "PUNCT":
            after = after[1:]
        while after and after[-1].upos == "PUNCT":
            after = after[:-1]
        parts = [text[ws[0].start:ws[-1].end] for ws in (before, after) if ws]
        return ", ".join(parts) or None

    def clean_role(self, role: str | None) -> str | None:
        """A role noun phrase, else None: cut where a relative clause or an aside begins ("an official, who
        asked not to be named" → "an official"), and nothing when only words that are never a role are left
        ("top", "who", "Mr")."""
        if not role:
            return None
        tokens = role.split()
        cut = next((i for i, t in enumerate(tokens) if fold(t.strip(",;:()")) in self.lex.role_cut), len(tokens))
        kept = " ".join(tokens[:cut]).strip(" ,;:-–—(")  # a role that opens with an aside has none
        parts = []
        for part in (p.strip() for p in kept.split(",")):
            if part and part not in parts and self.has_role_head(part):
                parts.append(part)
        return ", ".join(parts) or None

    def has_role_head(self, part: str) -> bool:
        """Whether a stretch of a role is a role noun phrase: its head (the last word before "of", "at" …) is
        a title, a person noun or a role noun, singular ("host of MSNBC's show", "Texas Sen."), not "enough",
        "summer" or "Voters"."""
        words = [fold(w) for w in ROLE_WORD.findall(part)]
        end = next((i for i, w in enumerate(words) if i and w in self.lex.role_head_ends), len(words))
        if not end:
            return False
        return words[end - 1] in self.role_heads

    def without_courtesy(self, words: list[Word]) -> list[Word]:
        """Role words less the courtesy titles at either end: "Mr." alone is no role."""
        first, last = 0, len(words)
        while first < last and fold(words[first].text) in self.lex.courtesy_titles:
            first += 1
        while last > first and fold(words[last - 1].text) in self.lex.courtesy_titles:
            last -= 1
        return words[first:last]

    def described(self, head: str, start: int, sentence: int, occurrences: list[Occurrence]) -> Entity | None:
        """The nearest earlier entity whose name or role has the description's head noun or a noun of its class
        ("the judge" ⇐ "Justice Helen Marsh", "the miner" ⇐ "…, a platinum producer"); a body's description
        only stands for what may be a body (no person, place or storm). For heads in ``bodies_by_subject``
        ("the club"), failing that, the body that is subject of this or the sentence before."""
        earlier = [o for o in occurrences if o.start < start and o.entity is not None]
        wanted = self.lex.classes([head])
        body = head in self.body_nouns
        tried: set[int] = set()  # ids of the entities tried: one mentioned again answers as before
        for o in reversed(earlier):
            entity = o.entity
            if id(entity) in tried:
                continue
            tried.add(id(entity))
            if body and not self.may_be_body(entity):
                continue
            if head in entity.key or head in entity.roles or (
                    wanted and wanted & self.lex.classes(entity.roles | set(entity.key))):
                return entity
        if head in self.lex.bodies_by_subject:
            for o in reversed(earlier):
                if o.subject and sentence - o.sentence <= 1 and self.may_be_body(o.entity):
                    return o.entity
        return None

    def may_be_body(self, entity: Entity) -> bool:
        """Whether a description of a body may stand for ``entity``: no person, place or storm."""
        if entity.type not in (None, "organisation", "group") or entity.gender:
            return False
        if set(entity.key) & self.lex.never_bodies and not set(entity.key) & self.lex.organisation_words:
            return False  # "Typhoon Kiko", not "Country Fire Authority"
        return entity.type is not None or not (len(entity.key) >= 2 and entity.key[0] in self.lex.first_names)

    def anonymous(self, mention: str, sentence: Sentence, quote: Quote, text: str) -> bool:
        words = set(mention.split())
        if words & self.lex.anonymous_words:
            return True
        rest = fold(text[sentence.start:sentence.end].replace(quote.content.text, " "))
        return any(phrase in mention or phrase in rest for phrase in self.lex.anonymous_phrases)

    def relative(self, sentence: Sentence, pronoun: Word, quote: Quote, text: str, occurrences, registry):
        """What "which" or "who" stands for: the noun its relative clause modifies ("the Election Commission
        of India, which said" → the commission, not India), else the noun phrase right before it."""
        words = sentence.words
        clause = words[pronoun.head] if pronoun.head >= 0 else None
        if clause is not None and clause.deprel in ("acl:relcl", "acl") and 0 <= clause.head < pronoun.index and \
                words[clause.head].upos in ("PROPN", "NOUN"):
            antecedent = words[clause.head]
        else:
            earlier = [w for w in words[:pronoun.index] if w.upos != "PUNCT"]
            if not earlier or earlier[-1].upos not in ("PROPN", "NOUN"):
                return Resolution(None, None, None, None)
            antecedent = earlier[-1]
        while antecedent.head >= 0 and antecedent.head < pronoun.index and \
                antecedent.deprel in ("flat", "compound", "flat:name"):
            antecedent = sentence.words[antecedent.head]
        first, last = phrase(sentence, sentence.children, antecedent.index,
                             self.rules.mention_deprels - self.rules.role_deprels)
        span = Span(sentence.words[first].start, sentence.words[last].end,
                    text[sentence.words[first].start:sentence.words[last].end])
        stand_in = Quote(quote.article_id, quote.sentence_index, quote.rule_id, quote.type, quote.cue,
                         quote.cue_lemma, quote.content, span)
        resolution = self.mention(sentence, stand_in, text, occurrences, registry)
        if resolution is not None:
            resolution.referent = resolution.referent or span
        return resolution or Resolution(None, None, None, None)

    def pronoun(self, quote: Quote, sentences: dict[int, Sentence], antecedents: list[Occurrence]) -> Resolution:
        """Pass 5: the most salient earlier mention that agrees in gender, number and animacy."""
        span = quote.speaker_span
        word = span.text.lower()
        wanted = self.rules.pronouns.get(word)
        gender = self.lex.gender_words.get(word)
        here = quote.sentence_index
        earlier = [o for o in antecedents if o.start < span.start and here - o.sentence <= self.lex.salience_sentences]
        same = [o for o in earlier if o.sentence == here]
        ordered = list(reversed(same))
        for index in range(here - 1, here - self.lex.salience_sentences - 1, -1):
            in_sentence = [o for o in earlier if o.sentence == index]
            ordered += [o for o in in_sentence if o.subject] + [o for o in in_sentence if not o.subject]
        agreeing = [o for o in ordered if self.agrees(wanted, gender, o)]
        # among the most salient few of the nearest sentence with a candidate, one whose gender the article told
        # beats one whose gender is open; across sentences recency wins (a quote turn goes to the last subject)
        known = [o for o in agreeing[:self.lex.salient_few] if gender and o.entity is not None and
                 o.entity.gender == gender and o.sentence == agreeing[0].sentence]
        chosen = (known or agreeing or [None])[0]
        if chosen is None:
            return Resolution(None, None, None, None)
        if chosen.entity is None:
            return Resolution(None, chosen.kind, None, None, plural=chosen.plural)
        entity = chosen.entity
        if wanted == "person" and entity.type is None:
            entity.type = "person"
        if gender and entity.type == "person" and entity.gender is None:
            entity.gender = gender  # evidence for later pronouns
        kind = KINDS.get(entity.type or "", "organisation")
        return Resolution(entity.name, kind, entity.type or kind, entity.role, entity.span, entity)

    def agrees(self, wanted: str | None, gender: str | None, o: Occurrence) -> bool:
        entity = o.entity
        if wanted == "person":
            if entity is None or entity.type not in (None, "person"):
                return False
            if entity.type is None and len(entity.key) < 2:
                return False
            return _agrees(gender, entity.gender)
        if wanted == "thing":
            if entity is None:  # "the ministry said …, it added" with no ministry named: generic too
                return not o.plural and o.kind == "generic"
            return entity.type in (None, "organisation", "group", "place") and \
                not o.plural and not (entity.type is None and len(entity.key) >= 2 and entity.gender)
        # they / we: a group, a body, or generic plural sources
        if entity is None:
            return o.plural
        return entity.type in ("organisation", "group")


class Coverage:
    """The offsets some of a list of spans cover, looked up by bisection."""

    def __init__(self, spans: list[Span]):
        self.starts: list[int] = []
        self.ends: list[int] = []
        for span in sorted((s for s in spans if s.start < s.end), key=lambda s: s.start):  # overlaps merged
            if self.ends and span.start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], span.end)
            else:
                self.starts.append(span.start)
                self.ends.append(span.end)

    def covers(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]


def _agrees(gender: str | None, other: str | None) -> bool:
    return gender is None or other is None or gender == other


def _parenthesized(words: list[Word]) -> set[int]:
    """Indexes of the words inside parentheses: a party and state label, "(D-Mo.)", names nobody."""
    inside, depth = set(), 0
    for word in words:
        depth += word.text == "("
        if depth:
            inside.add(word.index)
        depth -= word.text == ")" and depth > 0
    return inside
