"""The layout keeps its promises: dependencies run one way, no import cycles, no module too long to read.

docs/design.md says rosters <- programme <- reports: rosters imports neither of the others, programme
never imports reports. Each import statement anywhere in a module (at the top or inside a function)
counts. A cycle between modules makes the order things load in matter (so each feature's blueprint lives
in its own ``blueprint.py``, which the views import and the package's ``__init__`` collects); a module
over 450 lines is time to split it by what its parts act on.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.plugin import ROOT

PACKAGES = ("rosters", "programme", "reports")
LAYER = {"rosters": 0, "programme": 1, "reports": 2}
MAX_LINES = 450


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules a file imports (``from a.b import c`` is a.b.c when c is a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, known) - {name} for name, path in known.items()}


def test_dependencies_run_one_way():
    against = [f"{name} imports {other}" for name, others in graph().items() for other in sorted(others)
               if LAYER[other.split(".")[0]] > LAYER[name.split(".")[0]]]
    assert not against, "\n".join(against)


def test_no_import_cycles():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1 while on the current path, 2 when done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(edges[name]):
            if state.get(other) == 1:
                cycles.append(" -> ".join(path[path.index(other):] + [other]))
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_no_module_is_too_long_to_read():
    long = [f"{path.relative_to(ROOT)}: {lines} lines" for path in modules().values()
            if (lines := len(path.read_text().splitlines())) > MAX_LINES]
    assert not long, "\n".join(long)
