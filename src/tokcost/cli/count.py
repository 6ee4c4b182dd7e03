"""``tokcost count``: token counts per file and in total, like ``wc`` for tokens.

The corpus options (parallel jobs, Dask, chat logs, a text column, ``--by``)
map onto ``tokcost.corpus.count_corpus``; this module turns its result into
rows, tables and the lines on stderr that say what was skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from operator import itemgetter
from typing import Callable, Iterator, Optional

from tokcost.cli.common import (CliError, add_encoding_options, add_format_option, counts_label, emit_rows,
                                encoding_name, resolve_tokenizer)

MAX_PROBLEMS_SHOWN = 20
# tokcost.corpus.aggregate.GROUPINGS, written out (tests/test_cli_count_jobs.py holds them equal):
# importing the corpus package to read them would compile it before the vocabulary could start
# loading beside it (see _load_encoding_meanwhile).
BY_CHOICES = ("type", "dir", "language", "day")

HELP = """Count tokens in files, directories (recursively), globs or stdin ('-').

examples:
  tokcost count README.md                 one file
  tokcost count 'src/**/*.py' --model gpt-4o
  cat notes.txt | tokcost count -         stdin
  tokcost count docs/ --format json       {"total_tokens": ..., "files": [{"path", "tokens"}]}
  tokcost count src/ --model claude-haiku-4-5   its tokens (a labelled estimate) and share of its window
  tokcost count corpus/ --top 10          the 10 files with the most tokens, the rest as one row
  tokcost count corpus/ --all             every file (past 50 files the table shows the 20 largest)

With --model, counts use the model's own tokenizer where it is public (exact),
else a labelled stand-in (estimate), and say how much of the model's context
window the total takes, or by how much it overflows.

Binary files are skipped and counted; unreadable files and malformed records
are reported on stderr with path and line, and skipped (--strict stops instead).
"""

EXAMPLES = """
cutting text to a token budget (for pipes; prints the text, not a count):
  cat notes.md | tokcost count --truncate 1000      the first 1000 tokens (o200k_base)
  tokcost count book.txt --fit gpt-4o-mini --reserve 4000 | llm -m gpt-4o-mini
The cut falls on a token boundary and never inside a character; the kept text
counts at most the budget when encoded again.

