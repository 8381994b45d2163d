"""YAML with positions: PyYAML nodes → plain Python data plus the source location of every key and value.

Used for program files (engine.loader) and scenario files (`stegvis simulate`). Beyond plain PyYAML it
rejects duplicate keys, reports syntax errors as `file:line:col` problems with the same text whether or
not libyaml is installed, and — given a JSON Schema — reports YAML 1.1 surprises (`no`, `1:30`, `010`,
unquoted dates …) where the schema expects text, telling the author to quote the value.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping  # isinstance on typing.Mapping is several times slower
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import yaml

from ..errors import Location, Problem, ProgramError

try:  # the C parser is several times faster on big programs
    _FastLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _FastLoader = yaml.SafeLoader

Path: TypeAlias = tuple[str | int, ...]  # a path into the data: mapping keys and list indexes from the root
Schema: TypeAlias = Mapping[str, Any]  # a JSON Schema (or a subschema) as loaded from JSON
#: deeper nesting than this is never a sensible program and would exhaust the recursion limit
MAX_DEPTH = 64
#: alias expansion beyond this many nodes is refused (a "billion laughs" document)
MAX_NODES = 200_000

_STR_TAG = "tag:yaml.org,2002:str"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class YamlDocument:
    """The result of `parse_yaml`: data, where each part came from, and what went wrong."""

    data: Any
    #: path → where the value at that path starts
    values: dict[Path, Location] = field(default_factory=dict)
    #: path → where the mapping key naming that path starts (mapping entries only)
    keys: dict[Path, Location] = field(default_factory=dict)
    #: path → the scalar node (style, marks) for mapping values and list items that are scalars
    scalars: dict[Path, yaml.ScalarNode] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    text: str = ""


def load_yaml(text: str, filename: str, schema: Schema | None = None) -> tuple[Any, dict[Path, Location]]:
    """Parse YAML text into (data, marks) where marks maps a path tuple to its value's Location; raise ProgramError."""
    doc = parse_yaml(text, filename, schema)
    if doc.problems:
        raise ProgramError([one_line(p) for p in sorted(doc.problems, key=_problem_order)])
    return doc.data, doc.values


def location_for(marks: Mapping[Path, Location], path: Path) -> Location | None:
    """The Location of `path`, or of its nearest parent that has one."""
    path = tuple(path)
    for end in range(len(path), -1, -1):
        loc = marks.get(path[:end])
        if loc is not None:
            return loc
    return None


def parse_yaml(text: str, filename: str, schema: Schema | None = None) -> YamlDocument:
    """Parse YAML text, collecting problems instead of raising (never raises for any input text)."""
    doc = YamlDocument(data=None, text=text)
    root = _compose(text, filename, doc.problems)
    if root is None:
        if not doc.problems:  # an empty document: keep the root location for later messages
            doc.values[()] = Location(filename, 1, 1)
        return doc
    builder = _Builder(filename, doc, schema)
    doc.data = builder.build(root, (), schema, frozenset())
    # an aliased node is converted once per use; report each of its problems once
    doc.problems = list(dict.fromkeys(doc.problems))
    return doc


def one_line(problem: Problem) -> Problem:
    """The problem with line breaks and control characters in its message escaped (one line per problem)."""
    message = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), problem.message)
    return problem if message == problem.message else Problem(problem.location, message, problem.severity)


def _problem_order(p: Problem) -> tuple[Any, ...]:
    loc = p.location
    return (loc.line, loc.col) if loc else (0, 0)


def _loc(filename: str, mark: yaml.Mark) -> Location:
    return Location(filename, mark.line + 1, mark.column + 1)


# ---------------------------------------------------------------------------------------------
# composing and syntax errors


def _compose(text: str, filename: str, problems: list[Problem]) -> yaml.Node | None:
    """Compose the node tree; a syntax error becomes one Problem (same text with or without libyaml)."""
    try:
        return yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError as fast_error:
        # libyaml words its errors differently; the pure-Python parser gives the canonical text
        error = fast_error
        if _FastLoader is not yaml.SafeLoader:
            try:
                yaml.compose(text, Loader=yaml.SafeLoader)
            except yaml.YAMLError as slow_error:
                error = slow_error
            except RecursionError:
                pass  # keep libyaml's own error (it limits nesting itself)
        problems.append(_syntax_problem(error, text, filename))
    except RecursionError:  # pure-Python parser on absurdly nested flow collections
        problems.append(Problem(Location(filename, 1, 1), "the document is nested too deeply"))
    return None


