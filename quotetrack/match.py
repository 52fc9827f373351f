"""Match stage: the one engine that runs the YAML dependency patterns over parsed sentences.

A pattern is a list of nodes in the spirit of spaCy's DependencyMatcher: the first
(anchor) node is a word satisfying its constraints; every later node is tied to an
earlier one by a relation (``cue > speaker``: speaker is a child of cue). The match
names the cue words, the speaker's head word and how to take the content span.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Hashable

import regex

from .records import ParsedArticle, Quote, Sentence, Span, Word
from .rules import REGEX_TIMEOUT, Node, Pattern, RuleSet
from .syntax import children_of, phrase

OPENING = "“«„"
TRIM = " \t\n\"“”‘’'«»„,;:.!?–—-"
APPOSITION_OPENERS = ("DET", "NOUN", "PROPN", "ADJ", "NUM")  # ", the director of …", ", 56, …"
RELATIVE_OPENERS = ("who", "whose", "which")  # ", who runs the campaign"
DIRECT_FLOOR = 0.9  # share of the content inside quotation marks that makes a quote "direct"
OWN_ATTRS = ("lemma", "text", "lower", "upos", "xpos")  # node constraints a word meets or fails out of context
ANCHOR_MEMORY = 500_000  # word forms whose anchoring patterns are remembered (a few tens of MB)


QUOTE_MARK = regex.compile(r"''|``|[“”«»„\"]")


def find_quotes(text: str) -> list[Span]:
    """Spans inside quotation marks: curly, straight, guillemets, and ``…'' or ''…'' (typewriter
    style); a quote left open ends its paragraph."""
    spans: list[Span] = []
    offset = 0
    for paragraph in text.split("\n"):
        opened: int | None = None
        closer = ""
        for mark in QUOTE_MARK.finditer(paragraph):
            char = mark.group()
            if opened is None and (char in OPENING or char in ('"', "''", "``")):
                opened, closer = mark.end(), {"“": "”", "„": "“”", "«": "»", "``": "''"}.get(char, char)
            elif opened is not None and char in closer:
                spans.append(Span(offset + opened, offset + mark.start(), paragraph[opened:mark.start()]))
                opened = None
        if opened is not None and paragraph[opened:].strip():
            spans.append(Span(offset + opened, offset + len(paragraph), paragraph[opened:]))
        offset += len(paragraph) + 1
    return spans


INDEXED = ("lemma", "lower", "text", "deprel", "upos", "xpos")  # word attributes a sentence view keeps columns of
SET_KEYS = (*INDEXED, "in_quote")  # constraints a sentence view keeps the set of words meeting


def word_value(word: Word, key: str) -> str:
    """A word's value of ``key``, one of ``INDEXED``: an attribute, or ``lower`` (its text lowercased)."""
    return word.text.lower() if key == "lower" else getattr(word, key)


