"""Every error code a broken rule file can get, in one catalogue (in the manner of spaCy's ``errors.py``).

A ``RuleError`` carries its code, the file and the line, and reads like
``QT103 rules/patterns.yml:14: unknown key 'jion' (hint: ...)``. ``docs/rules.md``
lists the catalogue; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    hint: str


CODES = {c.code: c for c in (
    Code("QT100", "rule file missing or unreadable",
         "a rules folder holds every file the message names, in UTF-8: copy a missing one from the default rules/"),
    Code("QT101", "not valid YAML",
         "check quoting and indentation on that line or the one before it"),
    Code("QT102", "wrong type or missing key",
         "see docs/rules.md for the type each key takes; quote a value such as 'false' only where text is meant"),
    Code("QT103", "unknown key or value",
         "a misspelt key is refused, not ignored: see docs/rules.md for the keys each level takes"),
    Code("QT104", "bad regular expression",
         "patterns use the Python `regex` module's syntax; escape literal brackets and dots"),
    Code("QT105", "reference to something not defined",
         "a node can only be tied to an earlier, present node; '@name' must be a lexicon of cues.yml"),
    Code("QT106", "defined twice",
         "ids and lemmas are unique across a file: rename or merge one of the two"),
    Code("QT107", "duplicate YAML key",
         "YAML would silently keep only the last of two equal keys in one mapping: merge them"),
    Code("QT108", "YAML aliases expand too far",
         "anchors and aliases (&name, *name) may repeat a node template, not build huge or self-referencing trees"),
)}


class RuleError(Exception):
    """A rule file is broken: carries a code from ``CODES``, the file and the line."""

    def __init__(self, code: str, path: str | Path, line: int | None, message: str):
        if code not in CODES:
            raise ValueError(f"unknown error code {code}")
        self.code, self.path, self.line, self.message = code, str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{code} {where}: {message} (hint: {CODES[code].hint})")
