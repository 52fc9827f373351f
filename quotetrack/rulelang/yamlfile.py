"""YAML reading that remembers where each value was written, for errors that name file and line.

The loader is PyYAML's safe loader with three limits a rule file needs: a key written
twice in one mapping is refused (YAML would keep the last one silently), anchors and
aliases may not expand past ``MAX_EXPANDED_NODES`` nodes nor refer to themselves (an
"alias bomb" is refused in linear time), and every mapping, list and string knows its line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import RuleError

MAX_EXPANDED_NODES = 200_000  # the shipped rules expand to ~12,000; a billion-laughs file to 10^9


class LocatedDict(dict):
    line: int | None = None


class LocatedList(list):
    line: int | None = None


class LocatedStr(str):
    line: int | None = None


class _DuplicateKey(Exception):
    def __init__(self, key, line: int):
        self.key, self.line = key, line


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings, sequences and strings carry their 1-based line, refusing duplicate keys."""

    def construct_object(self, node, deep=False):
        value = super().construct_object(node, deep=True)
        located = {dict: LocatedDict, list: LocatedList, str: LocatedStr}.get(type(value))
        if located is not None:
            value = located(value)
            value.line = node.start_mark.line + 1
        return value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def line_of(value, default: int | None = None) -> int | None:
    """The line a loaded value was written on, if known."""
    return getattr(value, "line", None) or default


def _check_expansion(path: Path, root) -> None:
    """Refuse a node tree that aliases blow up past ``MAX_EXPANDED_NODES`` or that contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise RuleError("QT108", path, node.start_mark.line + 1, "an alias refers to a node that contains it")
        open_nodes.add(key)
        children = [] if isinstance(node, yaml.ScalarNode) else \
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise RuleError("QT108", path, node.start_mark.line + 1,
                                f"aliases expand this node past {MAX_EXPANDED_NODES:,} nodes")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_yaml(path: str | Path):
    """Load one YAML file; syntax errors, duplicate keys and alias bombs become ``RuleError`` with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError("QT100", path, None, f"cannot read rule file: {error}") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(path, node)
        return loader.construct_document(node)
    except _DuplicateKey as error:
        raise RuleError("QT107", path, error.line, f"key {error.key!r} is written twice in one mapping") from None
    except RecursionError:
        raise RuleError("QT108", path, None, "the YAML nests too deeply") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise RuleError("QT101", path, line, f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
