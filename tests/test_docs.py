"""The README is the front door and docs/ holds the detail: what they promise is checked against the code."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from quotetrack.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
OWN_PAGES = ["newsroom.md", "building.md", "tracking.md", "writing-rules.md", "accuracy.md", "performance.md"]
OTHER_PAGES = ["rules.md", "learning-rules.md", "speakers.md", "limits.md", "architecture.md"]


def code_lines(text: str) -> list[str]:
    """The lines of indented code blocks and fenced blocks."""
    fenced = [line for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line[4:] for line in text.splitlines() if line.startswith("    ")] + fenced


def test_the_readme_is_a_short_front_door():
    assert len(README.splitlines()) <= 300
    assert "python -m pytest" in code_lines(README), ".ci/run and CI run the README's test command"
    commands = code_lines(README)
    assert "quotetrack build db/quotes.db examples/articles" in commands
    assert "quotetrack serve db/quotes.db" in commands
    assert "http://127.0.0.1:8001/" in README and "keeps the terminal busy" in README
    assert "docs/screenshots/" in README


def test_the_readme_links_every_docs_page_and_each_of_ours_exists():
    for page in OWN_PAGES + OTHER_PAGES:
        assert f"(docs/{page})" in README, page
    for page in OWN_PAGES:
        assert (DOCS / page).is_file(), page
    for image in re.findall(r"\]\((docs/screenshots/[^)]+)\)", README):
        assert (ROOT / image).is_file(), image


@pytest.mark.parametrize("page", OWN_PAGES)
def test_relative_links_of_the_docs_pages_resolve(page):
    """Links to files (not to the pages other engineers are writing) lead somewhere."""
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", (DOCS / page).read_text(encoding="utf-8")):
        if Path(target).name not in OTHER_PAGES:
            assert (DOCS / target).resolve().exists(), f"{page}: {target}"


def test_the_setup_steps_name_what_pyproject_installs():
    setup = README.split("## Set up", 1)[1].split("## ", 1)[0]
    assert 'pip install -e ".[test]"' in setup and "pip install torch==2.13.0" in setup
    assert '"torch==2.13.0"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_the_readme_names_exists():
    for line in code_lines(README):
        if line.startswith("quotetrack "):
            words = [word for word in line.split("#", 1)[0].split()[1:] if not word.startswith(("-", "[")) and
                     word.isidentifier()][:2]
            result = CliRunner().invoke(cli, [*words, "--help"])
            assert result.exit_code == 0, line


def test_the_newsroom_guide_names_a_browser_test_for_each_task():
    guide = (DOCS / "newsroom.md").read_text(encoding="utf-8")
    browser_tests = (ROOT / "tests" / "test_browser.py").read_text(encoding="utf-8")
    tasks = re.findall(r"`(test_task_\w+)`", guide)
    assert len(tasks) == 6
    for name in tasks:
        assert f"def {name}(" in browser_tests, name


def test_the_performance_page_keeps_the_benchmark_tables():
    page = (DOCS / "performance.md").read_text(encoding="utf-8")
    for command in ("python benchmarks/bench_parse.py", "python benchmarks/bench_build.py"):
        assert command in page
        assert (ROOT / command.split()[1]).is_file()
    assert "parse benchmark: 200 news articles" in page and "| cold build, one process" in page
    assert "Capacity plan" in page and "Re-attribution runs at" in page
