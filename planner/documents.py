"""YAML and JSON that people write (intent files, policy files, the inventory), read within limits.

A file nested thousands of levels deep (``a: [[[[...]]]]``) makes a parser recurse until Python gives up
with a RecursionError, and a number of 5,000 digits is a ValueError, since Python turns at most
``sys.get_int_max_str_digits()`` digits into an int. Neither is a bug to report: here both are a
``LimitExceeded`` naming the line and column, for the caller to wrap in its own error with the file's name.
No intent, policy or inventory needs more than a handful of levels; :data:`MAX_NESTING` leaves room to spare.

Imports PyYAML: load this module only when a file is read (the core and the MCP path never do).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

__all__ = ["MAX_NESTING", "LimitExceeded", "load_json", "load_yaml", "load_yaml_all"]

#: How deep mappings and lists may nest in a document read here.
MAX_NESTING = 50

_NESTING = (f"nested more than {MAX_NESTING} levels deep, where these files need only a few; look for brackets "
            "(or indentation) that run away")


class LimitExceeded(ValueError):
    """A document past a limit no hand-written file reaches; ``str`` is ``line L, column C: problem``."""

    def __init__(self, problem: str, line: int, column: int) -> None:
        self.problem, self.line, self.column = problem, line, column
        super().__init__(f"line {line}, column {column}: {problem}")


def _long_number(digits: str) -> str:
    return f"a number of {len(digits)} digits, more than any field takes; quote it (\"...\") if it is meant as text"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, stopping at :data:`MAX_NESTING` levels and at numbers it cannot convert."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.depth >= MAX_NESTING:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise LimitExceeded(_NESTING, mark.line + 1, mark.column + 1)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            digits = str(node.value).lstrip("+-")
            raise LimitExceeded(_long_number(digits), node.start_mark.line + 1, node.start_mark.column + 1) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """The one YAML document in ``text`` (``None`` if it is empty); raises ``yaml.YAMLError`` or ``LimitExceeded``."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml_all(text: str) -> list[Any]:
    """Every YAML document in ``text``, the empty ones left out; raises ``yaml.YAMLError`` or ``LimitExceeded``."""
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            document = loader.get_data()
            if document is not None:
                documents.append(document)
        return documents
    finally:
        loader.dispose()


def load_json(text: str) -> Any:
    """The JSON document in ``text``; raises ``json.JSONDecodeError`` or ``LimitExceeded``."""
    _check_json_nesting(text)

    def integer(token: str) -> int:
        try:
            return int(token)
        except ValueError:
            at = text.find(token)
            raise LimitExceeded(_long_number(token.lstrip("-")), *_line_column(text, at)) from None

    return json.loads(text, parse_int=integer)


def _check_json_nesting(text: str) -> None:
    """Raise ``LimitExceeded`` where ``text`` opens more than :data:`MAX_NESTING` arrays and objects at once
    (before ``json`` recurses into them); brackets inside strings do not count."""
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise LimitExceeded(_NESTING, *_line_column(text, index))
        elif char in "]}":
            depth -= 1


def _line_column(text: str, index: int) -> tuple[int, int]:
    index = max(index, 0)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1

