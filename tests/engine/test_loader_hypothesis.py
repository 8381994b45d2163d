"""Property: whatever an author does to a valid program, the loader answers with ProgramError (or a Program).

Mutations work on the data (delete, retype, rename, duplicate) and on the text (insert junk, cut,
repeat lines). Any other exception — KeyError, TypeError, RecursionError … — fails the property.
"""
import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ProgramError
from engine.loader import load_text
from engine.model import Program

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCES = {name: (DATA / f"{name}.yaml").read_text(encoding="utf-8") for name in ("mini", "somn")}
CONTENT = {name: str(DATA / "content" / name) for name in SOURCES}
BASE_DATA = {name: yaml.safe_load(text) for name, text in SOURCES.items()}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["no", "1:30", "010", "2024-01-01", "humor", "mar", "start.md"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def paths(node, prefix=()):
    """Every path into a YAML data tree (the root excluded)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield prefix + (i,)
            yield from paths(value, prefix + (i,))


def parent_of(tree, path):
    node = tree
    for part in path[:-1]:
        node = node[part]
    return node


def mutate_data(draw, tree):
    """One structural mutation at a random place."""
    all_paths = list(paths(tree))
    path = draw(st.sampled_from(all_paths))
    parent, last = parent_of(tree, path), path[-1]
    kind = draw(st.sampled_from(["delete", "retype", "rename", "duplicate"]))
    if kind == "delete":
        del parent[last]
    elif kind == "retype":
        parent[last] = draw(values)
    elif kind == "rename" and isinstance(parent, dict):
        new_key = draw(st.one_of(st.text(max_size=10), st.sampled_from(["titel", "id", "forms", "<<"])))
        parent[new_key] = parent.pop(last)
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif isinstance(parent[last], list) and parent[last]:
        parent[last].append(copy.deepcopy(parent[last][0]))


def check_only_program_errors(source, name):
    try:
        program = load_text(source, f"{name}.yaml", content_dir=CONTENT[name])
    except ProgramError as error:
        assert error.problems, "a ProgramError must carry at least one problem"
        for problem in error.problems:
            assert problem.location is not None and problem.location.line >= 1 and problem.location.col >= 1
            assert "\n" not in problem.message
        return
    assert isinstance(program, Program)


@pytest.mark.parametrize("path, value", [
    (("modules", 0, "steps"), 1),  # found by the property below: a TypeError from the clinician-form check
    (("modules", 0, "steps"), "steg"),
    (("modules",), 1),
    (("modules",), "moduler"),
    (("modules", 0), 3),
])
def test_a_list_of_the_wrong_shape_gives_program_errors(path, value):
    for name in SOURCES:
        tree = copy.deepcopy(BASE_DATA[name])
        parent_of(tree, path)[path[-1]] = value
        check_only_program_errors(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SOURCES)), data=st.data(), rounds=st.integers(1, 3))
def test_mutated_program_data_gives_only_program_errors(name, data, rounds):
    tree = copy.deepcopy(BASE_DATA[name])
    for _ in range(rounds):
        mutate_data(data.draw, tree)
    source = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    check_only_program_errors(source, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SOURCES)), data=st.data())
def test_mutated_program_text_gives_only_program_errors(name, data):
    source = SOURCES[name]
    at = data.draw(st.integers(0, len(source)))
    kind = data.draw(st.sampled_from(["insert", "cut", "repeat_line"]))
    if kind == "insert":
        junk = data.draw(st.one_of(
            st.text(max_size=20),
            st.sampled_from(["\t", ":", "- ", "&a ", "*a", "!!python/object ", "{", "[", "'", '"', "\n  x: y\n",
                             "<<: *a\n", "? [a]\n", "\x00", "\ufeff", "---\n"])))
        source = source[:at] + junk + source[at:]
    elif kind == "cut":
        length = data.draw(st.integers(1, 80))
        source = source[:at] + source[at + length:]
    else:
        lines = source.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        source = "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
    check_only_program_errors(source, name)
