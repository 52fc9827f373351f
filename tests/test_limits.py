"""docs/limits.md states the bounds the code has: each row's bound is the constant's value today."""

from pathlib import Path

import pytest

from quotetrack.rulelang import yamlfile
from quotetrack.rulelang.rules import REGEX_TIMEOUT
from quotetrack.run import fetch, pipeline, track
from quotetrack.stages import ingest, parse, webpage

LIMITS = Path(__file__).resolve().parent.parent / "docs" / "limits.md"


def rows(heading: str) -> dict[str, list[str]]:
    """The table under ``## heading``: its first cell → its cells."""
    section = LIMITS.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()
             if line.startswith("|") and not line.startswith("|---")]
    return {row[0]: row for row in cells[1:]}


BUILD = {
    "An article's text": f"{ingest.MAX_ARTICLE_CHARS:,} characters",
    "An article's paragraphs": f"{ingest.MAX_ARTICLE_PARAGRAPHS:,}",
    "A text file's size": f"{4 * ingest.MAX_ARTICLE_CHARS:,} bytes",
    "A JSON Lines line, read at most this much at a time (a 1 GB line is never held)":
        f"{ingest.MAX_JSONL_LINE_BYTES:,} bytes",
    "A number in a JSON Lines field": f"{ingest.MAX_JSON_NUMBER_CHARS:,} characters",
    "A title (given, a headline or made from the lede)": f"{ingest.MAX_TITLE_CHARS:,} characters",
    "An HTML page's size": f"{webpage.MAX_HTML_BYTES:,} bytes",
    "The attributes of one HTML element (their parsing is quadratic)": f"{webpage.MAX_ELEMENT_ATTRIBUTES:,}",
    "The extraction of one HTML page": f"{webpage.MAX_EXTRACT_SECONDS:g} s",
    "A piece of text the parser sees": f"{parse.PARSE_CHUNK_CHARS:,} characters",
    "A sentence the parser sees": f"{parse.PARSE_SENTENCE_CHARS:,} characters",
    "YAML aliases in a rule file": f"{yamlfile.MAX_EXPANDED_NODES:,} expanded nodes",
    "A rule change's check, on the first articles of a run": f"{pipeline.CHECK_SAMPLE:,} articles",
}
TRACKING = {
    "A response's size": f"{fetch.Settings.max_bytes:,} bytes",
    "Seconds to connect, and between two reads": f"{fetch.Settings.timeout:g}",
    "Redirects": f"{fetch.Settings.max_redirects}",
    "Tries after a timeout, a connection error, 429 or 5xx": f"{fetch.Settings.retries}",
    "Runs a failing URL is tried on": f"{track.MAX_FAILURES}",
}


@pytest.mark.parametrize("heading, bounds", [("Build", BUILD), ("Tracking", TRACKING)])
def test_every_bound_in_docs_limits_md_is_the_codes(heading, bounds):
    table = rows(heading)
    for what, bound in bounds.items():
        assert table[what][1] == bound, what


def test_the_regex_timeout_and_the_settings_named_are_the_codes():
    build, tracking = rows("Build"), rows("Tracking")
    regex_row = next(row for what, row in build.items() if what.startswith("One call of a rule's regular expression"))
    assert regex_row[1] == f"{REGEX_TIMEOUT:g} s" and f"took over {REGEX_TIMEOUT}s" in regex_row[3]
    settings = {row[2].strip("`").split(":")[0] for row in tracking.values() if row[2] != "–"}
    assert settings <= fetch.SETTING_KEYS and "allow_private_addresses" in settings
