"""Rules: every example in rules/*.yml runs as a test; broken rule files fail with file and line."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES_DIR, RULES_DIR
from quotetrack.cli import cli
from quotetrack.ruletests import run_examples
from quotetrack.rules import load_rules
from quotetrack.yamlfile import RuleError


@pytest.fixture(scope="session")
def example_results(pipeline):
    return {f"{r.rule_id}@{r.where}": r for r in run_examples(pipeline)}


def example_ids():
    rules = load_rules(RULES_DIR)
    return [f"{rule.id}@{rule.file}:{example.line}"
            for rule in [*rules.patterns, rules.floating] for example in rule.examples]


@pytest.mark.parametrize("example_id", example_ids())
def test_rule_example(example_results, example_id):
    result = example_results[example_id]
    assert result.problem is None, f"{result.where}: {result.problem}"


def test_every_pattern_has_a_positive_example():
    rules = load_rules(RULES_DIR)
    for rule in [*rules.patterns, rules.floating]:
        assert any(example.match for example in rule.examples), rule.id


CUE_NODE = '      - {id: cue, lemma: ["@speech", "@stance"], upos: VERB, in_quote: false}\n'
BROKEN = [
    ("patterns.yml", CUE_NODE, CUE_NODE + "      - {id: oops, rel: '>>>', from: cue}\n", "QT103", "unknown relation '>>>'"),
    ("patterns.yml", CUE_NODE, CUE_NODE.replace("@speech", "@speeches"), "QT105", "unknown lexicon"),
    ("cues.yml", "channels:\n", "channels:\n  - {name: Bad, pattern: '(unclosed'}\n", "QT104", "bad regular expression"),
    ("speakers.yml", "speakers:\n", "speakers:\n  - {name: X, type: robot}\n", "QT102", "speaker type"),
    ("patterns.yml", "patterns:\n", "patterns:\n  - {id: [unclosed\n", "QT101", "invalid YAML"),
]


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    return Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))


def break_file(rules_dir: Path, name: str, old: str, new: str) -> int:
    path = rules_dir / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1 + new.count("\n") - old.count("\n")


@pytest.mark.parametrize("name,old,new,code,message", BROKEN)
def test_broken_rule_file_names_file_and_line(rules_copy, name, old, new, code, message):
    line = break_file(rules_copy, name, old, new)
    with pytest.raises(RuleError) as caught:
        load_rules(rules_copy)
    error = caught.value
    assert (error.code, Path(error.path).name) == (code, name)
    assert message in error.message
    assert abs(error.line - line) <= 1, (error.line, line)


def test_broken_rules_write_nothing(rules_copy, tmp_path):
    break_file(rules_copy, *BROKEN[0][:3])
    db_path = tmp_path / "quotes.db"
    result = CliRunner().invoke(cli, ["build", str(db_path), str(EXAMPLES_DIR), "--rules", str(rules_copy)])
    assert result.exit_code == 1
    assert "QT103" in result.output and "patterns.yml:" in result.output
    assert "Traceback" not in result.output
    assert not db_path.exists()
