"""The authorization matrix's world and route list (tests/web/test_authorization.py), loaded by path.

tests/web has no __init__, so its modules are not importable by name from another folder.
"""
import importlib.util

from stegvis_testing import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location(
    "security_authorization_matrix", PROJECT_ROOT / "tests" / "web" / "test_authorization.py")
matrix = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(matrix)