corpus examples:
  tokcost count data/ --jobs 4 --by type    all cores, totals per file type
  tokcost count logs/ --chat --by day       OpenAI-format chat logs (.jsonl, .parquet), per day
  tokcost count rows.csv --column text      one text column of a CSV or Parquet file
  tokcost count big/ --dask tcp://scheduler:8786   on a Dask cluster (pip install 'tokcost[dask]')
  tokcost count . --ignore '*.lock' --ignore build --strict
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("count", help="count tokens in files or stdin", description=HELP,
                                   epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, directories, globs, or - for stdin")
    add_encoding_options(parser)
    add_format_option(parser)
    add_budget_options(parser)
    add_corpus_options(parser)
    parser.set_defaults(run=run)


def add_budget_options(parser) -> None:
    group = parser.add_argument_group("token budget (prints the kept text)")
    cut = group.add_mutually_exclusive_group()
    cut.add_argument("--truncate", "-t", type=_whole, metavar="N",
                     help="print the input cut to its first N tokens (of --encoding or --model)")
    cut.add_argument("--fit", metavar="MODEL", help="print the input cut to fit MODEL's context window")
    group.add_argument("--reserve", type=_whole, default=0, metavar="N",
                       help="with --fit: leave N tokens of the window free (the reply, a system prompt)")


def _whole(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of tokens") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 or more tokens")
    return value


def run(args) -> int:
    if args.truncate is not None or args.fit:
        from tokcost.cli.budget import print_cut

        return print_cut(args)
    _load_encoding_meanwhile(args)
    renderer = _renderer_importer(args)
    enc, choice = resolve_tokenizer(args)
    result = count_paths(args, enc, on_busy=renderer.start if renderer else None)
    if renderer:
        if renderer.ident is None:  # not started: nothing was counted
            renderer.start()
        renderer.join()
    rows = [{"path": f.path, "tokens": f.tokens} for f in result.counted_files]
    total = result.total_tokens
    # The summary, problems and groups only JSON shows: each is a pass over every file.
    document = {"encoding": enc.name, "total_tokens": total, **model_extras(choice, total), "files": rows,
                **(json_extras(result, args) if args.format == "json" else {})}
    title = f"Tokens ({enc.name if choice is None else choice.label})"
    # Nothing counted (every path failed): the error lines say it all.
    if args.format == "table" and not args.by and rows:
        print_file_table(rows, total, title, top=args.top, every=args.all)
    elif args.format == "json" or (not args.by and rows):
        emit_rows(rows, ["path", "tokens"], args.format, title=title, json_document=document)
    if args.format != "json":
        emit_groups(result, args)
        if choice is not None:
            from tokcost.context import describe_use

            # In a table it is part of the answer; beside CSV it would break the parse, so stderr.
            out = sys.stdout if args.format == "table" else sys.stderr
            print(describe_use(choice.model, document["context"], f"{counts_label(choice)}, {choice.label}",
                               estimate=not choice.exact), file=out)
            if not choice.exact:
                print(f"tokcost: note: {choice.basis}", file=sys.stderr)
    return report_problems(result)


# The GIL's switch interval while the vocabulary loads beside the imports (seconds; CPython's default 0.005).
LOAD_SWITCH_INTERVAL = 0.0002


def _load_encoding_meanwhile(args) -> None:
    """Unless one job was asked for, a thread that loads the encoding (``--encoding``, or the
    default) while this thread imports the corpus modules. Most of a load from the table cache
    (its checksum, copying and checking its tables, the page faults) runs without the GIL, so it
    takes the second core while the imports, compiled on the first, hold the GIL. Between those
    steps the thread needs the GIL for a moment; with the default switch interval it waited up to
    5 ms for the compiling thread each time and the load took twice as long, so the interval is
    0.2 ms until the load is done. ``resolve_tokenizer`` then finds the encoding loaded, or waits
    for it on the registry's lock; a failure is met again, and reported, by that call."""
    if (args.jobs is not None and args.jobs < 2) or args.model:
        return
    interval = sys.getswitchinterval()
    name = encoding_name(args)

    def load() -> None:
        from tokcost.registry import get_encoding

        try:
            get_encoding(name)
        except Exception:  # resolve_tokenizer meets it again and reports it
            pass
        finally:
            sys.setswitchinterval(interval)

    sys.setswitchinterval(min(interval, LOAD_SWITCH_INTERVAL))
    threading.Thread(target=load, name="tokcost-load-encoding", daemon=True).start()


def _renderer_importer(args) -> Optional[threading.Thread]:
    """With more than one job, a thread (not started) that imports the table renderer (rich and
    ``tokcost.report.fit``, about 40 ms) while the files are counted, then draws a table of the
    largest of two files into a string: a first table pays for rich's first-use work (its styles
    parsed and cached, the console's set-up), a quarter of drawing the real one, and a table of the
    largest files imports ``heapq`` (about 1 M instructions, most of them loading its C module), all of
    which would otherwise fall after the counting. ``count_corpus`` starts it once every corpus
    thread has its first unit: started before, it took the GIL from the listing of those units
    (rich's imports run for milliseconds at a time without letting go), and the first units went
    out 5 ms later. Joined before the
    table is drawn, so all of it is done by then (a failure is simply met again, and reported, by
    the real table). With one job the run stays on one thread."""
    if args.format != "table" or args.dask:
        return None
    from tokcost.corpus.local import default_jobs

    if (args.jobs or default_jobs()) < 2:
        return None

    def load() -> None:
        try:
            import io

            print_file_table([{"path": "a", "tokens": 1}, {"path": "b", "tokens": 2}], 3, "Tokens", top=1,
                             out=io.StringIO())
        except Exception:  # the real table meets it again and reports it
            pass

    return threading.Thread(target=load, name="tokcost-import-renderer", daemon=True)


# A table of more files than this shows the TOP_FILES largest, unless --all or --top.
LIST_ALL_UP_TO = 50
TOP_FILES = 20
# Longer tables are printed as plain aligned text: rich takes about 0.4 ms a row.
PLAIN_FROM = 200


def print_file_table(rows: list, total: int, title: str, *, top: Optional[int] = None, every: bool = False,
                     out=None) -> None:
    """Every file and the total, or (many files, or --top N) the N with the most tokens, the
    number and tokens of the others, and the total. CSV and JSON always list every file."""
    out = out or sys.stdout
    if top is None and (every or len(rows) <= LIST_ALL_UP_TO):
        shown, note = rows, []
    else:
        import heapq  # here: only a long table needs it (with jobs, the renderer thread loads it meanwhile)

        n = TOP_FILES if top is None else top
        shown = heapq.nlargest(n, rows, key=itemgetter("tokens"))  # ties in input order, as a stable sort
        rest = len(rows) - len(shown)
        note = [{"path": f"({rest:,} other files; --all lists every file)",
                 "tokens": total - sum(row["tokens"] for row in shown)}] if rest else []
        title = f"{title}: the {len(shown):,} largest of {len(rows):,} files" if rest else title
    table = shown + note + ([{"path": "total", "tokens": total}] if len(rows) > 1 else [])
    if len(table) < PLAIN_FROM:
        emit_rows(table, ["path", "tokens"], "table", title=title, out=out, wrap=("path",))
        return
    width = max(len(f"{row['tokens']:,}") for row in table)
    lines = [title] + [f"{row['tokens']:>{width},}  {row['path']}" for row in table]
    out.write("\n".join(lines) + "\n")


def model_extras(choice, total: int) -> dict:
    """What ``--format json`` adds with --model: the tokenizer, exact or estimate, and the window used."""
    if choice is None:
        return {}
    from tokcost.cli.budget import context_window
    from tokcost.context import window_use

    return {"model": choice.model, "tokenizer": choice.label, "counts": counts_label(choice),
            "exact": choice.exact, "basis": choice.basis, "context": window_use(total, context_window(choice.model))}


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
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write bytes or e.g. 512K, 4M, 1G") from None


def add_corpus_options(parser) -> None:
    """The corpus options of ``tokcost count``."""
    group = parser.add_argument_group("corpus")
    group.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel workers on this machine (default: all cores)")
    group.add_argument("--dask", metavar="ADDRESS",
                       help="count on a Dask cluster: tcp://host:8786, or 'local' to start a LocalCluster")
    group.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                       help="skip files and directories matching GLOB (repeatable)")
    group.add_argument("--by", action="append", choices=BY_CHOICES, default=[],
                       help="also total tokens by file type, directory, language (from script) or day (repeatable)")
    group.add_argument("--language", metavar="NAME", help="the language of all inputs, for --by language")
    group.add_argument("--chat", action="store_true",
                       help="count .jsonl/.parquet as OpenAI-format chat logs, with per-message overhead")
    group.add_argument("--column", metavar="NAME", help="count this text column of .csv/.tsv/.parquet files")
    group.add_argument("--top", type=_whole, metavar="N",
                       help=f"table: list the N files with the most tokens (default: every file up to "
                            f"{LIST_ALL_UP_TO}, else the {TOP_FILES} largest); CSV and JSON list every file")
    group.add_argument("--all", action="store_true", help="table: list every file, however many")
    group.add_argument("--strict", action="store_true",
                       help="stop at the first unreadable file, binary file, or malformed record")
    group.add_argument("--chunk-size", type=parse_size, metavar="SIZE",
                       help="stream files in chunks of about SIZE (default: 4M); memory stays near jobs x SIZE")


