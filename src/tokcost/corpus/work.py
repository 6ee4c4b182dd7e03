"""Work units: what any runner (this process, a thread pool, Dask workers) executes.

A run is planned into units: a batch of small files, or a byte range of one
large plain file. ``run_unit`` is a plain function of (unit, options), loads the
encoding once per process (``tokcost.get_encoding`` caches it), and returns one
``FileResult`` per file or part. ``merge`` joins parts back into files in plan
order. Every runner goes through the same three steps, which is why their
totals agree to the token.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple, Optional, Sequence

from tokcost.corpus.discovery import STDIN, Source
from tokcost.corpus.readers import FileResult, inner_name, read, read_many
from tokcost.corpus.streaming import DEFAULT_CHUNK_SIZE

DEFAULT_SPLIT_SIZE = 64 << 20  # plain files larger than this are counted in parts of at most this size
DEFAULT_BATCH_BYTES = 8 << 20
DEFAULT_BATCH_FILES = 64  # small enough that workers start counting early and finish together
# A file this large is a unit of its own on local threads: counting it takes milliseconds, and
# batched with the small files listed beside it, its unit was the last to finish (see plan).
DEFAULT_ALONE_BYTES = 512 << 10


# Named tuples, not frozen dataclasses: see ``records``.
class Options(NamedTuple):
    encoding: str = "o200k_base"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chat: bool = False
    column: Optional[str] = None
    model: Optional[str] = None  # the chat format for per-message overhead
    strict: bool = False
    language: bool = False  # detect the script of each file


class Unit(NamedTuple):
    paths: tuple  # several small files, or the one file a byte range belongs to
    start: int = 0
    end: Optional[int] = None  # a byte range [start, end) of paths[0]
    part: int = 0


def _splittable(source: Source, options: Options) -> bool:
    name = inner_name(source.path)
    if source.path == STDIN or name != source.path.rsplit("/", 1)[-1].lower():
        return False  # stdin and compressed files are read front to back
    if options.column and name.endswith((".csv", ".tsv", ".parquet")):
        return False
    if options.chat and name.endswith((".jsonl", ".ndjson", ".parquet")):
        return False
    return True


def plan(sources: Sequence[Source], options: Options, *, split_size: Optional[int] = DEFAULT_SPLIT_SIZE,
         batch_bytes: int = DEFAULT_BATCH_BYTES, batch_files: int = DEFAULT_BATCH_FILES,
         alone_bytes: Optional[int] = DEFAULT_ALONE_BYTES) -> list:
    """Units covering ``sources`` in order: large plain files split into ranges, small ones batched.

    A file of ``alone_bytes`` or more (``batch_bytes`` when that is smaller or ``alone_bytes`` is
    None) is a unit of its own. A unit costs a runner tens of microseconds, counting 512 KiB a few
    milliseconds; a 1 MB file batched with 63 small ones made the unit that ended a two-thread
    ``count_corpus`` of the bench's 508 files 8% longer than the file alone. Which unit holds a
    file never changes its count: every unit reads its files whole, one by one.
    """
    return list(iter_plan(sources, options, split_size=split_size, batch_bytes=batch_bytes, batch_files=batch_files,
                          alone_bytes=alone_bytes))


def iter_plan(sources: Iterable[Source], options: Options, *, split_size: Optional[int] = DEFAULT_SPLIT_SIZE,
              batch_bytes: int = DEFAULT_BATCH_BYTES, batch_files: int = DEFAULT_BATCH_FILES,
              alone_bytes: Optional[int] = DEFAULT_ALONE_BYTES) -> Iterator[Unit]:
    """``plan``, each unit as soon as its sources have arrived."""
    batch: list = []
    batch_size = 0
    alone = batch_bytes if alone_bytes is None else min(batch_bytes, alone_bytes)
    for source in sources:
        split = bool(split_size) and source.size > split_size and _splittable(source, options)
        if split or source.path == STDIN or source.size >= alone:  # a unit of its own (or several)
            if batch:
                yield Unit(tuple(batch))
                batch, batch_size = [], 0
            if not split:
                yield Unit((source.path,))
                continue
            # Parts of one size (the last may be a byte or so shorter): a 65 MB file split at 64 MB
            # gave one thread 64 MB to count and the other 1.
            parts = -(-source.size // split_size)  # ceiling divisions
            step = -(-source.size // parts)
            for part, start in enumerate(range(0, source.size, step)):
                yield Unit((source.path,), start, min(start + step, source.size), part)
            continue
        batch.append(source.path)
        batch_size += max(source.size, 0)
        if batch_size >= batch_bytes or len(batch) >= batch_files:
            yield Unit(tuple(batch))
            batch, batch_size = [], 0
    if batch:
        yield Unit(tuple(batch))


def run_unit(unit: Unit, options: Options) -> list:
    """FileResults of one unit; the encoding is loaded once per process and reused."""
    from tokcost.registry import get_encoding

    enc = get_encoding(options.encoding)
    kwargs = dict(chat_logs=options.chat, column=options.column, model=options.model, strict=options.strict,
                  detect_language=options.language, chunk_size=options.chunk_size)
    if unit.end is not None:
        return [read(enc, unit.paths[0], start=unit.start, end=unit.end, part=unit.part, **kwargs)]
    return read_many(enc, unit.paths, **kwargs)


def merge(results_per_unit: Sequence[Sequence[FileResult]]) -> list:
    """One FileResult per file, in plan order: parts of a split file summed.

    A file in one part (nearly all of them) is passed through as it is; only
    a file that gets a second part is copied before the sum is written into
    it, so the inputs are never changed. Copying every result cost about as
    much as counting a small file, on the calling thread alone.
    """
    files: list = []
    index: dict = {}
    copied: set = set()  # positions in ``files`` that hold a copy of their own
    for results in results_per_unit:
        for r in results:
            if r.part == 0 or r.path not in index:
                index[r.path] = len(files)
                files.append(r)
                continue
            at = index[r.path]
            f = files[at]
            if f.skipped:
                continue
            if r.skipped:
                files[at] = f.replace(skipped=r.skipped, tokens=0)
                continue
            if at not in copied:
                f = files[at] = f.replace(problems=list(f.problems), days=dict(f.days))
                copied.add(at)
            f.tokens += r.tokens
            f.bytes += r.bytes
            f.invalid_utf8 |= r.invalid_utf8
            f.problems.extend(r.problems)
    return files
