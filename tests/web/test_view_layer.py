"""The view layer's rules: views call services only, and every clinician moment route goes through @staff_moment."""
import ast
from pathlib import Path

from web.clinician.common import STAFF_MOMENT

ROOT = Path(__file__).resolve().parents[2]
VIEW_MODULES = sorted(
    [*ROOT.glob("web/clinician/*.py"), *ROOT.glob("web/patient/*.py"), *ROOT.glob("web/author/*.py"),
     ROOT / "web/auth/views/staff.py", ROOT / "web/auth/login/patient_identity.py", ROOT / "web/ui/helpers.py",
     ROOT / "web/ui/decorators.py", ROOT / "web/ui/forms.py"])
#: what a view may not import: the rows, the database handle and the engine belong to services
FORBIDDEN = ("web.models", "web.extensions.db", "engine")


def imported_names(path: Path) -> set[str]:
    """Every module (and module.name for `from x import name`) a file imports, resolved to absolute names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(ROOT).parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[:len(parts) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def test_the_view_modules_are_found():
    assert len(VIEW_MODULES) >= 18
    assert "web.models" in imported_names(ROOT / "web/services/core/access.py")  # the resolver sees `...models`


def test_views_import_neither_models_nor_the_database_nor_the_engine():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_names(path)
                                            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN))
        for path in VIEW_MODULES
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_views_do_not_query_the_database():
    for path in VIEW_MODULES:
        text = path.read_text(encoding="utf-8")
        assert "db.session" not in text and "db.select" not in text, path


def test_every_clinician_moment_route_is_wrapped_by_staff_moment(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/moment/<int:enrollment_id>")]
    assert len(rules) >= 25
    unwrapped = sorted(r.rule for r in rules if not getattr(app.view_functions[r.endpoint], STAFF_MOMENT, None))
    assert unwrapped == []


def test_reading_routes_declare_what_they_log(app):
    """GET pages of a moment write an access-log row naming what was read."""
    logged = {r.endpoint: getattr(app.view_functions[r.endpoint], STAFF_MOMENT) for r in app.url_map.iter_rules()
              if r.rule.startswith("/moment/<int:enrollment_id>") and "GET" in r.methods}
    assert logged["clinician.hantera"] == "Hantera"
    assert logged["clinician.timeline"] == "Tidslinje"
    assert logged["clinician.flags"] == "Händelser: Flaggor"
