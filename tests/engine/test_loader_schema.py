"""engine/program.schema.json: a valid 2020-12 schema that documents every field for editors."""
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from engine.loader.schema import SCHEMA_FILE, program_schema
from engine.model import MIGRATION_KINDS

DATA = Path(__file__).resolve().parents[1] / "data"


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
                            "#/$defs/form_test/properties/subscales", *tables]
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