class SentenceView:
    """A sentence with the indexes the engine needs, each worked out on first use:
    children, subtree edges, quotation marks, and which words pass each ``WordTest``."""

    def __init__(self, sentence: Sentence, quotes: list[Span]):
        self.sentence, self.quotes = sentence, quotes
        self.passing: dict[WordTest, set[int]] = {}
        self.columns: dict[str, list[str]] = {}
        self.features: dict[int, dict[str, str]] = {}
        self.constraint_sets: dict[tuple[str, Hashable], set[int]] = {}
        self.nearest: dict[int, list[int]] = {}

    @functools.cached_property
    def children(self) -> list[list[int]]:
        return children_of(self.sentence)

    @functools.cached_property
    def edges(self) -> tuple[list[int], list[int]]:
        """The first and the last word of each word's subtree."""
        words = self.sentence.words
        left, right = list(range(len(words))), list(range(len(words)))
        for index, word in enumerate(words):
            seen, head = {index}, word.head
            while head >= 0 and head not in seen:  # guard against cycles in odd parses
                seen.add(head)
                if index < left[head]:
                    left[head] = index
                elif index > right[head]:
                    right[head] = index
                head = words[head].head
        return left, right

    @property
    def left(self) -> list[int]:
        return self.edges[0]

    @property
    def right(self) -> list[int]:
        return self.edges[1]

    @functools.cached_property
    def quoted(self) -> set[int]:
        """The indexes of the words inside quotation marks."""
        words, quotes = self.sentence.words, self.quotes
        return {w.index for w in words if any(q.start <= w.start and w.end <= q.end for q in quotes)}

    def feats(self, index: int) -> dict[str, str]:
        """Word ``index``'s features by name."""
        if index not in self.features:
            feats = self.sentence.words[index].feats
            self.features[index] = dict(f.split("=", 1) for f in feats.split("|") if "=" in f)
        return self.features[index]

    def values(self, key: str) -> list[str]:
        """Each word's value of ``key``, one of ``INDEXED``."""
        if key not in self.columns:
            words = self.sentence.words
            self.columns[key] = [word_value(word, key) for word in words]
        return self.columns[key]

    def passes(self, test: WordTest) -> set[int]:
        """The indexes of the words that pass ``test`` (not to be modified)."""
        if test not in self.passing:
            self.passing[test] = test.words(self)
        return self.passing[test]

    def having(self, key: str, wanted) -> set[int]:
        """The indexes of the words meeting ``key`` (in ``SET_KEYS``) ``wanted`` (not to be modified)."""
        constraint = key, wanted
        if constraint not in self.constraint_sets:
            if key == "in_quote":
                found = {i for i in range(len(self.sentence.words)) if (i in self.quoted) == wanted}
            else:
                values = self.values(key)
                found = set() if wanted.isdisjoint(values) else {i for i, value in enumerate(values) if value in wanted}
            self.constraint_sets[constraint] = found
        return self.constraint_sets[constraint]

    def meets(self, index: int, key: str, wanted) -> bool:
        """Does word ``index`` meet a constraint on its feats or a regex?"""
        if key == "feats":
            feats = self.feats(index)
            return all(feats.get(name) in values for name, values in wanted)
        return wanted.fullmatch(self.sentence.words[index].text, timeout=REGEX_TIMEOUT) is not None

    def related(self, index: int, rel: str) -> range | list[int]:
        """Indexes of the words W such that ``word[index] rel W`` holds."""
        words = self.sentence.words
        head = words[index].head
        if rel == ">":
            return self.nearest_children(index)
        if rel == "<":
            return [head] if head >= 0 else []
        if rel == ">>":
            return [i for i in range(self.left[index], self.right[index] + 1) if i != index and self.dominates(index, i)]
        if rel == "<<":
            return self.ancestors(index)
        if rel == ".":
            return [index + 1] if index + 1 < len(words) else []
        if rel == ".*":
            return range(index + 1, len(words))
        if rel == ";":
            return [index - 1] if index > 0 else []
        if rel == ";*":
            return range(index - 1, -1, -1)  # nearest first
        siblings = [i for i in self.children[head] if i != index] if head >= 0 else []
        after = [i for i in siblings if i > index]
        before = [i for i in siblings if i < index]
        return {"$+": after[:1], "$-": before[-1:], "$++": after, "$--": before}[rel]

    def nearest_children(self, index: int) -> list[int]:
        """The children of word ``index``, nearest first."""
        if index not in self.nearest:
            self.nearest[index] = sorted(self.children[index], key=lambda child: abs(child - index))
        return self.nearest[index]

    def ancestors(self, index: int) -> list[int]:
        found, head = [], self.sentence.words[index].head
        while head >= 0 and head not in found:
            found.append(head)
            head = self.sentence.words[head].head
        return found

    def dominates(self, top: int, index: int) -> bool:
        return top in self.ancestors(index)

    def span(self, first: int, last: int, text: str) -> Span | None:
        """The words first..last as a span, trimmed of spaces, quotation marks and edge punctuation."""
        if first > last:
            return None
        words = self.sentence.words
        return trimmed(Span(words[first].start, words[last].end, ""), text)


