"""Tables that fit the terminal without cutting a figure.

Every terminal table of tokcost is laid out here. A figure (money, a count, a
model name) is never cropped, wrapped or ellipsised; when a table is wider than
the terminal it gives way in a fixed order, and a footnote says what changed:

1. text columns marked ``wrap`` (notes, sources) wrap onto more lines, down to ``WRAP_MIN`` columns;
2. columns marked ``footnote`` (snapshots, sources) hold numbered marks, their text listed under the table;
3. columns with a ``drop`` rank leave the table, the highest rank first (the footnote names them
   and points to ``--format csv``/``json``, which always hold every column);
4. money is abbreviated with a unit ($4.17K, $1.2M) to three significant digits;
5. each row becomes a block of ``header value`` pairs, which wraps between pairs, never inside one.

>>> from rich.console import Console
>>> console = Console(width=40, file=__import__("io").StringIO())
>>> table, notes = fit_table(console, [Col("model"), Col("total", justify="right")], [["gpt-4o", "$101,249"]])
>>> notes
[]
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import List, Optional, Sequence, Tuple

from rich import box as _box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

WRAP_MIN = 14  # the narrowest a wrapping text column gets
_MONEY = re.compile(r"^(-?)\$([0-9][0-9,]*(?:\.[0-9]+)?)$")


@dataclass(frozen=True)
class Col:
    """One column: ``drop`` > 0 lets it leave a table too wide for the terminal (highest rank first)."""

    header: str
    justify: str = "left"
    wrap: bool = False  # free text that may wrap; every other column is a figure and never wraps
    drop: int = 0
    min_width: int = 0
    footnote: bool = False  # text that may move under the table as numbered notes ([1], [2], ...)
    style: Optional[str] = None


def make_console(file, default_width: int, width: Optional[int] = None) -> Console:
    """A console as wide as ``width``, else $COLUMNS, else the terminal, else ``default_width`` (files, pipes)."""
    terminal = hasattr(file, "isatty") and file.isatty()
    if width is None:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    if width is None and not terminal:
        width = default_width
    return Console(file=file, width=width, highlight=False, force_terminal=None if terminal else False)


def fit_table(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[str]], *, title: str = "",
              box=_box.HEAVY_HEAD, say_dropped: bool = True, compact: bool = False) -> Tuple[object, List[str]]:
    """(a renderable as wide as the console at most, footnotes saying what gave way).

    ``say_dropped=False`` leaves out the note on dropped columns, for tables whose columns are samples;
    ``compact=True`` separates columns by one space, with a rule under the header and no frame (for wide
    listings such as ``tokcost models``).
    """
    width = console.width

    def fits(kept, wrap_headers, short=False):
        return _needed(console, columns, rows, kept, box, wrap_headers, short, compact) <= width

    everything = list(range(len(columns)))
    if fits(everything, False):
        return _table(columns, rows, everything, title, box, False, False, compact=compact), []
    notes: List[str] = []
    if any(column.footnote for column in columns) and not fits(everything, True):
        rows, notes = _footnotes(columns, rows)
        columns = [replace(column, wrap=False) if column.footnote else column for column in columns]
    # Whole headers, or headers wrapped onto more lines: whichever keeps more columns (whole on a tie).
    wrap_headers, kept = max(((wrap, _keep(columns, lambda k: fits(k, wrap))) for wrap in (False, True)),
                             key=lambda choice: (len(choice[1]), not choice[0]))
    dropped = [columns[i].header for i in everything if i not in kept and columns[i].header]  # bars unnamed
    if dropped and say_dropped:
        notes.append(f"left out to fit {width} columns: {', '.join(dropped)} (a wider terminal, or --format csv "
                     "or json, shows every column)")
    short = not fits(kept, wrap_headers)
    if short and any(_MONEY.match(str(cell)) for row in rows for cell in row):
        notes.append("money abbreviated to fit: $K thousands, $M millions (3 significant digits; "
                     "--format json has exact figures)")
    if not fits(kept, wrap_headers, short):
        return _records(columns, rows, kept, title, short), notes
    return _table(columns, rows, kept, title, box, wrap_headers, short, compact=compact), notes


def _keep(columns, fits) -> list:
    """The columns left when droppable ones leave, highest ``drop`` first, until ``fits(kept)``."""
    kept = list(range(len(columns)))
    order = sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: (-columns[i].drop, -i))
    while not fits(kept) and order:
        kept.remove(order.pop(0))
    return kept


def short_money(cell: str) -> str:
    """$4,172 -> $4.17K, $101,249 -> $101K, $1,234,567 -> $1.23M; other text unchanged."""
    match = _MONEY.match(cell)
    if not match:
        return cell
    try:
        value = Decimal(match.group(2).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return cell
    for unit, size in (("B", Decimal(10) ** 9), ("M", Decimal(10) ** 6), ("K", Decimal(1000))):
        if value >= size:
            scaled = value / size
            places = 2 if scaled < 10 else 1 if scaled < 100 else 0
            return f"{match.group(1)}${scaled:.{places}f}{unit}"
    return cell


def _footnotes(columns, rows) -> tuple:
    """Rows whose footnote columns hold [n] marks instead of text, and the notes the marks point to."""
    marks: dict = {}
    moved = []
    for row in rows:
        cells = list(row)
        for i, column in enumerate(columns):
            if column.footnote and cells[i]:
                cells[i] = f"[{marks.setdefault(cells[i], len(marks) + 1)}]"
        moved.append(cells)
    return moved, [f"[{n}] {text}" for text, n in marks.items()]


def _cells(row: Sequence[str], kept: Sequence[int], short: bool) -> list:
    return [short_money(str(row[i])) if short else str(row[i]) for i in kept]


def _widths(columns, rows, kept, wrap_headers: bool, short: bool) -> list:
    """Each kept column's width: its widest cell (a figure), at most WRAP_MIN for wrapping text."""
    widths = []
    for n, i in enumerate(kept):
        cells = [_cell_width(cell) for cell in (_cells(row, kept, short)[n] for row in rows)]
        header = columns[i].header
        head = max((len(word) for word in header.split()), default=0) if wrap_headers else len(header)
        widest = max([head, columns[i].min_width, *cells])
        narrowest = max(WRAP_MIN, head, columns[i].min_width)
        widths.append(min(widest, narrowest) if columns[i].wrap else widest)
    return widths


