"""docs/speakers.md stays true: the passes it tables are the sieve's, in its order; the speakers.yml
keys it names exist; the commands it quotes run with the options it gives."""

import re
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, RULES_DIR

from quotetrack import rulelang
from quotetrack.stages.resolve import Resolver

PAGE = (ROOT / "docs" / "speakers.md").read_text(encoding="utf-8")


def test_the_passes_table_is_the_sieve_in_order():
    tabled = re.findall(r"^\| `(\w+)` \|", PAGE, flags=re.M)
    assert tuple(tabled) == rulelang.load(RULES_DIR).lexicon.passes
    assert set(tabled) == set(Resolver.PASSES)


def test_the_keys_it_names_are_in_speakers_yml():
    data = yaml.safe_load((RULES_DIR / "speakers.yml").read_text(encoding="utf-8"))
    named = set(re.findall(r"`((?:sieve|descriptions|roles)\.\w+|never_bodies|anonymous|transliteration|"
                           r"organisation_words|person_nouns|gendered)`", PAGE))
    assert named
    for key in named:
        section, _, inner = key.partition(".")
        value = data[section] if section in data else data["descriptions"][section]
        assert not inner or inner in value, key


@pytest.mark.parametrize("command", re.findall(r"^    (python tests/\S+\.py.*)$", PAGE, flags=re.M))
def test_quoted_commands_take_their_options(command):
    words = command.split()
    script = ROOT / words[1]
    assert script.exists(), command
    options = [w for w in words[2:] if w.startswith("--")]
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=ROOT,
                           env={"PYTHONPATH": str(ROOT)}, check=True).stdout
    assert all(option in shown for option in options), (command, shown)
