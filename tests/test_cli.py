"""The command line: help everywhere, one-line errors, the README's commands."""

import shutil
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES_DIR, RULES_DIR, SEEDS_GOLD

from quotetrack.cli import cli
from quotetrack.stages import ingest
from quotetrack.stages.parse import Parser

COMMANDS = [[], ["build"], ["serve"], ["eval"], ["explain"], ["rules"], ["rules", "check"], ["rules", "test"],
            ["rules", "learn"], ["rules", "score"],
            ["models"], ["models", "download"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_build_writes_the_database(tmp_path):
    db_path = tmp_path / "quotes.db"
    result = CliRunner().invoke(cli, ["build", str(db_path), str(EXAMPLES_DIR)])
    assert result.exit_code == 0, result.output
    assert "5 articles (5 parsed" in result.output
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select count(*) from quotes").fetchone()[0] > 60


def test_a_second_build_reads_its_inputs_without_cleaning_them_again(tmp_path, monkeypatch):
    args = ["build", str(tmp_path / "quotes.db"), str(EXAMPLES_DIR), "--processes", "1"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    monkeypatch.setattr(ingest, "_article", lambda *args, **kwargs: pytest.fail("an input cleaned again"))
    result = CliRunner().invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert "5 articles (0 parsed, 0 unchanged, 0 skipped)" in result.output


@pytest.mark.parametrize("args,message", [
    (["build", "{tmp}/q.db", "{tmp}/missing"], "Error: QT300 no such file or folder"),
    (["serve", "{tmp}/missing.db"], "no database at"),
    (["build", "{tmp}/q.db", str(EXAMPLES_DIR), "--models", "{tmp}"], "Error: QT400 no Stanza models"),
])
def test_failures_are_one_line(tmp_path, args, message):
    result = CliRunner().invoke(cli, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


def test_rules_check():
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0 and "OK" in result.output


def test_eval_seeds_twice_parses_once(tmp_path, monkeypatch):
    cache = tmp_path / "cache.db"
    args = ["eval", str(SEEDS_GOLD), "--cache", str(cache), "--json"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert '"found": 60' in first.output
    with closing(sqlite3.connect(cache)) as db:
        assert db.execute("select count(*) from parses").fetchone()[0] == 5
    monkeypatch.setattr(Parser, "parse", lambda self, articles: pytest.fail("parsed again"))
    second = CliRunner().invoke(cli, args)
    assert second.output == first.output


def test_rules_test_runs_the_boilerplate_examples_too(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    boilerplate = rules / "boilerplate.yml"
    example = '      - "(This story has not been edited by Devdiscourse staff and is auto-generated from a syndicated feed.)"\n'
    text = boilerplate.read_text(encoding="utf-8")
    assert example in text
    boilerplate.write_text(text.replace(example, example + '      - "Kyiv said the attack failed."\n'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", "--rules", str(rules)])
    assert result.exit_code == 1
    line = text[:text.index(example)].count("\n") + 2
    assert f"FAIL {boilerplate}:{line} [syndication-notice]: does not remove its example 'Kyiv said the attack failed.'" \
        in result.output
