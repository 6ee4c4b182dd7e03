"""Usage logs from files: JSONL lines, JSON dumps (one response, a list, an OTLP export), Parquet rows.

Every record keeps where it was read (``FILE:LINE``, ``FILE:row N`` for
Parquet), so a problem points at it. A record that cannot be priced is a
``Problem``, never a silent zero; a batch request the provider did not bill
(errored, expired) is counted apart.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "log.jsonl")
>>> _ = open(path, "w").write('{"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}\\n')
>>> read_usage([path]).records[0].where.endswith("log.jsonl:1")
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

from tokcost.errors import InputFileError
from tokcost.files import read_user_text
from tokcost.usage.fields import json_text
from tokcost.usage.formats import parse
from tokcost.usage.record import FORMATS, RecordProblem, Skipped
from tokcost.usage.spans import is_otlp, otlp_spans


@dataclass(frozen=True)
class Problem:
    """A record that was not priced: where, and the one-line message (what is wrong, and the fix)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class UsageLog:
    """The records read from some files, the problems met, and the records skipped (by reason)."""

    records: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # reason -> records
    files: list = field(default_factory=list)


def read_usage(paths: Sequence, fmt: Optional[str] = None, billed_tier: Optional[str] = None,
               text: bool = True) -> UsageLog:
    """Every usage record in ``paths``; ``fmt`` forces a format, ``billed_tier`` is the tier of unmarked records.

    ``text`` False skips keeping the requests' text (faster; a what-if then scales by language ratios).
    """
    if fmt is not None and fmt not in FORMATS:
        raise InputFileError(f"--format {fmt!r} is not a usage format; use one of {', '.join(FORMATS)}")
    log = UsageLog()
    for path in paths:
        log.files.append(str(path))
        for where, obj, forced in _items(Path(path)):
            if isinstance(obj, _Invalid):
                log.problems.append(Problem(where, f"invalid JSON ({obj.why}); fix the line or remove it"))
                continue
            try:
                log.records.append(parse(obj, forced or fmt, where, billed_tier, text))
            except Skipped as why:
                log.skipped[str(why)] = log.skipped.get(str(why), 0) + 1
            except RecordProblem as exc:
                log.problems.append(Problem(where, str(exc)))
            except (TypeError, AttributeError, ValueError) as exc:  # a shape no reader expects
                log.problems.append(Problem(where, f"cannot read this record ({exc}); check that it is a provider "
                                                   "response as logged, or name its format with --format"))
    return log


def _items(path: Path) -> Iterator[tuple]:
    """(where, record, forced format or None) for each record of a file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _parquet(path)
        return
    if suffix == ".json" or _starts_with(path, "["):
        text = read_user_text(path, InputFileError, "usage log", _MISSING_FIX, _ENCODING_FIX)
        yield from _json_document(path, text)
        return
    yield from _jsonl(path)


_MISSING_FIX = "name a JSONL, JSON or Parquet file of usage records"
_ENCODING_FIX = "save it as UTF-8 JSON or JSONL"


def _starts_with(path: Path, char: str) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4096).lstrip().startswith(char.encode())
    except OSError:
        return False  # _jsonl reports it


def _json_document(path: Path, text: str) -> Iterator[tuple]:
    """A JSON file: an array of records, one record or OTLP export, or (despite its name) JSONL."""
    if text.lstrip().startswith("["):
        yield from _json_list(path, text)
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputFileError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); fix the syntax") from None
        yield from _jsonl_lines(path, text.splitlines())  # one object per line
        return
    yield from _expand(path, doc, text, 0)


def _jsonl(path: Path) -> Iterator[tuple]:
    """A JSONL log, streamed line by line (logs can be larger than memory)."""
    try:
        with path.open(encoding="utf-8") as handle:
            yield from _jsonl_lines(path, handle)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such usage log; {_MISSING_FIX}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read ({exc}); {_ENCODING_FIX}") from None


def _jsonl_lines(path: Path, lines) -> Iterator[tuple]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{path}:{number}", _Invalid(exc.msg), None
            continue
        yield from _expand(path, doc, line, 0, number)


class _Invalid(dict):
    """A line that is not JSON; ``parse`` reports it like any other bad record."""

    def __init__(self, why: str):
        super().__init__()
        self.why = why


def _expand(path: Path, doc, text: str, offset: int, line: Optional[int] = None) -> Iterator[tuple]:
    """A JSON value as records: an OTLP export's spans one by one, anything else as itself."""
    line = line or text.count("\n", 0, offset) + 1
    if is_otlp(doc):
        for span in otlp_spans(doc):
            yield f"{path}:{_line_of(text, span.get('spanId'), offset, line)}", span, "otel"
    else:
        yield f"{path}:{line}", doc, None


def _line_of(text: str, span_id, offset: int, line: int) -> int:
    """The line of a span's id inside a multi-line JSON document (``line`` of the document otherwise)."""
    if not span_id or "\n" not in text:
        return line
    at = text.find(f'"{span_id}"', offset)
    return line if at < 0 else line + text.count("\n", offset, at)


def _json_list(path: Path, text: str) -> Iterator[tuple]:
    """The items of a JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return
        try:
            item, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); fix the syntax") from None
        yield from _expand(path, item, text, index, text.count("\n", 0, index) + 1)
        index = end


def _parquet(path: Path) -> Iterator[tuple]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputFileError(f"{path}: reading Parquet needs pyarrow; pip install 'tokcost[parquet]'") from None
    try:
        rows = pq.read_table(path).to_pylist()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such usage log; name a JSONL, JSON or Parquet file") from None
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise InputFileError(f"{path}: cannot read as Parquet ({exc}); check the file") from None
    for number, row in enumerate(rows, 1):
        yield f"{path}:row {number}", {key: json_text(value) for key, value in row.items()}, None
