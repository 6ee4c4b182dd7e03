"""The user's own prices, from a TOML or JSON file, validated with one-line errors.

A file holds ``[[price]]`` tables; several for one model make a dated history.
An override replaces the whole bundled history of the names it gives::

    [[price]]
    model = "gpt-4o"                 # required; also answers to `aliases`
    input = 2.50                     # USD per 1M prompt tokens (required)
    output = 10                      # USD per 1M output tokens (required)
    cached_input = 1.25              # optional; default: cached tokens bill as input
    batch_discount = 0.5             # optional; batch rates = standard x this
    effective = 2025-01-01           # optional; the date the price took effect
    provider = "openai"              # optional
    source = "enterprise contract"   # optional; shown beside every figure
    aliases = ["my-4o"]              # optional

JSON files hold the same: ``{"price": [{"model": "gpt-4o", "input": 2.5, ...}]}``.
Errors read ``FILE:LINE: field 'input': ...; fix``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tokcost.errors import PriceFileError, TokcostError, did_you_mean
from tokcost.files import read_user_text
from tokcost.prices.catalog import ModelPrices, Price, Rates

FIELDS = ("model", "input", "output", "cached_input", "batch_discount", "effective", "provider", "source", "aliases")
PRICE_FIELDS = ("input", "output", "cached_input", "batch_discount")


def _load_toml(text: str):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    return tomllib.loads(text), tomllib.TOMLDecodeError


def _entry_lines_toml(text: str) -> list:
    return [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*price\s*\]\]", line)]


def _entry_lines_json(text: str) -> list:
    """Line of each object opened at depth 2 (the entries of the "price" list)."""
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


def _field_line(text: str, start: int, end: int, field: str, is_json: bool) -> int:
    pattern = rf'\s*"{field}"\s*:' if is_json else rf'\s*"?{field}"?\s*='
    for number, line in enumerate(text.splitlines()[start - 1:end - 1], start):
        if re.search(pattern, line):
            return number
    return start


def load_overrides(path) -> list:
    """The price histories in a TOML (.toml) or JSON (.json) file, validated."""
    path = Path(path)
    name = str(path)
    text = read_user_text(path, PriceFileError, "prices file", "check the path", "save it as UTF-8 text")
    is_json = path.suffix.lower() == ".json"
    if is_json:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PriceFileError(f"{name}:{exc.lineno}: invalid JSON ({exc.msg}); fix the syntax") from None
        starts = _entry_lines_json(text)
    else:
        document, decode_error = None, None
        try:
            document, decode_error = _load_toml(text)
        except Exception as exc:
            match = re.search(r"line (\d+)", str(exc))
            line = match.group(1) if match else "1"
            raise PriceFileError(f"{name}:{line}: invalid TOML ({str(exc).split(' (at')[0]}); "
                                 "fix the syntax, e.g. input = 2.50") from None
        starts = _entry_lines_toml(text)
    entries = document.get("price") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise PriceFileError(f"{name}:1: no price entries; add one or more [[price]] tables "
                             "(JSON: {\"price\": [...]}) with model, input and output")
    histories: dict = {}
    total_lines = len(text.splitlines()) + 1
    for index, raw in enumerate(entries):
        start = starts[index] if index < len(starts) else 1
        end = starts[index + 1] if index + 1 < len(starts) else total_lines + 1

        def fail(field, problem, fix, _start=start, _end=end):
            line = _field_line(text, _start, _end, field, is_json) if field else _start
            where = f"field '{field}': " if field else ""
            raise PriceFileError(f"{name}:{line}: {where}{problem}; {fix}")

        if not isinstance(raw, dict):
            fail(None, "a price entry must be a table", "write it as [[price]] with model, input and output")
        for key in raw:
            if key not in FIELDS:
                hint = did_you_mean(key, FIELDS)
                fail(key, f"unknown field ({hint.strip()})" if hint else "unknown field",
                     f"use one of {', '.join(FIELDS)}")
        for key in ("model", "input", "output"):
            if key not in raw:
                fail(None, f"missing field '{key}'", f"add {key} = ... to this [[price]] entry")
        model = raw["model"]
        if not isinstance(model, str) or not model.strip():
            fail("model", f"{model!r} is not a model name", 'write it as a string, e.g. model = "gpt-4o"')
        values = {}
        for key in PRICE_FIELDS:
            if key not in raw:
                continue
            value = raw[key]
            try:
                if isinstance(value, bool):
                    raise InvalidOperation
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                fail(key, f"{value!r} is not a number", f"write USD per million tokens, e.g. {key} = 2.50")
            if not number.is_finite() or number < 0:
                fail(key, f"{value!r} is negative", "prices are USD per million tokens, zero or more")
            if key == "batch_discount" and number > 1:
                fail(key, f"{value!r} is above 1", "write the fraction of standard rates batch costs, e.g. 0.5")
            values[key] = number
        effective = raw.get("effective")
        if effective is not None:
            if isinstance(effective, _dt.datetime):
                effective = effective.date()
            elif not isinstance(effective, _dt.date):
                try:
                    effective = _dt.date.fromisoformat(str(effective))
                except ValueError:
                    fail("effective", f"{effective!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-01")
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            fail("aliases", f"{aliases!r} is not a list of names", 'write it as aliases = ["name", ...]')
        for key in ("provider", "source"):
            if key in raw and not isinstance(raw[key], str):
                fail(key, f"{raw[key]!r} is not text", f'write it in quotes, e.g. {key} = "..."')
        provider = raw.get("provider", "custom")
        line = start
        source = f"{raw.get('source', 'user prices')} ({name}:{line})"
        standard = Rates(values["input"], values["output"], values.get("cached_input"))
        batch = standard.scaled(values["batch_discount"]) if "batch_discount" in values else None
        price = Price(model, provider, effective, standard, source, batch, effective if batch else None,
                      source if batch else "")
        history = histories.setdefault(model, ModelPrices(model, provider, [model], [], origin="user"))
        for alias in aliases:
            if alias not in history.names:
                history.names.append(alias)
        if any(p.effective == effective for p in history.points):
            fail("effective", f"{model} already has a price effective {effective or 'undated'}",
                 "give each [[price]] of one model its own effective date")
        history.points.append(price)
    for history in histories.values():
        history.points.sort(key=lambda p: p.effective or _dt.date.min)
    return list(histories.values())
