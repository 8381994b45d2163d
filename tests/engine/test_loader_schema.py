"""engine/program.schema.json: a valid 2020-12 schema that documents every field for editors."""
import copy
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from engine.loader import schema as schema_module
from engine.loader.schema import SCHEMA_FILE, program_schema
from engine.loader.yamlpos import YamlDocument, parse_yaml
from engine.model import MIGRATION_KINDS

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]


def all_properties(node, where="#"):
    """(pointer, property schema) for every entry of every `properties` in the schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            yield from all_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from all_properties(value, f"{where}/{i}")


def test_the_schema_is_a_valid_2020_12_schema_with_an_id():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/program.schema.json")


def test_every_property_has_a_description():
    missing = [pointer for pointer, sub in all_properties(program_schema()) if not sub.get("description")]
    assert missing == []
    assert len(list(all_properties(program_schema()))) > 60


def test_every_object_rejects_unknown_keys_except_free_form_answers_migration_tables_and_languages():
    def objects(node, where="#"):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield where, node
            for key, value in node.items():
                yield from objects(value, f"{where}/{key}")
    open_objects = [where for where, node in objects(program_schema()) if node.get("additionalProperties") is not False]
    tables = [f"#/$defs/migration/properties/{kind}" for kind in MIGRATION_KINDS]
    assert open_objects == ["#/properties/translations", "#/$defs/form_test/properties/answers",
                            "#/$defs/form_test/properties/subscales", "#/$defs/form_test/properties/computed",
                            "#/$defs/form_test/properties/others", "#/$defs/form_test/properties/others/additionalProperties",
                            "#/$defs/form_test/properties/earlier/items", *tables]
    # translations are keyed by language code, each value a closed object
    translations = program_schema()["properties"]["translations"]
    assert translations["propertyNames"]["pattern"] == "^[a-z]{2}(-[A-Z]{2})?$"
    assert program_schema()["$defs"]["translation"]["additionalProperties"] is False
    # a migration table's keys and values are checked by patterns: old id → new id or drop
    assert all(program_schema()["$defs"]["migration"]["properties"][kind]["additionalProperties"]["type"] == "string"
               for kind in MIGRATION_KINDS)


@pytest.mark.parametrize("pointer, sub", [(p, s) for p, s in all_properties(program_schema()) if "examples" in s])
def test_every_example_in_the_schema_is_valid_for_its_property(pointer, sub):
    validator = Draft202012Validator({**sub, "$defs": program_schema()["$defs"]})
    for example in sub["examples"]:
        assert list(validator.iter_errors(example)) == [], (pointer, example)


@pytest.mark.parametrize("name", ["somn.yaml", "mini.yaml"])
def test_sample_programs_are_valid_against_the_schema_alone(name):
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    assert list(Draft202012Validator(program_schema()).iter_errors(data)) == []


def _broken(data, wrong, offset):
    """A copy of the data with every third value (counted in document order from `offset`) replaced by `wrong`."""
    data = copy.deepcopy(data)
    seen = 0

    def walk(node):
        nonlocal seen
        for key in list(node) if isinstance(node, dict) else range(len(node)):
            seen += 1
            if seen % 3 == offset:
                node[key] = copy.deepcopy(wrong)
            elif isinstance(node[key], (dict, list)):
                walk(node[key])

    walk(data)
    return data


def test_the_inlined_schema_reports_exactly_the_problems_of_the_schema_as_written(monkeypatch):
    # the validator runs over a copy of the schema with each `$ref` replaced by its target (for speed);
    # every problem, its text, location and order, must be what the schema as written gives
    files = sorted((DATA / "invalid").glob("*.yaml")) + [DATA / "somn.yaml", ROOT / "programs" / "tobakshjalpen.yaml"]
    docs = [parse_yaml(path.read_text(encoding="utf-8"), str(path), program_schema()) for path in files]
    for doc in docs[-2:]:  # values of every kind in every place, many in one document
        for wrong in [7, "x y", [], {"okänd": 1}, None, True, "", -3]:
            docs += [YamlDocument(_broken(doc.data, wrong, offset), doc.values, doc.keys) for offset in range(3)]
    inlined = [schema_module.schema_problems(doc) for doc in docs]
    monkeypatch.setattr(schema_module, "_validator", lambda: Draft202012Validator(program_schema()))
    as_written = [schema_module.schema_problems(doc) for doc in docs]
    assert inlined == as_written
    assert sum(len(problems) for problems in as_written) > 5000


def test_inlining_leaves_recursive_and_annotated_references_as_they_are():
    schema = {"$defs": {"node": {"type": "object",
                                 "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}},
                        "id": {"type": "string", "pattern": "^[a-z]+$"}},
              "properties": {"root": {"$ref": "#/$defs/node"}, "id": {"$ref": "#/$defs/id", "description": "the id"},
                             "checked": {"$ref": "#/$defs/id", "minLength": 2}}}
    inlined = schema_module.inline_refs(schema)
    assert inlined["properties"]["root"]["properties"]["kids"] == {"type": "array", "items": {"$ref": "#/$defs/node"}}
    assert inlined["properties"]["id"] == {"type": "string", "pattern": "^[a-z]+$"}
    assert inlined["properties"]["checked"] == {"$ref": "#/$defs/id", "minLength": 2}
    assert inlined["$defs"] is schema["$defs"]
    validator = Draft202012Validator(inlined)
    assert [e.message for e in validator.iter_errors({"root": {"kids": [{"kids": 5}]}, "checked": "a"})] == [
        "5 is not of type 'array'", "'a' is too short"]
