"""YAML/JSON parsing that remembers the line of every key, so errors can point at it."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import yaml

from aftershock.errors import Problem, ScenarioError

Path_ = tuple[str | int, ...]

#: Limits checked on the text and its parse events, before any alias is expanded or any
#: value constructed, so that a hostile document is refused in well under a second.
MAX_DOCUMENT_CHARS = 2_000_000
MAX_DEPTH = 48
MAX_ALIASES = 1_000
#: Values of the document, with every alias expanded (what validation would walk). A large
#: scenario holds a few thousand; the store table is a separate file.
MAX_EXPANDED_NODES = 20_000
#: The event pass uses libyaml where PyYAML has it: about 20 times faster than the pure
#: Python parser, so even a document at the size limit is refused in well under a second.
_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Digits of a number: more than any count or amount a scenario can hold.
MAX_NUMBER_CHARS = 40

_NUMBER = re.compile(
    r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$"
)
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def parse_document(text: str, source: str, *, is_json: bool = False) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML (or JSON) text; return the data and a map from key path to line number.

    Raises :class:`ScenarioError` naming the line of a syntax error or duplicate key.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ScenarioError.from_problems(
            [
                Problem(
                    source,
                    f"the document has {len(text):,} characters; expected at most {MAX_DOCUMENT_CHARS:,} "
                    "(stores belong in the store table)",
                )
            ]
        )
    json_data: Any = None
    if is_json:
        try:
            json_data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError.from_problems(
                [Problem(source, f"JSON syntax error: {exc.msg}", line=exc.lineno)]
            ) from None
        except RecursionError:
            raise ScenarioError.from_problems(
                [Problem(source, f"nested more than {MAX_DEPTH} levels deep")]
            ) from None
        except ValueError as exc:  # an integer of thousands of digits
            raise ScenarioError.from_problems([Problem(source, f"JSON value refused: {exc}")]) from None
        # JSON allows tabs where YAML does not; raw tabs cannot occur inside JSON strings,
        # so replacing them keeps every value and line of the YAML view used for line numbers
        text = text.replace("\t", " ")
    try:
        data, node = _parse_yaml(text, source)
    except ScenarioError:
        if is_json:  # valid JSON that YAML cannot read: the data without line numbers
            return json_data, {}
        raise
    lines: dict[Path_, int] = {}
    duplicates: list[Problem] = []
    _walk(node, (), lines, duplicates, source)
    if duplicates:
        raise ScenarioError.from_problems(duplicates)
    # the JSON parser's values are the reference (YAML reads "\ud83d\ude00" as two surrogates)
    return (json_data if is_json else data), lines


def _parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node]:
    _check_events(text, source)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError.from_problems([Problem(source, "the file is empty")])
        _check_expanded_size(node, source)
        try:
            return loader.construct_document(node), node
        except (ValueError, OverflowError) as exc:  # a timestamp or number the checks let through
            raise ScenarioError.from_problems(
                [Problem(source, f"a value cannot be read: {_one_line(exc)}")]
            ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        start = exc.context_mark
        if exc.context and start is not None and mark is not None and start.line != mark.line:
            what += f" ({exc.context} that starts on line {start.line + 1})"
        raise ScenarioError.from_problems(
            [Problem(source, f"YAML syntax error: {what}", line=line)]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.from_problems([Problem(source, f"YAML error: {_one_line(exc)}")]) from None
    finally:
        loader.dispose()


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _check_events(text: str, source: str, loader: type = _EVENT_LOADER) -> None:
    """Refuse deep nesting, many aliases, huge numbers and impossible dates, from parse events.

    Parse events come before composition (which recurses once per level) and before
    construction (which expands aliases and converts numbers and dates), so nothing costly
    or recursive has run when a limit is hit. Each problem names its line.
    """
    depth = aliases = values = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, yaml.NodeEvent):
                values += 1
                if values > MAX_EXPANDED_NODES:
                    _refuse(source, f"more than {MAX_EXPANDED_NODES:,} values in the document", line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    _refuse(source, f"nested more than {MAX_DEPTH} levels deep", line)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    _refuse(source, f"more than {MAX_ALIASES} aliases (*name)", line)
            elif isinstance(event, yaml.ScalarEvent) and not event.style and event.tag is None:  # plain
                _check_plain_scalar(event.value, source, line)
    except yaml.MarkedYAMLError:
        if loader is not yaml.SafeLoader:
            # libyaml stops at its own limits too (such as nesting) with its own words: the
            # pure Python parser, which the composer uses, reads on to the limits above
            _check_events(text, source, yaml.SafeLoader)
        return  # a syntax error: the composer reports it again, with its line and context
    except yaml.reader.ReaderError as exc:  # e.g. a NUL byte: the reader gives a position
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        what = f"character #x{char:04x} is not allowed in YAML" if isinstance(char, int) else exc.reason
        raise ScenarioError.from_problems([Problem(source, what, line=line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.from_problems([Problem(source, f"YAML error: {_one_line(exc)}")]) from None


def parse_value(raw: str, source: str) -> Any:
    """A single YAML value (a ``--set`` override), under the same limits as a document.

    Text that is not valid YAML is taken as a plain string, as a shell user would mean it.
    """
    if not raw.strip():
        return None
    if len(raw) > MAX_DOCUMENT_CHARS:
        _refuse(source, f"a value of {len(raw):,} characters; expected at most {MAX_DOCUMENT_CHARS:,}", None)
    try:
        _check_events(raw, source)
    except ScenarioError as exc:  # an override has no lines of its own
        raise ScenarioError.from_problems([Problem(source, p.message) for p in exc.problems]) from None
    loader = yaml.SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expanded_size(node, source)
        return loader.construct_document(node)
    except yaml.YAMLError:
        return raw
    except (ValueError, OverflowError) as exc:
        problem = Problem(source, f"cannot read '{raw}': {_one_line(exc)}")
        raise ScenarioError.from_problems([problem]) from None
    finally:
        loader.dispose()


def _check_plain_scalar(value: str, source: str, line: int | None) -> None:
    if len(value) > MAX_NUMBER_CHARS and _NUMBER.match(value):
        _refuse(source, f"a number of {len(value)} characters; expected at most {MAX_NUMBER_CHARS}", line)
    date = _DATE.match(value)
    if date:
        try:
            dt.date(*(int(part) for part in date.groups()))
        except ValueError as exc:
            _refuse(source, f"'{value}' is not a valid date ({exc}); expected YYYY-MM-DD", line)


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Count values and depth with every alias expanded, each node once (memoised, iterative).

    Aliases multiply both: a chain of anchors, each nesting the one before, is shallow as
    written and thousands of levels deep expanded, which would overflow the recursion of
    everything that walks the data afterwards.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) expanded
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            kids = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        if not children_done and any(id(k) not in sizes for k in kids):
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
            continue
        values = 1 + sum(sizes[id(k)][0] for k in kids)
        depth = 1 + max((sizes[id(k)][1] for k in kids), default=0)
        sizes[id(node)] = (values, depth)
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            _refuse(source, f"with its aliases expanded, nested more than {MAX_DEPTH} levels deep", line)
        if values > MAX_EXPANDED_NODES:
            _refuse(
                source,
                f"with its aliases expanded the document has {values:,} values; "
                f"expected at most {MAX_EXPANDED_NODES:,}",
                line,
            )


def _refuse(source: str, message: str, line: int | None) -> None:
    raise ScenarioError.from_problems([Problem(source, message, line=line)])


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], dups: list[Problem], source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(
                    Problem(
                        source,
                        f"duplicate key '{key}' (the earlier value would be silently replaced)",
                        line=key_node.start_mark.line + 1,
                        field=_dotted((*path, key)),
                    )
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, dups, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, dups, source)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """Line of the longest prefix of ``path`` that the document contains."""
    for end in range(len(path), -1, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None


dotted = _dotted
