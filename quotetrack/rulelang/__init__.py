"""The rule language: reading rules/ (YAML, schema, coded errors) into one ``Rules`` (``load``), the engine's relation and step tables, the speaker lexicon, the screen's statement rules and the generated reference."""

from .loader import DEFAULT_RULES_DIR, RULE_FILES, Rules, load

__all__ = ["DEFAULT_RULES_DIR", "RULE_FILES", "Rules", "load"]
