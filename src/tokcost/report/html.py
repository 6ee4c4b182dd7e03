"""The report as one self-contained HTML file, from the Jinja2 template ``templates/report.html.j2``.

Inline CSS (``templates/report.css``), charts as inline SVG, no scripts and no
external URL, so the file works offline and can be mailed as it is.
Autoescaping is on: every text from the view is escaped by the template.
"""

from __future__ import annotations

from functools import lru_cache

from tokcost.report.figures import figures
from tokcost.report.tables import language_table, model_table, projection_table, replay_table


@lru_cache(maxsize=1)
def _template():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("tokcost.report", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    return env.get_template("report.html.j2")


def _table(headers, rows, numeric, marks=None) -> dict:
    """A table for the template; ``marks`` (is best, is adequate) per row badge the best, dim the inadequate."""
    out = []
    for i, cells in enumerate(rows):
        best, adequate = marks[i] if marks else (False, True)
        if best:
            cells = cells[:-1] + [""]  # the badge says it; no note needed
        out.append({"cells": cells, "badge": "cheapest adequate" if best else None,
                    "class": "best" if best else "" if adequate else "dim"})
    return {"headers": headers, "rows": out, "numeric": numeric}


def render_html(view: dict) -> str:
    # Every section is named, None when the view lacks it: the template fails on a misspelt name.
    tables = {
        "languages": _table(*language_table(view["languages"])) if view.get("languages") else None,
        "models": _table(*model_table(view["models"])) if view.get("models") else None,
        "projection": _table(*projection_table(view["projection"])) if view.get("projection") else None,
        "replay": _table(*replay_table(view["replay"])) if view.get("replay") else None,
    }
    snapshots = [row["price_snapshot"] for row in (view.get("models") or {}).get("rows", [])
                 if row.get("price_snapshot")]
    return _template().render(view=view, tables=tables, charts=figures(view), snapshots=snapshots)
