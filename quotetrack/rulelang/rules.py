"""The attribution rules compiled from their YAML documents: cue lexicons, channels, dependency
patterns, the speakers gazetteer and mention relations, step settings; and boilerplate.

``loader`` reads and validates each file once and hands its document here; this module
checks what a schema cannot say (references between nodes, lexicon names, unique ids,
regular expressions) and compiles the rules for the engine in ``stages.match`` and for
``stages.ingest``. Every mistake is a ``RuleError`` with code, file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from ..errors import RuleError
from .schema import CONTENT_KINDS, WORD_ATTRS
from .yamlfile import LocatedDict, line_of

REGEX_TIMEOUT = 0.05  # seconds per call of a user-written regular expression (patterns, channels, boilerplate)
CHANNEL_MEMORY = 100_000  # phrases whose first channel is remembered
LEMMA_MEMORY = 100_000  # (form, lemma) pairs whose cue lemma is remembered


@dataclass
class CueWord:
    lemma: str
    category: str
    channel: str | None


@dataclass
class Channel:
    name: str
    pattern: regex.Pattern
    line: int | None


@dataclass
class Node:
    """One node of a dependency pattern: word constraints plus its relation to an earlier node."""

    id: str
    source: str | None  # the earlier node this one is tied to ("from")
    rel: str | None
    position: str | None  # "after" / "before" the node it is tied to, in word order
    constraints: dict  # attribute → frozenset | regex | bool | dict, compiled by match.word_tests
    negated: dict
    absent: bool


@dataclass
class Example:
    """A text a rule must attribute as given (``match``) or leave alone; ``todo`` marks a known gap."""

    text: str
    speaker: str | None
    cue: str | None
    content: str | None
    type: str | None
    match: bool
    todo: str | None
    line: int | None


@dataclass
class Pattern:
    id: str
    description: str
    nodes: list[Node]
    cue: list[str]
    speaker: str | None
    content: list[dict]  # content kinds with their options, tried in order until one gives content
    category: str | None
    min_words: int
    settings: dict[str, dict]  # step settings over those of defaults.yml
    examples: list[Example]
    file: str
    line: int | None


@dataclass
class FloatingRule:
    """A quotation that opens the sentence right after an attributed one continues that speaker."""

    id: str
    description: str
    min_words: int
    examples: list[Example]
    file: str
    line: int | None


@dataclass
class Speaker:
    name: str
    type: str | None
    role: str | None
    aliases: list[str]


@dataclass(frozen=True)
class BoilerplateRule:
    """One rule of ``boilerplate.yml``: its pattern removes the lines it matches whole."""

    id: str
    description: str
    pattern: regex.Pattern
    context: str
    examples: tuple[Example, ...]  # lines it must remove (``match``) or keep
    file: str
    line: int | None

    def matches(self, line: str) -> bool:
        """Whether the pattern matches the whole stripped ``line``; raises ``TimeoutError`` if it runs too long."""
        return self.match(line) is not None

    def match(self, line: str) -> regex.Match | None:
        """The pattern's match of the whole stripped ``line``; raises ``TimeoutError`` if it runs too long."""
        return self.pattern.fullmatch(line.strip(), timeout=REGEX_TIMEOUT)


@dataclass(frozen=True)
class Boilerplate:
    """The boilerplate rules, in file order; the first that matches a line removes it."""

    rules: tuple[BoilerplateRule, ...]


