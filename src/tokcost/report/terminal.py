"""The report in the terminal, with rich: findings first, then the tables behind them.

``render_terminal`` prints the sections in order; each section is one function
that returns a rich renderable (or None when the view lacks it).
"""

from __future__ import annotations

import re
import sys
from typing import Optional

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tokcost.formatting import money, ratio
from tokcost.report.fit import Col, fit_table, make_console

_BAR = "█"
_PARTIAL = " ▏▎▍▌▋▊▉"
NARROW = 100  # below this many columns, short labels and shorter bars
DEFAULT_WIDTH = 100  # when the output is not a terminal (a file, a pipe)


def render_terminal(view: dict, file=None, width: Optional[int] = None) -> None:
    """Print the report; ``width`` overrides $COLUMNS and the terminal's (or the default for files and pipes)."""
    console = make_console(file or sys.stdout, DEFAULT_WIDTH, width)
    narrow = console.width < NARROW
    console.print(_header(view))
    findings = _findings(view.get("findings"), narrow)
    if findings is not None:
        console.print(findings)
    for section in (_language_table(view.get("languages"), narrow, console),
                    _model_table(view.get("models"), narrow, console),
                    _projection_table(view.get("projection"), console)):
        if section is not None:
            table, notes = section
            console.print(table)
            for note in notes:
                console.print(Text(note, style="dim"))
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


def _findings(findings, narrow: bool) -> Optional[Panel]:
    """Title, value and detail side by side; on a narrow console the detail goes under its value."""
    if not findings:
        return None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    if narrow:
        grid.add_column(overflow="fold")
        for item in findings:
            cell = Text(item["value"], style="bold green")
            cell.append("\n" + item.get("detail", ""), style="")
            grid.add_row(item["title"], cell)
    else:
        grid.add_column(style="bold green", no_wrap=True)
        grid.add_column(style="", overflow="fold")
        for item in findings:
            grid.add_row(item["title"], item["value"], item.get("detail", ""))
    return Panel(grid, title="Key findings", title_align="left", border_style="green", box=box.ROUNDED,
                 padding=(0, 1))


def _language_table(languages: Optional[dict], narrow: bool, console: Console) -> Optional[tuple]:
    if not languages:
        return None
    encodings, main, rows = languages["encodings"], languages["premium_encoding"], languages["rows"]
    with_share = any(row.get("share") is not None for row in rows)
    with_request = any(row.get("request_premium") for row in rows)
    columns = [Col("Language")] + ([Col("Traffic", "right", drop=1, min_width=7)] if with_share else [])
    columns += [Col(_short_encoding(name), "right", min_width=6) for name in encodings]
    columns += [Col("Request ×", "right", min_width=9)] if with_request else []
    header = "Premium" if len(encodings) > 3 else "Text premium" if narrow else f"Text premium ({_short_encoding(main)})"
    columns.append(Col(header, drop=2))
    # one column per tokenizer compared: the bar gives way as they grow in number
    bar = (10 if narrow else 18) - 6 * (len(encodings) - 2)
    bar = bar if bar >= 3 else 0  # too short to read: the ratio alone
    high = max((row["premium"].get(main) or 0) for row in rows) if rows else 1
    cells = []
    for row in rows:
        line = [row["language"]]
        if with_share:
            line.append(f"{row['share']:.0%}" if row.get("share") is not None else "")
        line.extend(f"{row['tokens'][name]:,.0f}" if row["tokens"].get(name) is not None else "–"
                    for name in encodings)
        if with_request:
            line.append(ratio(row["request_premium"]) if row.get("request_premium") else "–")
        premium = row["premium"].get(main)
        colour = "green" if (premium or 0) < 1.3 else "yellow" if (premium or 0) < 2 else "red"
        line.append(f"[{colour}]{_bar(premium or 0, high, bar)}[/] {ratio(premium)}".strip()
                    if premium else "")
        cells.append(line)
    table, notes = fit_table(console, columns, cells, title=f"Tokens per request by language ({languages['unit']})",
                             box=box.SIMPLE_HEAD)
    # which models each tokenizer column counts, exactly or as a stand-in
    return table, notes + ([languages["note"]] if languages.get("note") else [])


def _model_table(models: Optional[dict], narrow: bool, console: Console) -> Optional[tuple]:
    if not models:
        return None
    rows = models["rows"]
    columns = [Col("Model"), Col("Encoding", drop=1), Col("Counts", drop=4), Col("Tokens in / out", "right", drop=2),
               Col("Per month", "right"),
               Col("Prices of"), Col("", drop=3), Col("", wrap=True, min_width=20)]
    high = max((row["monthly_cost"] for row in rows), default=1)
    cells = []
    for row in rows:
        best = row["model"] == models.get("cheapest_adequate")
        if best:
            mark = f"[bold green]★ {'best' if narrow else 'cheapest adequate'}[/]"
        elif not row.get("adequate", True):
            mark = f"[yellow]✗ {'unpriced' if narrow else row.get('why_not') or 'inadequate'}[/]"
        else:
            mark = ""
        tokens = f"{_short_count(row.get('input_tokens'))} / {_short_count(row.get('output_tokens'))}"
        cells.append([f"[bold green]{row['model']}[/]" if best else row["model"], row.get("encoding") or "",
                      row.get("counts") or "", tokens, money(row["monthly_cost"]), _price_date(row.get("price_snapshot"))[0],
                      f"[cyan]{_bar(row['monthly_cost'], high, 6 if narrow else 12)}[/]", mark])
    table, notes = fit_table(console, columns, cells, title=f"Monthly spend per model ({models['period']})",
                             box=box.SIMPLE_HEAD)
    undated = sorted({source for day, source in map(_price_date, (row.get("price_snapshot") for row in rows))
                      if day == "undated"})
    return table, notes + ([f"undated: the current price in {' and '.join(undated)}"] if undated else [])


def _projection_table(projection: Optional[dict], console: Console) -> Optional[tuple]:
    """The projection: up to 6 months spread over the horizon; the middle ones give way to a narrow console."""
    if not projection:
        return None
    labels = projection["labels"]
    picks = _spread(len(labels), 6)
    # A month leaves before the months that a sparser spread would still show; first and last stay.
    keep_rank = {i: next(k for k in range(2, 7) if i in _spread(len(labels), k)) for i in picks}
    columns = [Col("Model")] + [Col(labels[i], "right", min_width=8, drop=keep_rank[i] if keep_rank[i] > 2 else 0)
                                for i in picks]
    columns.append(Col(f"{len(labels)}-month total", "right", style="bold", min_width=9))
    cells = [[series["model"], *(money(series["values"][i]) for i in picks), money(sum(series["values"]))]
             for series in projection["series"]]
    return fit_table(console, columns, cells, title=f"Projection: {projection['caption']}", box=box.SIMPLE_HEAD,
                     say_dropped=False)


def _price_date(snapshot: Optional[str]) -> tuple:
    """(the day a snapshot's price took effect or 'undated', its source) from 'M price of DAY (SOURCE)'."""
    match = re.search(r" price of (\S+) \((.*)\)$", snapshot or "")
    return (match.group(1), match.group(2).split(":")[0]) if match else ("", "")


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
