"""Attribution rules read from YAML: cue lexicons, channels, dependency patterns, the speakers gazetteer, boilerplate.

Rules are data; this module is their one loader. Each file is read with the strict YAML
loader (``yamlfile``), checked against its closed schema (``schema``), then for what a
schema cannot say (references between nodes, lexicon names, unique ids, regular
expressions), and compiled for the engine in ``match`` and for ``ingest``. Every mistake
is a ``RuleError`` with code, file and line, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from ..errors import RuleError
from .schema import CONTENT_KINDS, WORD_ATTRS, validate
from .yamlfile import LocatedDict, line_of, load_yaml

# An installed wheel carries the default rules as quotetrack/default_rules/; a checkout has them in rules/.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_RULES_DIR = next((path for path in (_PACKAGE_DIR / "default_rules", _PACKAGE_DIR.parent / "rules")
                          if path.is_dir()), _PACKAGE_DIR.parent / "rules")
RULE_FILES = ("defaults.yml", "cues.yml", "patterns.yml", "speakers.yml", "boilerplate.yml")
FOLDER_FILES = (*RULE_FILES, "statements.yml")  # what a rules folder must hold (stages.screen reads statements.yml)
REGEX_TIMEOUT = 0.05  # seconds per call of a user-written regular expression (patterns, channels, boilerplate)
CHANNEL_MEMORY = 100_000  # phrases whose first channel is remembered


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
    patterns: list[Pattern]
    floating: FloatingRule | None
    speakers: list[Speaker]
    mention_deprels: frozenset[str]
    role_deprels: frozenset[str]
    pronouns: dict[str, str]
    person_nouns: frozenset[str]
    group_nouns: frozenset[str]
    honorifics: frozenset[str]
    boilerplate: Boilerplate
    settings: dict[str, dict]  # step name → its settings (defaults.yml)
    article_steps: list[str]
    # phrase → the position in ``channels`` of the first channel found in it (len(channels): none)
    channel_found: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def cue_word(self, lemma: str) -> CueWord | None:
        for words in self.lexicons.values():
            if lemma in words:
                return words[lemma]
        return None

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

    def summary(self) -> list[dict]:
        """One row per rule for the ``rules`` table."""
        rules = [*self.patterns, *([self.floating] if self.floating else [])]
        return [{"id": r.id, "kind": "pattern", "description": r.description, "file": r.file, "line": r.line}
                for r in rules] + [
            {"id": r.id, "kind": "boilerplate", "description": r.description, "file": r.file, "line": r.line}
            for r in self.boilerplate.rules]


def _fail(path, value, message: str, code: str, default_line: int | None = None):
    raise RuleError(code, path, line_of(value, default_line), message)


def _strings(value) -> frozenset[str]:
    return frozenset(value if isinstance(value, list) else [value])


def _compile_regex(path, source, line, flags=0) -> regex.Pattern:
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
        compiled["regex"] = _compile_regex(path, spec["regex"], line)
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
    return [dict(alternative) for alternative in alternatives]


def _example(spec, match: bool) -> Example:
    spec = {"text": spec} if isinstance(spec, str) else spec
    return Example(text=str(spec["text"]), speaker=spec.get("speaker"), cue=spec.get("cue"),
                   content=spec.get("content"), type=spec.get("type"), match=match, todo=spec.get("todo"),
                   line=line_of(spec) or line_of(spec["text"]))


def _examples(spec) -> list[Example]:
    return [*(_example(e, True) for e in spec.get("examples", [])), *(_example(e, False) for e in spec.get("not", []))]


def _unique(path, spec, seen_ids: dict) -> str:
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


def _pattern(path, spec, lexicons, seen_ids: dict, templates: dict) -> Pattern:
    line = line_of(spec)
    pattern_id = _unique(path, spec, seen_ids)
    nodes: list[Node] = []
    seen: set[str] = set()
    for node_spec in (_from_template(path, node, templates) for node in spec["nodes"]):
        if node_spec["id"] in seen:
            _fail(path, node_spec["id"], f"node id {node_spec['id']!r} used twice", "QT106", line_of(node_spec))
        node = _node(path, node_spec, {n.id for n in nodes if not n.absent}, lexicons, not nodes)
        seen.add(node.id)
        nodes.append(node)
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
        examples=_examples(spec),
        file=str(path),
        line=line,
    )


def _floating(path, spec, seen_ids: dict) -> FloatingRule | None:
    if spec is None:
        return None
    return FloatingRule(_unique(path, spec, seen_ids), spec["description"], spec.get("min_words", 1),
                        _examples(spec), str(path), line_of(spec))


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
    return [Channel(e["name"], _compile_regex(path, e["pattern"], line_of(e), regex.I), line_of(e)) for e in data]


def _speakers(data) -> list[Speaker]:
    return [Speaker(e["name"], e.get("type"), e.get("role"), list(e.get("aliases", []))) for e in data]


def _boilerplate(path, data) -> Boilerplate:
    rules, seen_ids = [], {}
    for spec in data["rules"]:
        line = line_of(spec)
        rules.append(BoilerplateRule(
            id=_unique(path, spec, seen_ids), description=spec["description"],
            pattern=_compile_regex(path, spec["pattern"], line), context=spec.get("context", "anywhere"),
            examples=tuple(_examples(spec)), file=str(path), line=line,
        ))
    return Boilerplate(tuple(rules))


def thinly_tested(rules: RuleSet) -> list[Pattern | FloatingRule]:
    """The attribution rules with fewer than two examples or no ``not:`` text, ``todo`` examples not counted."""
    def counts(rule) -> tuple[int, int]:
        working = [e for e in rule.examples if not e.todo]
        return sum(e.match for e in working), sum(not e.match for e in working)

    return [rule for rule in [*rules.patterns, *([rules.floating] if rules.floating else [])]
            if counts(rule)[0] < 2 or counts(rule)[1] < 1]


def load_file(path: Path):
    """One rule file, read strictly and checked against its schema."""
    if not path.is_file():
        held = f"{', '.join(FOLDER_FILES[:-1])} and {FOLDER_FILES[-1]}"
        raise RuleError("QT100", path, None, f"rule file not found (a rules folder holds {held})")
    document = load_yaml(path)
    validate(path, document)
    return document


def load_boilerplate(rules_dir: str | Path = DEFAULT_RULES_DIR) -> Boilerplate:
    """Read and check ``rules_dir/boilerplate.yml``."""
    path = Path(rules_dir) / "boilerplate.yml"
    return _boilerplate(path, load_file(path))


def load_rules(rules_dir: str | Path = DEFAULT_RULES_DIR) -> RuleSet:
    """Read every rule file of ``rules_dir`` (``RULE_FILES``); any mistake raises ``RuleError``."""
    rules_dir = Path(rules_dir)
    paths = {name: rules_dir / name for name in RULE_FILES}
    defaults, cues, patterns_data, speakers = (
        load_file(paths[n]) for n in ("defaults.yml", "cues.yml", "patterns.yml", "speakers.yml"))
    boilerplate = load_boilerplate(rules_dir)
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
        patterns=patterns,
        floating=_floating(paths["patterns.yml"], patterns_data.get("floating"), seen_ids),
        speakers=_speakers(speakers["speakers"]),
        mention_deprels=frozenset(speakers["mentions"]["include"]),
        role_deprels=frozenset(speakers["mentions"]["role"]),
        pronouns={str(k).lower(): str(v) for k, v in speakers["pronouns"].items()},
        person_nouns=frozenset(w.lower() for w in speakers["person_nouns"]),
        group_nouns=frozenset(w.lower() for w in speakers["group_nouns"]),
        honorifics=frozenset(w.lower() for w in speakers["honorifics"]),
        boilerplate=boilerplate,
        settings={name: dict(values) for name, values in defaults.items() if name != "article_steps"},
        article_steps=list(defaults["article_steps"]),
    )
