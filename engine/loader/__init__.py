"""Loading programs: YAML with positions → JSON Schema → cross-reference checks → frozen `Program`.

Every problem is collected and reported compiler-style (`file:line:col: message`) as a `ProgramError`.
Modules: `yamlpos` (PyYAML node tree with a location for every key and value), `schema` (JSON Schema
pass), `checks` (cross references and expressions), `build` (nodes → model), `load` (the entry points).
"""
from .load import check_program, check_text, find_content_dir, load_program, load_text, program_digest

__all__ = ["check_program", "check_text", "find_content_dir", "load_program", "load_text", "program_digest"]