@dataclass
class RuleSet:
    lexicons: dict[str, dict[str, CueWord]]
    channels: list[Channel]
    cue_deprels: frozenset[str]
    cue_words: frozenset[str]
    cue_deprels_after: frozenset[str]
    inflections: tuple[tuple[str, str], ...]  # (form ending, lemma ending): "echoed" → echo
    patterns: list[Pattern]
    floating: FloatingRule | None
    speakers: list[Speaker]
    mention_deprels: frozenset[str]
    role_deprels: frozenset[str]
    pronouns: dict[str, str]
    person_nouns: frozenset[str]
    settings: dict[str, dict]  # step name → its settings (defaults.yml)
    article_steps: list[str]
    # phrase → the position in ``channels`` of the first channel found in it (len(channels): none)
    channel_found: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # (form, tagger's lemma) → the cue word's lemma ``cue_lemma`` reads instead, or None
    cue_lemma_found: dict[tuple[str, str], str | None] = field(default_factory=dict, init=False, repr=False,
                                                               compare=False)

    def cue_word(self, lemma: str) -> CueWord | None:
        for words in self.lexicons.values():
            if lemma in words:
                return words[lemma]
        return None

    def cue_lemma(self, form: str, lemma: str) -> str | None:
        """The lemma of a cue word that ``form`` inflects when the tagger's ``lemma`` is no cue word
        ("echoed", lemma "echoe" → echo; "pledged", lemma "pledg" → pledge), by the ``inflections`` of cues.yml;
        else None."""
        key = form, lemma
        if key not in self.cue_lemma_found:
            if len(self.cue_lemma_found) >= LEMMA_MEMORY:
                self.cue_lemma_found.clear()
            lower = form.lower()
            self.cue_lemma_found[key] = None if self.cue_word(lemma) else next(
                (stem + ending for suffix, ending in self.inflections if lower.endswith(suffix)
                 and len(stem := lower[:len(lower) - len(suffix)]) > 2 and self.cue_word(stem + ending)), None)
        return self.cue_lemma_found[key]

    def channel_in(self, phrases: Iterable[str]) -> str | None:
        """The name of the first channel whose pattern is found in one of ``phrases``."""
        first = len(self.channels)
        for phrase in phrases:
            found = self.channel_found.get(phrase)
            if found is None:
                if len(self.channel_found) >= CHANNEL_MEMORY:
                    self.channel_found.clear()
                found = self.channel_found[phrase] = next(
                    (i for i, channel in enumerate(self.channels) if channel.pattern.search(phrase, timeout=REGEX_TIMEOUT)),
                    len(self.channels))
            first = min(first, found)
        return self.channels[first].name if first < len(self.channels) else None


def _fail(path, value, message: str, code: str, default_line: int | None = None):
    raise RuleError(code, path, line_of(value, default_line), message)


def _strings(value) -> frozenset[str]:
    return frozenset(value if isinstance(value, list) else [value])


def compile_regex(path, source, line, flags=0) -> regex.Pattern:
    try:
        return regex.compile(source, flags)
    except regex.error as error:
        raise RuleError("QT104", path, line_of(source, line), f"bad regular expression {source!r}: {error}") from None


def _constraints(path, spec: dict, lexicons, line) -> dict:
    compiled = {}
    for key in WORD_ATTRS:
        if key not in spec:
            continue
        values: set[str] = set()
        for value in _strings(spec[key]):
            if value.startswith("@"):
                if value[1:] not in lexicons:
                    known = ", ".join(sorted(lexicons))
                    _fail(path, value, f"unknown lexicon {value!r} (known: {known})", "QT105", line)
                values.update(lexicons[value[1:]])
            else:
                values.add(value)
        compiled[key] = frozenset(values)
    if "feats" in spec:
        compiled["feats"] = {name: _strings(v) for name, v in spec["feats"].items()}
    if "regex" in spec:
        compiled["regex"] = compile_regex(path, spec["regex"], line)
    if "in_quote" in spec:
        compiled["in_quote"] = spec["in_quote"]
    return compiled


def _node(path, spec, present: set[str], lexicons, first: bool) -> Node:
    line = line_of(spec)
    source, rel = spec.get("from"), spec.get("rel")
    if not first and (source is None or rel is None):
        _fail(path, spec, f"node {spec['id']!r} needs 'from' (an earlier node) and 'rel'", "QT102")
    if first and (source is not None or rel is not None or spec.get("absent")):
        _fail(path, spec, f"the first node {spec['id']!r} is the anchor: no 'from', 'rel' or 'absent'", "QT102")
    if source is not None and source not in present:
        _fail(path, source, f"node {spec['id']!r} is tied to {source!r}, which is not an earlier present node",
              "QT105", line)
    return Node(
        id=str(spec["id"]),
        source=source,
        rel=rel,
        position=spec.get("position"),
        constraints=_constraints(path, spec, lexicons, line),
        negated=_constraints(path, spec.get("not", {}), lexicons, line),
        absent=spec.get("absent", False),
    )


