"""Why a sentence was or was not attributed: its parse, its cue candidates, and each pattern's trace.

``explain`` parses a text with the real parser, runs the real engine over it, and for every
pattern whose anchor takes a word of a sentence (or one pattern, ``rule_id``) says whether it
matched and, if not, the first node or constraint that failed at the deepest point any anchor
reached — what a rule author needs to fix a pattern, as Semgrex's and spaCy's debuggers show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Article, Quote, Sentence, Span
from ..rulelang.rules import Node, Pattern
from ..run.pipeline import Pipeline
from ..stages.match import Plan, content_kind
from ..stages.view import SentenceView, WordTest, frozen

SHOWN_VALUES = 6  # values of a constraint shown before "…"
SHOWN_CANDIDATES = 3  # words shown that a failing node was tried on


@dataclass
class Trace:
    """One pattern on one sentence: the quotes it gave, else why not (``failure``), at which node (``node``)."""

    pattern: Pattern
    quotes: list[Quote] = field(default_factory=list)
    failure: str = ""
    node: str | None = None

    @property
    def matched(self) -> bool:
        return bool(self.quotes)


@dataclass
class Explanation:
    sentence: Sentence
    text: str  # the article text the sentence's offsets index
    cues: list[tuple[int, str, str]]  # (word index, lexicon, category) of each cue word candidate
    traces: list[Trace]
    quotes: list[Span]  # the article's quotations

    def words_text(self) -> str:
        return self.text[self.sentence.start:self.sentence.end]


def read_target(target: str) -> tuple[str, str, int | None]:
    """(source name, text, 1-based line or None) of ``TEXT | FILE[:LINE]``; a missing file is text itself."""
    path, _, line = target.rpartition(":")
    if path and line.isdigit() and Path(path).is_file():
        text = Path(path).read_text(encoding="utf-8")
        count = text.count("\n") + 1
        if not 1 <= int(line) <= count:
            raise ValueError(f"{path} has {count} lines: no line {line}")
        return path, text, int(line)
    if Path(target).is_file():
        return target, Path(target).read_text(encoding="utf-8"), None
    return "<text>", target, None


def explain(pipeline: Pipeline, text: str, line: int | None = None, rule_id: str | None = None,
            source: str = "<text>") -> list[Explanation]:
    """Parse ``text`` and explain each sentence (those on ``line`` only, when given)."""
    article = Article("explain", source, text, hashlib.sha256(text.encode()).hexdigest())
    parsed, quotes = next(pipeline.run([article]))
    if line is not None:
        first = sum(len(piece) + 1 for piece in text.split("\n")[:line - 1])
        last = first + len(text.split("\n")[line - 1])
        sentences = [s for s in parsed.sentences if s.start <= last and s.end >= first]
    else:
        sentences = parsed.sentences
    marks = pipeline.matcher.marks.find(text)  # the article's quotations, as the matcher finds them
    patterns = [p for p in pipeline.rules.attribution.patterns if rule_id in (None, p.id)]
    explanations = []
    for sentence in map(pipeline.matcher.cue_lemmas, sentences):  # the lemmas the patterns see
        view = SentenceView(sentence, marks)
        found = [q for q in quotes if q.sentence_index == sentence.index]
        anchored = {p for _, bits in pipeline.matcher.anchored(sentence) for p in range(bits.bit_length())
                    if bits >> p & 1}
        traces = [trace_pattern(pattern, view, found)
                  for position, pattern in enumerate(pipeline.rules.attribution.patterns)
                  if pattern in patterns and (rule_id is not None or position in anchored)]
        explanations.append(Explanation(sentence, text, cue_candidates(pipeline, sentence), traces, marks))
    return explanations


def cue_candidates(pipeline: Pipeline, sentence: Sentence) -> list[tuple[int, str, str]]:
    """The words whose lemma is in a cue lexicon, with the lexicon's name and the word's category."""
    found = []
    for word in sentence.words:
        for name, words in pipeline.rules.attribution.lexicons.items():
            if word.lemma in words:
                found.append((word.index, name, words[word.lemma].category))
    return found


def trace_pattern(pattern: Pattern, view: SentenceView, quotes: list[Quote]) -> Trace:
    """The pattern's quotes in the sentence, else the first failing node at the deepest point reached."""
    trace = Trace(pattern, [q for q in quotes if q.rule_id == pattern.id])
    if trace.matched:
        return trace
    plan = Plan(pattern.nodes, {})
    words = view.sentence.words
    anchors = plan.anchor_test.sieve(view, range(len(words)))
    if not anchors:
        trace.node = pattern.nodes[0].id
        trace.failure = f"no word meets the anchor {pattern.nodes[0].id!r}: " + why_not(
            pattern.nodes[0], view, range(len(words)))
        return trace
    deepest: tuple[int, str, str] = (-1, "", "")
    nodes = {node.id: node for node in pattern.nodes}
    for anchor in anchors:
        for depth, node_id, failure in failures({plan.anchor: anchor}, plan.links, 0, view, nodes):
            if depth > deepest[0]:
                deepest = (depth, node_id, failure)
    if deepest[0] == len(plan.links):
        trace.failure = ("every node matched, but no content came out of it (content "
                         f"{', '.join(content_kind(spec) for spec in pattern.content)}, min_words {pattern.min_words}), "
                         "its cue was taken by an earlier pattern, or a later step (untangle, a veto) removed it")
        return trace
    trace.node, trace.failure = deepest[1], deepest[2]
    return trace


