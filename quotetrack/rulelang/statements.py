"""What statements.yml says to the screen stage: vetoes (``non_statements``), written as dependency
patterns whose first node is a found quote's cue, the cue relations read for a channel, and the
sentences with the channel their quote must carry.

``loader`` hands the checked document here; ``stages.screen`` applies the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .rules import CueWord, Example, Node, example, pattern_nodes, unique_id
from .yamlfile import line_of


@dataclass
class Veto:
    id: str
    description: str
    nodes: list[Node]
    examples: list[Example]  # ``match``: no quote may keep the example's cue; else a quote with it is kept
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


def statement_rules(path: Path, data: dict, lexicons: dict[str, dict[str, CueWord]], templates: dict) -> StatementRules:
    """The rules of statements.yml (``data``, read from ``path``); a veto's nodes take the cue lexicons and
    node templates of the attribution rules."""
    seen_ids: dict[str, str] = {}
    vetoes = [Veto(unique_id(path, spec, seen_ids), str(spec["description"]),
                   pattern_nodes(path, spec["nodes"], lexicons, templates),
                   [example(e, e["match"], ("cue",)) for e in spec["examples"]], str(path), line_of(spec))
              for spec in data["non_statements"]]
    examples = [ChannelExample(str(spec["text"]), str(spec["channel"]), line_of(spec), spec.get("todo"))
                for spec in data.get("channel_examples", [])]
    return StatementRules(vetoes, frozenset(data.get("channel_relations", [])), examples)
