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

from ..records import Article, ParsedArticle, Quote, Span
from ..rulelang.rules import RuleSet
from ..rulelang.statements import StatementRules
from .match import Plan, SentenceView, match_pattern

DATELINE_SEPARATORS = r"\s*(?:\([^)]{1,40}\))?\s*[-–—:]+\s*"


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
        """Cut the dateline off the quote's spans; False when nothing of the content is left."""
        quote.speaker_span = after(quote.speaker_span, dateline, text)
        content = after(quote.content, dateline, text)
        if content is None:
            return False
        quote.content = content
        quote.content_parts = [p for p in (after(p, dateline, text) for p in quote.content_parts) if p]
        return True


def after(span: Span | None, dateline: Span, text: str) -> Span | None:
    """``span`` without what it shares with the dateline; None when nothing is left."""
    if span is None or span.end <= dateline.start or span.start >= dateline.end:
        return span
    start = dateline.end
    while start < span.end and text[start].isspace():
        start += 1
    return replace(span, start=start, text=text[start:span.end]) if start < span.end else None


def dateline_span(article: Article) -> Span | None:
    """Where the dateline ingest read ("MOSCOW (AFP) -") is written in the article's text."""
    if not article.dateline_place:
        return None
    place = r"\s*,?\s*".join(regex.escape(part.strip()) for part in article.dateline_place.split(",") if part.strip())
    if not place:
        return None
    found = regex.search(rf"(?im)^\s*{place}{DATELINE_SEPARATORS}", article.text)
    if found is None:
        return None
    return Span(found.start(), found.end(), found.group())
