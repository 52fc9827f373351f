"""The error catalogue: every code documented, every message one line that begins with its code."""

import re
from pathlib import Path

import pytest

from quotetrack.errors import (
    CATALOGUE,
    RULE_CODES,
    IngestError,
    ParseError,
    RuleError,
    StoreError,
)
from quotetrack.rulelang import reference

ARCHITECTURE = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def test_rule_codes_are_unchanged_and_in_the_rule_reference():
    assert list(RULE_CODES) == [f"QT10{n}" for n in range(9)]
    text = reference.render()
    assert all(f"| {code} |" in text for code in RULE_CODES)


def test_every_other_code_is_listed_in_the_architecture_page():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (QT[2-9]\d\d) \| ([^|]+?) \|", text, re.MULTILINE))
    assert listed == {code: entry.title for code, entry in CATALOGUE.items() if code not in RULE_CODES}


@pytest.mark.parametrize("kind, code", [(StoreError, "QT203"), (IngestError, "QT300"), (ParseError, "QT401")])
def test_a_coded_error_is_one_line_beginning_with_its_code(kind, code):
    error = kind(code, "cannot do it\n(because:\n  reasons)")
    assert str(error) == f"{code} cannot do it (because: reasons)" and error.code == code


def test_a_code_must_be_in_the_catalogue_and_of_its_kind():
    with pytest.raises(ValueError):
        StoreError("QT300", "an ingest code for a store error")
    with pytest.raises(ValueError):
        IngestError("QT399", "not in the catalogue")
    with pytest.raises(ValueError):
        RuleError("QT200", "rules/x.yml", 1, "a store code for a rule error")