def _content(path, spec, present: set[str], line) -> list[dict]:
    alternatives = spec if isinstance(spec, list) else [spec]
    for alternative in alternatives:
        kinds = [k for k in CONTENT_KINDS if k in alternative]
        if len(kinds) != 1:
            _fail(path, alternative, f"content takes exactly one content kind ({', '.join(CONTENT_KINDS)})", "QT102",
                  line)
        names = [*([alternative[kinds[0]]] if kinds[0] != "quote" else []), *alternative.get("exclude", [])]
        for name in names:
            if name not in present:
                _fail(path, name, f"content names {name!r}, which is not a present node", "QT105", line)
    return list(alternatives)


ATTRIBUTION_CHECKS = ("speaker", "cue", "content", "type")  # what an attribution example may expect


def example(spec, match: bool, checks: tuple[str, ...] = ()) -> Example:
    """An example as written: its text, or {text, todo} and what it expects of the keys ``checks``."""
    spec = {"text": spec} if isinstance(spec, str) else spec
    expected = {key: spec.get(key) for key in checks}
    return Example(text=str(spec["text"]), speaker=expected.get("speaker"), cue=expected.get("cue"),
                   content=expected.get("content"), type=expected.get("type"), match=match, todo=spec.get("todo"),
                   line=line_of(spec) or line_of(spec["text"]))


def examples(spec, checks: tuple[str, ...] = ()) -> list[Example]:
    """A rule's ``examples:`` (expecting ``checks``) and ``not:`` texts."""
    return [*(example(e, True, checks) for e in spec.get("examples", [])),
            *(example(e, False) for e in spec.get("not", []))]


def unique_id(path, spec, seen_ids: dict) -> str:
    rule_id = str(spec["id"])
    if rule_id in seen_ids:
        _fail(path, spec["id"], f"rule id {rule_id!r} is already used at {seen_ids[rule_id]}", "QT106", line_of(spec))
    seen_ids[rule_id] = f"{path}:{line_of(spec)}"
    return rule_id


def _from_template(path, spec, templates: dict):
    """A node's keys over those of the template it is ``like``."""
    if "like" not in spec:
        return spec
    if spec["like"] not in templates:
        _fail(path, spec["like"], f"unknown node template {spec['like']!r} (known: {', '.join(sorted(templates))})",
              "QT105", line_of(spec))
    node = LocatedDict({**templates[spec["like"]], **{k: v for k, v in spec.items() if k != "like"}})
    node.line = line_of(spec)
    return node


def pattern_nodes(path, specs: list, lexicons, templates: dict) -> list[Node]:
    """The nodes of a dependency pattern (patterns.yml, or a veto of statements.yml), checked and compiled."""
    nodes: list[Node] = []
    seen: set[str] = set()
    for node_spec in (_from_template(path, node, templates) for node in specs):
        if node_spec["id"] in seen:
            _fail(path, node_spec["id"], f"node id {node_spec['id']!r} used twice", "QT106", line_of(node_spec))
        node = _node(path, node_spec, {n.id for n in nodes if not n.absent}, lexicons, not nodes)
        seen.add(node.id)
        nodes.append(node)
    return nodes


def _pattern(path, spec, lexicons, seen_ids: dict, templates: dict) -> Pattern:
    line = line_of(spec)
    pattern_id = unique_id(path, spec, seen_ids)
    nodes = pattern_nodes(path, spec["nodes"], lexicons, templates)
    present = {n.id for n in nodes if not n.absent}
    cue = spec.get("cue", [nodes[0].id])
    cue = [cue] if isinstance(cue, str) else cue
    for name in [*cue, *([spec["speaker"]] if "speaker" in spec else [])]:
        if name not in present:
            _fail(path, name, f"pattern {pattern_id!r} refers to {name!r}, which is not a present node", "QT105", line)
    return Pattern(
        id=pattern_id,
        description=spec["description"],
        nodes=nodes,
        cue=list(cue),
        speaker=spec.get("speaker"),
        content=_content(path, spec["content"], present, line_of(spec["content"], line)),
        category=spec.get("category"),
        min_words=spec.get("min_words", 1),
        settings=dict(spec.get("settings", {})),
        examples=examples(spec, ATTRIBUTION_CHECKS),
        file=str(path),
        line=line,
    )


