"""tokcost's charts as standalone SVG, drawn from data without a plotting library.

One chart stack for everything tokcost draws: the report's three charts and
``tokcost languages --chart``. SVG keeps the HTML report one self-contained
file that stays sharp when zoomed or printed, the Markdown report gets
``.svg`` files beside it, and no optional plotting package is needed.
A chart is a frame (title, subtitle, legend), a linear scale with round ticks,
and marks placed on it; every colour comes from the palette below.

>>> from tokcost.formatting import money
>>> svg = bar_chart("Spend", ["a", "b"], [("USD", [1.0, 2.5], O200K)], money)
>>> svg.startswith("<svg") and "</svg>" in svg
True
"""

from __future__ import annotations

import math
from html import escape
from typing import Callable, Optional, Sequence, Tuple

# The one palette, shared with the HTML page's CSS (report/templates/report.css).
INK = "#0f172a"
MUTED = "#64748b"
GRID = "#e2e8f0"
O200K = "#4f46e5"
CL100K = "#f59e0b"
GOOD = "#059669"
SERIES_COLORS = ["#4f46e5", "#0891b2", "#f59e0b", "#db2777", "#059669", "#7c3aed", "#ea580c", "#475569"]
ENCODING_COLORS = {"o200k_base": O200K, "cl100k_base": CL100K}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

Series = Tuple[str, Sequence[Optional[float]], str]  # (name, values, colour)


def series_color(index: int, name: str = "") -> str:
    """An encoding's own colour, else the index-th series colour."""
    return ENCODING_COLORS.get(name, SERIES_COLORS[index % len(SERIES_COLORS)])


class Scale:
    """A linear scale from 0 to a round number at or above ``high``, mapped onto ``start``..``end`` pixels.

    >>> scale = Scale(10.2, 100, 200)
    >>> scale.ticks, scale(5)
    ([0.0, 2.5, 5.0, 7.5, 10.0, 12.5], 140.0)
    """

    def __init__(self, high: float, start: float, end: float):
        step = _nice_step(high)
        self.ticks = []
        value = 0.0
        while value < high + step * 0.999:
            self.ticks.append(round(value, 10))
            value += step
        self.top = self.ticks[-1]
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        return self.start + (self.end - self.start) * (value / self.top)