def count_paths(args, enc, on_busy: Optional[Callable[[], None]] = None):
    """The CorpusResult for ``args.paths`` (``-`` when none), locally or on Dask; ``on_busy`` as
    ``count_corpus`` takes it."""
    from tokcost.corpus import count_corpus
    from tokcost.errors import CorpusError

    if args.jobs is not None and args.jobs < 1:
        raise CliError("--jobs must be at least 1", exit_code=2)
    try:
        with _progress() as on_done:
            return count_corpus(
                args.paths or ["-"], enc.name, jobs=args.jobs, dask=args.dask, ignore=args.ignore,
                strict=args.strict, chat=args.chat, column=args.column, model=args.model,
                language="language" in args.by and not args.language, chunk_size=args.chunk_size,
                on_done=on_done, on_busy=on_busy,
            )
    except CorpusError as exc:
        if args.strict:
            raise CliError(f"{exc} (--strict stops at the first bad input; drop it to skip and report instead)") \
                from None
        raise CliError(str(exc)) from None
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
    if args.by:
        extras["by"] = {key: result.by(key, language=args.language) for key in args.by}
    return extras


def emit_groups(result, args, out=None) -> None:
    """The --by tables (or CSV blocks) for table and csv output."""
    for key in args.by:
        rows = result.by(key, language=args.language)
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


@contextlib.contextmanager
def _progress() -> Iterator[Optional[Callable[[int], None]]]:
    """A files-done progress bar on stderr when it is a terminal (yields its callback); None otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("counting", total=None)
        yield lambda n: bar.advance(task, n)
