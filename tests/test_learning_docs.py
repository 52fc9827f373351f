"""docs/learning-rules.md stays true: its commands parse with the CLI, its explain output is what explain prints."""

import re
import shlex
import shutil

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, RULES_DIR

from quotetrack.cli import cli

DOC = (ROOT / "docs" / "learning-rules.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"^\$ (quotetrack .+)$", DOC, re.MULTILINE)
EXPLAIN = '"That plan will never work," the senator fumed.'


def quoted_lines(block: int) -> list[str]:
    """The pattern lines of the doc's ``block``-th text block."""
    blocks = re.findall(r"```text\n(.*?)```", DOC, re.DOTALL)
    return [line for line in blocks[block].splitlines() if line.startswith(("  no ", "  MATCH ", "  none"))]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_parses(command):
    # the corpus beside the checkout may be absent: its folder stands in for it; article.txt likewise
    stand_ins = {"../shared/eval/polnear/data/train": str(ROOT / "tests" / "data" / "polnear-mini" / "train")}
    args = [stand_ins.get(arg, arg) for arg in shlex.split(command)[1:]]
    command = cli
    while isinstance(command, click.Group):  # down through the groups
        assert args[0] in command.commands, f"no command {args[0]!r}"
        command, args = command.commands[args[0]], args[1:]
    command.make_context(command.name, args)  # raises on an unknown option or a bad value


def test_the_walkthrough_prints_what_the_doc_shows(tmp_path):
    my_rules = tmp_path / "my-rules"
    shutil.copytree(RULES_DIR, my_rules)
    assert f"$ quotetrack explain '{EXPLAIN}' --rules my-rules --rule quote-then-subject-verb" in DOC
    args = ["explain", EXPLAIN, "--rules", str(my_rules), "--rule", "quote-then-subject-verb"]
    before = CliRunner().invoke(cli, args)
    assert before.exit_code == 0, before.output
    for line in quoted_lines(0):
        assert line in before.output.splitlines()
    cues = my_rules / "cues.yml"
    cues.write_text(cues.read_text(encoding="utf-8").replace("  speech:\n", "  speech:\n    - fume\n", 1),
                    encoding="utf-8")
    after = CliRunner().invoke(cli, args)
    assert quoted_lines(1) and all(line in after.output.splitlines() for line in quoted_lines(1)), after.output