def _floating(path, spec, seen_ids: dict) -> FloatingRule | None:
    if spec is None:
        return None
    return FloatingRule(unique_id(path, spec, seen_ids), spec["description"], spec.get("min_words", 1),
                        examples(spec, ATTRIBUTION_CHECKS), str(path), line_of(spec))


def _lexicons(path, data) -> dict[str, dict[str, CueWord]]:
    lexicons: dict[str, dict[str, CueWord]] = {}
    for name, entries in data.items():
        words = {}
        for entry in entries:
            entry = {"lemma": entry} if isinstance(entry, str) else entry
            lemma = entry["lemma"]
            if lemma in words or any(lemma in other for other in lexicons.values()):
                _fail(path, lemma, f"lemma {lemma!r} is listed twice", "QT106", line_of(entry))
            words[str(lemma)] = CueWord(str(lemma), entry.get("category", "speech"), entry.get("channel"))
        lexicons[str(name)] = words
    return lexicons


def _channels(path, data) -> list[Channel]:
    return [Channel(e["name"], compile_regex(path, e["pattern"], line_of(e), regex.I), line_of(e)) for e in data]


def _speakers(data) -> list[Speaker]:
    return [Speaker(e["name"], e.get("type"), e.get("role"), list(e.get("aliases", []))) for e in data]


def boilerplate_rules(path: Path, data) -> Boilerplate:
    """The rules of boilerplate.yml, in file order."""
    rules, seen_ids = [], {}
    for spec in data["rules"]:
        line = line_of(spec)
        rules.append(BoilerplateRule(
            id=unique_id(path, spec, seen_ids), description=spec["description"],
            pattern=compile_regex(path, spec["pattern"], line), context=spec.get("context", "anywhere"),
            examples=tuple(examples(spec)), file=str(path), line=line,
        ))
    return Boilerplate(tuple(rules))


def thinly_tested(rules: RuleSet) -> list[Pattern | FloatingRule]:
    """The attribution rules with fewer than two examples or no ``not:`` text, ``todo`` examples not counted."""
    def counts(rule) -> tuple[int, int]:
        working = [e for e in rule.examples if not e.todo]
        return sum(e.match for e in working), sum(not e.match for e in working)

    return [rule for rule in [*rules.patterns, *([rules.floating] if rules.floating else [])]
            if counts(rule)[0] < 2 or counts(rule)[1] < 1]


def attribution_rules(paths: dict[str, Path], documents: dict[str, dict]) -> RuleSet:
    """The attribution rules of defaults.yml, cues.yml, patterns.yml and speakers.yml (``documents`` and
    ``paths`` by file name)."""
    defaults, cues, patterns_data, speakers = (
        documents[n] for n in ("defaults.yml", "cues.yml", "patterns.yml", "speakers.yml"))
    lexicons = _lexicons(paths["cues.yml"], cues["lexicons"])
    seen_ids: dict[str, str] = {}
    templates = patterns_data.get("templates", {})
    patterns = [_pattern(paths["patterns.yml"], p, lexicons, seen_ids, templates) for p in patterns_data["patterns"]]
    return RuleSet(
        lexicons=lexicons,
        channels=_channels(paths["cues.yml"], cues["channels"]),
        cue_deprels=frozenset(cues["cue_span"]["deprels"]),
        cue_words=frozenset(w.lower() for w in cues["cue_span"]["words"]),
        cue_deprels_after=frozenset(cues["cue_span"]["deprels_after"]),
        inflections=tuple((str(suffix), str(ending)) for suffix, ending in cues["inflections"]),
        patterns=patterns,
        floating=_floating(paths["patterns.yml"], patterns_data.get("floating"), seen_ids),
        speakers=_speakers(speakers["speakers"]),
        mention_deprels=frozenset(speakers["mentions"]["include"]),
        role_deprels=frozenset(speakers["mentions"]["role"]),
        pronouns={str(k).lower(): str(v) for k, v in speakers["pronouns"].items()},
        person_nouns=frozenset(w.lower() for w in speakers["person_nouns"]),
        settings={name: values for name, values in defaults.items() if name != "article_steps"},
        article_steps=list(defaults["article_steps"]),
    )