class WordTest:
    """A node's word constraints, compiled: which words of a sentence meet all of ``required``
    and none of ``negated``. Hashable by identity: ``word_tests`` gives nodes with the same
    constraints the same test, which a sentence view works out once."""

    def __init__(self, required: tuple[tuple[str, Hashable], ...], negated: tuple[tuple[str, Hashable], ...]):
        self.required, self.negated = required, negated

    def words(self, view: SentenceView) -> set[int]:
        passing: set[int] | None = None  # every word
        for key, wanted in self.required:
            if key in SET_KEYS:
                found = view.having(key, wanted)
                passing = found if passing is None else passing & found
            else:
                candidates = range(len(view.sentence.words)) if passing is None else passing
                passing = {i for i in candidates if view.meets(i, key, wanted)}
            if not passing:
                return passing
        if passing is None:
            passing = set(range(len(view.sentence.words)))
        for key, wanted in self.negated:
            if passing:
                passing = passing - view.having(key, wanted) if key in SET_KEYS else \
                    {i for i in passing if not view.meets(i, key, wanted)}
        return passing


def word_tests(nodes: list[Node], shared: dict[tuple, WordTest]) -> list[WordTest]:
    """A test per node; nodes with the same constraints get the same test, kept in ``shared``."""
    tests = []
    for node in nodes:
        key = frozen(node.constraints), frozen(node.negated)
        tests.append(shared.setdefault(key, WordTest(*key)))
    return tests


def frozen(constraints: dict) -> tuple[tuple[str, Hashable], ...]:
    """Constraints as hashable pairs, those a sentence view keeps sets for first, in ``SET_KEYS`` order."""
    order = {key: i for i, key in enumerate(SET_KEYS)}
    return tuple(sorted(
        ((key, tuple(sorted(value.items())) if key == "feats" else value) for key, value in constraints.items()),
        key=lambda pair: order.get(pair[0], len(order)),
    ))


def match_pattern(pattern: Pattern, tests: list[WordTest], view: SentenceView) -> list[dict[str, int]]:
    """Every assignment of pattern nodes to word indexes, anchors in sentence order; ``tests`` are the nodes'."""
    found: list[dict[str, int]] = []
    later = list(zip(pattern.nodes[1:], tests[1:]))
    for index in sorted(view.passes(tests[0])):
        extend({pattern.nodes[0].id: index}, later, view, found)
    return found


def extend(bound: dict[str, int], later: list[tuple[Node, WordTest]], view: SentenceView,
           found: list[dict[str, int]]) -> None:
    """Add to ``found`` every assignment that completes ``bound`` with the ``later`` nodes, in order."""
    if not later:
        found.append(dict(bound))
        return
    (node, test), rest = later[0], later[1:]
    source, passing = bound[node.source], view.passes(test)
    candidates = [
        i for i in view.related(source, node.rel)
        if i in passing and i not in bound.values()
        and (node.position is None or (i > source) == (node.position == "after"))
    ]
    if node.absent:
        if not candidates:
            extend(bound, rest, view, found)
        return
    for i in candidates:
        bound[node.id] = i
        extend(bound, rest, view, found)
        del bound[node.id]