def _syntax_problem(error: yaml.YAMLError, text: str, filename: str) -> Problem:
    """Turn a PyYAML error into a located, plain-language problem."""
    if isinstance(error, yaml.reader.ReaderError):
        line, col = _line_col(text, error.position)
        char = error.character
        # PyYAML gives the code point as an int (or a str for undecodable bytes)
        code = f"#x{char:04x}" if isinstance(char, int) else f"#x{ord(char[0]):04x}" if char else "?"
        return Problem(Location(filename, line, col),
                       f"YAML syntax error: the character {code} is not allowed in a YAML file")
    if not isinstance(error, yaml.MarkedYAMLError):  # pragma: no cover - PyYAML raises only these two
        return Problem(Location(filename, 1, 1), f"YAML syntax error: {error}")
    problem = error.problem or ""
    context = error.context or ""
    mark = error.problem_mark or error.context_mark
    where = _loc(filename, mark) if mark else Location(filename, 1, 1)
    runaway = _runaway_quote(text, mark)
    if "'\\t'" in problem:
        message = "a tab character cannot be used for indentation; use spaces"
    elif "quoted scalar" in context and "end of stream" in problem and error.context_mark:
        where = _loc(filename, error.context_mark)
        quote = _char_at(text, error.context_mark.index)
        message = f"the quoted text starting here has no closing {quote}; add it or remove the opening one"
    elif runaway is not None:
        # a quote left open swallows the following lines; the error shows up far below the mistake
        where = _loc(filename, runaway.start_mark)
        quote = runaway.style
        message = (f"the quoted text starting here runs on to line {runaway.end_mark.line + 1}; "
                   f"is its closing {quote} missing?")
    elif problem.startswith("mapping values are not allowed"):
        message = ("unexpected ':' — quote the value if it contains ': ', "
                   "or check the indentation of this line")
    elif "expected <block end>" in problem and error.context_mark:
        start = _loc(filename, error.context_mark)
        message = (f"bad indentation: this line does not line up with the block that starts at "
                   f"line {start.line}, column {start.col}")
    elif problem.startswith("found undefined alias"):
        message = f"{problem} (an alias *name needs an earlier anchor &name)"
    elif context.startswith("expected a single document"):
        message = "a program file holds one YAML document; remove this '---' and what follows"
    else:
        message = problem
        if context and error.context_mark:
            message += f" ({context} at line {error.context_mark.line + 1})"
    return Problem(where, f"YAML syntax error: {message}")


def _runaway_quote(text: str, error_mark: yaml.Mark | None) -> yaml.ScalarToken | None:
    """The last quoted scalar before the error that spans several lines (likely a missing quote)."""
    if error_mark is None:
        return None
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= error_mark.index:
                break
            if (isinstance(token, yaml.ScalarToken) and token.style in ("'", '"')
                    and token.start_mark.line != token.end_mark.line):
                found = token
    except (yaml.YAMLError, RecursionError):
        pass  # scanning stops at the error itself; tokens before it are what we need
    return found


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else '"'


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[: max(0, index)]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


# ---------------------------------------------------------------------------------------------
# nodes → data, with positions, duplicate keys and "quote it"


class _Builder:
    """Walks the composed node tree once, producing data and filling the document's position maps."""

    def __init__(self, filename: str, doc: YamlDocument, schema: Schema | None):
        self.filename = filename
        self.doc = doc
        self.root_schema = schema
        self.constructor = yaml.SafeLoader("")
        self.count = 0
        self.too_big = False
        self.children: dict[tuple[int, str | None], Schema | None] = {}  # see child_schema

    def child_schema(self, schema: Schema | None, key: str | None) -> Schema | None:
        """The schema of `schema`'s property `key` (or list item, key None), looked up once per schema."""
        slot = (id(schema), key)  # the subschemas live as long as root_schema, so ids are stable
        if slot not in self.children:
            self.children[slot] = (_items_schema(self.root_schema, schema) if key is None
                                   else _property_schema(self.root_schema, schema, key))
        return self.children[slot]

    def build(self, node: yaml.Node, path: Path, schema: Schema | None, active: frozenset[int]) -> Any:
        """Convert one node; `active` holds the ids of the collection nodes we are inside (cycle guard)."""
        self.doc.values.setdefault(path, _loc(self.filename, node.start_mark))
        self.count += 1
        if self.count > MAX_NODES or len(path) > MAX_DEPTH:
            if not self.too_big:
                self.too_big = True
                self._problem(node, f"the document is nested more than {MAX_DEPTH} levels deep or expands "
                                    f"to more than {MAX_NODES} values (through aliases)")
            return None
        if isinstance(node, yaml.ScalarNode):
            self.doc.scalars.setdefault(path, node)
            return self._scalar(node, path, schema)
        if id(node) in active:
            self._problem(node, "an alias refers to a collection that contains itself")
            return None
        active = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            item_schema = self.child_schema(schema, None)
            return [self.build(child, path + (i,), item_schema, active) for i, child in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)  # the last of PyYAML's three node kinds
        return self._mapping(node, path, schema, active)

    def _mapping(self, node: yaml.MappingNode, path: Path, schema: Schema | None, active: frozenset[int]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "a key must be plain text, not a list or mapping")
                continue
            # keys are always text: `yes:` or `1:` as a key means the word the author typed
            key = key_node.value
            if key in first_seen:
                first = first_seen[key].start_mark.line + 1
                self._problem(key_node, f"duplicate key '{key}' (first defined on line {first})")
                continue
            first_seen[key] = key_node
            child = path + (key,)
            self.doc.keys.setdefault(child, _loc(self.filename, key_node.start_mark))
            result[key] = self.build(value_node, child, self.child_schema(schema, key), active)
        for merge_node in merges:  # `<<: *defaults` — explicit keys win over merged ones
            sources = merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self._problem(source, "'<<' (merge) needs a mapping or a list of mappings")
                    continue
                merged = self._mapping(source, path, schema, active | {id(node)})
                for key, value in merged.items():
                    result.setdefault(key, value)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path, schema: Schema | None) -> Any:
        if node.tag == _STR_TAG:  # what the constructor would return for text, without its overhead
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError):
            # e.g. a plain 2024-13-45 matches the date pattern but is no date; keep the text
            self._problem(node, f"cannot read {node.value!r} as {_tag_name(node.tag)}; quote it if it is text")
            return node.value
        if isinstance(value, bytes):  # !!binary has no JSON counterpart
            self._problem(node, f"{_tag_name(node.tag)} values are not supported; write plain text")
            return node.value
        if is_plain(node):  # text (the str tag) has returned above
            wanted = _types(self.root_schema, schema)
            if "string" in wanted and not _matches_type(value, wanted) and node.value != "":
                self._problem(node, _quote_it(path, node.value, value))
                return node.value
        return value

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.doc.problems.append(Problem(_loc(self.filename, node.start_mark), message))