def _cell_width(cell: str) -> int:
    """The terminal columns ``cell`` takes once its markup and emoji codes are read; text with neither a
    ``[`` nor a ``:`` has none to read (a figure, most paths), and parsing it was a seventh of drawing a table."""
    return cell_len(cell) if "[" not in cell and ":" not in cell else Text.from_markup(cell).cell_len


def _table(columns, rows, kept, title, box, wrap_headers: bool, short: bool, fixed: bool = False,
           compact: bool = False) -> Table:
    """The table: figure columns exactly as wide as their widest cell, so nothing can crop them.

    ``fixed`` also fixes wrapping columns at their narrowest, to measure the least width the table needs.
    """
    frame = {"box": _box.SIMPLE_HEAD, "padding": (0, 0), "show_edge": False} if compact else {"box": box}
    table = Table(title=title or None, title_justify="left", title_style="bold", header_style="bold", **frame)
    for i, width in zip(kept, _widths(columns, rows, kept, wrap_headers, short)):
        column = columns[i]
        table.add_column(Text(column.header, no_wrap=False), justify=column.justify, no_wrap=not column.wrap,
                         style=column.style, width=width if (fixed or not column.wrap) else None,
                         min_width=None if column.wrap and not fixed else width, overflow="fold")
    for row in rows:
        table.add_row(*_cells(row, kept, short))
    return table


def _needed(console, columns, rows, kept, box, wrap_headers: bool, short: bool, compact: bool) -> int:
    probe = _table(columns, rows, kept, "", box, wrap_headers, short, fixed=True, compact=compact)
    return Measurement.get(console, console.options.update_width(10_000), probe).maximum


def _records(columns, rows, kept, title, short: bool) -> Group:
    """Each row as one wrapped paragraph of ``header value`` pairs: the last resort on very narrow terminals."""
    parts = [Text(title, style="bold")] if title else []
    for row in rows:
        line = Text()
        for i, cell in zip(kept, _cells(row, kept, short)):
            if not cell:
                continue
            if line:
                line.append("  ·  ")
            line.append(f"{columns[i].header} ", style="dim")
            line.append_text(Text.from_markup(cell))
        parts.append(line)
    return Group(*parts)
