"""Run the examples of every rule, as Semgrep runs a rule's test file.

Every example in a rules folder is a ``Case``: attribution rules (patterns.yml) and the
screen's vetoes and channel examples (statements.yml) run through the real parser and
pipeline; boilerplate rules run on their lines. A pattern's ``examples:`` text must be
attributed as given and its ``not:`` text left alone; a veto's ``match: true`` sentence may
keep no quote with its cue, a ``match: false`` one must; a channel example's quote must
carry its channel; a boilerplate rule removes its ``examples:`` and keeps its ``not:`` lines.
An example marked ``todo:`` is a known gap: it runs and is reported (``todo``, or ``fixed``
once it passes), and never fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..records import Article, Quote
from ..rulelang.loader import Rules
from ..rulelang.rules import BoilerplateRule, Example
from ..rulelang.statements import ChannelExample
from ..run.pipeline import BuildReport, Pipeline
from ..stages.view import TRIM


@dataclass(frozen=True)
class Case:
    """One example of one rule: ``kind`` is attribution, veto, channel or boilerplate."""

    kind: str
    rule_id: str
    file: str
    example: Example | ChannelExample
    rule: BoilerplateRule | None = None  # the boilerplate rule that runs it

    @property
    def where(self) -> str:
        return f"{self.file}:{self.example.line}"

    @property
    def label(self) -> str:
        """``file:line`` with the file's name only, as test ids show it."""
        return f"{Path(self.file).name}:{self.example.line}"

    @property
    def needs_parse(self) -> bool:
        return self.kind != "boilerplate"


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


def cases(rules: Rules, rule_id: str | None = None) -> list[Case]:
    """Every example of ``rules`` (of the rule ``rule_id`` only, if given), rule file by rule file."""
    statements_file = str(rules.folder / "statements.yml")
    found = [
        *(Case("attribution", rule.id, rule.file, example) for rule in rules.attributing() for example in rule.examples),
        *(Case("veto", veto.id, veto.file, example) for veto in rules.statements.vetoes for example in veto.examples),
        *(Case("channel", "channel", statements_file, example) for example in rules.statements.channel_examples),
        *(Case("boilerplate", rule.id, rule.file, example, rule) for rule in rules.boilerplate.rules
          for example in rule.examples),
    ]
    return [case for case in found if rule_id in (None, case.rule_id)]


def _same(expected: str | None, found: str | None) -> bool:
    return expected is None or (found or "").strip(TRIM).lower() == expected.strip(TRIM).lower()


def _describe(quote: Quote) -> str:
    speaker = quote.speaker_span.text if quote.speaker_span else None
    return (f"speaker={speaker!r} cue={quote.cue.text if quote.cue else None!r} content={quote.content.text!r} "
            f"type={quote.type} steps={'+'.join(quote.steps)}")


def _attributed(example: Example, rule_id: str, quotes: list[Quote]) -> str | None:
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


def _screened(example: Example, quotes: list[Quote]) -> str | None:
    kept = [q for q in quotes if q.cue and example.cue.lower() in q.cue.text.lower()]
    if example.match and kept:
        return f"a quote keeps the cue {example.cue!r}: {kept[0].content.text!r}"
    return f"no quote with the cue {example.cue!r} is kept" if not example.match and not kept else None


def _channelled(example: ChannelExample, quotes: list[Quote]) -> str | None:
    channels = [q.channel for q in quotes]
    return None if example.channel in channels else f"expected channel {example.channel!r}; found {channels}"


def _removed(rule: BoilerplateRule, example: Example) -> str | None:
    if rule.matches(example.text) == example.match:
        return None
    return f"{'does not remove its example' if example.match else 'removes its not: line'} {example.text!r}"


def judge(case: Case, quotes: list[Quote]) -> ExampleResult:
    """``case``'s result, given the quotes the pipeline attributed in its text (none for boilerplate)."""
    example = case.example
    if case.kind == "attribution":
        problem = _attributed(example, case.rule_id, quotes)
    elif case.kind == "veto":
        problem = _screened(example, quotes)
    elif case.kind == "channel":
        problem = _channelled(example, quotes)
    else:
        problem = _removed(case.rule, example)
    shown = [q for q in quotes if q.rule_id == case.rule_id] if case.kind == "attribution" else quotes
    return ExampleResult(case.rule_id, case.where, problem, example.todo, "; ".join(map(_describe, shown)))


def run_cases(pipeline: Pipeline, selected: list[Case]) -> list[ExampleResult]:
    """Parse the texts of ``selected`` that need a parse in one batch, attribute them, and judge every case."""
    articles = {f"example-{n}": Article(f"example-{n}", case.where, case.example.text,
                                        hashlib.sha256(case.example.text.encode()).hexdigest())
                for n, case in enumerate(selected) if case.needs_parse}
    report = BuildReport()
    quotes = {parsed.article.id: found for parsed, found in pipeline.run(articles.values(), report=report)}
    failed = dict(report.errors)
    results = []
    for n, case in enumerate(selected):
        article = articles.get(f"example-{n}")
        if article is not None and article.id not in quotes:
            why = failed.get(article.source, "not attributed")
            results.append(ExampleResult(case.rule_id, case.where, why, case.example.todo))
        else:
            results.append(judge(case, quotes.get(f"example-{n}", [])))
    return results

