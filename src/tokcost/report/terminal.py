"""The report in the terminal, with rich: findings first, then the tables behind them.

``render_terminal`` prints the sections in order; each section is one function
that returns a rich renderable (or None when the view lacks it).
"""

from __future__ import annotations

import sys
from typing import Optional

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tokcost.formatting import money, ratio

_BAR = "█"
_PARTIAL = " ▏▎▍▌▋▊▉"
NARROW = 100  # below this many columns, short labels and shorter bars
DEFAULT_WIDTH = 100  # when the output is not a terminal (a file, a pipe)


def render_terminal(view: dict, file=None, width: Optional[int] = None) -> None:
    """Print the report; ``width`` overrides the terminal's (or the default for files and pipes)."""
    out = file or sys.stdout
    terminal = hasattr(out, "isatty") and out.isatty()
    console = Console(file=out, width=width or (None if terminal else DEFAULT_WIDTH), highlight=False,
                      force_terminal=None if terminal else False)
    narrow = console.width < NARROW
    sections = [_header(view), _findings(view.get("findings")), _language_table(view.get("languages"), narrow),
                _model_table(view.get("models"), narrow), _projection_table(view.get("projection"), console)]
    for section in sections:
        if section is not None:
            console.print(section)
    for name, reason in (view.get("unavailable") or {}).items():
        console.print(f"[yellow]{name}: not available[/] [dim]({reason})[/]")
    console.print(Text(view.get("footer", ""), style="dim"))


def _header(view: dict) -> Text:
    header = Text()
    header.append("tokcost report", style="bold")
    header.append(f" · {view['title']}\n", style="bold cyan")
    if view.get("subtitle"):
        header.append(view["subtitle"] + "\n", style="dim")
    if view.get("facts"):
        header.append("  ·  ".join(view["facts"]), style="")
    return header


def _findings(findings) -> Optional[Panel]:
    if not findings:
        return None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(style="bold green", no_wrap=True)
    grid.add_column(style="")
    for item in findings:
        grid.add_row(item["title"], item["value"], item.get("detail", ""))
    return Panel(grid, title="Key findings", title_align="left", border_style="green", box=box.ROUNDED,
                 padding=(0, 1))


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, header_style="bold")


def _language_table(languages: Optional[dict], narrow: bool):
    if not languages:
        return None
    encodings, main, rows = languages["encodings"], languages["premium_encoding"], languages["rows"]
    with_share = any(row.get("share") is not None for row in rows)
    with_request = any(row.get("request_premium") for row in rows)
    table = _table(f"Tokens per request by language ({languages['unit']})")
    table.add_column("Language", no_wrap=True, min_width=max((len(row["language"]) for row in rows), default=8))
    if with_share:
        table.add_column("Traffic", justify="right", no_wrap=True, min_width=7)
    for name in encodings:
        short = _short_encoding(name)
        table.add_column(short, justify="right", no_wrap=True, min_width=max(6, len(short)))
    if with_request:
        table.add_column("Request ×", justify="right", no_wrap=True, min_width=9)
    header = "Premium" if len(encodings) > 3 else "Text premium" if narrow else f"Text premium ({_short_encoding(main)})"
    table.add_column(header, justify="left", no_wrap=True)
    # one column per tokenizer compared: the bar gives way as they grow in number
    bar = (10 if narrow else 18) - 6 * (len(encodings) - 2)
    bar = bar if bar >= 3 else 0  # too short to read: the ratio alone
    high = max((row["premium"].get(main) or 0) for row in rows) if rows else 1
    for row in rows:
        cells = [row["language"]]
        if with_share:
            cells.append(f"{row['share']:.0%}" if row.get("share") is not None else "")
        cells.extend(f"{row['tokens'][name]:,.0f}" if row["tokens"].get(name) is not None else "–"
                     for name in encodings)
        if with_request:
            cells.append(ratio(row["request_premium"]) if row.get("request_premium") else "–")
        premium = row["premium"].get(main)
        colour = "green" if (premium or 0) < 1.3 else "yellow" if (premium or 0) < 2 else "red"
        cells.append(f"[{colour}]{_bar(premium or 0, high, bar)}[/] {ratio(premium)}"
                     if premium else "")
        table.add_row(*cells)
    # which models each tokenizer column counts, exactly or as a stand-in
    return Group(table, Text(languages["note"], style="dim")) if languages.get("note") else table


def _model_table(models: Optional[dict], narrow: bool) -> Optional[Table]:
    if not models:
        return None
    rows = models["rows"]
    table = _table(f"Monthly spend per model ({models['period']})")
    widths = {"Model": max(len(row["model"]) for row in rows),
              "Encoding": max(len(row.get("encoding") or "") for row in rows), "Tokens in / out": 15}
    widths["Counts"] = len("estimate")
    for column, justify in (("Model", "left"), ("Encoding", "left"), ("Counts", "left"), ("Tokens in / out", "right"),
                            ("Per month", "right")):
        table.add_column(column, justify=justify, no_wrap=True, min_width=widths.get(column, len(column)))
    table.add_column("", overflow="crop", no_wrap=True)
    high = max((row["monthly_cost"] for row in rows), default=1)
    for row in rows:
        best = row["model"] == models.get("cheapest_adequate")
        if best:
            mark = f" [bold green]★ {'best' if narrow else 'cheapest adequate'}[/]"
        elif not row.get("adequate", True):
            mark = f" [yellow]✗ {'unpriced' if narrow else row.get('why_not') or 'inadequate'}[/]"
        else:
            mark = ""
        tokens = f"{_short_count(row.get('input_tokens'))} / {_short_count(row.get('output_tokens'))}"
        table.add_row(f"[bold green]{row['model']}[/]" if best else row["model"], row.get("encoding") or "",
                      row.get("counts") or "", tokens, money(row["monthly_cost"]),
                      f"[cyan]{_bar(row['monthly_cost'], high, 6 if narrow else 12)}[/]{mark}")
    return table


def _projection_table(projection: Optional[dict], console: Console) -> Optional[Table]:
    """The projection with as many months (2 to 6, first and last always) as fit the console's width."""
    if not projection:
        return None
    unbounded = console.options.update_width(10_000)
    for months in range(6, 2, -1):
        table = _projection_months(projection, months)
        if Measurement.get(console, unbounded, table).maximum <= console.width:
            return table
    return _projection_months(projection, 2)


def _projection_months(projection: dict, months: int) -> Table:
    labels = projection["labels"]
    table = _table(f"Projection: {projection['caption']}")
    table.add_column("Model", no_wrap=True)
    picks = _spread(len(labels), months)
    for i in picks:
        table.add_column(labels[i], justify="right", no_wrap=True, min_width=8)
    table.add_column(f"{len(labels)}-month total", justify="right", style="bold", no_wrap=True, min_width=9)
    for series in projection["series"]:
        values = series["values"]
        table.add_row(series["model"], *(money(values[i]) for i in picks), money(sum(values)))
    return table


def _bar(value: float, high: float, width: int = 18) -> str:
    """A text bar with eighth-block resolution, so small differences stay visible."""
    if high <= 0 or value <= 0:
        return ""
    eighths = round(width * 8 * min(value, high) / high)
    return _BAR * (eighths // 8) + (_PARTIAL[eighths % 8] if eighths % 8 else "")


def _spread(n: int, k: int) -> list:
    """k indices spread evenly over range(n), always including the first and last."""
    if n <= k:
        return list(range(n))
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def _short_encoding(name: str) -> str:
    return name.replace("_base", "")


def _short_count(value) -> str:
    if value is None:
        return "–"
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:,.0f}"
