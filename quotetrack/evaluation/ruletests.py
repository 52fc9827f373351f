"""Run the examples of every rule, as Semgrep runs a rule's test file.

Attribution rules run through the real parser and engine: each ``examples:`` text must
be attributed as given, each ``not:`` text left alone. Boilerplate rules run on their
lines: ``examples:`` removed, ``not:`` kept. An example marked ``todo:`` is a known gap:
it runs and is reported (``todo``, or ``fixed`` once it passes), and never fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..records import Article, Quote
from ..rulelang.rules import Example
from ..run.pipeline import Pipeline
from ..stages.view import TRIM


@dataclass
class ExampleResult:
    rule_id: str
    where: str  # file:line of the example
    problem: str | None  # None when the example passed
    todo: str | None = None  # the example's todo note: a known gap, reported and never failed
    found: str = ""  # what the rule found, with the steps that produced it

    @property
    def status(self) -> str:
        if self.todo:
            return "fixed" if self.problem is None else "todo"
        return "pass" if self.problem is None else "FAIL"

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


def _same(expected: str | None, found: str | None) -> bool:
    return expected is None or (found or "").strip(TRIM).lower() == expected.strip(TRIM).lower()


def _describe(quote: Quote) -> str:
    speaker = quote.speaker_span.text if quote.speaker_span else None
    return (f"speaker={speaker!r} cue={quote.cue.text if quote.cue else None!r} content={quote.content.text!r} "
            f"type={quote.type} steps={'+'.join(quote.steps)}")


def _judge(example: Example, rule_id: str, quotes: list[Quote]) -> str | None:
    mine = [q for q in quotes if q.rule_id == rule_id]
    if not example.match:
        return f"matched although it must not: {_describe(mine[0])}" if mine else None
    for quote in mine:
        speaker = quote.speaker_span.text if quote.speaker_span else None
        if (_same(example.speaker, speaker) and _same(example.cue, quote.cue.text if quote.cue else None)
                and _same(example.content, quote.content.text) and example.type in (None, quote.type)):
            return None
    found = "; ".join(map(_describe, mine)) or \
        "no match of this rule (others: " + ", ".join(sorted({q.rule_id for q in quotes})) + ")"
    return f"expected speaker={example.speaker!r} cue={example.cue!r} content={example.content!r}; found {found}"


def run_examples(pipeline: Pipeline, rule_id: str | None = None) -> list[ExampleResult]:
    """Parse every example (of ``rule_id`` only, if given) in one batch, attribute it, and judge it."""
    rules = [*pipeline.rules.patterns, *([pipeline.rules.floating] if pipeline.rules.floating else [])]
    cases = [(rule, example) for rule in rules if rule_id in (None, rule.id) for example in rule.examples]
    articles = [
        Article(f"example-{n}", f"{rule.file}:{example.line}", example.text,
                hashlib.sha256(example.text.encode()).hexdigest())
        for n, (rule, example) in enumerate(cases)
    ]
    results = [
        ExampleResult(rule.id, f"{rule.file}:{example.line}", _judge(example, rule.id, quotes), example.todo,
                      "; ".join(_describe(q) for q in quotes if q.rule_id == rule.id))
        for (rule, example), (_, quotes) in zip(cases, pipeline.run(articles))
    ]
    return results + ([] if rule_id else statement_results(pipeline)) + boilerplate_results(pipeline, rule_id)


def statement_results(pipeline: Pipeline) -> list[ExampleResult]:
    """The non-statement vetoes' examples (no quote may keep the cue, or one must) and the channel examples."""
    statements = pipeline.statements
    file = f"{pipeline.rules_dir / 'statements.yml'}"
    cases = [(veto.id, example.line, example.text, example) for veto in statements.vetoes for example in veto.examples]
    cases += [("channel", example.line, example.text, example) for example in statements.channel_examples]
    articles = [Article(f"statement-{n}", f"{file}:{line}", text, hashlib.sha256(text.encode()).hexdigest())
                for n, (_, line, text, _) in enumerate(cases)]
    results = []
    for (rule_id, line, _, example), (_, quotes) in zip(cases, pipeline.run(articles)):
        if isinstance(example, Example):
            kept = [q for q in quotes if q.cue and example.cue and example.cue.lower() in q.cue.text.lower()]
            problem = (f"a quote keeps the cue {example.cue!r}: {kept[0].content.text!r}" if example.match and kept
                       else f"no quote with the cue {example.cue!r} is kept" if not example.match and not kept
                       else None)
        else:
            channels = [q.channel for q in quotes]
            problem = None if example.channel in channels else f"expected channel {example.channel!r}; found {channels}"
        results.append(ExampleResult(rule_id, f"{file}:{line}", problem, getattr(example, "todo", None)))
    return results


def boilerplate_results(pipeline: Pipeline, rule_id: str | None = None) -> list[ExampleResult]:
    """Each boilerplate rule against its examples, which it must remove, and its ``not`` lines, which it must keep."""
    return [
        ExampleResult(rule.id, f"{rule.file}:{example.line}",
                      None if rule.matches(example.text) == example.match else
                      f"{'does not remove its example' if example.match else 'removes its not: line'} "
                      f"{example.text!r}", example.todo)
        for rule in pipeline.rules.boilerplate.rules if rule_id in (None, rule.id)
        for example in rule.examples
    ]
