"""Counting a corpus: directories, huge files, compressed files and chat logs, in parallel.

>>> from tokcost.corpus import count_corpus
>>> result = count_corpus(["src/tokcost/corpus"], jobs=2)           # threads on this machine
>>> result = count_corpus(["data/"], dask="local")                  # doctest: +SKIP
>>> result = count_corpus(["logs/"], chat=True, dask="tcp://scheduler:8786")  # doctest: +SKIP
>>> result.total_tokens > 0, result.skipped_files
(True, [])

One pipeline, whatever runs it: ``discovery`` lists the files, ``work.plan``
cuts them into units (batches of small files, byte ranges of big ones),
a runner (``local`` or ``dask_runner``) executes ``work.run_unit`` on each, and
``work.merge`` puts parts back together in order. Modules, by concern:
``streaming`` (safe cut points, bounded memory), ``readers`` (plain, .gz, .zst,
chat logs, table columns), ``chat`` (per-message tokens), ``aggregate``
(by type, dir, language, day).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from tokcost.corpus.readers import FileResult
from tokcost.corpus.records import Record
from tokcost.corpus.streaming import DEFAULT_CHUNK_SIZE
from tokcost.corpus.work import DEFAULT_SPLIT_SIZE, Options
from tokcost.errors import CorpusError

__all__ = ["count_corpus", "CorpusResult", "CorpusError", "FileResult", "Options"]


class CorpusResult(Record):
    __slots__ = ("encoding", "files", "ignored", "missing", "mtimes", "explicit")

    def __init__(self, encoding: str, files: list, ignored: int = 0, missing: Optional[list] = None,
                 mtimes: Optional[dict] = None, explicit: frozenset = frozenset()):
        self.encoding = encoding
        self.files = files  # FileResult per input file, in input order (skipped ones included)
        self.ignored = ignored  # files and directories left out by ignore patterns
        self.missing = [] if missing is None else missing  # (path, reason) for inputs that could not be listed
        self.mtimes = {} if mtimes is None else mtimes
        self.explicit = explicit  # paths named directly rather than found in a directory

    @property
    def total_tokens(self) -> int:
        return sum(f.tokens for f in self.files if not f.skipped)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files if not f.skipped)

    @property
    def counted_files(self) -> list:
        return [f for f in self.files if not f.skipped]

    @property
    def skipped_files(self) -> list:
        return [f for f in self.files if f.skipped]

    @property
    def problems(self) -> list:
        """(path, line or 0, reason) for every skipped file, record and missing input."""
        out = [(path, 0, reason) for path, reason in self.missing]
        for f in self.files:
            if f.skipped:
                out.append((f.path, 0, f.skipped))
            out.extend((f.path, where, reason) for where, reason in f.problems)
        return out

    def errors(self) -> list:
        """(path, reason) of inputs that could not be counted at all: missing, unreadable,
        and binary files that were named directly (a binary file met in a directory is just skipped)."""
        out = list(self.missing)
        for f in self.files:
            if f.skipped and (not f.skipped.startswith("binary") or f.path in self.explicit):
                out.append((f.path, f.skipped))
        return out

    def by(self, key: str, *, language: Optional[str] = None) -> list:
        """Rows of tokens per type, dir, language or day."""
        from tokcost.corpus.aggregate import group

        return group(self.files, key, mtimes=self.mtimes, language=language)

    def summary(self) -> dict:
        skipped = self.skipped_files
        binary = sum(1 for f in skipped if f.skipped.startswith("binary"))
        return {
            "files": len(self.counted_files),
            "bytes": self.total_bytes,
            "skipped_binary": binary,
            "skipped_unreadable": len(skipped) - binary,
            "skipped_records": sum(len(f.problems) for f in self.files),
            "ignored": self.ignored,
            "missing": len(self.missing),
            "invalid_utf8": sum(1 for f in self.files if f.invalid_utf8 and not f.skipped),
        }


def count_corpus(
    paths: Sequence[str],
    encoding: str = "o200k_base",
    *,
    jobs: Optional[int] = None,
    dask: Optional[object] = None,
    ignore: Sequence[str] = (),
    strict: bool = False,
    chat: bool = False,
    column: Optional[str] = None,
    model: Optional[str] = None,
    language: bool = False,
    chunk_size: Optional[int] = None,
    split_size: Optional[int] = DEFAULT_SPLIT_SIZE,
    processes: bool = False,
    on_done: Optional[Callable[[int], None]] = None,
    on_busy: Optional[Callable[[], None]] = None,
) -> CorpusResult:
    """Tokens of every file under ``paths``, counted locally or on Dask.

    ``jobs``: local threads (default: all cores; 1 runs inline). ``dask``: a
    scheduler address, ``"local"`` for a LocalCluster, or a ``distributed.Client``.
    ``chat``: count .jsonl/.parquet files as OpenAI-format chat logs. ``column``:
    count that text column of .csv/.tsv/.parquet files. ``model``: whose chat
    format sets the per-message overhead. ``strict``: raise
    ``CorpusError`` on the first bad input instead of skipping it.
    ``on_done(files)`` after each unit, in order; ``on_busy()`` once, on this
    thread, when every local worker has a unit (on Dask, once the units are planned).
    """
    # Long: the library's one entry point spells out every option; the body is three short ways
    # through (listing while counting, strict listing first, Dask).
    from tokcost.corpus import work
    from tokcost.corpus.discovery import discover, discover_lazily

    if chat:
        from tokcost.corpus.chat import chat_model

        chat_model(encoding, model)  # a model and encoding that disagree fail here, not once per record
    options = Options(encoding=encoding, chunk_size=chunk_size or DEFAULT_CHUNK_SIZE, chat=chat, column=column,
                      model=model, strict=strict, language=language)
    if dask is None and not strict:
        # Listing and counting overlap: local workers count each unit while this thread lists the next.
        found, sources = discover_lazily(paths, ignore)
        units = work.iter_plan(sources, options, split_size=split_size)
    else:
        found = discover(paths, ignore)
        if strict and found.problems:
            path, reason = found.problems[0]
            raise CorpusError(f"{path}: {reason}")
    if dask is None:
        from tokcost.corpus.local import run_local

        if strict:
            units = work.plan(found.sources, options, split_size=split_size)
        per_unit = run_local(units, options, jobs=jobs, processes=processes, on_done=on_done, on_busy=on_busy)
    else:
        import contextlib

        from tokcost.corpus.dask_runner import dask_batches, dask_client, run_dask

        with dask_client(dask, n_workers=jobs) if isinstance(dask, str) else contextlib.nullcontext(dask) as client:
            units = work.plan(found.sources, options, split_size=split_size, **dask_batches(found.sources, client))
            if on_busy:
                on_busy()
            per_unit = run_dask(units, options, client, on_done=on_done)
    return CorpusResult(encoding, work.merge(per_unit), found.ignored, list(found.problems),
                        {s.path: s.mtime for s in found.sources}, frozenset(s.path for s in found.sources if s.explicit))
