"""Match stage: the one engine that runs the YAML dependency patterns over parsed sentences.

A pattern is a list of nodes in the spirit of spaCy's DependencyMatcher: the first
(anchor) node is a word satisfying its constraints; every later node is tied to an
earlier one by a relation (``cue > speaker``: speaker is a child of cue). The match
names the cue words, the speaker's head word and how to take the content span.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from operator import attrgetter

from ..records import ParsedArticle, Quote, Sentence, Span, Word
from ..rulelang.rules import Node, RuleSet
from ..rulelang.schema import CONTENT_KINDS
from ..rulelang.steptable import merged
from . import steps
from .steps import QuotationMarks
from .view import SentenceView, WordTest, word_tests, word_value

OWN_ATTRS = ("lemma", "text", "lower", "upos", "xpos")  # node constraints a word meets or fails out of context
ANCHOR_MEMORY = 500_000  # word forms whose anchoring patterns are remembered (a few tens of MB)


class Plan:
    """A pattern's nodes ready to match: the anchor's id and test, then each later node as
    (id, source id, relation, after: True/False/None for any position, absent, test)."""

    def __init__(self, nodes: list[Node], shared: dict[tuple, WordTest]):
        tests = word_tests(nodes, shared)
        self.anchor, self.anchor_test = nodes[0].id, tests[0]
        self.links = [(node.id, node.source, node.rel, None if node.position is None else node.position == "after",
                       node.absent, test) for node, test in zip(nodes[1:], tests[1:])]


def match_pattern(plan: Plan, view: SentenceView, anchors: Iterable[int] | None = None) -> list[dict[str, int]]:
    """Every assignment of the pattern's nodes to word indexes, anchors in sentence order.
    ``anchors``: the only words (in order) the first node may take; every word when None."""
    found: list[dict[str, int]] = []
    for index in plan.anchor_test.sieve(view, range(len(view.sentence.words)) if anchors is None else anchors):
        extend({plan.anchor: index}, plan.links, 0, view, found)
    return found


def extend(bound: dict[str, int], links: list[tuple], step: int, view: SentenceView,
           found: list[dict[str, int]]) -> None:
    """Add to ``found`` every assignment that completes ``bound`` with the nodes of ``links`` from ``step`` on."""
    if step == len(links):
        found.append(dict(bound))
        return
    node, source_node, rel, after, absent, test = links[step]
    source = bound[source_node]
    candidates = view.related_passing(source, rel, test)
    if candidates:
        taken = bound.values()
        candidates = [i for i in candidates if i not in taken and (after is None or (i > source) == after)]
    if absent:
        if not candidates:
            extend(bound, links, step + 1, view, found)
        return
    for i in candidates:
        bound[node] = i
        extend(bound, links, step + 1, view, found)
        del bound[node]


def quotation_sides(contents: list[tuple[str, dict, dict]]) -> set[str] | None:
    """The sides ("before", "after") of the quotations a pattern's contents can be, when they can only be
    quotations; else None."""
    if all(kind == "quote" for kind, _, _ in contents):
        return {spec["quote"] for _, spec, _ in contents}
    return None


class Matcher:
    """Runs a rule set over parsed articles and returns the quotes it finds."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        shared: dict[tuple, WordTest] = {}
        self.plans = {pattern.id: Plan(pattern.nodes, shared) for pattern in rules.patterns}
        self.settings = {pattern.id: merged(rules.settings, pattern.settings) for pattern in rules.patterns}
        self.contents = {pattern.id: [(kind, spec, self.settings[pattern.id].get(f"content.{kind}", {}))
                                      for spec in pattern.content for kind in [content_kind(spec)]]
                         for pattern in rules.patterns}  # (kind, spec, settings) of each content tried
        # each pattern's plan and settings, whether its anchor is no cue word, and the sides a quotation
        # must be on when its content can only be one (None when it can be something else): see ``sentence_quotes``
        self.compiled = [(pattern, self.plans[pattern.id], self.settings[pattern.id],
                          pattern.nodes[0].id not in pattern.cue, quotation_sides(self.contents[pattern.id]))
                         for pattern in rules.patterns]
        self.anchor_words = [{key: value for key, value in pattern.nodes[0].constraints.items() if key in OWN_ATTRS}
                             for pattern in rules.patterns]
        self.anchor_bits: dict[tuple[str, str, str, str], int] = {}  # see ``anchors``
        self.gates = anchor_gates(self.anchor_words)
        self.marks = QuotationMarks(rules.settings["quotations"])

    def anchors(self, word: Word) -> int:
        """The patterns whose anchor takes ``word`` by its own text, lemma and tags, whatever its context,
        as bits (pattern i: bit i); remembered per (text, lemma, upos, xpos)."""
        key = word.text, word.lemma, word.upos, word.xpos
        bits = self.anchor_bits.get(key)
        if bits is None:
            if len(self.anchor_bits) >= ANCHOR_MEMORY:
                self.anchor_bits.clear()
            bits = self.anchor_bits[key] = sum(
                1 << i for i, constraints in enumerate(self.anchor_words)
                if all(word_value(word, name) in wanted for name, wanted in constraints.items()))
        return bits

    def can_anchor(self, word: Word) -> bool:
        """Whether some pattern's anchor takes ``word`` by its own text, lemma and tags, whatever its context."""
        return self.anchors(word) != 0

    def anchored(self, sentence: Sentence) -> list[tuple[int, int]]:
        """(index, ``anchors`` bits) of the words of ``sentence`` some pattern's anchor takes by their own
        attributes, in order: the words ``gates`` let through, checked one by one."""
        words = sentence.words
        if self.gates is None:
            maybe: Iterable[int] = range(len(words))
        else:
            through: set[int] = set()
            for key, values in self.gates:
                column = [w.text.lower() for w in words] if key == "lower" else list(map(attrgetter(key), words))
                if not values.isdisjoint(column):
                    through.update(i for i, value in enumerate(column) if value in values)
            maybe = sorted(through)
        return [(i, bits) for i in maybe if (bits := self.anchors(words[i]))]

    def cue_lemmas(self, sentence: Sentence) -> Sentence:
        """``sentence``, or a copy whose verbs the tagger gave a lemma that is no word ("echoed" → "echoe") read as
        the cue words they inflect (``RuleSet.cue_lemma``)."""
        lemmas = {word.index: lemma for word in sentence.words
                  if word.upos == "VERB" and (lemma := self.rules.cue_lemma(word.text, word.lemma))}
        if not lemmas:
            return sentence
        words = [replace(word, lemma=lemmas[word.index]) if word.index in lemmas else word for word in sentence.words]
        return Sentence(sentence.index, sentence.start, sentence.end, sentence.paragraph, words)

    def cue_words(self, view: SentenceView, indexes: list[int]) -> list[int]:
        """The cue's words plus the auxiliaries and adverbs right before it ("has also said") and the
        particle right after it ("pointed out") that belong to it."""
        words, first, last = view.sentence.words, indexes[0], indexes[-1]
        joined = {c for c in view.children[first] if words[c].deprel in self.rules.cue_deprels
                  or words[c].text.lower() in self.rules.cue_words}
        while first - 1 in joined:
            first -= 1
        after = {c for c in view.children[last] if words[c].deprel in self.rules.cue_deprels_after}
        while last + 1 in after:
            last += 1
        return list(range(first, indexes[0])) + indexes + list(range(indexes[-1] + 1, last + 1))

    def sentence_quotes(self, article_id: str, view: SentenceView, quotes: list[Span], text: str,
                        claim: bool = True) -> list[Quote]:
        """The quotes of every pattern in one sentence; with ``claim``, a cue word belongs to the first pattern
        that takes it (without, each pattern finds its own, as ``rules learn`` measures them)."""
        found: list[Quote] = []
        claimed: set[int] = set()
        words = view.sentence.words
        anchored = self.anchored(view.sentence)
        bits = 0
        for _, word_bits in anchored:
            bits |= word_bits
        mentions: dict[tuple, tuple[tuple[int, int], Span | None]] = {}  # patterns often share speaker and cue
        sides = None  # where a quotation may be, for patterns whose content can only be one
        while bits:
            p = (bits & -bits).bit_length() - 1  # the patterns some word anchors, in order
            bits &= bits - 1
            pattern, plan, settings, anchor_free, needs_quotation = self.compiled[p]
            if needs_quotation:
                if sides is None:
                    sides = steps.quote_sides(view.sentence, quotes, text)
                if sides.isdisjoint(needs_quotation):
                    continue
            # a match whose cue holds a word claimed by an earlier one is dropped: so is its anchor, when a cue word
            anchors = [index for index, word_bits in anchored
                       if word_bits >> p & 1 and (anchor_free or index not in claimed)]
            for bound in match_pattern(plan, view, anchors) if anchors else []:
                cue_indexes = self.cue_words(view, sorted(bound[name] for name in pattern.cue))
                if claimed.intersection(cue_indexes):
                    continue
                cue = Span(words[cue_indexes[0]].start, words[cue_indexes[-1]].end,
                           text[words[cue_indexes[0]].start: words[cue_indexes[-1]].end])
                mention, speaker = None, None
                if pattern.speaker:
                    key = bound[pattern.speaker], tuple(cue_indexes), id(settings["mention"])
                    if key not in mentions:
                        mention = steps.mention(view, key[0], cue_indexes, self.rules.mention_deprels,
                                                settings["mention"])
                        mentions[key] = mention, view.span(*mention, text)
                    mention, speaker = mentions[key]
                clause = Span(min(cue.start, speaker.start if speaker else cue.start),
                              max(cue.end, speaker.end if speaker else cue.end), "")
                for kind, spec, content_settings in self.contents[pattern.id]:
                    context = steps.Context(pattern, bound, view, clause, mention, quotes, text, self.rules,
                                            content_settings)
                    content = steps.CONTENT_STEPS[kind](context, spec)
                    overlaps = speaker and content and content.start < speaker.end and speaker.start < content.end
                    if content is not None and len(content.text.split()) >= pattern.min_words and not (
                            overlaps and kind not in steps.HOLDS_ATTRIBUTION):
                        break
                else:
                    continue
                anchor = bound[pattern.cue[0]]
                cue_nodes = [words[bound[name]] for name in pattern.cue]
                cue_lemma = cue_nodes[0].lemma.lower() if len(cue_nodes) == 1 else \
                    " ".join(w.text.lower() for w in cue_nodes)  # "according to"
                cue_word = self.rules.cue_word(words[anchor].lemma)
                if claim:
                    claimed.update(cue_indexes)
                found.append(Quote(
                    article_id=article_id,
                    sentence_index=view.sentence.index,
                    rule_id=pattern.id,
                    type=steps.quote_type([content], quotes, settings["quote_type"]),
                    cue=cue,
                    cue_lemma=cue_lemma,
                    content=content,
                    speaker_span=speaker,
                    category=pattern.category or (cue_word.category if cue_word else "speech"),
                    channel=self.channel(anchor, words[anchor].lemma, view, content, settings["channel"]),
                    steps=[*(["mention"] if speaker else []), f"content.{kind}"],
                ))
        return found

    def channel(self, cue_index: int, cue_lemma: str, view: SentenceView, content: Span, settings: dict) -> str | None:
        """Where the text says the words were published: the cue's own channel or its modifiers."""
        channel = self.rules.channel_in(steps.channel_modifiers(view, cue_index, content, settings))
        if channel is not None:
            return channel
        cue_word = self.rules.cue_word(cue_lemma)
        return cue_word.channel if cue_word else None

    def article_quotes(self, parsed: ParsedArticle, views: dict[int, SentenceView] | None = None) -> list[Quote]:
        """All quotes the patterns find in one article, then the article steps, in text order. ``views``
        gets the view of each sentence matched, by index."""
        text = parsed.article.text
        quotes = self.marks.find(text)
        found = []
        views = {} if views is None else views
        parsed = replace(parsed, sentences=[self.cue_lemmas(sentence) for sentence in parsed.sentences])
        for sentence in parsed.sentences:
            view = views[sentence.index] = SentenceView(sentence, quotes)
            found.extend(self.sentence_quotes(parsed.article.id, view, quotes, text))
        scene = steps.Scene(parsed, quotes, self.marks, self.rules)
        for step in self.rules.article_steps:
            found = steps.ARTICLE_STEPS[step](scene, found)
        found.sort(key=lambda q: (q.content.start, q.cue.start if q.cue else 0))
        return found


def anchor_gates(anchor_words: list[dict[str, frozenset[str]]]) -> list[tuple[str, frozenset[str]]] | None:
    """A first sieve for anchors: (attribute, values) pairs such that a word some pattern's anchor takes has,
    for one of them, one of the values (an attribute each pattern constrains, the first of ``OWN_ATTRS``).
    None when some anchor constrains none of them: every word may anchor it."""
    gates: dict[str, set[str]] = {}
    for constraints in anchor_words:
        key = next((key for key in OWN_ATTRS if key in constraints), None)
        if key is None:
            return None
        gates.setdefault(key, set()).update(constraints[key])
    return [(key, frozenset(values)) for key, values in gates.items()]


def content_kind(spec: dict) -> str:
    return next(kind for kind in CONTENT_KINDS if kind in spec)
