"""No dead key: every key a rule file's schema validates is read by the code, every key the code reads
is in the schema, and every part of the loaded ``Rules`` is used.

The real rules/ are loaded through the real loader with each document's mappings replaced by
recording ones, which note every key the code asks for (``[key]``, ``get``, ``in``; iterating
is not asking). The rules are then applied as the product applies them: every example of every
rule runs through the stages and the seed articles are built into a database, with the loaded
objects noting which of their fields are read. A key counts by its schema: step settings are one schema in defaults.yml and a
pattern's ``settings:``, and a node is one schema in patterns.yml and statements.yml. A key is
read where the code reaches it: code that reads a setting only on a rare path should read it
up front, where every run sees it.
"""

import copy
import dataclasses

import pytest
from conftest import RULES_DIR

from quotetrack.evaluation.ruletests import cases, run_cases
from quotetrack.rulelang.lexicon import SpeakerLexicon
from quotetrack.rulelang.loader import RULE_FILES, compiled, load_file
from quotetrack.rulelang.rules import RuleSet
from quotetrack.rulelang.schema import SCHEMAS
from quotetrack.rulelang.statements import StatementRules
from quotetrack.rulelang.yamlfile import LocatedDict, LocatedList, line_of
from quotetrack.stages.match import Matcher
from quotetrack.stages.resolve import Resolver
from quotetrack.stages.screen import Screen


class RecordingDict(LocatedDict):
    """A mapping of a rule document that notes, in ``asked``, the path of every key the code asks for."""

    def __init__(self, data: dict, path: tuple, asked: set):
        super().__init__(data)
        self.path, self.asked = path, asked

    def __getitem__(self, key):
        self.asked.add((*self.path, key))
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.asked.add((*self.path, key))
        return super().get(key, default)

    def __contains__(self, key):
        self.asked.add((*self.path, key))
        return super().__contains__(key)


def recording(value, schema: dict, path: tuple, asked: set):
    """``value`` (valid under ``schema``) with every mapping in it a ``RecordingDict`` on the same line, and every
    string written as shorthand for a mapping of one required key ("- a line" for "- {text: a line}") that
    mapping; list items are at path step ``[]``."""
    kinds = schema.get("type", [])
    if isinstance(value, str) and "object" in kinds and len(schema.get("required", [])) == 1:
        value = _located(LocatedDict({schema["required"][0]: value}), value)
    if isinstance(value, dict):
        properties, others = schema.get("properties", {}), schema.get("additionalProperties")
        return _located(RecordingDict({k: recording(v, properties.get(k, others if isinstance(others, dict) else {}),
                                                    (*path, k), asked) for k, v in value.items()}, path, asked), value)
    if isinstance(value, list):
        return _located(LocatedList(recording(v, schema.get("items", {}), (*path, "[]"), asked) for v in value), value)
    return value


def _located(copied, original):
    copied.line = line_of(original)
    return copied


def watched(obj, read: set):
    """``obj`` (a dataclass) as an instance of a subclass that notes in ``read`` each of its fields read."""
    cls, fields = type(obj), {f.name for f in dataclasses.fields(obj)}

    def getattribute(self, name):
        if name in fields:
            read.add(f"{cls.__name__}.{name}")
        return object.__getattribute__(self, name)

    clone = object.__new__(type(cls.__name__, (cls,), {"__getattribute__": getattribute}))
    clone.__dict__.update(obj.__dict__)
    return clone


def schema_keys(schema: dict, path: str = ""):
    """(path, property schema) of every key ``schema`` validates that holds no keys of its own."""
    for key, sub in schema.get("properties", {}).items():
        below = list(schema_keys(sub, f"{path}.{key}".lstrip(".")))
        yield from below or [(f"{path}.{key}".lstrip("."), sub)]
    if isinstance(schema.get("additionalProperties"), dict):
        yield from schema_keys(schema["additionalProperties"], f"{path}.*")
    if isinstance(schema.get("items"), dict):
        yield from schema_keys(schema["items"], f"{path}[]")


def resolved(schema: dict, path: tuple) -> list[dict] | None:
    """The property schemas a recorded key ``path`` passes through; None when the schema has no such key."""
    passed = []
    for step in path:
        if step == "[]":
            schema = schema.get("items", {})
            continue
        if step in schema.get("properties", {}):
            schema = schema["properties"][step]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return None
        passed.append(schema)
    return passed


@pytest.fixture(scope="module")
def applied(pipeline, seed_articles, tmp_path_factory):
    """The real rules loaded through recording documents, then applied to every rule example and built with
    the seeds into a database: (keys asked by path, fields read by class.field)."""
    asked: set[tuple] = set()
    documents = {name: recording(load_file(RULES_DIR / name), SCHEMAS[name], (name,), asked) for name in RULE_FILES}
    rules = compiled(RULES_DIR, documents)
    read: set[str] = set()
    rules = dataclasses.replace(rules, attribution=watched(rules.attribution, read),
                                lexicon=watched(rules.lexicon, read), statements=watched(rules.statements, read))
    shadow = copy.copy(pipeline)  # the session's parser, these rules
    shadow.rules = rules
    shadow.matcher = Matcher(rules.attribution)
    shadow.screen = Screen(rules.attribution, rules.statements)
    shadow.resolver = Resolver(rules.attribution, rules.lexicon)
    results = run_cases(shadow, cases(rules))
    assert not [r for r in results if r.failed]
    report = shadow.build(tmp_path_factory.mktemp("keys") / "quotes.db", seed_articles)
    assert report.quotes > 50
    return asked, read


# Keys read by people or tests, not the engine: speakers.yml's examples are run by
# tests/test_speaker_examples.py (not yet by `quotetrack rules test`); precision.yml's counts and
# where they were measured are the provenance of each precision, for the reader.
READ_BY_TESTS = ("speakers.yml:examples", "precision.yml:measured_on", "precision.yml:rules.*.quotes",
                 "precision.yml:rules.*.correct")


def unread(asked: set[tuple]) -> list[str]:
    reached = {id(schema) for path in asked for schema in resolved(SCHEMAS[path[0]], path[1:]) or []}
    return [f"{name}:{path}" for name in RULE_FILES for path, schema in schema_keys(SCHEMAS[name])
            if id(schema) not in reached and not f"{name}:{path}".startswith(READ_BY_TESTS)]


def test_every_key_the_schema_validates_is_read(applied):
    asked, _ = applied
    assert unread(asked) == []


def test_every_key_the_code_reads_is_in_the_schema(applied):
    asked, _ = applied
    assert sorted(":".join(map(str, path)) for path in asked if resolved(SCHEMAS[path[0]], path[1:]) is None) == []


def test_every_part_of_the_loaded_rules_is_used(applied):
    _, read = applied
    fields = {f"{cls.__name__}.{f.name}" for cls in (RuleSet, SpeakerLexicon, StatementRules)
              for f in dataclasses.fields(cls)}
    assert sorted(fields - read) == []


def test_a_key_nothing_reads_is_caught(applied, monkeypatch):
    """The check fails on a dead key: one the schema validates (and docs/rules.md would document) that no code reads."""
    asked, _ = applied
    speakers = SCHEMAS["speakers.yml"]["properties"]
    monkeypatch.setitem(speakers, "honorifics", {"type": "array", "items": {"type": "string"}})
    assert unread(asked) == ["speakers.yml:honorifics"]
