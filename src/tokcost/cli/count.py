"""``tokcost count``: token counts per file and in total, like ``wc`` for tokens."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from tokcost.cli.common import CliError, add_encoding_options, add_format_option, emit_rows, resolve_encoding

HELP = """Count tokens in files, directories (recursively), globs or stdin ('-').

examples:
  tokcost count README.md                 one file
  tokcost count 'src/**/*.py' --model gpt-4o
  cat notes.txt | tokcost count -         stdin
  tokcost count docs/ --format json       {"total_tokens": ..., "files": [{"path", "tokens"}]}

Binary files are skipped and counted; unreadable files and malformed records
are reported on stderr with path and line, and skipped (--strict stops instead).
"""


def register(subparsers) -> None:
    import argparse

    parser = subparsers.add_parser("count", help="count tokens in files or stdin", description=HELP,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, directories, globs, or - for stdin")
    add_encoding_options(parser)
    add_format_option(parser)
    from tokcost.corpus.cli import EXAMPLES, add_options

    add_options(parser)
    parser.epilog = EXAMPLES
    parser.set_defaults(run=run)


def expand_paths(paths):
    """Files named by paths, directories (recursive) and globs, in order, once each."""
    seen = set()
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        matches = sorted(glob.glob(raw, recursive=True)) if glob.has_magic(raw) else [raw]
        if not matches:
            raise CliError(f"{raw}: no file matches this pattern; check the path or quote the glob")
        for match in matches:
            path = Path(match)
            if path.is_dir():
                candidates = sorted(p for p in path.rglob("*") if p.is_file())
            elif path.exists():
                candidates = [path]
            else:
                raise CliError(f"{match}: no such file or directory")
            for candidate in candidates:
                if candidate not in seen:
                    seen.add(candidate)
                    yield candidate


def read_text(path) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); convert it to UTF-8") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read ({exc.strerror})") from None


def run(args) -> int:
    from tokcost.corpus import cli as corpus

    enc = resolve_encoding(args)
    # Discovery, streaming, parallel or Dask counting live in tokcost.corpus.
    result = corpus.count_paths(args, enc)
    rows = [{"path": f.path, "tokens": f.tokens} for f in result.counted_files]
    total = result.total_tokens
    document = {"encoding": enc.name, "total_tokens": total, "files": rows, **corpus.json_extras(result, args)}
    if args.format == "table" and len(rows) > 1:
        rows = rows + [{"path": "total", "tokens": total}]
    # Nothing counted (every path failed): the error lines say it all.
    if args.format == "json" or (not args.by and rows):
        emit_rows(rows, ["path", "tokens"], args.format, title=f"Tokens ({enc.name})", json_document=document)
    if args.format != "json":
        corpus.emit_groups(result, args)
    return corpus.report_problems(result)
