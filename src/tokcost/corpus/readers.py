"""Opening and reading one input: plain text, .gz, .zst, chat logs, a text column.

Each reader returns a ``FileResult``. Problems with the input (unreadable,
binary, broken compression, malformed records) come back inside the result,
with the line or row when there is one, or raise ``CorpusError`` under
``strict``: a run never dies of one bad file unless asked to.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from typing import BinaryIO, Optional

from tokcost.corpus.records import Record
from tokcost.corpus.streaming import DEFAULT_CHUNK_SIZE, SAMPLE_CHARS, count_stream, decode
from tokcost.errors import CorpusError

SNIFF_BYTES = 8192
BINARY = "binary, not UTF-8 text (NUL byte in the first 8 KiB)"
CHAT_SUFFIXES = (".jsonl", ".ndjson", ".parquet")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
COMPRESSED_SUFFIXES = (".gz", ".zst")


class FileResult(Record):
    """What counting one file (or one byte range of it, ``part``) found."""

    __slots__ = ("path", "tokens", "bytes", "kind", "skipped", "invalid_utf8", "problems", "days", "records",
                 "messages", "language", "part")

    def __init__(self, path: str, tokens: int = 0, bytes: int = 0, kind: str = "text", skipped: Optional[str] = None,
                 invalid_utf8: bool = False, problems: Optional[list] = None, days: Optional[dict] = None,
                 records: int = 0, messages: int = 0, language: Optional[str] = None, part: int = 0):
        self.path = path
        self.tokens = tokens
        self.bytes = bytes
        self.kind = kind  # text | chat | column
        self.skipped = skipped  # why the whole file was skipped
        self.invalid_utf8 = invalid_utf8
        self.problems = [] if problems is None else problems  # (line or row, reason): records skipped inside it
        self.days = {} if days is None else days  # day -> tokens, for chat logs
        self.records = records  # conversations or rows
        self.messages = messages
        self.language = language
        self.part = part  # byte-range part of a split file


def inner_name(path: str) -> str:
    name = os.path.basename(path).lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def open_binary(path: str) -> BinaryIO:
    """The decompressed bytes of ``path`` (stdin for ``-``) as a stream."""
    if path == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream put in place of stdin (tests, embedding)
            return io.BytesIO(sys.stdin.read().encode("utf-8", "surrogatepass"))
        return _Unclosed(buffer)
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")
    if lower.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise OSError(f"{path}: .zst needs the zstandard package: pip install 'tokcost[zstd]'") from None
        raw = open(path, "rb")
        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
    return open(path, "rb")


class _Unclosed(io.RawIOBase):
    """stdin for a ``with`` block that must not close it."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n)

    def readinto(self, b) -> int:
        data = self._stream.read(len(b))
        b[: len(data)] = data
        return len(data)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read ({exc.strerror})"
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return f"broken compressed data ({exc})"
    name = type(exc).__name__
    if name == "ZstdError":
        return f"broken compressed data ({exc})"
    return f"cannot read ({name}: {exc})"


READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


def _fail(result: FileResult, reason: str, strict: bool) -> FileResult:
    if strict:
        raise CorpusError(f"{result.path}: {reason}")
    result.skipped = reason
    result.tokens = 0
    return result


def _problem(result: FileResult, where: int, reason: str, strict: bool) -> None:
    if strict:
        raise CorpusError(f"{result.path}:{where}: {reason}")
    result.problems.append((where, reason))


def read_text(enc, path: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE, strict: bool = False,
              start: int = 0, end: Optional[int] = None, part: int = 0, detect_language: bool = False) -> FileResult:
    """Tokens of a text file (or of bytes ``[start, end)`` of it), streamed in chunks."""
    result = FileResult(path, part=part)
    try:
        if end is not None:  # a byte range: plain files only, cut points found by both neighbours
            from tokcost.corpus.streaming import cut_rule, find_cut_in_file

            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                lo = find_cut_in_file(f, start, size, rule=cut_rule(enc))
                hi = find_cut_in_file(f, end, size, rule=cut_rule(enc))
                if hi <= lo:
                    return result
                f.seek(lo)
                first = f.read(min(SNIFF_BYTES, hi - lo)) if lo == 0 else b""
                if lo == 0 and b"\0" in first:
                    return _fail(result, BINARY, strict=False)  # expected, never an error
                counted = count_stream(enc, f, chunk_size, limit=hi - lo, first=first)
        else:
            with open_binary(path) as f:
                first = f.read(SNIFF_BYTES)
                if b"\0" in first:
                    return _fail(result, BINARY, strict=False)  # expected, never an error
                counted = count_stream(enc, f, chunk_size, first=first)
    except CorpusError:
        raise
    except Exception as exc:  # gzip, zlib and zstandard each raise their own types for broken data
        return _fail(result, _reason(exc), strict)
    result.tokens, result.bytes, result.invalid_utf8 = counted.tokens, counted.bytes, counted.invalid_utf8
    if counted.invalid_utf8 and strict:
        raise CorpusError(f"{path}: not UTF-8 text; convert it, or drop --strict to count it with U+FFFD")
    if detect_language and part == 0:
        from tokcost.corpus.aggregate import script_of

        result.language = script_of(counted.sample)
    return result


