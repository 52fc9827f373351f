"""YAML reading that remembers where each value was written, for errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import yaml


class RuleError(Exception):
    """A rule file is broken: carries a code, the file and the line, like ``QT101 rules/cues.yml:14: ...``."""

    def __init__(self, code: str, path: str | Path, line: int | None, message: str):
        self.code, self.path, self.line, self.message = code, str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{code} {where}: {message}")


class LocatedDict(dict):
    line: int | None = None


class LocatedList(list):
    line: int | None = None


class LocatedStr(str):
    line: int | None = None


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings, sequences and strings carry their 1-based line."""

    def construct_object(self, node, deep=False):
        value = super().construct_object(node, deep=True)
        located = {dict: LocatedDict, list: LocatedList, str: LocatedStr}.get(type(value))
        if located is not None:
            value = located(value)
            value.line = node.start_mark.line + 1
        return value


def line_of(value, default: int | None = None) -> int | None:
    """The line a loaded value was written on, if known."""
    return getattr(value, "line", None) or default


def load_yaml(path: str | Path):
    """Load one YAML file; syntax errors become ``RuleError`` with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError("QT100", path, None, f"cannot read rule file: {error}") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise RuleError("QT101", path, line, f"invalid YAML: {problem}") from None