class Matcher:
    """Runs a rule set over parsed articles and returns the quotes it finds."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        shared: dict[tuple, WordTest] = {}
        self.tests = {pattern.id: word_tests(pattern.nodes, shared) for pattern in rules.patterns}
        self.anchor_words = [{key: value for key, value in pattern.nodes[0].constraints.items() if key in OWN_ATTRS}
                             for pattern in rules.patterns]
        self.anchor_bits: dict[tuple[str, str, str, str], int] = {}  # see ``anchors``

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

    def anchorable(self, sentence: Sentence) -> list[Pattern]:
        """The patterns some word of ``sentence`` can anchor: the only ones that may match in it."""
        bits = 0
        for word in sentence.words:
            bits |= self.anchors(word)
        return [pattern for i, pattern in enumerate(self.rules.patterns) if bits >> i & 1] if bits else []

    def mention(self, view: SentenceView, head: int) -> tuple[int, int]:
        """The speaker mention as written, as first and last word: the head word, its name-like
        dependents, and what the parser split off ("Governor Vyacheslav | Gladkov", "Mash, | a channel")."""
        words = view.sentence.words
        first, last = self.noun_phrase(view, head)
        # a second subject right next to this one, or set off by a comma, is the same phrase the parser
        # split: "Kursk regional governor Alexei | Smirnov said", "Mash, a channel, said"
        word = words[head]
        for other in (view.children[word.head] if word.head >= 0 else []):
            if other != head and words[other].deprel == word.deprel == "nsubj":
                left, right = self.noun_phrase(view, other)
                between = words[last + 1:left] if other > head else words[right + 1:first]
                if [w.text for w in between] in ([], [","]):  # one noun phrase split, or an appositive
                    first, last = min(first, left), max(last, right)
        while last + 1 < len(words) and words[last + 1].upos == "PROPN" and last + 1 not in view.quoted:
            last += 1
        # a relative clause in the mention comes whole: "a former aide who accompanied her to Burma"
        last = max([last] + [view.right[w.index] for w in words[first:last + 1] if w.deprel == "acl:relcl"])
        # a parenthesis opened in the mention or right after it: "McCaskill (D-Mo" | "McCaskill | (D-Mo.)"
        opened = [w.text for w in words[first:last + 2]].count("(") > [w.text for w in words[first:last + 1]].count(")")
        closing = next((w.index for w in words[last + 1:last + 7] if w.text == ")"), None)
        if opened and closing is not None:
            last = closing  # "Sen. Claire McCaskill (D-Mo.)": the parser left the party label apart
        while first > 0 and words[first - 1].upos == "PROPN" and first - 1 not in view.quoted:
            first -= 1
        last = appositions_end(words, last, view.quoted)
        # a subject never follows a preposition: the parser took the object of "behind the raid"
        # for it, so the phrase reaches back to the start of the clause ("one of two groups ...")
        if first > 0 and words[first - 1].upos == "ADP" and words[head].deprel.startswith("nsubj"):
            while first > 0 and words[first - 1].upos not in ("PUNCT", "SCONJ", "CCONJ") \
                    and first - 1 not in view.quoted:
                first -= 1
        return first, last

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

    def noun_phrase(self, view: SentenceView, head: int) -> tuple[int, int]:
        return phrase(view.sentence, view.children, head, self.rules.mention_deprels)

    def content(self, pattern: Pattern, bound: dict[str, int], view: SentenceView, clause: Span,
                mention: tuple[int, int] | None, quotes: list[Span], text: str) -> Span | None:
        """The content span the pattern asks for; None when the sentence does not offer one."""
        spec, words = pattern.content, view.sentence.words
        if "subtree" in spec:
            node = bound[spec["subtree"]]
            first, last, join = view.left[node], view.right[node], spec.get("join", [words[node].deprel])
            # the parser splits long clauses into sibling clauses of the same relation: join them
            for sibling in view.related(node, "$++"):
                if words[sibling].deprel in join and view.left[sibling] == last + 1 \
                        and not self.rules.cue_word(words[sibling].lemma):
                    last = view.right[sibling]
            while first > 0 and words[first].text in ("'", "’", "'s", "’s", "s") and words[first - 1].upos == "PROPN":
                first -= 1  # a possessive the parser cut off: "Kyiv | 's troops"
            for name in spec.get("exclude", []):
                other = bound[name]
                if view.left[other] == first:
                    first = view.right[other] + 1
                elif view.right[other] == last:
                    last = view.left[other] - 1
            return view.span(first, last, text)
        if "left_of" in spec:
            edge = mention[0] if spec["left_of"] == pattern.speaker else view.left[bound[spec["left_of"]]]
            while edge < len(words) - 1 and words[edge].upos == "PUNCT":
                edge += 1
            return self.separated(view, 0, edge - 1, spec, text)
        if "right_of" in spec:
            edge = mention[1] if spec["right_of"] == pattern.speaker else view.right[bound[spec["right_of"]]]
            while edge > 0 and words[edge].upos == "PUNCT":
                edge -= 1
            span = self.separated(view, edge + 1, len(words) - 1, spec, text)
            if span and spec.get("through") == "paragraph":  # "PENCE: Well, look. … Donald Trump is on his way."
                end = text.find("\n", span.end)
                span = trimmed(Span(span.start, len(text) if end < 0 else end, ""), text)
            return span
        if "around" in spec:
            # "The museum, Mr. Obama said, would make visitors ...": the whole sentence, clause set off by commas
            first, last = mention[0] if mention else bound[spec["around"]], max(bound[spec["around"]], mention[1] if mention else 0)
            last = max([last] + [c for c in view.children[bound[spec["around"]]]
                                 if words[c].deprel in ("obl", "advmod", "obl:tmod", "obl:npmod")
                                 and c > bound[spec["around"]]])
            last = view.right[last] if last != bound[spec["around"]] else last
            before, after = words[first - 1] if first > 0 else None, words[last + 1] if last + 1 < len(words) else None
            if not (before and after and before.text == "," and after.text == "," and first > 1):
                return None
            return view.span(0, len(words) - 1, text)
        if "after" in spec:
            first, skip = bound[spec["after"]] + 1, set(spec.get("skip", []))
            for child in view.children[bound[spec["after"]]]:
                if view.left[child] == first and words[child].deprel in skip:
                    first = view.right[child] + 1
            return view.span(first, len(words) - 1, text) if opens_clause(words[first:]) else None
        return adjacent_quote(spec["quote"], clause, view.sentence, quotes, text)

    def separated(self, view: SentenceView, first: int, last: int, spec: dict, text: str) -> Span | None:
        """Words first..last, when punctuation including ``spec['separator']`` (if any) sets them apart."""
        words, separator = view.sentence.words, spec.get("separator")
        if separator:
            punctuation = []
            while first <= last and words[last].upos == "PUNCT":
                punctuation.append(words[last].text)
                last -= 1
            while first <= last and words[first].upos == "PUNCT":
                punctuation.append(words[first].text)
                first += 1
            if separator not in punctuation:
                return None
        return view.span(first, last, text)

    def channel(self, cue_index: int, cue_lemma: str, view: SentenceView, content: Span) -> str | None:
        """Where the text says the words were published: the cue's own channel or its modifiers."""
        words = view.sentence.words
        modifiers = [
            " ".join(w.text for w in words[view.left[c]: view.right[c] + 1])
            for c in view.children[cue_index]
            if words[c].deprel.startswith("obl") and not (content.start <= words[c].start < content.end)
        ]
        for channel in self.rules.channels:
            if any(channel.pattern.search(m, timeout=REGEX_TIMEOUT) for m in modifiers):
                return channel.name
        cue_word = self.rules.cue_word(cue_lemma)
        return cue_word.channel if cue_word else None

    def quote_type(self, content: Span, quotes: list[Span]) -> str:
        quoted = sum(max(0, min(q.end, content.end) - max(q.start, content.start)) for q in quotes)
        if quoted >= DIRECT_FLOOR * (content.end - content.start):
            return "direct"
        return "mixed" if quoted else "indirect"

    def sentence_quotes(self, article_id: str, view: SentenceView, quotes: list[Span], text: str) -> list[Quote]:
        found: list[Quote] = []
        claimed: set[int] = set()
        words = view.sentence.words
        for pattern in self.anchorable(view.sentence):
            for bound in match_pattern(pattern, self.tests[pattern.id], view):
                cue_indexes = self.cue_words(view, sorted(bound[name] for name in pattern.cue))
                if claimed.intersection(cue_indexes):
                    continue
                cue = Span(words[cue_indexes[0]].start, words[cue_indexes[-1]].end,
                           text[words[cue_indexes[0]].start: words[cue_indexes[-1]].end])
                mention = clear_of(self.mention(view, bound[pattern.speaker]), bound[pattern.speaker], cue_indexes) \
                    if pattern.speaker else None
                speaker = view.span(*mention, text) if mention else None
                clause = Span(min(cue.start, speaker.start if speaker else cue.start),
                              max(cue.end, speaker.end if speaker else cue.end), "")
                content = self.content(pattern, bound, view, clause, mention, quotes, text)
                if content is None or len(content.text.split()) < pattern.min_words:
                    continue
                if speaker and "around" not in pattern.content and content.start < speaker.end and speaker.start < content.end:
                    continue
                anchor = bound[pattern.cue[0]]
                cue_nodes = [words[bound[name]] for name in pattern.cue]
                cue_lemma = cue_nodes[0].lemma.lower() if len(cue_nodes) == 1 else \
                    " ".join(w.text.lower() for w in cue_nodes)  # "according to"
                cue_word = self.rules.cue_word(words[anchor].lemma)
                claimed.update(cue_indexes)
                found.append(Quote(
                    article_id=article_id,
                    sentence_index=view.sentence.index,
                    rule_id=pattern.id,
                    type=self.quote_type(content, quotes),
                    cue=cue,
                    cue_lemma=cue_lemma,
                    content=content,
                    speaker_span=speaker,
                    category=pattern.category or (cue_word.category if cue_word else "speech"),
                    channel=self.channel(anchor, words[anchor].lemma, view, content),
                ))
        return found

    def continue_quotes(self, text: str, sentences: list[Sentence], quotes: list[Span], found: list[Quote]) -> None:
        """A quotation interrupted by its attribution goes on after it, in the same paragraph:
        “A,” she said. “B.” and “A,” Tester said, referring to X, “B.” are one quote, A to B."""
        starts = [s.start for s in sentences]
        for quote in found:
            if quote.type == "indirect" or quote.cue is None:
                continue
            while True:
                clause_end = max(quote.content.end, quote.cue.end, quote.speaker_span.end if quote.speaker_span else 0)
                following = next((q for q in quotes if q.start >= clause_end), None)
                if following is None or not continues(text, starts, clause_end, following.start) or any(
                        other is not quote and (other.content.start < following.end and following.start < other.content.end
                                                or other.cue and clause_end <= other.cue.start < following.start)
                        for other in found):
                    break
                end = trimmed(following, text)
                if end is None:
                    break
                quote.content_parts = [*quote.parts, end]
                quote.content = Span(quote.content.start, end.end, text[quote.content.start:end.end])

    def floating_quotes(self, parsed: ParsedArticle, quotes: list[Span], found: list[Quote]) -> list[Quote]:
        """Quotations that open a paragraph after an attributed sentence, with no cue of their own."""
        rule = self.rules.floating
        if rule is None:
            return []
        text, sentences = parsed.article.text, parsed.sentences
        attributed = {q.sentence_index for q in found if q.speaker_span is not None}
        floating = []
        for quote in quotes:
            if any(q.content.start < quote.end and quote.start < q.content.end for q in found):
                continue
            sentence = next((s for s in sentences if s.start <= quote.start < s.end), None)
            content = trimmed(quote, text)
            if (sentence is None or content is None or len(content.text.split()) < rule.min_words
                    or text[text.rfind("\n", 0, quote.start) + 1:quote.start].strip(TRIM)
                    or self.has_own_cue(sentence, quotes)):
                continue
            if sentence.index - 1 in attributed | {q.sentence_index for q in floating}:
                floating.append(Quote(parsed.article.id, sentence.index, rule.id, "direct", None, None,
                                      content, None, category="speech"))
        return floating

    def has_own_cue(self, sentence: Sentence, quotes: list[Span]) -> bool:
        """Does a cue word outside quotation marks say who speaks in this sentence, found by a pattern or not?"""
        return any(self.rules.cue_word(w.lemma) and not any(q.start <= w.start < q.end for q in quotes)
                   for w in sentence.words)

    def article_quotes(self, parsed: ParsedArticle) -> list[Quote]:
        """All quotes the patterns find in one article, in text order."""
        text = parsed.article.text
        quotes = find_quotes(text)
        found = []
        for sentence in filter(self.anchorable, parsed.sentences):  # most sentences hold no cue: no view
            local = [q for q in quotes if q.start < sentence.end and sentence.start < q.end]
            view = SentenceView(sentence, local)
            found.extend(self.sentence_quotes(parsed.article.id, view, quotes, text))
        found = untangle(found, text)
        self.continue_quotes(text, parsed.sentences, quotes, found)
        found.extend(self.floating_quotes(parsed, quotes, found))
        found.sort(key=lambda q: (q.content.start, q.cue.start if q.cue else 0))
        return found