def read_chat_jsonl(enc, path: str, *, model: Optional[str] = None, strict: bool = False,
                    detect_language: bool = False) -> FileResult:
    """One conversation per line; malformed lines are reported by line number and skipped."""
    import json

    from tokcost.corpus import chat  # here: with the accounting it needs, 8 ms of every `tokcost count`

    result = FileResult(path, kind="chat")
    sample = []
    pending = _Conversations(enc, result)
    try:
        with open_binary(path) as f:
            for lineno, raw in enumerate(f, 1):
                result.bytes += len(raw)
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                    parts = chat.conversation_parts(enc.name, record, model)
                except (ValueError, TypeError, AttributeError) as exc:
                    reason = f"malformed JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
                    _problem(result, lineno, reason, strict)
                    continue
                pending.add(parts, len(raw))
                if detect_language and len(sample) < 8:
                    sample.append(_record_text(record))
        pending.count()
    except READ_ERRORS as exc:
        pending.count()
        if result.records and not strict:
            _problem(result, -1, _reason(exc), strict)  # keep what was read before the break
        else:
            return _fail(result, _reason(exc), strict)
    _set_language(result, sample, detect_language)
    return result


def read_chat_parquet(enc, path: str, *, model: Optional[str] = None, strict: bool = False, detect_language: bool = False,
                      batch_rows: int = 4096) -> FileResult:
    """Conversations from a Parquet file with a ``messages`` column (list of structs)."""
    from tokcost.corpus import chat

    result = FileResult(path, kind="chat")
    sample = []
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        if "messages" not in names:
            return _fail(result, f"no 'messages' column (columns: {', '.join(names)})", strict)
        columns = ["messages"] + [k for k in chat.DATE_KEYS if k in names]
        row = 0
        pending = _Conversations(enc, result)
        for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
            for record in batch.to_pylist():
                row += 1
                try:
                    parts = chat.conversation_parts(enc.name, record, model)
                except (ValueError, TypeError, AttributeError) as exc:
                    _problem(result, row, str(exc), strict)
                    continue
                pending.add(parts, 0)
                if detect_language and len(sample) < 8:
                    sample.append(_record_text(record))
            pending.count()
        result.bytes = os.path.getsize(path)
    except ImportError:
        return _fail(result, "Parquet needs pyarrow: pip install 'tokcost[parquet]'", strict)
    except Exception as exc:  # pyarrow raises its own hierarchy for corrupt files
        if isinstance(exc, CorpusError):
            raise
        return _fail(result, _reason(exc), strict)
    _set_language(result, sample, detect_language)
    return result


def read_column(enc, path: str, column: str, *, strict: bool = False, detect_language: bool = False,
                batch_rows: int = 4096) -> FileResult:
    """Tokens of one text column of a CSV/TSV or Parquet file, batch by batch."""
    import csv

    result = FileResult(path, kind="column")
    sample = []
    try:
        if inner_name(path).endswith(".parquet"):
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            if column not in pf.schema_arrow.names:
                return _fail(result, f"no column {column!r} (columns: {', '.join(pf.schema_arrow.names)})", strict)
            batches = (b.column(0).to_pylist() for b in pf.iter_batches(batch_size=batch_rows, columns=[column]))
            result.bytes = os.path.getsize(path)
        else:
            stream = io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")
            delimiter = "\t" if inner_name(path).endswith(".tsv") else ","
            reader = csv.DictReader(stream, delimiter=delimiter)
            if reader.fieldnames is None or column not in reader.fieldnames:
                stream.close()
                found = ", ".join(reader.fieldnames or [])
                return _fail(result, f"no column {column!r} (columns: {found})", strict)
            batches = _csv_batches(reader, column, batch_rows, stream)
        for values in batches:
            texts = ["" if v is None else str(v) for v in values]
            result.tokens += sum(enc.count_batch(texts, num_threads=1))
            result.records += len(texts)
            if detect_language and len(sample) < 8:
                sample.extend(texts[:8])
    except ImportError:
        return _fail(result, "Parquet needs pyarrow: pip install 'tokcost[parquet]'", strict)
    except csv.Error as exc:
        return _fail(result, f"malformed CSV ({exc})", strict)
    except Exception as exc:
        if isinstance(exc, CorpusError):
            raise
        return _fail(result, _reason(exc), strict)
    _set_language(result, sample, detect_language)
    return result


