"""engine/ stays pure: it imports neither Flask nor SQLAlchemy (nor other web or network libraries)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "requests", "gtts"}


def imported_top_level_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_source_file_imports_a_web_library():
    offenders = {path.name: sorted(imported_top_level_names(path.read_text(encoding="utf-8")) & FORBIDDEN)
                 for path in sorted(ENGINE.glob("*.py"))}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_import_check_would_notice_a_flask_import():
    assert imported_top_level_names("import os\nfrom flask import Flask\n") == {"os", "flask"}


def test_importing_every_engine_module_loads_no_web_library():
    script = (
        "import importlib, json, pkgutil, sys, engine\n"
        "for m in pkgutil.iter_modules(engine.__path__):\n"
        "    importlib.import_module('engine.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=ENGINE.parent).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert "engine" in loaded
    assert loaded & FORBIDDEN == set()
