"""Attribution rules read from YAML: cue lexicons, channels, dependency patterns, the speakers gazetteer.

Rules are data; this module only checks them and compiles them for the engine in ``match``.
Every mistake is a ``RuleError`` naming file and line, raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import regex

from .yamlfile import RuleError, line_of, load_yaml

# An installed wheel carries the default rules as quotetrack/default_rules/; a checkout has them in rules/.
_PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_RULES_DIR = next((path for path in (_PACKAGE_DIR / "default_rules", _PACKAGE_DIR.parent / "rules")
                          if path.is_dir()), _PACKAGE_DIR.parent / "rules")
REGEX_TIMEOUT = 0.05  # seconds per user-written regex call

RELATIONS = (">", "<", ">>", "<<", ".", ".*", ";", ";*", "$+", "$-", "$++", "$--")
WORD_ATTRS = ("lemma", "text", "lower", "upos", "xpos", "deprel")
NODE_KEYS = {"id", "from", "rel", "position", "absent", "feats", "regex", "in_quote", "not", *WORD_ATTRS}
CONTENT_KINDS = ("subtree", "quote", "left_of", "right_of", "after", "around")
PATTERN_KEYS = {"id", "description", "nodes", "cue", "speaker", "content", "category", "min_words", "examples"}
EXAMPLE_KEYS = {"text", "speaker", "cue", "content", "type", "match"}


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
    text: str
    speaker: str | None
    cue: str | None
    content: str | None
    type: str | None
    match: bool
    line: int | None


@dataclass
class Pattern:
    id: str
    description: str
    nodes: list[Node]
    cue: list[str]
    speaker: str | None
    content: dict
    category: str | None
    min_words: int
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

    def cue_word(self, lemma: str) -> CueWord | None:
        for words in self.lexicons.values():
            if lemma in words:
                return words[lemma]
        return None

    def summary(self) -> list[dict]:
        """One row per rule for the ``rules`` table."""
        rules = [*self.patterns, *([self.floating] if self.floating else [])]
        return [{"id": r.id, "kind": "pattern", "description": r.description, "file": r.file, "line": r.line}
                for r in rules]


def _fail(path, value, message: str, code: str = "QT102", default_line: int | None = None):
    raise RuleError(code, path, line_of(value, default_line), message)


def _expect(path, value, kind: type, what: str, default_line=None):
    if not isinstance(value, kind):
        _fail(path, value, f"{what} must be a {kind.__name__}, not {type(value).__name__}", default_line=default_line)
    return value


def _strings(path, value, what: str, line) -> frozenset[str]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, str):
            _fail(path, item, f"{what} must be a string or a list of strings", default_line=line)
    return frozenset(values)


def _compile_regex(path, source, line, flags=0) -> regex.Pattern:
    try:
        return regex.compile(source, flags)
    except (regex.error, TypeError) as error:
        raise RuleError("QT104", path, line_of(source, line), f"bad regular expression {source!r}: {error}") from None


def _constraints(path, spec: dict, lexicons, line) -> dict:
    compiled = {}
    for key in WORD_ATTRS:
        if key not in spec:
            continue
        values: set[str] = set()
        for value in _strings(path, spec[key], key, line):
            if value.startswith("@"):
                if value[1:] not in lexicons:
                    known = ", ".join(sorted(lexicons))
                    _fail(path, value, f"unknown lexicon {value!r} (known: {known})", "QT105", line)
                values.update(lexicons[value[1:]])
            else:
                values.add(value)
        compiled[key] = frozenset(values)
    if "feats" in spec:
        feats = _expect(path, spec["feats"], dict, "feats", line)
        compiled["feats"] = {name: _strings(path, v, f"feats.{name}", line) for name, v in feats.items()}
    if "regex" in spec:
        compiled["regex"] = _compile_regex(path, spec["regex"], line)
    if "in_quote" in spec:
        compiled["in_quote"] = bool(spec["in_quote"])
    return compiled


def _node(path, spec, seen: set[str], lexicons) -> Node:
    _expect(path, spec, dict, "a pattern node")
    line = line_of(spec)
    unknown = set(spec) - NODE_KEYS
    if unknown:
        _fail(path, spec, f"unknown node key(s) {sorted(unknown)} (known: {sorted(NODE_KEYS)})", "QT103")
    if "id" not in spec:
        _fail(path, spec, "a node needs an id")
    source, rel = spec.get("from"), spec.get("rel")
    if seen and (source is None or rel is None):
        _fail(path, spec, f"node {spec['id']!r} needs 'from' (an earlier node) and 'rel'")
    if source is not None and source not in seen:
        _fail(path, spec, f"node {spec['id']!r} is tied to {source!r}, which is not an earlier node", "QT105")
    if rel is not None and rel not in RELATIONS:
        _fail(path, rel, f"unknown relation {rel!r} (known: {' '.join(RELATIONS)})", "QT103", line)
    if spec.get("position") not in (None, "before", "after"):
        _fail(path, spec, "position must be 'before' or 'after'", "QT102")
    negated = spec.get("not", {})
    _expect(path, negated, dict, "'not'", line)
    if set(negated) - set(WORD_ATTRS) - {"feats", "regex", "in_quote"}:
        _fail(path, negated, f"unknown key(s) under 'not': {sorted(set(negated) - set(WORD_ATTRS))}", "QT103", line)
    return Node(
        id=str(spec["id"]),
        source=source,
        rel=rel,
        position=spec.get("position"),
        constraints=_constraints(path, spec, lexicons, line),
        negated=_constraints(path, negated, lexicons, line),
        absent=bool(spec.get("absent", False)),
    )


def _content(path, spec, node_ids: set[str], line) -> dict:
    _expect(path, spec, dict, "content", line)
    kinds = [k for k in CONTENT_KINDS if k in spec]
    if len(kinds) != 1:
        _fail(path, spec, f"content needs exactly one of {', '.join(CONTENT_KINDS)}", default_line=line)
    kind = kinds[0]
    if kind == "quote":
        if spec["quote"] not in ("before", "after"):
            _fail(path, spec, "content quote must be 'before' or 'after'", default_line=line)
    elif spec[kind] not in node_ids:
        _fail(path, spec, f"content {kind} names unknown node {spec[kind]!r}", "QT105", line)
    for name in spec.get("exclude", []):
        if name not in node_ids:
            _fail(path, spec, f"content exclude names unknown node {name!r}", "QT105", line)
    return dict(spec)


def _example(path, spec) -> Example:
    _expect(path, spec, dict, "an example")
    unknown = set(spec) - EXAMPLE_KEYS
    if unknown:
        _fail(path, spec, f"unknown example key(s) {sorted(unknown)} (known: {sorted(EXAMPLE_KEYS)})", "QT103")
    if "text" not in spec:
        _fail(path, spec, "an example needs a text")
    return Example(
        text=str(spec["text"]),
        speaker=spec.get("speaker"),
        cue=spec.get("cue"),
        content=spec.get("content"),
        type=spec.get("type"),
        match=bool(spec.get("match", True)),
        line=line_of(spec),
    )


def _pattern(path, spec, lexicons, seen_ids: dict) -> Pattern:
    _expect(path, spec, dict, "a pattern")
    line = line_of(spec)
    unknown = set(spec) - PATTERN_KEYS
    if unknown:
        _fail(path, spec, f"unknown pattern key(s) {sorted(unknown)} (known: {sorted(PATTERN_KEYS)})", "QT103")
    for key in ("id", "description", "nodes", "content", "examples"):
        if key not in spec:
            _fail(path, spec, f"pattern {spec.get('id', '?')!r} needs {key!r}")
    pattern_id = str(spec["id"])
    if pattern_id in seen_ids:
        _fail(path, spec, f"pattern id {pattern_id!r} is already used at {seen_ids[pattern_id]}", "QT106")
    seen_ids[pattern_id] = f"{path}:{line}"
    nodes: list[Node] = []
    seen: set[str] = set()
    for node_spec in _expect(path, spec["nodes"], list, "nodes", line):
        node = _node(path, node_spec, seen, lexicons)
        if node.id in seen:
            _fail(path, node_spec, f"node id {node.id!r} used twice", "QT106")
        seen.add(node.id)
        nodes.append(node)
    if not nodes or nodes[0].absent:
        _fail(path, spec, "a pattern needs a first (anchor) node that is not absent", default_line=line)
    present = {n.id for n in nodes if not n.absent}
    cue = spec.get("cue", [nodes[0].id])
    cue = [cue] if isinstance(cue, str) else cue
    for name in [*cue, *([spec["speaker"]] if spec.get("speaker") else [])]:
        if name not in present:
            _fail(path, spec, f"pattern {pattern_id!r} refers to unknown node {name!r}", "QT105")
    examples = [_example(path, e) for e in _expect(path, spec["examples"], list, "examples", line)]
    if not examples:
        _fail(path, spec, f"pattern {pattern_id!r} needs at least one example", default_line=line)
    return Pattern(
        id=pattern_id,
        description=str(spec["description"]),
        nodes=nodes,
        cue=[str(c) for c in cue],
        speaker=spec.get("speaker"),
        content=_content(path, spec["content"], present, line),
        category=spec.get("category"),
        min_words=int(spec.get("min_words", 1)),
        examples=examples,
        file=str(path),
        line=line,
    )


def _floating(path, spec, seen_ids: dict) -> FloatingRule | None:
    if spec is None:
        return None
    _expect(path, spec, dict, "floating")
    unknown = set(spec) - {"id", "description", "min_words", "examples"}
    if unknown or not {"id", "description", "examples"} <= set(spec):
        _fail(path, spec, "floating is {id, description, min_words, examples}", "QT103")
    if spec["id"] in seen_ids:
        _fail(path, spec, f"rule id {spec['id']!r} is already used at {seen_ids[spec['id']]}", "QT106")
    examples = [_example(path, e) for e in _expect(path, spec["examples"], list, "examples", line_of(spec))]
    return FloatingRule(str(spec["id"]), str(spec["description"]), int(spec.get("min_words", 1)),
                        examples, str(path), line_of(spec))


def _lexicons(path, data) -> dict[str, dict[str, CueWord]]:
    lexicons = {}
    for name, entries in _expect(path, data, dict, "lexicons").items():
        words = {}
        for entry in _expect(path, entries, list, f"lexicon {name!r}", line_of(data)):
            entry = {"lemma": entry} if isinstance(entry, str) else entry
            _expect(path, entry, dict, "a lexicon entry", line_of(entries))
            unknown = set(entry) - {"lemma", "category", "channel"}
            if unknown or "lemma" not in entry:
                _fail(path, entry, "a lexicon entry is a lemma or {lemma, category, channel}", "QT103")
            if entry["lemma"] in words or any(entry["lemma"] in other for other in lexicons.values()):
                _fail(path, entry, f"lemma {entry['lemma']!r} is listed twice", "QT106")
            words[str(entry["lemma"])] = CueWord(str(entry["lemma"]), entry.get("category", "speech"), entry.get("channel"))
        lexicons[str(name)] = words
    return lexicons


def _channels(path, data) -> list[Channel]:
    channels = []
    for entry in _expect(path, data, list, "channels"):
        _expect(path, entry, dict, "a channel", line_of(data))
        if set(entry) != {"name", "pattern"}:
            _fail(path, entry, "a channel is {name, pattern}", "QT103")
        channels.append(Channel(str(entry["name"]), _compile_regex(path, entry["pattern"], line_of(entry), regex.I), line_of(entry)))
    return channels


def _speakers(path, data) -> list[Speaker]:
    speakers = []
    for entry in _expect(path, data, list, "speakers"):
        _expect(path, entry, dict, "a speaker", line_of(data))
        unknown = set(entry) - {"name", "type", "role", "aliases"}
        if unknown or "name" not in entry:
            _fail(path, entry, f"a speaker is {{name, type, role, aliases}}; got {sorted(entry)}", "QT103")
        if entry.get("type") not in (None, "person", "organisation", "place", "group"):
            _fail(path, entry, "speaker type must be person, organisation, place or group", "QT102")
        aliases = entry.get("aliases", [])
        speakers.append(Speaker(str(entry["name"]), entry.get("type"), entry.get("role"), [str(a) for a in aliases]))
    return speakers


def _section(path, data, key: str):
    if key not in data:
        _fail(path, data, f"missing section {key!r}", default_line=1)
    return data[key]


def load_rules(rules_dir: str | Path = DEFAULT_RULES_DIR) -> RuleSet:
    """Read cues.yml, patterns.yml and speakers.yml from ``rules_dir``; any mistake raises ``RuleError``."""
    rules_dir = Path(rules_dir)
    cues_path, patterns_path, speakers_path = (rules_dir / n for n in ("cues.yml", "patterns.yml", "speakers.yml"))
    for path in (cues_path, patterns_path, speakers_path):
        if not path.is_file():
            raise RuleError("QT100", path, None, "rule file not found")
    cues = _expect(cues_path, load_yaml(cues_path), dict, "cues.yml", 1)
    lexicons = _lexicons(cues_path, _section(cues_path, cues, "lexicons"))
    channels = _channels(cues_path, _section(cues_path, cues, "channels"))
    cue_span = _expect(cues_path, _section(cues_path, cues, "cue_span"), dict, "cue_span", 1)
    patterns_data = _expect(patterns_path, load_yaml(patterns_path), dict, "patterns.yml", 1)
    seen_ids: dict[str, str] = {}
    patterns = [
        _pattern(patterns_path, p, lexicons, seen_ids)
        for p in _expect(patterns_path, _section(patterns_path, patterns_data, "patterns"), list, "patterns")
    ]
    speakers_data = _expect(speakers_path, load_yaml(speakers_path), dict, "speakers.yml", 1)
    mentions = _expect(speakers_path, _section(speakers_path, speakers_data, "mentions"), dict, "mentions")

    def words(data, key, path=speakers_path):
        return _strings(path, _section(path, data, key), key, line_of(data))

    pronouns = _expect(speakers_path, _section(speakers_path, speakers_data, "pronouns"), dict, "pronouns")
    return RuleSet(
        lexicons=lexicons,
        channels=channels,
        cue_deprels=words(cue_span, "deprels", cues_path),
        cue_words=frozenset(w.lower() for w in words(cue_span, "words", cues_path)),
        cue_deprels_after=words(cue_span, "deprels_after", cues_path),
        patterns=patterns,
        floating=_floating(patterns_path, patterns_data.get("floating"), seen_ids),
        speakers=_speakers(speakers_path, _section(speakers_path, speakers_data, "speakers")),
        mention_deprels=words(mentions, "include"),
        role_deprels=words(mentions, "role"),
        pronouns={str(k).lower(): str(v) for k, v in pronouns.items()},
        person_nouns=frozenset(w.lower() for w in words(speakers_data, "person_nouns")),
        group_nouns=frozenset(w.lower() for w in words(speakers_data, "group_nouns")),
        honorifics=frozenset(w.lower() for w in words(speakers_data, "honorifics")),
    )
