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
    graph = grimp.build_graph("engine", "web", "commands", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if module == COMPOSITION_ROOT:
            continue
        edges[module] = {m for m in graph.find_modules_directly_imported_by(module) if m != COMPOSITION_ROOT}
    return edges


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_engine_web_or_commands():
    assert strongly_connected(import_graph()) == []


def test_no_module_is_much_over_400_lines():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text("utf-8").splitlines())
             for folder in ("engine", "web", "commands") for p in (ROOT / folder).rglob("*.py")
             if "migrations" not in p.parts}
    sizes["cli.py"] = len((ROOT / "cli.py").read_text("utf-8").splitlines())
    assert "commands/operators/operations.py" in sizes  # the command line is checked too
    assert {path: n for path, n in sizes.items() if n > 420} == {}


#: the cross-cutting modules allowed at web/'s root besides the composition root (issue 22: at most 10)
MAX_LOOSE_WEB_MODULES = 10


def test_the_root_of_web_holds_the_composition_root_and_a_handful_of_modules():
    loose = sorted(p.name for p in (ROOT / "web").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= MAX_LOOSE_WEB_MODULES, loose


def test_every_package_says_in_its_docstring_what_lives_there():
    packages = [p for folder in ("engine", "web", "commands") for p in (ROOT / folder).rglob("__init__.py")
                if "migrations" not in p.parts]
    undocumented = [p.relative_to(ROOT).as_posix() for p in packages
                    if not p.read_text("utf-8").lstrip().startswith('"""')]
    assert undocumented == []


def test_no_command_module_lives_inside_web():
    clicky = [p.relative_to(ROOT).as_posix() for p in (ROOT / "web").rglob("*.py")
              if "import click" in p.read_text("utf-8") or "from click" in p.read_text("utf-8")]
    assert clicky == []
    assert not list(ROOT.glob("cli_*.py"))  # the commands live in commands/, cli.py only registers them


def test_nothing_in_web_imports_from_the_composition_root_but_the_server_its_factory():
    graph = grimp.build_graph("web", cache_dir=None)
    imports = {(m, detail["line_contents"]) for m in graph.find_modules_that_directly_import(COMPOSITION_ROOT)
               for detail in graph.get_import_details(importer=m, imported=COMPOSITION_ROOT)}
    # the production server builds the app in each worker; constants and paths come from leaf modules
    assert {m for m, line in imports if not line.endswith("import create_app")} == set()
    assert {m for m, _ in imports} <= {"web.ops.server"}
