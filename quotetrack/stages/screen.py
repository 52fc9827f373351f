"""Screen stage, between match and resolve: drop what is no statement, find the channel, keep
the dateline out.

Driven by rules/statements.yml (read by ``rulelang.statements``): ``non_statements`` are vetoes written as dependency
patterns whose first node is a quote's cue ("declined to comment", "did not say whether",
"if the board says", "asked whether"); ``channel_relations`` are the cue's dependents read
for a channel (cues.yml ``channels``) when the match found none ("told reporters",
"In an interview with Czech Television, …"). A dateline ("RIO DE JANEIRO (Reuters) -")
is cut off any speaker or content span that starts in it.
"""

from __future__ import annotations

from dataclasses import replace

import regex

from ..records import ParsedArticle, Quote, Span
from ..rulelang.rules import RuleSet
from ..rulelang.statements import StatementRules
from .match import Plan, SentenceView, match_pattern

MENTION_AFTER_DATELINE = 12  # words at most between a dateline and a cue that may be the speaker mention


class Screen:
    def __init__(self, rules: RuleSet, statements: StatementRules):
        self.rules, self.statements = rules, statements
        shared: dict = {}
        self.plans = {veto.id: Plan(veto.nodes, shared) for veto in statements.vetoes}

    def screen(self, parsed: ParsedArticle, quotes: list[Quote], views: dict[int, SentenceView]) -> list[Quote]:
        """The quotes that are statements, with channel and spans outside the dateline; ``views``: the
        matcher's views of the article's sentences, by index."""
        text = parsed.article.text
        dateline = parsed.article.dateline
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
