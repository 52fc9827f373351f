"""The package's layers: each subpackage imports only the layers below it, and no module imports
itself back through others (type-checking imports included)."""

import pytest
from importgraph import GRAPH

CORE = {"errors", "names", "records", "versions"}
# what each layer may import, besides itself and CORE
ALLOWED = {
    "core": set(),
    "rulelang": set(),
    "stages": {"rulelang"},
    "store": set(),
    "run": {"rulelang", "stages", "store"},
    "web": {"store"},
    "evaluation": {"rulelang", "stages", "store", "run"},
}




def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in CORE:
        return "core"
    return parts[1] if parts[1] in ALLOWED else "top"  # cli, __main__: the top


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if layer(m) not in ("top",)))
def test_a_layer_imports_only_the_layers_below_it(module):
    own = layer(module)
    upward = sorted(d for d in GRAPH[module] if layer(d) not in ALLOWED[own] | {own, "core"})
    assert not upward, f"{module} ({own}) imports {upward}"


def test_no_import_cycle():
    on_path: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        on_path.append(module)
        for dependency in sorted(GRAPH.get(module, ())):
            assert dependency not in on_path, "import cycle: " + " -> ".join(
                on_path[on_path.index(dependency):] + [dependency])
            if dependency not in done:
                visit(dependency)
        on_path.pop()
        done.add(module)

    for module in sorted(GRAPH):
        if module not in done:
            visit(module)


def test_the_graph_sees_relative_and_type_checking_imports():
    assert "quotetrack.stages.view" in GRAPH["quotetrack.stages.steps"]
    assert "quotetrack.rulelang.rules" in GRAPH["quotetrack.stages.steps"]  # under TYPE_CHECKING


def test_docs_architecture_shows_these_layers():
    """docs/architecture.md's table of layers is the one this test enforces."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (?:core: .*?|`(\w+)`) \| (.*?) \|$", text, re.M)
    shown = {name or "core": set(re.findall(r"`(\w+)`", allowed)) for name, allowed in rows if name != "cli"}
    assert shown == ALLOWED
