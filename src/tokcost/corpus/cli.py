"""The corpus side of ``tokcost count``: its extra options, the run, and reports of what was skipped.

``tokcost/cli/count.py`` stays the command; it calls ``add_options`` and
``count_paths`` and prints rows. Everything here is plain functions of the
parsed arguments, so tests call them without a subprocess.
"""

from __future__ import annotations

import sys
from typing import Optional

from tokcost.corpus.aggregate import GROUPINGS

MAX_PROBLEMS_SHOWN = 20

EXAMPLES = """
corpus examples:
  tokcost count data/ --jobs 4 --by type    all cores, totals per file type
  tokcost count logs/ --chat --by day       OpenAI-format chat logs (.jsonl, .parquet), per day
  tokcost count rows.csv --column text      one text column of a CSV or Parquet file
  tokcost count big/ --dask tcp://scheduler:8786   on a Dask cluster (pip install 'tokcost[dask]')
  tokcost count . --ignore '*.lock' --ignore build --strict
"""


def parse_size(text: str) -> int:
    """``4M`` -> 4194304; plain numbers are bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower()
    for suffix in ("ib", "b"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write bytes or e.g. 512K, 4M, 1G") from None


def add_options(parser) -> None:
    """The corpus options of ``tokcost count``."""
    group = parser.add_argument_group("corpus")
    group.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel workers on this machine (default: all cores)")
    group.add_argument("--dask", metavar="ADDRESS",
                       help="count on a Dask cluster: tcp://host:8786, or 'local' to start a LocalCluster")
    group.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                       help="skip files and directories matching GLOB (repeatable)")
    group.add_argument("--by", action="append", choices=GROUPINGS, default=[],
                       help="also total tokens by file type, directory, language (from script) or day (repeatable)")
    group.add_argument("--language", metavar="NAME", help="the language of all inputs, for --by language")
    group.add_argument("--chat", action="store_true",
                       help="count .jsonl/.parquet as OpenAI-format chat logs, with per-message overhead")
    group.add_argument("--column", metavar="NAME", help="count this text column of .csv/.tsv/.parquet files")
    group.add_argument("--strict", action="store_true",
                       help="stop at the first unreadable file, binary file, or malformed record")
    group.add_argument("--chunk-size", type=parse_size, metavar="SIZE",
                       help="stream files in chunks of about SIZE (default: 4M); memory stays near jobs x SIZE")


def count_paths(args, enc):
    """The CorpusResult for ``args.paths`` (``-`` when none), locally or on Dask."""
    from tokcost.cli.common import CliError
    from tokcost.corpus import CorpusError, count_corpus

    paths = args.paths or ["-"]
    by = getattr(args, "by", None) or []
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        raise CliError("--jobs must be at least 1", exit_code=2)
    try:
        with _progress() as on_done:
            return count_corpus(
                paths, enc.name,
                jobs=getattr(args, "jobs", None),
                dask=getattr(args, "dask", None),
                ignore=getattr(args, "ignore", None) or (),
                strict=getattr(args, "strict", False),
                chat=getattr(args, "chat", False),
                column=getattr(args, "column", None),
                model=getattr(args, "model", None),
                language="language" in by and not getattr(args, "language", None),
                chunk_size=getattr(args, "chunk_size", None),
                on_done=on_done,
            )
    except CorpusError as exc:
        raise CliError(f"{exc} (--strict stops at the first bad input; drop it to skip and report instead)") from None
    except ImportError as exc:
        raise CliError(str(exc)) from None


def json_extras(result, args) -> dict:
    """Keys ``tokcost count --format json`` adds beside ``total_tokens`` and ``files``, when they say something."""
    extras = {}
    summary = result.summary()
    if any(summary[k] for k in ("skipped_binary", "skipped_unreadable", "skipped_records", "ignored", "missing",
                                "invalid_utf8")):
        extras["summary"] = summary
    problems = result.problems
    if problems:
        extras["skipped"] = [{"path": p, "line": line or None, "reason": reason} for p, line, reason in problems]
    by = getattr(args, "by", None) or []
    if by:
        extras["by"] = {key: result.by(key, language=getattr(args, "language", None)) for key in by}
    return extras


def emit_groups(result, args, out=None) -> None:
    """The --by tables (or CSV blocks) for table and csv output."""
    from tokcost.cli.common import emit_rows

    for key in getattr(args, "by", None) or []:
        rows = result.by(key, language=getattr(args, "language", None))
        emit_rows(rows, [key, "files", "tokens", "bytes"], args.format, title=f"Tokens by {key} ({result.encoding})",
                  out=out)


def report_problems(result, err=None) -> int:
    """What was skipped, on stderr: errors one line each (path and reason), skipped
    records with their line, binary files found in directories as one count.
    Returns the exit code: 1 when some input could not be counted at all."""
    err = err or sys.stderr
    errors = result.errors()
    for path, reason in errors[:MAX_PROBLEMS_SHOWN]:
        print(f"tokcost: error: {path}: {reason}", file=err)
    records = [(f.path, where, reason) for f in result.files for where, reason in f.problems]
    for path, line, reason in records[: max(0, MAX_PROBLEMS_SHOWN - len(errors))]:
        where = f"{path}:{line}" if line > 0 else path
        print(f"tokcost: warning: skipped {where}: {reason}", file=err)
    hidden = len(errors) + len(records) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        print(f"tokcost: ... and {hidden} more (--format json lists them all)", file=err)
    summary = result.summary()
    binary = summary["skipped_binary"] - sum(1 for _, reason in errors if reason.startswith("binary"))
    if binary:
        print(f"tokcost: skipped {binary} binary file(s)", file=err)
    if summary["invalid_utf8"]:
        print(f"tokcost: note: {summary['invalid_utf8']} file(s) were not valid UTF-8; invalid bytes were counted as "
              "U+FFFD", file=err)
    return 1 if errors else 0


class _progress:
    """A files-done progress bar on stderr when it is a terminal; a no-op callback otherwise."""

    def __enter__(self):
        self._bar = None
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(transient=True, console=Console(stderr=True))
        self._bar.start()
        task = self._bar.add_task("counting", total=None)

        def on_done(n: int) -> None:
            self._bar.advance(task, n)

        return on_done

    def __exit__(self, *exc) -> Optional[bool]:
        if self._bar is not None:
            self._bar.stop()
        return None
