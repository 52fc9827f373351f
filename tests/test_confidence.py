"""`quotetrack rules score` and measured confidence: rules/precision.yml → each quote's confidence → the database."""

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import DATA_DIR, RULES_DIR

from quotetrack import rulelang
from quotetrack.cli import cli
from quotetrack.errors import RuleError
from quotetrack.run.pipeline import BuildReport, Pipeline

MINI = DATA_DIR / "polnear-mini" / "train"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("score")
    rules = folder / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "precision.yml").unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["rules", "score", str(MINI), "--cache", str(folder / "cache.db"),
                                      "--rules", str(rules), "--write"])
    assert result.exit_code == 0, result.output
    return result.output, rules, folder


def test_each_rule_gets_its_precision_and_recall(scored):
    output, rules, _ = scored
    assert "\n3 articles, 41 annotated attributions; all rules: precision " in output
    rows = {line.split()[0]: line.split()[1:] for line in output.splitlines()
            if line and line.split()[0] in {"quote-then-subject-verb", "subject-verb-clause"}}
    quotes, correct, precision, _ = rows["subject-verb-clause"]
    assert int(quotes) > 0 and float(precision) == pytest.approx(int(correct) / int(quotes), abs=5e-4)
    written = yaml.safe_load((rules / "precision.yml").read_text(encoding="utf-8"))
    assert written["measured_on"].endswith("polnear-mini/train")
    assert "floating-quote" not in written["rules"]  # its quotes have no cue: unmeasurable by the criterion
    assert "floating-quote: its quotes have no cue" in output
    assert written["rules"]["subject-verb-clause"] == {"precision": round(int(correct) / int(quotes), 3),
                                                       "quotes": int(quotes), "correct": int(correct)}


def test_quotes_carry_their_rules_measured_precision_into_the_database(scored):
    _, rules, folder = scored
    precision = rulelang.load(rules).precision
    pipeline = Pipeline(rules)
    db_path = folder / "quotes.db"
    articles = pipeline.read(MINI / "text", BuildReport())
    pipeline.build(db_path, articles)
    with closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("select rule_id, confidence from quotes").fetchall()
        view = db.execute("select count(*) from who_said_what where confidence >= 0").fetchone()[0]
    assert rows and view == sum(confidence is not None for _, confidence in rows)
    for rule_id, confidence in rows:
        assert confidence == precision.get(rule_id)


def test_without_precision_yml_quotes_have_no_confidence(tmp_path):
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    (rules / "precision.yml").unlink(missing_ok=True)
    assert rulelang.load(rules).precision == {}


def test_a_broken_precision_yml_is_a_coded_error(tmp_path):
    rules = Path(shutil.copytree(RULES_DIR, tmp_path / "rules"))
    (rules / "precision.yml").write_text("measured_on: x\nrules:\n  a-rule: {precision: 1.5, quotes: 2, correct: 3}\n",
                                         encoding="utf-8")
    with pytest.raises(RuleError, match=r"QT102 .*precision.yml:3"):
        rulelang.load(rules)


def test_precision_is_never_written_from_dev(tmp_path):
    dev = tmp_path / "dev"
    shutil.copytree(MINI, dev)
    result = CliRunner().invoke(cli, ["rules", "score", str(dev), "--write", "--rules", str(tmp_path)])
    assert result.exit_code == 1 and "measured on training data" in result.output
    assert not (tmp_path / "precision.yml").exists()
