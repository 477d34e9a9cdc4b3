"""YAML files a person edits, loaded with the line of every key and item.

pydantic reports a mistake by its location (``("steps", 3, "type")``); this module turns
that location into the line a person should look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import Problem

Loc = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class YamlSource:
    """Parsed data plus a map from location to 1-based line number."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest parent that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, self.line(loc), where_of(self.data, loc), message)


def where_of(data: Any, loc: Loc) -> str:
    """A readable location: ``steps[3] (primary_reason).type`` rather than ``steps.3.type``."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            item = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                label += f" ({item['id']})"
            parts.append(label)
            node = item
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def _walk(node: yaml.Node, loc: Loc, source: YamlSource) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                source.problems.append(
                    Problem(source.file, line, ".".join(map(str, loc + (key,))), f"`{key}` is given twice")
                )
            seen.add(key)
            source.lines[loc + (key,)] = line
            _walk(value_node, loc + (key,), source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            source.lines[loc + (index,)] = item.start_mark.line + 1
            _walk(item, loc + (index,), source)


# libyaml's loader when PyYAML was built with it: the same safe loading and line marks, about
# ten times faster (parsing the playbooks twice in pure Python was a fifth of start-up).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path, display_name: str | None = None) -> YamlSource:
    """Read ``path``. A syntax error becomes a problem with its line, not an exception."""
    name = display_name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        return YamlSource(name, None, problems=[Problem(name, None, "", f"cannot read the file: {exc.strerror}")])
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlSource:
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (SafeLoader's C twin)
    except yaml.YAMLError as exc:
        # libyaml words some errors differently ("... in this context"): an invalid file is
        # parsed again in pure Python, so the message is PyYAML's own, as people and tests know it.
        try:
            yaml.compose(text, Loader=yaml.SafeLoader)
            yaml.safe_load(text)
        except yaml.YAMLError as python_exc:
            exc = python_exc
        line, reason = syntax_error_at(text, exc)
        return YamlSource(name, None, problems=[Problem(name, line, "", f"not valid YAML: {reason}")])
    source = YamlSource(name, data)
    if node is not None:
        source.lines[()] = node.start_mark.line + 1
        _walk(node, (), source)
    return source


def syntax_error_at(text: str, exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The line a person should fix for a YAML syntax error, and what is wrong there.

    PyYAML reports where it gave up, which for an unclosed quote is wherever the next quote
    happens to be (line 74 for a quote opened at line 28). A quoted value that opens on one
    line and closes on the line where parsing failed is such a quote: report where it opens.
    """
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    context_mark = getattr(exc, "context_mark", None)
    if getattr(exc, "context", None) == "while scanning a quoted scalar" and context_mark is not None:
        return context_mark.line + 1, f"the quote opened here is never closed ({reason} at line {mark.line + 1})"
    if mark is None:
        return None, reason
    opened = _quote_closing_at(text, mark.line)
    if opened is not None:
        return opened + 1, (f"the quote opened here only closes at line {mark.line + 1}, where the YAML "
                            f"then breaks ({reason}); close it on this line")
    return mark.line + 1, reason


def _quote_closing_at(text: str, line: int) -> int | None:
    """The 0-based start line of a quoted scalar spanning several lines and ending on ``line``."""
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line > line:
                break
            if (isinstance(token, yaml.ScalarToken) and token.style in ('"', "'")
                    and token.start_mark.line < token.end_mark.line == line):
                found = token.start_mark.line
    except yaml.YAMLError:
        pass  # the scanner stops at the same mistake; the tokens before it are what counts
    return found


def validation_problems(source: YamlSource, error: ValidationError) -> list[Problem]:
    """One problem per pydantic error, each with its file and line."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if item["type"] == "extra_forbidden":
            message = f"unknown field `{loc[-1]}` (check the spelling)"
        elif item["type"] == "missing":
            message = f"`{loc[-1]}` is required"
        elif item["type"] == "literal_error":
            message = f"{message}, got {item.get('input')!r}"
        problems.append(source.problem(loc, message))
    return problems


def validate_source(source: YamlSource, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate parsed data against ``model``; return the model (if valid) and every problem."""
    problems = list(source.problems)
    if source.data is None and not problems:
        problems.append(Problem(source.file, 1, "", "the file is empty"))
    if problems:
        return None, problems
    try:
        return model.model_validate(source.data), problems
    except ValidationError as exc:
        return None, problems + validation_problems(source, exc)
