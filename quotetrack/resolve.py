"""Resolve stage: turn each speaker mention into a canonical speaker, its type and role.

Pronouns go to the nearest earlier compatible mention, short forms ("Gladkov",
"Mr Gladkov") to the full name written in the article, every name through the
gazetteer of rules/speakers.yml, and a floating quote to the previous speaker.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import regex

from .records import ParsedArticle, Quote, Sentence, Span, Word
from .rules import RuleSet
from .syntax import children_of, phrase, within

NAME_LINKS = {"of", "for", "the", "de", "al", "bin", "van", "von", "-"}


APOSTROPHES = regex.compile(r"[’`]")
NOT_NAME = regex.compile(r"[^\w' -]+")
ARTICLES = regex.compile(r"\b(?:the|a|an)\s+")
SPACES = regex.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Compare names case- and accent-insensitively, ignoring articles and punctuation."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    name = NOT_NAME.sub(" ", APOSTROPHES.sub("'", name))
    return SPACES.sub(" ", ARTICLES.sub("", name.strip())).strip()


@dataclass
class Mention:
    """An entity mention: as written, its name part, role, type and canonical speaker."""

    span: Span
    sentence: int
    canonical: str
    type: str | None
    role: str | None
    plural: bool
    name_words: int
    pronoun: bool = False
    referent: Span | None = None


class Resolver:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.gazetteer = {}
        for speaker in rules.speakers:
            for alias in (speaker.name, *speaker.aliases):
                self.gazetteer.setdefault(normalise(alias), speaker)

    def lookup(self, words: list[str]):
        """The gazetteer entry for the longest trailing stretch of ``words``, if any."""
        for i in range(len(words)):
            entry = self.gazetteer.get(normalise(" ".join(words[i:])))
            if entry:
                return entry
        return None

    def describe(self, sentence: Sentence, span: Span, text: str) -> Mention | None:
        """Read a mention: split name from role, look it up, guess its type."""
        words = [w for w in sentence.words if span.start <= w.start and w.end <= span.end]
        if not words:
            return None
        heads = [w for w in words if not (span.start <= sentence.words[w.head].start < span.end) or w.head < 0]
        head = heads[0] if heads else words[-1]
        # an apposition right after its head, with no comma, is the name: "governor | Alexei Smirnov"
        role_heads = [w for w in words if w.deprel in self.rules.role_deprels and w.head == head.index
                      and not (w.deprel == "appos" and _run_on(sentence, head, w))] + [
            h for h in heads[1:] if h.index > 0 and sentence.words[h.index - 1].text == ","]
        role_words = {x.index for r in role_heads for x in words if within(sentence, x.index, r.index)}
        # what a comma after the head sets off describes the speaker, however it was parsed
        comma = next((w.index for w in words if w.index > head.index and w.text == ","), None)
        role_words |= {w.index for w in words if comma is not None and w.index > comma}
        core = [w for w in words if w.index not in role_words | _parenthesized(words) and w.upos != "PUNCT"]
        if core and core[0].upos == "DET":
            core = core[1:]
        role_span = [w for w in words if w.index in role_words and w.upos != "PUNCT"]
        appositive = text[role_span[0].start:role_span[-1].end] if role_span else None
        lower = head.lemma.lower()
        plural = "Number=Plur" in head.feats
        if len(core) == 1 and "PronType=Rel" in head.feats:
            mention = self.relative_antecedent(sentence, head, text)
            if mention:
                mention.span = span  # the mention as written stays "which"; its referent is the antecedent
            return mention
        pronoun = self.rules.pronouns.get(head.text.lower()) if len(core) == 1 and head.upos == "PRON" else None
        if pronoun:
            return Mention(span, sentence.index, head.text, pronoun, None, pronoun == "group", 0, pronoun=True)
        name = _name_run(core, head)
        titles = self.rules.honorifics | self.rules.person_nouns
        while len(name) > 1 and name[0].text.lower().rstrip(".") in titles | {"the"}:
            name = name[1:]
        # a place or title word before a person's name belongs to the role ("Belgorod Governor ...")
        titled = [i for i, w in enumerate(name[:-1]) if w.text.lower().rstrip(".") in titles]
        if titled:
            name = name[titled[-1] + 1:]
        entry = self.lookup([w.text for w in core]) or (self.lookup([w.text for w in name]) if name else None)
        if name:
            before = [w for w in core if w.start < name[0].start]
            role = text[before[0].start:before[-1].end] if before else None
            canonical = " ".join(w.text for w in name)
        else:
            role, canonical = None, " ".join(w.text for w in core)
        role = ", ".join(r for r in (role, appositive) if r) or None
        kind = None
        if entry:
            canonical, kind = entry.name, entry.type
            role = role or entry.role
        elif lower in self.rules.person_nouns or (name and len(name) >= 2 and lower not in self.rules.group_nouns
                                                   and head.upos == "PROPN"):
            kind = "person"
        elif lower in self.rules.group_nouns or any(r.lemma.lower() in self.rules.group_nouns for r in role_heads):
            kind = "organisation"
        elif name and len(name) >= 2 and any(w.text.lower() in self.rules.person_nouns for w in core):
            kind = "person"
        if any(w.text.lower().rstrip(".") in self.rules.honorifics for w in core[:1]) and kind is None:
            kind = "person"
        return Mention(span, sentence.index, canonical, kind, role, plural, len(name))

    def relative_antecedent(self, sentence: Sentence, pronoun: Word, text: str) -> Mention | None:
        """What "which" or "who" stands for: the noun phrase right before it ("Ukraine, which denies")."""
        earlier = [w for w in sentence.words[:pronoun.index] if w.upos != "PUNCT"]
        if not earlier or earlier[-1].upos not in ("PROPN", "NOUN"):
            return None
        antecedent = earlier[-1]
        while antecedent.head >= 0 and sentence.words[antecedent.head].index < pronoun.index and \
                antecedent.deprel in ("flat", "compound", "flat:name"):
            antecedent = sentence.words[antecedent.head]
        span = _phrase_span(sentence, children_of(sentence), antecedent.index,
                            self.rules.mention_deprels - {"appos"}, text)
        mention = self.describe(sentence, span, text)
        if mention:
            mention.referent = span
        return mention

    def article_mentions(self, parsed: ParsedArticle, inside: list[Span]) -> list[Mention]:
        """Subject mentions of the article in text order, outside quoted or reported content."""
        text, mentions = parsed.article.text, []
        for sentence in parsed.sentences:
            subjects = [word for word in sentence.words
                        if word.deprel in ("nsubj", "nsubj:pass") and word.upos in ("PROPN", "NOUN", "PRON")]
            if not subjects:
                continue
            children = children_of(sentence)
            # the spans a word of this sentence can start in
            local = [s for s in inside if s.start <= sentence.words[-1].start and sentence.start < s.end]
            for word in subjects:
                if any(s.start <= word.start < s.end for s in local):
                    continue
                span = _phrase_span(sentence, children, word.index, self.rules.mention_deprels, text)
                mention = self.describe(sentence, span, text)
                if mention:
                    mentions.append(mention)
        return mentions

    def antecedent(self, mention: Mention, earlier: list[Mention]) -> Mention | None:
        """The nearest earlier mention a pronoun or short form can stand for."""
        for candidate in reversed(earlier):
            if candidate.pronoun:
                continue  # a pronoun nothing was found for
            if mention.pronoun:
                if _compatible(mention.type, candidate):
                    return candidate
            elif candidate.type == "person" and candidate.name_words > mention.name_words and \
                    normalise(candidate.canonical).endswith(" " + normalise(mention.canonical)):
                return candidate
        return None

    def resolve(self, parsed: ParsedArticle, quotes: list[Quote]) -> list[Quote]:
        """Fill speaker, speaker_type, role and referent_span of each quote, in text order."""
        text = parsed.article.text
        sentences = {s.index: s for s in parsed.sentences}
        mentions = self.article_mentions(parsed, [q.content for q in quotes])
        resolved: list[Mention] = []  # earlier mentions with their resolution
        previous: Quote | None = None
        speakers = self._quote_mentions(quotes, sentences, text)
        spoken = defaultdict(list)  # speaker mentions by sentence: a mention only overlaps one in its own sentence
        for speaker in speakers:
            spoken[speaker.sentence].append(speaker.span)
        unspoken = [m for m in mentions if not any(_overlap(m.span, span) for span in spoken[m.sentence])]
        by_start = sorted(unspoken + speakers, key=lambda m: m.span.start)
        contents = [q.content for q in quotes]
        antecedents: list[Mention] = []  # what a later pronoun can stand for: no speaker nested in reported content
        for mention in by_start:
            referent = self.antecedent(mention, antecedents) if mention.pronoun or mention.name_words == 1 else None
            if referent:
                mention = Mention(mention.span, mention.sentence, referent.canonical, referent.type,
                                  referent.role, referent.plural, referent.name_words,
                                  referent=referent.referent or referent.span)
            resolved.append(mention)
            if not any(c.start <= mention.span.start and mention.span.end <= c.end for c in contents):
                antecedents.append(mention)
        found = {(m.span.start, m.span.end): m for m in resolved}
        for quote in sorted(quotes, key=lambda q: q.content.start):
            if quote.speaker_span is None and previous is not None and quote.cue is None:
                quote.speaker_span, quote.speaker = previous.speaker_span, previous.speaker
                quote.speaker_type, quote.role = previous.speaker_type, previous.role
                quote.referent_span = previous.referent_span
            elif quote.speaker_span is not None:
                mention = found.get((quote.speaker_span.start, quote.speaker_span.end))
                if mention:
                    quote.speaker, quote.speaker_type, quote.role = mention.canonical, mention.type, mention.role
                    quote.referent_span = mention.referent
            if quote.speaker:
                previous = quote
            quote.named = bool(quote.speaker) and quote.speaker.casefold() not in self.rules.unnamed
        return quotes

    def _quote_mentions(self, quotes: list[Quote], sentences: dict[int, Sentence], text: str) -> list[Mention]:
        mentions = []
        for quote in quotes:
            if quote.speaker_span is not None:
                mention = self.describe(sentences[quote.sentence_index], quote.speaker_span, text)
                if mention:
                    mentions.append(mention)
        return mentions


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _compatible(pronoun_type: str, candidate: Mention) -> bool:
    if pronoun_type == "person":
        return candidate.type == "person"
    if pronoun_type == "thing":
        return candidate.type in ("organisation", "group", "place") and not candidate.plural or \
            (candidate.type is None and candidate.name_words > 0 and not candidate.plural)
    return candidate.plural or candidate.type in ("organisation", "group")


def _parenthesized(words: list[Word]) -> set[int]:
    """Indexes of the words inside parentheses: a party and state label, "(D-Mo.)", names nobody."""
    inside, depth = set(), 0
    for word in words:
        depth += word.text == "("
        if depth:
            inside.add(word.index)
        depth -= word.text == ")" and depth > 0
    return inside


def _run_on(sentence: Sentence, head: Word, apposition: Word) -> bool:
    """Does the apposition follow its head with nothing but its own name words between ("adviser Mykhailo Podolyak")?"""
    first = min(w.index for w in sentence.words if within(sentence, w.index, apposition.index))
    return apposition.upos == "PROPN" and first == head.index + 1


def _name_run(core: list[Word], head: Word) -> list[Word]:
    """The last stretch of proper nouns in the mention (linked by "of", "for the" ...)."""
    runs: list[list[Word]] = []
    for w in core:
        proper = w.upos == "PROPN" or (w.text[:1].isupper() and w.upos in ("NOUN", "ADJ", "X") and w is not core[0])
        if proper:
            if runs and runs[-1][-1].index == w.index - 1:
                runs[-1].append(w)
            elif runs and all(x.text.lower() in NAME_LINKS for x in core if runs[-1][-1].index < x.index < w.index) \
                    and w.index - runs[-1][-1].index <= 3:
                runs[-1].extend(x for x in core if runs[-1][-1].index < x.index <= w.index)
            else:
                runs.append([w])
    for run in runs:
        if head in run:
            return run
    after = [run for run in runs if run[0].index > head.index]
    return after[-1] if after else []


def _phrase_span(sentence: Sentence, children: list[list[int]], head: int, deprels, text: str) -> Span:
    first, last = phrase(sentence, children, head, deprels)
    start, end = sentence.words[first].start, sentence.words[last].end
    return Span(start, end, text[start:end])
