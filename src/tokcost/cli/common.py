"""What every subcommand shares: errors, output formats, progress, encodings."""

from __future__ import annotations

import re
import sys
from typing import Any, Iterable, Mapping, Optional, Sequence

FORMATS = ("table", "json", "csv")
DEFAULT_ENCODING = "o200k_base"  # what --encoding names when neither it nor --model is given
PIPE_WIDTH = 160  # table width when stdout is a file or pipe and $COLUMNS is unset


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
    group.add_argument("--encoding", "-e", metavar="NAME", help=f"encoding name (default: {DEFAULT_ENCODING})")
    group.add_argument("--model", "-m", metavar="NAME",
                       help="model name; counts with its own tokenizer, or a labelled stand-in (an estimate)")


def encoding_name(args) -> str:
    """The encoding --encoding names, or the default (--model's tokenizer is ``resolve_tokenizer``'s)."""
    return getattr(args, "encoding", None) or DEFAULT_ENCODING


def resolve_tokenizer(args):
    """``(Encoding, ModelTokenizer or None)`` chosen by --encoding / --model (DEFAULT_ENCODING by default)."""
    import tokcost

    if getattr(args, "model", None):
        return model_tokenizer(args.model)
    return tokcost.get_encoding(encoding_name(args)), None


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
                           f"Name another model, or pick the encoding with --encoding {DEFAULT_ENCODING}") from None
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
              json_document: Optional[Any] = None, out=None, drop: Sequence[str] = (), wrap: Sequence[str] = (),
              footer: Sequence[str] = (), footnote: Sequence[str] = (), compact: bool = False) -> None:
    """Print rows as a terminal table, CSV or JSON (``json_document`` if given).

    For the table: ``drop`` names the columns that may leave a table too wide for the terminal, the first
    named leaving first; ``wrap`` the free-text columns that may wrap (see ``tokcost.report.fit``);
    ``footnote`` those that may become numbered notes under it; ``footer`` lines print under it;
    ``compact`` draws it with single spaces between columns and no frame.
    """
    out = out or sys.stdout
    if fmt == "json":
        import json  # here, as csv below: a table needs neither

        json.dump(json_document if json_document is not None else list(rows), out, indent=2, default=str,
                  ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write(buffer.getvalue())
    else:
        print_table(rows, columns, title=title, out=out, drop=drop, wrap=wrap, footer=footer, footnote=footnote,
                    compact=compact)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str = "", out=None,
                drop: Sequence[str] = (), wrap: Sequence[str] = (), footer: Sequence[str] = (),
                footnote: Sequence[str] = (), compact: bool = False) -> None:
    """A table that fits the terminal ($COLUMNS, else 160 columns for files and pipes) without cutting a figure."""
    from rich.markup import escape

    from tokcost.report.fit import Col, fit_table, make_console

    console = make_console(out or sys.stdout, PIPE_WIDTH)
    specs = [Col(column.replace("_", " "), justify="right" if _figures(row.get(column) for row in rows) else "left",
                 wrap=column in wrap, footnote=column in footnote, drop=len(drop) - drop.index(column) if column in drop else 0)
             for column in columns]
    cells = [[escape(_cell(row.get(column))) for column in columns] for row in rows]
    table, notes = fit_table(console, specs, cells, title=title, compact=compact)
    console.print(table)
    for line in [*footer, *notes]:
        console.print(line, style="dim", markup=False)


_FIGURE = re.compile(r"^[-+]?\$?[0-9][0-9,]*(\.[0-9]+)?[%×x]?$")


def _figures(values) -> bool:
    """True when a column holds numbers (or money, percentages, ratios), which read best right-aligned."""
    present = [value for value in values if value not in (None, "")]
    return bool(present) and all(isinstance(value, (int, float)) or _FIGURE.match(str(value)) for value in present)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# Exit code of a budget gate (--budget) that the cost went over, apart from 1 (bad input) and 2 (usage).
OVER_BUDGET = 3


def budget_amount(text) -> "Decimal":
    """A --budget value as Decimal USD, or a CliError that shows how to write it."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(text).strip().lstrip("$").replace(",", "").replace("_", ""))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise CliError(f"--budget {text!r} is not an amount of USD; write it like 500 or 1250.50")
    return value


def budget_gate(what: str, cost, budget) -> int:
    """OVER_BUDGET with one line on stderr when ``cost`` exceeds ``budget`` (None: no gate); 0 otherwise."""
    if budget is None or cost <= budget:
        return 0
    from tokcost.formatting import money

    print(f"tokcost: over budget: {what} {money(cost, 2)}, more than --budget {money(budget, 2)}", file=sys.stderr)
    return OVER_BUDGET

