"""quotetrack's import graph, read from the sources: which quotetrack modules each module imports,
wherever the import statement is (type-checking imports included)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "quotetrack"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The quotetrack modules ``path`` imports, wherever the import statement is."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target.split(".")[0] != "quotetrack":
            continue
        for alias in node.names:
            candidate = f"{target}.{alias.name}"
            as_path = PACKAGE.parent / candidate.replace(".", "/")
            found.add(candidate if as_path.with_suffix(".py").exists() or as_path.is_dir() else target)
    return found


GRAPH = {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}