def _tag_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag


def _quote_it(path: Path, source: str, value: Any) -> str:
    """The "quote it" message for a plain scalar YAML 1.1 reads as something other than text."""
    what = field_label(path)
    if isinstance(value, bool):
        received = f"the boolean {str(value).lower()} (YAML reads {source} as {str(value).lower()})"
    elif isinstance(value, (_dt.date, _dt.datetime)):
        received = f"a date (YAML reads {source} as a date)"
    elif value is None:
        received = f"nothing (YAML reads {source} as null)"
    elif isinstance(value, int) and re.fullmatch(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+", source):
        received = f"the number {value} (YAML reads {source} as a base-60 number)"
    elif isinstance(value, int) and re.fullmatch(r"[-+]?0[0-7_]+", source):
        received = f"the number {value} (YAML reads {source} as an octal number)"
    elif isinstance(value, (int, float)) and str(value) != source:
        received = f"the number {value} (YAML reads {source} as a number)"
    else:
        received = f"the number {source}"
    return f"{what}: expected text, received {received}; quote it: \"{source}\""


def is_plain(node: yaml.Node) -> bool:
    """Whether a scalar was written without quotes or block indicators (libyaml says '', PyYAML None)."""
    return isinstance(node, yaml.ScalarNode) and not node.style


def field_label(path: Path) -> str:
    """A short name for the field at `path`: its last key, e.g. 'title' or 'forms'."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "value"


# ---------------------------------------------------------------------------------------------
# minimal JSON Schema navigation (enough for the types the schema expects at a path)


def resolve(root: Schema | None, schema: Any) -> Schema | None:
    """Follow local `$ref`s ("#/$defs/x") until a concrete subschema (None when unknown)."""
    for _ in range(32):  # a ref chain longer than this is a broken schema, not a program problem
        if not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/") or root is None:
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        schema = target
    return None


def _branches(root: Schema | None, schema: Schema | None) -> Iterator[Schema]:
    """The schema itself and every anyOf/oneOf/allOf branch (one level), all resolved."""
    schema = resolve(root, schema)
    if schema is None:
        return
    yield schema
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(keyword, ()):
            resolved = resolve(root, branch)
            if resolved is not None:
                yield resolved


def _property_schema(root: Schema | None, schema: Schema | None, key: str) -> Schema | None:
    for branch in _branches(root, schema):
        props: Mapping[str, Schema] = branch.get("properties", {})
        if key in props:
            return props[key]
        patterns: Mapping[str, Schema] = branch.get("patternProperties", {})
        for pattern, sub in patterns.items():
            if re.search(pattern, key):
                return sub
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return None


def _items_schema(root: Schema | None, schema: Schema | None) -> Schema | None:
    for branch in _branches(root, schema):
        items = branch.get("items")
        if isinstance(items, Mapping):
            return items
    return None


def schema_at(root: Schema | None, path: Path) -> Schema | None:
    """The (resolved) subschema describing the value at `path`, or None if the schema does not say."""
    schema: Schema | None = root
    for part in path:
        schema = _items_schema(root, schema) if isinstance(part, int) else _property_schema(root, schema, part)
        if schema is None:
            return None
    return resolve(root, schema)


def _types(root: Schema | None, schema: Schema | None) -> set[str]:
    found: set[str] = set()
    for branch in _branches(root, schema):
        t = branch.get("type")
        if isinstance(t, str):
            found.add(t)
        elif isinstance(t, list):
            found.update(x for x in t if isinstance(x, str))
    return found


def _matches_type(value: Any, types: set[str]) -> bool:
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool(types & {"integer", "number"})
    if isinstance(value, float):
        return "number" in types
    if value is None:
        return "null" in types
    return False