def _nice_step(span: float, target: int = 5) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) that cuts ``span`` into about ``target`` parts."""
    if span <= 0:
        return 1.0
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _text(x, y, content, *, size=12, anchor="start", fill=INK, weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(str(content))}</text>')


def _frame(width, height, title, subtitle, body, legend: Sequence[Tuple[str, str]] = ()) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" font-family="{escape(FONT)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        _text(20, 28, title, size=16, weight="600"),
    ]
    if subtitle:
        parts.append(_text(20, 47, subtitle, size=12, fill=MUTED))
    x = width - 20
    for name, colour in reversed(list(legend)):
        label_width = 7 * len(name) + 26
        x -= label_width
        parts.append(f'<rect x="{x:.1f}" y="18" width="12" height="12" rx="3" fill="{colour}"/>')
        parts.append(_text(x + 17, 28.5, name, size=12, fill=MUTED))
    parts.extend(body)
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str], *,
              subtitle: str = "", reference: Optional[float] = None, reference_label: str = "",
              highlight: Optional[str] = None, width: int = 760,
              tick_fmt: Optional[Callable[[float], str]] = None) -> str:
    """Horizontal bars, one group per category, one bar per series."""
    label_width = min(320, 12 + 7 * max((len(c) for c in categories), default=4))
    bar_h = 14 if len(series) > 1 else 18
    group_h = bar_h * len(series) + 10
    top, bottom = (80 if reference_label else 66), 34
    height = top + group_h * len(categories) + bottom
    values = [v for _, vals, _ in series for v in vals if v is not None]
    high = max(values + [reference or 0, 0]) or 1.0
    x0 = 20 + label_width
    sx = Scale(high * 1.02, x0, width - 70)

    body = []
    for tick in sx.ticks:
        body.append(f'<line x1="{sx(tick):.1f}" y1="{top - 6}" x2="{sx(tick):.1f}" y2="{height - bottom + 4}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(sx(tick), height - bottom + 20, (tick_fmt or fmt)(tick), size=11, anchor="middle",
                          fill=MUTED))
    for i, category in enumerate(categories):
        y = top + i * group_h
        strong = category == highlight
        body.append(_text(x0 - 10, y + group_h / 2 + 1, category, size=12, anchor="end",
                          weight="700" if strong else "normal", fill=GOOD if strong else INK))
        for j, (name, vals, colour) in enumerate(series):
            value = vals[i]
            if value is None:
                continue
            by = y + 3 + j * bar_h
            w = max(1.5, sx(value) - x0)
            fill = GOOD if strong and len(series) == 1 else colour
            body.append(f'<rect x="{x0:.1f}" y="{by:.1f}" width="{w:.1f}" height="{bar_h - 3}" rx="3" fill="{fill}">'
                        f"<title>{escape(category)} · {escape(name)}: {escape(fmt(value))}</title></rect>")
            body.append(_text(x0 + w + 5, by + bar_h - 5, fmt(value), size=11, fill=MUTED))
    if reference is not None:
        rx = sx(reference)
        body.append(f'<line x1="{rx:.1f}" y1="{top - 8}" x2="{rx:.1f}" y2="{height - bottom + 4}" stroke="{INK}" '
                    f'stroke-width="1.2" stroke-dasharray="4 3"/>')
        if reference_label:
            body.append(_text(rx + 4, top - 12, reference_label, size=11, fill=INK))
    legend = [(name, colour) for name, _, colour in series] if len(series) > 1 else []
    return _frame(width, height, title, subtitle, body, legend)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[float], str], *,
               subtitle: str = "", width: int = 760, height: int = 380) -> str:
    """Lines over an ordered x axis (months), with the last value labelled."""
    top, bottom, left, right = 66, 40, 70, 170
    values = [v for _, vals, _ in series for v in vals if v is not None]
    high = max(values + [0]) or 1.0
    n = max(len(labels), 2)
    x0, x1, y0 = left, width - right, height - bottom
    sy = Scale(high * 1.05, y0, top)

    def sx(i):
        return x0 + (x1 - x0) * i / (n - 1)

    body = []
    for tick in sy.ticks:
        body.append(f'<line x1="{x0}" y1="{sy(tick):.1f}" x2="{x1}" y2="{sy(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(x0 - 8, sy(tick) + 4, fmt(tick), size=11, anchor="end", fill=MUTED))
    every = max(1, math.ceil(len(labels) / 7))
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(_text(sx(i), y0 + 20, label, size=11, anchor="middle", fill=MUTED))
    ends = []
    for name, vals, colour in series:
        points = [(sx(i), sy(v)) for i, v in enumerate(vals) if v is not None]
        if not points:
            continue
        path = " ".join(f"{'M' if k == 0 else 'L'}{x:.1f},{y:.1f}" for k, (x, y) in enumerate(points))
        body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                    f'stroke-linecap="round"><title>{escape(name)}</title></path>')
        lx, ly = points[-1]
        body.append(f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="3.5" fill="{colour}"/>')
        last = [v for v in vals if v is not None][-1]
        ends.append([ly, f"{name} {fmt(last)}", colour])
    # End labels: in value order, pushed apart so none overprints another, kept inside the chart.
    ends.sort(key=lambda e: e[0])
    gap = 13
    for k in range(1, len(ends)):
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + gap)
    overflow = ends[-1][0] - (height - 8) if ends else 0
    if overflow > 0:
        for end in ends:
            end[0] -= overflow
        for k in range(len(ends) - 2, -1, -1):
            ends[k][0] = min(ends[k][0], ends[k + 1][0] - gap)
    for ly, text, colour in ends:
        body.append(_text(x1 + 8, ly + 4, text, size=11, fill=colour, weight="600"))
    return _frame(width, height, title, subtitle, body)
