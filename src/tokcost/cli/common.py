"""What every subcommand shares: errors, output formats, progress, encodings."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any, Iterable, Mapping, Optional, Sequence

FORMATS = ("table", "json", "csv")


class CliError(Exception):
    """A problem with the user's input; the message says how to fix it."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def print_error(message: str) -> None:
    print(f"tokcost: error: {message}", file=sys.stderr)


def add_format_option(parser, default: str = "table") -> None:
    parser.add_argument("--format", choices=FORMATS, default=default, help=f"output format (default: {default})")


def add_encoding_options(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--encoding", "-e", metavar="NAME", help="encoding name (default: o200k_base)")
    group.add_argument("--model", "-m", metavar="NAME",
                       help="model name; counts with its own tokenizer, or a labelled stand-in (an estimate)")


def resolve_tokenizer(args):
    """``(Encoding, ModelTokenizer or None)`` chosen by --encoding / --model (o200k_base by default)."""
    import tokcost

    if getattr(args, "model", None):
        return model_tokenizer(args.model)
    return tokcost.get_encoding(getattr(args, "encoding", None) or "o200k_base"), None


def model_tokenizer(model: str):
    """``(Encoding, ModelTokenizer)`` that count ``model``: its own tokenizer, or a labelled stand-in when
    the model is in the price catalog but its tokenizer is not public. Unknown names get did-you-mean."""
    import tokcost.accounting as accounting
    from tokcost.errors import UnknownModelError, did_you_mean
    from tokcost.prices import default_catalog
    from tokcost.registry import MODEL_TO_ENCODING

    choice = accounting.counting_tokenizer(model)
    if not choice.exact:
        catalog = default_catalog()
        try:
            catalog.lookup(model)
        except UnknownModelError:
            hint = did_you_mean(model, dict.fromkeys(list(MODEL_TO_ENCODING) + catalog.names()))
            raise CliError(f"unknown model {model!r}.{hint} "
                           "Name another model, or pick the encoding with --encoding o200k_base") from None
    return choice.load(), choice


def counts_label(choice) -> str:
    """``exact`` or ``estimate``: whether a model's counts are its own tokenizer's."""
    return "exact" if choice.exact else "estimate"


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def progress(iterable: Iterable, total: Optional[int], description: str):
    """A progress bar on stderr when it is a terminal; the bare iterable otherwise."""
    if not sys.stderr.isatty():
        return iterable
    from rich.progress import track

    return track(iterable, total=total, description=description, transient=True)


def emit_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str, *, title: str = "",
              json_document: Optional[Any] = None, out=None) -> None:
    """Print rows as a terminal table, CSV or JSON (``json_document`` if given)."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(json_document if json_document is not None else list(rows), out, indent=2, default=str,
                  ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write(buffer.getvalue())
    else:
        print_table(rows, columns, title=title, out=out)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str = "", out=None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, header_style="bold", title_justify="left")
    for column in columns:
        numeric = any(isinstance(row.get(column), (int, float)) for row in rows)
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    Console(file=out or sys.stdout, width=None if stdout_is_terminal() else 160).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
