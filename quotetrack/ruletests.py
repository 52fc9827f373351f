"""Run the ``examples:`` of every attribution rule through the real parser and engine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .match import TRIM
from .pipeline import Pipeline
from .records import Article, Quote
from .rules import Example


@dataclass
class ExampleResult:
    rule_id: str
    example: Example
    file: str
    problem: str | None  # None when the example passed

    @property
    def where(self) -> str:
        return f"{self.file}:{self.example.line}"


def _same(expected: str | None, found: str | None) -> bool:
    return expected is None or (found or "").strip(TRIM).lower() == expected.strip(TRIM).lower()


def _judge(example: Example, rule_id: str, quotes: list[Quote]) -> str | None:
    mine = [q for q in quotes if q.rule_id == rule_id]
    if not example.match:
        return f"matched although it must not: {mine[0].content.text!r}" if mine else None
    for quote in mine:
        speaker = quote.speaker_span.text if quote.speaker_span else None
        if (_same(example.speaker, speaker) and _same(example.cue, quote.cue.text if quote.cue else None)
                and _same(example.content, quote.content.text) and example.type in (None, quote.type)):
            return None
    found = "; ".join(
        f"speaker={q.speaker_span.text if q.speaker_span else None!r} cue={q.cue.text if q.cue else None!r} "
        f"content={q.content.text!r} type={q.type}" for q in mine
    ) or "no match of this rule (others: " + ", ".join(sorted({q.rule_id for q in quotes})) + ")"
    return f"expected speaker={example.speaker!r} cue={example.cue!r} content={example.content!r}; found {found}"


def run_examples(pipeline: Pipeline) -> list[ExampleResult]:
    """Parse every example in one batch, attribute it, and judge it against its rule."""
    rules = [*pipeline.rules.patterns, *([pipeline.rules.floating] if pipeline.rules.floating else [])]
    cases = [(rule, example) for rule in rules for example in rule.examples]
    articles = [
        Article(f"example-{n}", f"{rule.file}:{example.line}", example.text,
                hashlib.sha256(example.text.encode()).hexdigest())
        for n, (rule, example) in enumerate(cases)
    ]
    results = []
    for (rule, example), (_, quotes) in zip(cases, pipeline.run(articles)):
        results.append(ExampleResult(rule.id, example, rule.file, _judge(example, rule.id, quotes)))
    return results
