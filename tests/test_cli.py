"""The command line: help everywhere, one-line errors, the README's commands."""

import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES_DIR, SEEDS_GOLD
from quotetrack.cli import cli
from quotetrack.parse import Parser

COMMANDS = [[], ["build"], ["serve"], ["eval"], ["rules"], ["rules", "check"], ["rules", "test"],
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


@pytest.mark.parametrize("args,message", [
    (["build", "{tmp}/q.db", "{tmp}/missing"], "no such file or folder"),
    (["serve", "{tmp}/missing.db"], "no database at"),
    (["build", "{tmp}/q.db", str(EXAMPLES_DIR), "--models", "{tmp}"], "no Stanza models"),
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
