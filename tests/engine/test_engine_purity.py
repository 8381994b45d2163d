"""engine/ stays pure: no web or network library, no clock reads, no imports hidden inside functions.

Every source file under engine/ (subpackages included) is parsed; the checks work on the syntax tree,
so a comment or a docstring that mentions `datetime.now` does not count.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
WEB_LIBRARIES = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "requests", "gtts"}
#: what an engine source file may not import itself (the standard library loads urllib for its own use)
FORBIDDEN = WEB_LIBRARIES | {"urllib", "http", "socket", "smtplib", "subprocess"}
#: attribute calls that read the clock: `<anything>.now()`, `date.today()`, `time.time()` …
CLOCK_ATTRIBUTES = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}
CLOCK_OWNERS = {"datetime", "date", "time", "_dt", "dt"}


def engine_files() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def imported_top_level_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def clock_reads(source: str) -> list[str]:
    """Calls such as datetime.now(), date.today(), time.time(), datetime.datetime.now(tz)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr = node.func.attr
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if attr in CLOCK_ATTRIBUTES and owner_name in CLOCK_OWNERS:
            found.append(f"{owner_name}.{attr}() at line {node.lineno}")
    return found


def nested_imports(source: str) -> list[str]:
    """Imports inside a function body (used to dodge an import cycle)."""
    found = []
    for fn in ast.walk(ast.parse(source)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found.append(f"import at line {node.lineno} in {fn.name}()")
    return found


def test_the_engine_has_subpackages_and_every_file_is_walked():
    relative = {p.relative_to(ENGINE).as_posix() for p in engine_files()}
    assert {"loader/load.py", "expr/parser.py", "forms/answers.py", "moment/lifecycle.py",
            "authoring/simulate.py"} <= relative


def test_no_engine_source_file_imports_a_web_or_network_library():
    offenders = {p.relative_to(ENGINE).as_posix(): sorted(imported_top_level_names(p.read_text("utf-8")) & FORBIDDEN)
                 for p in engine_files()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_engine_source_file_reads_the_clock():
    offenders = {p.relative_to(ENGINE).as_posix(): clock_reads(p.read_text("utf-8")) for p in engine_files()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_engine_source_file_imports_inside_a_function():
    offenders = {p.relative_to(ENGINE).as_posix(): nested_imports(p.read_text("utf-8")) for p in engine_files()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_checks_would_notice_a_flask_import_a_clock_read_and_a_hidden_import():
    assert imported_top_level_names("import os\nfrom flask import Flask\n") == {"os", "flask"}
    assert clock_reads("from datetime import datetime\nx = datetime.now()\n") == ["datetime.now() at line 2"]
    assert clock_reads("import datetime\nx = datetime.date.today()\n") == ["date.today() at line 2"]
    assert clock_reads("import time\nx = time.time()\n") == ["time.time() at line 2"]
    assert clock_reads("x = at.time()\n") == []  # a datetime's .time() is not the clock
    assert nested_imports("def f():\n    from . import x\n") == ["import at line 2 in f()"]


def test_importing_every_engine_module_loads_no_web_library():
    script = (
        "import importlib, json, pkgutil, sys, engine\n"
        "for m in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=ENGINE.parent).stdout
    loaded = set(json.loads(out))
    assert {"engine.moment.lifecycle", "engine.authoring.simulate", "engine.expr.typecheck"} <= loaded
    assert {name.split(".")[0] for name in loaded} & WEB_LIBRARIES == set()
