"""The architecture cannot rot silently: import contracts, no import cycles, small modules.

The contracts live in pyproject.toml ([tool.importlinter]) and are checked with import-linter's own
command; cycles are found on grimp's import graph, which also sees imports inside functions, so a cycle
cannot be hidden by moving an import into a function body.
"""
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
#: the one place an import cycle is accepted: the app package's factory imports the blueprints it wires
COMPOSITION_ROOT = "web"


def test_the_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: every group of modules that import each other (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("engine", "web", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if module == COMPOSITION_ROOT:
            continue
        edges[module] = {m for m in graph.find_modules_directly_imported_by(module) if m != COMPOSITION_ROOT}
    return edges


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_engine_or_web():
    assert strongly_connected(import_graph()) == []


def test_no_module_is_much_over_400_lines():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text("utf-8").splitlines())
             for folder in ("engine", "web") for p in (ROOT / folder).rglob("*.py")
             if "migrations" not in p.parts}
    sizes |= {p.name: len(p.read_text("utf-8").splitlines()) for p in ROOT.glob("cli*.py")}
    assert {"cli.py", "cli_authoring.py", "cli_ops.py"} <= sizes.keys()  # the command line is checked too
    assert {path: n for path, n in sizes.items() if n > 420} == {}