def clear_of(mention: tuple[int, int], head: int, cue: list[int]) -> tuple[int, int]:
    """The mention (first, last word) cut short of the cue, on the side of its head: a mention
    never holds its own cue ("Sanders: Clinton needs …", parsed with the clause as an appositive)."""
    first, last = mention
    for index in cue:
        if first <= index <= last:
            first, last = (index + 1, last) if index < head else (first, index - 1)
    return first, last


def continues(text: str, sentence_starts: list[int], clause_end: int, next_quote: int) -> bool:
    """Does the quotation at ``next_quote`` go on the one attributed up to ``clause_end``? Only the
    rest of the attribution sentence lies between (", referring to the excuse, " or ", an economist
    at the institute. "), in the same paragraph: the next quotation opens the following sentence
    or carries on in this one."""
    gap = text[clause_end:next_quote]
    if "\n" in gap or QUOTE_MARK.search(gap.strip(TRIM)):
        return False
    attribution = bisect.bisect_right(sentence_starts, clause_end - 1) - 1
    following = bisect.bisect_right(sentence_starts, next_quote) - 1
    lead = text[sentence_starts[following]:next_quote]
    return following == attribution or following == attribution + 1 and not lead.strip(TRIM)


def appositions_end(words: list[Word], last: int, quoted: set[int] | frozenset[int]) -> int:
    """The mention's last word once what describes it after it is taken in, whatever the parse made of
    it: appositions and relative clauses set off by commas ("Elez Biberaj, the director of the
    division, who …") and an "of" phrase ("Rep. Elijah Cummings of Maryland")."""
    while last + 2 < len(words) and words[last + 1].text.lower() in (",", "of") and last + 2 not in quoted:
        start = last + 2 if words[last + 1].text == "," else last + 1  # ", the director" | "of Maryland"
        end = next((w.index for w in words[start + 1:] if w.upos == "PUNCT" and w.text not in "()-'’"
                    or w.index in quoted), len(words))
        segment = words[start:end]
        if not segment:
            break
        head_part = next((segment[:i] for i, w in enumerate(segment) if "PronType=Rel" in w.feats), segment)
        if segment[0].text.lower() == "of":
            fits = not any(w.upos in ("VERB", "AUX") for w in segment)  # "of Maryland", not "of Acme said …"
        else:
            fits = segment[0].text.lower() in RELATIVE_OPENERS or segment[0].upos in APPOSITION_OPENERS and not any(
                w.upos in ("VERB", "AUX") and "VerbForm=Fin" in w.feats for w in head_part)
        if not fits:
            break  # a clause of its own: "According to the ministry, the attack failed"
        last = end - 1
    return last


