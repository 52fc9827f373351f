"""The screen stage: non-statements vetoed, channels read from the cue's dependents, datelines kept out."""

import shutil

import pytest
from conftest import RULES_DIR

from quotetrack.rulelang import load
from quotetrack.rulelang.yamlfile import RuleError
from quotetrack.run.pipeline import BuildReport

WIRE = """Rates rise in Nigeria

LAGOS (Reuters) - Nigeria's central bank raised its benchmark rate by 150 basis points on Tuesday, the bank said.

ACCRA - Ghana's finance minister said the cedi had stabilised, according to a statement.
"""


@pytest.fixture(scope="module")
def wire_quotes(pipeline, tmp_path_factory):
    path = tmp_path_factory.mktemp("wire") / "lagos.txt"
    path.write_text(WIRE, encoding="utf-8")
    [article] = pipeline.read(path, BuildReport())
    assert (article.dateline_place, article.dateline_agency) == ("Lagos", "Reuters")
    [(_, quotes)] = list(pipeline.run([article]))
    return quotes


def test_a_dateline_is_never_inside_a_content_or_speaker_span(wire_quotes):
    raised = [q for q in wire_quotes if "benchmark rate" in q.content.text]
    assert raised and all(not q.content.text.startswith(("LAGOS", "Reuters", "(Reuters)")) for q in raised)
    assert all("Reuters" not in q.content.text and (q.speaker_span is None or "Reuters" not in q.speaker_span.text)
               for q in wire_quotes)


def test_a_broken_veto_names_file_and_line(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "statements.yml"
    path.write_text(path.read_text().replace("  - id: negated-speech\n", "  - id: refused-to-speak\n"))
    with pytest.raises(RuleError) as error:
        load(rules)
    assert error.value.code == "QT106" and error.value.line and "refused-to-speak" in error.value.message


def test_an_unknown_key_in_statements_is_refused(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "statements.yml").write_text("vetoes: []\n")
    with pytest.raises(RuleError, match="non_statements"):
        load(rules)