def failures(bound: dict[str, int], links: list[tuple], step: int, view: SentenceView,
             nodes: dict[str, Node]) -> Iterator[tuple[int, str, str]]:
    """(step, node id, reason) of each dead end met completing ``bound``, as ``match.extend`` walks."""
    if step == len(links):
        yield step, "", ""
        return
    node_id, source_id, rel, after, absent, test = links[step]
    source = bound[source_id]
    words = view.sentence.words
    related = [i for i in view.related(source, rel) if i not in bound.values()
               and (after is None or (i > source) == after)]
    candidates = test.sieve(view, related)
    where = f"{source_id}={show(words[source])} {rel} {node_id}"
    if absent:
        if candidates:
            yield step, node_id, f"{where}: must be absent, but {show(words[candidates[0]])} is there"
            return
        yield from failures(bound, links, step + 1, view, nodes)
        return
    if not candidates:
        position = "" if after is None else f" ({'after' if after else 'before'} it)"
        tried = why_not(nodes[node_id], view, related) if related else f"no word stands in that relation{position}"
        yield step, node_id, f"{where}: {tried}"
        return
    for index in candidates:
        bound[node_id] = index
        yield from failures(bound, links, step + 1, view, nodes)
        del bound[node_id]


def why_not(node: Node, view: SentenceView, indexes) -> str:
    """The first constraint that each of the first few ``indexes`` fails."""
    checks = [(key, wanted, True) for key, wanted in frozen(node.constraints)] + \
             [(key, wanted, False) for key, wanted in frozen(node.negated)]
    tests = [WordTest(((key, wanted),), ()) if kept else WordTest((), ((key, wanted),)) for key, wanted, kept in checks]
    failed = {}  # word index → the position of its first failed check
    for index in indexes:
        failed[index] = next((n for n, test in enumerate(tests) if not test.sieve(view, [index])), len(tests))
    furthest = max(failed.values(), default=0)
    if failed and furthest < len(tests) and all(n == furthest for n in failed.values()):  # all fail one check
        key, wanted, kept = checks[furthest]
        return f"{'every' if kept else 'no'} word {'fails' if kept else 'meets'} {key}: {show_values(wanted)}"
    reasons = []
    for index in sorted(failed, key=lambda i: -failed[i])[:SHOWN_CANDIDATES]:  # the words that got furthest
        if failed[index] < len(tests):
            key, wanted, kept = checks[failed[index]]
            reasons.append(f"{show(view.sentence.words[index])} fails {'' if kept else 'not '}{key}: "
                           f"{show_values(wanted)}")
    more = len(failed) - SHOWN_CANDIDATES
    return "; ".join(reasons) + (f" (and {more} more words)" if more > 0 else "")


def show(word) -> str:
    return f"{word.text!r}#{word.index + 1}({word.lemma} {word.upos} {word.deprel})"


def show_values(wanted) -> str:
    if isinstance(wanted, frozenset):
        values = sorted(wanted)
        return "[" + ", ".join(values[:SHOWN_VALUES]) + (f", … {len(values)} in all" if len(values) > SHOWN_VALUES
                                                         else "") + "]"
    if isinstance(wanted, tuple):  # features
        return "{" + ", ".join(f"{name}: {show_values(values)}" for name, values in wanted) + "}"
    return getattr(wanted, "pattern", str(wanted))


def parse_table(sentence: Sentence, quoted: set[int]) -> list[str]:
    """The parse as a table: 1-based index, text, lemma, UPOS, XPOS, head (0: root), relation, in a quotation."""
    rows = [("#", "text", "lemma", "upos", "xpos", "head", "deprel", "quoted")] + [
        (str(w.index + 1), w.text, w.lemma, w.upos, w.xpos, str(w.head + 1), w.deprel, "q" if w.index in quoted else "")
        for w in sentence.words]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def parse_tree(sentence: Sentence) -> list[str]:
    """The parse as an indented tree, each word under its head, dependents in word order."""
    lines: list[str] = []

    def visit(index: int, depth: int) -> None:
        word = sentence.words[index]
        lines.append(f"{'  ' * depth}{word.deprel} {word.text} ({word.lemma} {word.upos}) #{index + 1}")
        for child in sentence.children[index]:
            if len(lines) <= len(sentence.words):  # an odd parse with a cycle is shown once
                visit(child, depth + 1)

    for root in (w.index for w in sentence.words if w.head < 0):
        visit(root, 0)
    return lines


def render(explanation: Explanation) -> str:
    sentence = explanation.sentence
    view = SentenceView(sentence, explanation.quotes)
    words = sentence.words
    cues = [f"  {show(words[i])}: lexicon {name}, category {category}" for i, name, category in explanation.cues]
    traces = []
    for trace in explanation.traces:
        if trace.matched:
            for quote in trace.quotes:
                speaker = quote.speaker_span.text if quote.speaker_span else None
                traces.append(f"  MATCH {trace.pattern.id}: speaker={speaker!r} "
                              f"cue={quote.cue.text if quote.cue else None!r} content={quote.content.text!r}")
        else:
            traces.append(f"  no    {trace.pattern.id}: {trace.failure}")
    return "\n".join([
        f"sentence {sentence.index + 1}: {' '.join(explanation.words_text().split())}",
        "", *parse_table(sentence, view.quoted), "", "tree:", *("  " + line for line in parse_tree(sentence)), "",
        "cue candidates:", *(cues or ["  none (no word's lemma is in cues.yml)"]), "",
        "patterns:", *(traces or ["  none anchored in this sentence"]),
    ]) + "\n"