def opens_clause(words: list[Word]) -> bool:
    """Do the words start with a clause: a finite verb before any comma, conjunction or relative word?"""
    for word in words:
        if word.upos in ("PUNCT", "CCONJ") or "PronType=Rel" in word.feats or "PronType=Int" in word.feats:
            return False
        if word.upos in ("VERB", "AUX") and "VerbForm=Fin" in word.feats:
            return True
    return False


def untangle(found: list[Quote], text: str) -> list[Quote]:
    """Settle cues that sit inside each other's content in one sentence.

    Two quotes holding each other's cue come from a misparse: keep the longer content.
    A content before its cue that holds another attribution's trailing "…, the spokesman added"
    is not reported speech; one that holds a whole attribution ("Putin has pledged to …, he
    said") nests it. A content running on into a second cue that shares its speaker
    ("said … but claimed …") ends before that cue.
    """
    def inside(span: Span | None, outer: Span) -> bool:
        return span is not None and outer.start <= span.start and span.end <= outer.end

    dropped: set[int] = set()
    for i, q in enumerate(found):
        for j, r in enumerate(found):
            if i == j or q.sentence_index != r.sentence_index or i in dropped or j in dropped:
                continue
            if inside(r.cue, q.content) and inside(q.cue, r.content):
                dropped.add(i if len(q.content.text) < len(r.content.text) else j)
            elif inside(r.cue, q.content) and q.cue and q.content.end <= q.cue.start and r.cue \
                    and r.content.end <= r.cue.start:
                dropped.add(i)  # "“…,” the spokesman added, with the channel claiming …": not q's words
            elif inside(r.cue, q.content) and r.content.start > r.cue.start and not inside(r.speaker_span, q.content):
                cut = regex.sub(r"(?:\W|\b(?:and|but|while|as well as)\b)*$", "", text[q.content.start:r.cue.start])
                if cut.strip():
                    q.content = trimmed(Span(q.content.start, q.content.start + len(cut), ""), text) or q.content
    return [q for i, q in enumerate(found) if i not in dropped]