def _csv_batches(reader, column, batch_rows, stream):
    try:
        batch = []
        for row in reader:
            batch.append(row.get(column))
            if len(batch) >= batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        stream.close()


class _Conversations:
    """Conversations read but not counted yet, counted together (``chat.count_conversations``) once
    their records hold a megabyte, and when the file ends."""

    LIMIT = 1 << 20

    def __init__(self, enc, result: FileResult):
        self.enc, self.result, self.parts, self.bytes = enc, result, [], 0

    def add(self, parts, size: int) -> None:
        self.parts.append(parts)
        self.bytes += size
        if self.bytes >= self.LIMIT:
            self.count()

    def count(self) -> None:
        from tokcost.corpus import chat

        for counted in chat.count_conversations(self.enc, self.parts):
            _add_conversation(self.result, counted)
        self.parts, self.bytes = [], 0


def _add_conversation(result: FileResult, counted) -> None:
    result.tokens += counted.total
    result.records += 1
    result.messages += len(counted.per_message)
    day = counted.day or "(unknown)"
    result.days[day] = result.days.get(day, 0) + counted.total


def _record_text(record) -> str:
    from tokcost.corpus import chat

    messages = record.get("messages") if isinstance(record, dict) else record
    return " ".join(chat.content_text(m.get("content")) for m in messages or [] if isinstance(m, dict))


def _set_language(result: FileResult, sample: list, detect_language: bool) -> None:
    if detect_language:
        from tokcost.corpus.aggregate import script_of

        result.language = script_of(" ".join(sample)[:SAMPLE_CHARS])


def read(enc, path: str, *, chat_logs: bool = False, column: Optional[str] = None, model: Optional[str] = None,
         **options) -> FileResult:
    """The reader ``path`` calls for: chat log, text column or plain text."""
    name = inner_name(path)
    if column and name.endswith(TABLE_SUFFIXES):
        options.pop("chunk_size", None)
        return read_column(enc, path, column, **options)
    if chat_logs and name.endswith(CHAT_SUFFIXES):
        options.pop("chunk_size", None)
        if name.endswith(".parquet"):
            return read_chat_parquet(enc, path, model=model, **options)
        return read_chat_jsonl(enc, path, model=model, **options)
    return read_text(enc, path, **options)


def _plain_texts(paths, chat_logs: bool, column: Optional[str]) -> list:
    """Those of ``paths`` that ``read`` would count as uncompressed plain text files, in order
    (one loop, not a call per path: the call was a fifth of ``read_many``'s Python a file).

    The suffixes are tested on the whole lower-cased path, as ``inner_name``
    tests them on the name: none holds a slash, so they end both alike.
    """
    plain = []
    for path in paths:
        lower = path.lower()
        if lower.endswith(COMPRESSED_SUFFIXES) or path == "-" or "\0" in path:
            continue
        if not (column and lower.endswith(TABLE_SUFFIXES)) and not (chat_logs and lower.endswith(CHAT_SUFFIXES)):
            plain.append(path)
    return plain


def read_many(enc, paths, *, chat_logs: bool = False, column: Optional[str] = None, model: Optional[str] = None,
              strict: bool = False, detect_language: bool = False,
              chunk_size: int = DEFAULT_CHUNK_SIZE) -> list:
    """``[read(enc, path, ...) for path in paths]``, the small plain files read and counted natively.

    A plain file shorter than a chunk is one text to ``read_text`` too, so the
    counts agree. The native call reads and counts them all without the GIL,
    so threads counting other units run meanwhile; whatever it cannot settle
    (invalid UTF-8, a read error, a larger file) goes through ``read``. Under
    ``strict``, or when the script of each file is wanted, every file goes
    through ``read`` in turn.
    """
    options = dict(chat_logs=chat_logs, column=column, model=model, strict=strict, detect_language=detect_language,
                   chunk_size=chunk_size)
    plain = [] if strict or detect_language else _plain_texts(paths, chat_logs, column)
    counted = enc.count_plain_files(plain, limit=chunk_size, sniff=SNIFF_BYTES) if plain else None
    if counted is not None and len(plain) == len(paths):  # the usual unit: every file plain
        settled = zip(paths, counted)
    else:
        native = dict(zip(plain, counted or ()))
        settled = ((path, native.get(path, (2, 0, 0))) for path in paths)
    results = []
    for path, (status, tokens, size) in settled:
        if status == 0:
            results.append(FileResult(path, tokens, size))
        elif status == 1:
            results.append(_fail(FileResult(path), BINARY, strict=False))
        else:
            results.append(read(enc, path, **options))
    return results


__all__ = ["FileResult", "read", "read_many", "read_text", "read_chat_jsonl", "read_chat_parquet", "read_column",
           "open_binary", "decode"]
