"""Screen stage, between match and resolve: drop what is no statement, find the channel, keep
the dateline out.

Driven by rules/statements.yml: ``non_statements`` are vetoes written as dependency
patterns whose first node is a quote's cue ("declined to comment", "did not say whether",
"if the board says", "asked whether"); ``channel_relations`` are the cue's dependents read
for a channel (cues.yml ``channels``) when the match found none ("told reporters",
"In an interview with Czech Television, …"). A dateline ("RIO DE JANEIRO (Reuters) -")
is cut off any speaker or content span that starts in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import regex

from ..records import ParsedArticle, Quote, Span
from ..rulelang.rules import Example, Node, RuleSet, _example, _node, load_file
from ..rulelang.yamlfile import RuleError, line_of
from .ingest import dateline_span
from .match import Plan, SentenceView, match_pattern

MENTION_AFTER_DATELINE = 12  # words at most between a dateline and a cue that may be the speaker mention


@dataclass
class Veto:
    id: str
    description: str
    nodes: list[Node]
    examples: list[Example]
    file: str
    line: int | None


@dataclass
class ChannelExample:
    text: str
    channel: str
    line: int | None
    todo: str | None = None  # a known gap: reported, never failed


@dataclass
class StatementRules:
    vetoes: list[Veto]
    channel_relations: frozenset[str]
    channel_examples: list[ChannelExample]


def load_statement_rules(rules_dir: str | Path, rules: RuleSet) -> StatementRules:
    """Read rules/statements.yml; a mistake raises ``RuleError`` with file and line."""
    path = Path(rules_dir) / "statements.yml"
    data = load_file(path)
    if not isinstance(data, dict) or set(data) - {"non_statements", "channel_relations", "channel_examples"}:
        raise RuleError("QT103", path, line_of(data, 1),
                        "statements.yml holds non_statements, channel_relations and channel_examples")
    vetoes, seen_ids = [], set()
    for spec in data.get("non_statements") or []:
        if not isinstance(spec, dict) or not {"id", "description", "nodes", "examples"} <= set(spec) or \
                set(spec) - {"id", "description", "nodes", "examples"}:
            raise RuleError("QT103", path, line_of(spec), "a non-statement is {id, description, nodes, examples}")
        if spec["id"] in seen_ids:
            raise RuleError("QT106", path, line_of(spec), f"non-statement id {spec['id']!r} is already used")
        seen_ids.add(spec["id"])
        nodes, seen = [], set()
        for node_spec in spec["nodes"]:
            node = _node(path, node_spec, seen, rules.lexicons, not nodes)
            seen.add(node.id)
            nodes.append(node)
        examples = [_example(e, bool(e["match"])) for e in spec["examples"]]
        if not nodes or not examples:
            raise RuleError("QT102", path, line_of(spec), "a non-statement needs nodes and examples")
        vetoes.append(Veto(str(spec["id"]), str(spec["description"]), nodes, examples, str(path), line_of(spec)))
    relations = data.get("channel_relations") or []
    if not isinstance(relations, list) or not all(isinstance(r, str) for r in relations):
        raise RuleError("QT102", path, line_of(relations, 1), "channel_relations must be a list of relations")
    examples = []
    for spec in data.get("channel_examples") or []:
        if not isinstance(spec, dict) or not {"text", "channel"} <= set(spec) <= {"text", "channel", "todo"}:
            raise RuleError("QT103", path, line_of(spec), "a channel example is {text, channel}")
        examples.append(ChannelExample(str(spec["text"]), str(spec["channel"]), line_of(spec), spec.get("todo")))
    return StatementRules(vetoes, frozenset(relations), examples)


class Screen:
    def __init__(self, rules: RuleSet, statements: StatementRules):
        self.rules, self.statements = rules, statements
        shared: dict = {}
        self.plans = {veto.id: Plan(veto.nodes, shared) for veto in statements.vetoes}

    def screen(self, parsed: ParsedArticle, quotes: list[Quote], views: dict[int, SentenceView]) -> list[Quote]:
        """The quotes that are statements, with channel and spans outside the dateline; ``views``: the
        matcher's views of the article's sentences, by index."""
        text = parsed.article.text
        dateline = dateline_span(parsed.article)
        kept = []
        for quote in quotes:
            view = views.get(quote.sentence_index)
            if view is not None and quote.cue is not None:
                if self.vetoed(view, quote) is not None:
                    continue
                if quote.channel is None:
                    quote.channel = self.channel(view, quote)
            if dateline is not None and not self.clear_of_dateline(quote, dateline, text):
                continue
            kept.append(quote)
        return kept

    def vetoed(self, view: SentenceView, quote: Quote) -> str | None:
        """The id of the first veto whose cue node is one of the quote's cue words."""
        cue_words = [w.index for w in view.sentence.words if quote.cue.start <= w.start < quote.cue.end]
        return next((veto.id for veto in self.statements.vetoes
                     if match_pattern(self.plans[veto.id], view, cue_words)), None)

    def channel(self, view: SentenceView, quote: Quote) -> str | None:
        """Where the words were published, from the cue's dependents over ``channel_relations``."""
        words = view.sentence.words
        cue_words = [w.index for w in words if quote.cue.start <= w.start < quote.cue.end]
        phrases = []
        for cue in cue_words:
            for child in view.children[cue]:
                if words[child].deprel not in self.statements.channel_relations:
                    continue
                first, last = view.left[child], view.right[child]
                start, end = words[first].start, words[last].end
                if quote.content.start < end and start < quote.content.end:
                    continue  # what was said is no channel
                if quote.speaker_span and quote.speaker_span.start < end and start < quote.speaker_span.end:
                    continue
                phrases.append(" ".join(w.text for w in words[first:last + 1]))
        return self.rules.channel_in(phrases)

    def clear_of_dateline(self, quote: Quote, dateline: Span, text: str) -> bool:
        """Cut the dateline off the quote's spans; False when nothing of the content is left. A speaker
        mention the parser found only in the dateline ("LONDON, June 2, 2024 - Mayor Jane Holloway said",
        with LONDON as subject) is what stands between the dateline and the cue."""
        mention = after(quote.speaker_span, dateline, text)
        if mention is None and quote.speaker_span is not None and quote.cue is not None:
            mention = between(dateline, quote.cue, text)
        quote.speaker_span = mention
        content = after(quote.content, dateline, text)
        if content is None:
            return False
        quote.content = content
        quote.content_parts = [p for p in (after(p, dateline, text) for p in quote.content_parts) if p]
        return True


def between(dateline: Span, cue: Span, text: str) -> Span | None:
    """The words between the dateline and a cue right after it, as a speaker mention; None when that
    stretch is empty, long or holds a quotation or a clause of its own."""
    start, end = dateline.end, cue.start
    stretch = text[start:end] if start < end else ""
    if not stretch.strip() or len(stretch.split()) > MENTION_AFTER_DATELINE or regex.search(r"[\"“”:;]", stretch):
        return None
    stretch = stretch.rstrip(" ,")
    return Span(start, start + len(stretch), stretch)


def after(span: Span | None, dateline: Span, text: str) -> Span | None:
    """``span`` without what it shares with the dateline; None when nothing is left."""
    if span is None or span.end <= dateline.start or span.start >= dateline.end:
        return span
    start = dateline.end
    while start < span.end and text[start].isspace():
        start += 1
    return replace(span, start=start, text=text[start:span.end]) if start < span.end else None