def adjacent_quote(side: str, clause: Span, sentence: Sentence, quotes: list[Span], text: str) -> Span | None:
    """The quotation right before the cue clause, opening a sentence ("“…,” she said"), or the
    one right after it, introduced by a colon or closing the sentence ("he said: “…”")."""
    if side == "before":
        quote = next((q for q in reversed(quotes) if q.end <= clause.start), None)
        if quote is None:
            return None
        gap = text[quote.end:clause.start]
        paragraph_start = text.rfind("\n", 0, quote.start) + 1
        opens = not text[max(paragraph_start, sentence_start(text, quote.start)):quote.start].strip(TRIM)
        # “…,” she said | “….” ― Carla Sanchez (a signature)
        handed_over = regex.search(r"[,!?–—-]\W*$", text[quote.start:clause.start]) or text[clause.start] in "―—"
        ok = opens and not gap.strip(TRIM) and handed_over
    else:
        quote = next((q for q in quotes if q.start >= clause.end), None)
        if quote is None:
            return None
        gap = text[clause.end:quote.start]
        closes = quote.end >= sentence.end or not text[quote.end:sentence.end].strip(TRIM)
        ok = not gap.strip(TRIM) and closes or gap.rstrip(TRIM.replace(":", "")).endswith(":") and len(gap.split()) <= 8
    return trimmed(quote, text) if ok and "\n" not in gap else None


def sentence_start(text: str, offset: int) -> int:
    """Where the sentence around ``offset`` starts, judged from the text alone (., ! or ? then space)."""
    found = max(text.rfind(mark, 0, offset) for mark in (". ", "! ", "? ", "\n"))
    return found + 1 if found >= 0 else 0


def trimmed(span: Span, text: str) -> Span | None:
    """``span`` without edge spaces, quotation marks and punctuation; None when nothing is left."""
    start, end = span.start, span.end
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return Span(start, end, text[start:end]) if start < end else None
