"""Every error code quotetrack gives, in one catalogue (in the manner of spaCy's ``errors.py``).

Each expected failure is one line that begins with its code. Rule files (QT1xx): a
``RuleError`` carries its code, the file and the line, and reads like
``QT103 rules/patterns.yml:14: unknown key 'jion' (hint: ...)``; ``docs/rules.md``
lists those codes. The store (QT2xx), ingest (QT3xx) and the parser (QT4xx) raise a
``StoreError``, ``IngestError`` or ``ParseError``, which read like
``QT203 db/quotes.db is read-only: make it writable, or build into another file``;
``docs/architecture.md`` lists those. Tests keep both lists in step with the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    hint: str = ""  # for rule files: what to do, added to every message (other messages say it themselves)


CATALOGUE = {c.code: c for c in (
    # rule files
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
    # the store: the database and its parse cache
    Code("QT200", "the database path is a folder"),
    Code("QT201", "the database's folder cannot be created"),
    Code("QT202", "the database or its folder is read-only"),
    Code("QT203", "the database cannot be written (locked by another process, or no permission)"),
    Code("QT204", "not a usable SQLite file"),
    Code("QT205", "another application's database"),
    Code("QT206", "a parse cache given where a database is meant"),
    Code("QT207", "SQLite failed while writing (disk full, damaged file)"),
    Code("QT208", "no database at the path"),
    # ingest: the input as a whole
    Code("QT300", "the source cannot be read (missing, not a file or folder, no articles in it)"),
    # ingest: one input, reported and skipped while the rest goes on
    Code("QT301", "an input is not read (not an article file, a folder, a link, not a regular file, unreadable)"),
    Code("QT302", "an input is over a size limit (bytes, characters, paragraphs, a JSON Lines line)"),
    Code("QT303", "a JSON Lines record is malformed (invalid JSON, a missing or mistyped field)"),
    Code("QT304", "not plain text (not UTF-8, not valid Unicode, HTML given as text)"),
    Code("QT305", "no article in it (empty, not English, no article text on the page)"),
    Code("QT306", "an article id another input already has"),
    Code("QT307", "the boilerplate rules took too long on a line"),
    # the parser
    Code("QT400", "no Stanza models in the folder"),
    Code("QT401", "the Stanza models cannot be loaded"),
)}
RULE_CODES = {code: c for code, c in CATALOGUE.items() if code.startswith("QT1")}
CODES = RULE_CODES  # the rule-file codes, by the name the rule reference reads


class RuleError(Exception):
    """A rule file is broken: carries a code from ``RULE_CODES``, the file and the line."""

    def __init__(self, code: str, path: str | Path, line: int | None, message: str):
        if code not in RULE_CODES:
            raise ValueError(f"unknown error code {code}")
        self.code, self.path, self.line, self.message = code, str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{code} {where}: {message} (hint: {CODES[code].hint})")


class CodedError(Exception):
    """An expected failure outside the rule files: one line, beginning with its code from ``CATALOGUE``."""

    prefix = "QT"  # the codes a subclass may carry

    def __init__(self, code: str, message: str):
        if code not in CATALOGUE or not code.startswith(self.prefix):
            raise ValueError(f"unknown error code {code} for {type(self).__name__}")
        self.code, self.message = code, " ".join(message.split())  # one line
        super().__init__(f"{code} {self.message}")


class StoreError(CodedError):
    """The database or its parse cache cannot be used: not ours, not writable, not SQLite. The message says what to do."""

    prefix = "QT2"


class IngestError(CodedError):
    """The input as a whole cannot be read (e.g. the path does not exist)."""

    prefix = "QT3"


class ParseError(CodedError):
    """The Stanza models cannot be found or loaded."""

    prefix = "QT4"
