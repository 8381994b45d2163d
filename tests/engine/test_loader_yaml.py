"""engine.loader.yamlpos: YAML with positions, duplicate keys, syntax errors and "quote it", on small texts."""
import datetime as dt

import pytest
import yaml

from engine.loader import yamlpos
from engine.errors import Location, ProgramError
from engine.loader.yamlpos import load_yaml, location_for, parse_yaml

SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "flag": {"type": "boolean"},
        "days": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
        "when": {"type": ["string", "null"]},
    },
    "$defs": {"item": {"type": "object", "properties": {"id": {"type": "string"}}}},
}


def messages(text, schema=None):
    return [p.format() for p in parse_yaml(text, "s.yaml", schema).problems]


def test_load_yaml_returns_data_and_the_location_of_every_value():
    data, marks = load_yaml("title: Hej\nitems:\n  - id: a\n  - {id: b}\n", "s.yaml")
    assert data == {"title": "Hej", "items": [{"id": "a"}, {"id": "b"}]}
    assert marks[("title",)] == Location("s.yaml", 1, 8)
    assert marks[("items", 0, "id")] == Location("s.yaml", 3, 9)
    assert marks[("items", 1)] == Location("s.yaml", 4, 5)
    assert marks[("items", 1, "id")] == Location("s.yaml", 4, 10)


def test_key_locations_are_kept_separately_from_value_locations():
    doc = parse_yaml("a:\n  bb: 1\n", "s.yaml")
    assert doc.keys[("a", "bb")] == Location("s.yaml", 2, 3)
    assert doc.values[("a", "bb")] == Location("s.yaml", 2, 7)


def test_location_for_falls_back_to_the_nearest_parent():
    _, marks = load_yaml("a:\n  b: [1, 2]\n", "s.yaml")
    assert location_for(marks, ("a", "b", 7, "missing")) == Location("s.yaml", 2, 6)
    assert location_for(marks, ("nothing",)) == Location("s.yaml", 1, 1)


def test_load_yaml_raises_program_error_with_every_problem():
    with pytest.raises(ProgramError) as info:
        load_yaml("a: 1\nb: 2\na: 3\nb: 4\n", "s.yaml")
    assert str(info.value).splitlines() == [
        "s.yaml:3:1: error: duplicate key 'a' (first defined on line 1)",
        "s.yaml:4:1: error: duplicate key 'b' (first defined on line 2)",
    ]


def test_duplicate_keys_are_found_in_flow_mappings_too():
    assert messages("x: {a: 1, a: 2}\n") == ["s.yaml:1:11: error: duplicate key 'a' (first defined on line 1)"]


def test_booleans_where_the_schema_expects_booleans_are_fine():
    doc = parse_yaml("flag: yes\ndays: 010\n", "s.yaml", SCHEMA)
    assert doc.problems == []
    assert doc.data == {"flag": True, "days": 8}


def test_yes_where_the_schema_expects_text_asks_to_quote_it_and_keeps_the_text():
    doc = parse_yaml("title: yes\n", "s.yaml", SCHEMA)
    assert [p.format() for p in doc.problems] == [
        's.yaml:1:8: error: title: expected text, received the boolean true (YAML reads yes as true); quote it: "yes"'
    ]
    assert doc.data == {"title": "yes"}


def test_quote_it_follows_refs_into_list_items():
    assert messages("items:\n  - id: off\n", SCHEMA) == [
        's.yaml:2:9: error: id: expected text, received the boolean false (YAML reads off as false); quote it: "off"'
    ]


def test_quoted_and_block_scalars_are_never_reported():
    assert messages("title: 'no'\nitems:\n  - id: \"1:30\"\n", SCHEMA) == []


def test_a_type_list_with_null_still_wants_text_for_a_date():
    assert messages("when: 2024-01-31\n", SCHEMA) == [
        's.yaml:1:7: error: when: expected text, received a date (YAML reads 2024-01-31 as a date); '
        'quote it: "2024-01-31"'
    ]


def test_without_a_schema_yaml_values_keep_their_yaml_types():
    data, _ = load_yaml("a: no\nb: 2024-01-31\nc: 1:30\n", "s.yaml")
    assert data == {"a": False, "b": dt.date(2024, 1, 31), "c": 90}


def test_keys_are_always_the_text_the_author_typed():
    data, _ = load_yaml("yes: 1\n010: 2\n", "s.yaml")
    assert data == {"yes": 1, "010": 2}


def test_merge_keys_fill_in_keys_that_are_not_given():
    data, _ = load_yaml("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n", "s.yaml")
    assert data["thing"] == {"y": 3, "x": 1}


def test_an_alias_to_its_own_parent_is_reported_not_followed_forever():
    assert messages("a: &x\n  - *x\n") == [
        "s.yaml:1:4: error: an alias refers to a collection that contains itself"
    ]


def test_exponential_alias_expansion_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 8)]
    found = messages("\n".join(lines) + "\n")
    assert len(found) == 1
    assert "expands to more than 200000 values" in found[0]


def test_a_date_that_does_not_exist_is_a_problem_not_a_crash():
    assert messages("d: 2024-13-45\n") == [
        "s.yaml:1:4: error: cannot read '2024-13-45' as timestamp; quote it if it is text"
    ]


def test_a_control_character_is_reported_at_its_line_and_column():
    assert messages("a: 1\nb: x\x07\n") == [
        "s.yaml:2:5: error: YAML syntax error: the character #x0007 is not allowed in a YAML file"
    ]


def test_a_list_as_a_key_is_reported():
    assert messages("? [a, b]\n: 1\n") == ["s.yaml:1:3: error: a key must be plain text, not a list or mapping"]


def test_deep_nesting_is_reported_once():
    text = "a: " + "[" * 80 + "]" * 80 + "\n"
    found = messages(text)
    assert len(found) == 1 and "nested more than 64 levels" in found[0]


def test_undefined_alias_explains_anchors():
    assert messages("a: *nope\n") == [
        "s.yaml:1:4: error: YAML syntax error: found undefined alias 'nope' "
        "(an alias *name needs an earlier anchor &name)"
    ]


@pytest.mark.parametrize("text", [
    "a: 1\n\tb: 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a: b: c\n",
    "title: \"open\n",
    "a: [1, 2\n",
    "- a\nb: 1\n",
])
def test_syntax_errors_read_the_same_with_and_without_libyaml(monkeypatch, text):
    with_fast = messages(text)
    monkeypatch.setattr(yamlpos, "_FastLoader", yaml.SafeLoader)
    assert messages(text) == with_fast
    assert len(with_fast) == 1 and "YAML syntax error" in with_fast[0]


def test_an_unexpected_colon_suggests_quoting():
    assert messages("title: Steg 1: start\n") == [
        "s.yaml:1:14: error: YAML syntax error: unexpected ':' — quote the value if it contains ': ', "
        "or check the indentation of this line"
    ]


def test_an_unclosed_flow_list_names_where_it_started():
    assert messages("a: [1, 2\nb: 3\n") == [
        "s.yaml:2:2: error: YAML syntax error: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 1)"
    ]
