"""Files people write (workloads, prices): parsed, checked by a pydantic schema, errors at file:line.

A schema's validators raise ``FieldProblem(problem, fix)``; ``validate`` turns
the first error pydantic finds into one line that names the file, the line of
the offending key (TOML and JSON parsers give no positions, so the key is
found in the text), the field, the problem and the fix::

    prices.toml:4: field 'input': 'abc' is not a number; write USD per million tokens, e.g. input = 2.50

>>> line_of('[a]\\nx = 1\\n[[b]]\\ny = 1\\n[[b]]\\ny = 2\\n', ("b", 1, "y"))
6
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Tuple

from tokcost.errors import did_you_mean

Loc = Tuple[Any, ...]


class FieldProblem(ValueError):
    """What is wrong with a value and how to fix it; ``{field}`` in ``fix`` becomes the key's name.

    ``at`` extends the error's location by one key, for validators of a whole
    table that find the problem in one of its entries.
    """

    def __init__(self, problem: str, fix: str, at: Optional[str] = None):
        super().__init__(f"{problem}; {fix}")
        self.problem, self.fix, self.at = problem, fix, at


@dataclass
class Issue:
    """The error to report: where (``loc``, as pydantic gives it), what kind, and the words for it."""

    loc: Loc
    kind: str  # "unknown" (a key the schema does not have), "missing" or "value"
    problem: str = ""
    fix: str = ""


# Reported first: a misspelt key usually explains the "missing" error that comes with it.
_KIND_ORDER = {"unknown": 0, "missing": 1, "value": 2}


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    """'unknown field (Did you mean 'x'?)', the problem text for a key the schema does not have."""
    hint = did_you_mean(key, allowed).strip()
    return f"unknown field ({hint})" if hint else "unknown field"



def text_value(value: Any) -> str:
    """A text field's value (a pydantic ``BeforeValidator``): a string, or a FieldProblem."""
    if not isinstance(value, str):
        raise FieldProblem(f"{value!r} is not text", 'write it in quotes, e.g. {field} = "..."')
    return value

def parse(text: str, name: str, error: type, syntax_fix: str) -> Any:
    """The document in ``text``: JSON if ``name`` ends in .json, TOML otherwise; ``error`` at the bad line."""
    if name.lower().endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(f"{name}:{exc.lineno}: invalid JSON ({exc.msg}); fix the syntax") from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise error(f"{name}:{match.group(1) if match else 1}: invalid TOML "
                    f"({str(exc).split(' (at')[0]}); {syntax_fix}") from None


def validate(schema, document: Any, *, text: str, name: str, error: type,
             describe: Callable[[Issue], Tuple[str, Loc]], fix: str):
    """``schema.model_validate(document)``, or ``error`` for the first problem, at its line.

    ``describe(issue)`` fills in the issue's problem and fix where pydantic's
    words would not help a user, and returns the text naming the field
    (e.g. "field 'input': ") and the location whose line to report. ``fix``
    is the advice for problems the schema's own validators do not word.
    """
    from pydantic import ValidationError

    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        issues = [_issue(detail) for detail in exc.errors()]
    is_json = name.lower().endswith(".json")
    ranked = sorted(issues, key=lambda i: (_KIND_ORDER[i.kind], line_of(text, i.loc, is_json)))
    issue = ranked[0]
    where, line_loc = describe(issue)
    issue.fix = issue.fix or fix
    raise error(f"{name}:{line_of(text, line_loc, is_json)}: {where}{issue.problem}; {issue.fix}")


def error_at(text: str, name: str, error: type, loc: Loc, message: str):
    """``error`` for a problem found after validation (across entries), at the line of ``loc``."""
    return error(f"{name}:{line_of(text, loc, name.lower().endswith('.json'))}: {message}")


def _issue(detail: dict) -> Issue:
    loc = tuple(detail["loc"])
    if detail["type"] == "extra_forbidden":
        return Issue(loc, "unknown")
    if detail["type"] == "missing":
        return Issue(loc, "missing")
    cause = (detail.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        key = str(loc[-1]) if loc else ""
        return Issue(loc + ((cause.at,) if cause.at is not None else ()), "value", cause.problem,
                     cause.fix.replace("{field}", key))
    # Shapes the validators do not check themselves (a value where a table belongs, ...): pydantic's words.
    return Issue(loc, "value", f"{detail.get('input')!r} is not valid ({detail['msg'][0].lower()}{detail['msg'][1:]})")


# ---------------------------------------------------------------- where a key is written

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]")


def line_of(text: str, loc: Loc, is_json: bool = False) -> int:
    """The 1-based line of the value at ``loc`` (section, [index,] key, ...); its table's line if not written."""
    lines = text.splitlines()
    if not loc:
        return 1
    start, end, rest = (_json_window if is_json else _toml_window)(text, lines, loc)
    key = next((part for part in rest if isinstance(part, str)), None)
    if key is not None:
        pattern = (rf'\s*"{re.escape(key)}"\s*:' if is_json else rf'\s*"?{re.escape(key)}"?\s*=')
        for number in range(start, end):
            if re.match(pattern, lines[number]) or (is_json and re.search(pattern, lines[number])):
                return number + 1
    return start + 1


def _toml_window(text: str, lines: list, loc: Loc):
    """Lines [start, end) of the deepest table header ``loc`` names, and the rest of ``loc`` to find there."""
    headers = [(n, m.group(1), m.group(2)) for n, line in enumerate(lines) if (m := _HEADER.match(line))]
    for depth in range(len(loc), 0, -1):
        if not all(isinstance(part, str) for part in loc[:depth]):
            continue
        table = ".".join(loc[:depth])
        starts = [(n, bracket) for n, bracket, name in headers if name == table]
        if not starts:
            continue
        rest, index = loc[depth:], 0
        if rest and isinstance(rest[0], int) and starts[0][1] == "[[":  # the n-th of [[table]]
            index, rest = min(rest[0], len(starts) - 1), rest[1:]
        start = starts[index][0]
        end = next((n for n, _, name in headers if n > start and not name.startswith(table + ".")), len(lines))
        return start, end, rest
    # No header: a top-level key (or a table written inline), before the first header.
    return 0, (headers[0][0] if headers else len(lines)), loc


def _json_window(text: str, lines: list, loc: Loc):
    """For {"section": [{...}, ...]}: the lines of the n-th object of the list."""
    if len(loc) > 1 and isinstance(loc[1], int):
        starts = _json_object_lines(text)
        if loc[1] < len(starts):
            end = starts[loc[1] + 1] - 1 if loc[1] + 1 < len(starts) else len(lines)
            return starts[loc[1]] - 1, end, loc[2:]
    return 0, len(lines), loc[1:] if len(loc) > 1 else ()


def _json_object_lines(text: str) -> list:
    """Line of each object opened at depth 3 (the entries of a list inside the top-level object)."""
    lines, depth, line, in_string, escaped = [], 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            escaped = char == "\\" and not escaped
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            if char == "{" and depth == 3:
                lines.append(line)
        elif char in "}]":
            depth -= 1
    return lines
