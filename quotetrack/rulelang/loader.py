"""The one loader of a rules folder: every file of ``RULE_FILES`` read strictly (``yamlfile``) and
checked against its closed schema (``schema``) once, then compiled into one ``Rules``.

    rules = load("rules/")
    rules.attribution   # patterns, cue lexicons, channels, step settings (rules.RuleSet)
    rules.lexicon       # what the speaker sieve knows of names (lexicon.SpeakerLexicon)
    rules.statements    # the screen stage's vetoes and channel relations (statements.StatementRules)
    rules.boilerplate   # site furniture that ingest removes (rules.Boilerplate)

Any mistake in any file raises ``RuleError`` with code, file and line, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RuleError
from .lexicon import SpeakerLexicon, speaker_lexicon
from .rules import (
    Boilerplate,
    FloatingRule,
    Pattern,
    RuleSet,
    attribution_rules,
    boilerplate_rules,
)
from .schema import SCHEMAS, validate
from .statements import StatementRules, statement_rules
from .yamlfile import load_yaml

# An installed wheel carries the default rules as quotetrack/default_rules/; a checkout has them in rules/.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_RULES_DIR = next((path for path in (_PACKAGE_DIR / "default_rules", _PACKAGE_DIR.parent / "rules")
                          if path.is_dir()), _PACKAGE_DIR.parent / "rules")
OPTIONAL_FILES = ("precision.yml",)  # measured figures (`quotetrack rules score --write`): a folder may lack them
RULE_FILES = tuple(SCHEMAS)  # every file of a rules folder, each with its schema


@dataclass(frozen=True)
class Rules:
    """Everything a rules folder says, checked: what each stage applies."""

    folder: Path
    attribution: RuleSet
    lexicon: SpeakerLexicon
    statements: StatementRules
    boilerplate: Boilerplate
    precision: dict[str, float]  # rule id → its measured precision (precision.yml), each quote's confidence

    def attributing(self) -> list[Pattern | FloatingRule]:
        """The rules that find quotes: the patterns, then the floating rule."""
        return [*self.attribution.patterns, *filter(None, [self.attribution.floating])]

    def summary(self) -> list[dict]:
        """One row per rule for the ``rules`` table."""
        kinds = [*(("pattern", r) for r in self.attributing()), *(("boilerplate", r) for r in self.boilerplate.rules)]
        return [{"id": r.id, "kind": kind, "description": r.description, "file": r.file, "line": r.line}
                for kind, r in kinds]


def load_file(path: Path):
    """One rule file, read strictly and checked against its schema."""
    if not path.is_file():
        held = f"{', '.join(RULE_FILES[:-1])} and {RULE_FILES[-1]}"
        raise RuleError("QT100", path, None, f"rule file not found (a rules folder holds {held})")
    document = load_yaml(path)
    validate(path, document)
    return document


def compiled(folder: Path, documents: dict[str, dict]) -> Rules:
    """The ``Rules`` of checked ``documents`` (by file name) read from ``folder``."""
    paths = {name: folder / name for name in RULE_FILES}
    attribution = attribution_rules(paths, documents)
    return Rules(
        folder=folder,
        attribution=attribution,
        lexicon=speaker_lexicon(paths["speakers.yml"], documents["speakers.yml"], documents["first_names.yml"]),
        statements=statement_rules(paths["statements.yml"], documents["statements.yml"], attribution.lexicons,
                                   documents["patterns.yml"].get("templates", {})),
        boilerplate=boilerplate_rules(paths["boilerplate.yml"], documents["boilerplate.yml"]),
        precision={str(rule): float(figures["precision"])
                   for rule, figures in documents.get("precision.yml", {}).get("rules", {}).items()},
    )


def load(folder: str | Path = DEFAULT_RULES_DIR) -> Rules:
    """Read and check every rule file of ``folder``; any mistake raises ``RuleError``."""
    folder = Path(folder)
    return compiled(folder, {name: load_file(folder / name) for name in RULE_FILES
                             if name not in OPTIONAL_FILES or (folder / name).is_file()})
