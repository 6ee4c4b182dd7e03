"""Writing a report file: pick the renderer from the suffix, write atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Union

from tokcost.files import write_atomically

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}


def format_for_path(path: Union[str, Path]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown report format {suffix or '(no suffix)'!r}; "
                         "name the file .html, .md or .json")
    return FORMATS[suffix]


def to_json(view: dict) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False, default=str) + "\n"


def write_report(view: dict, path: Union[str, Path]) -> Path:
    """Render ``view`` in the format named by ``path``'s suffix; Markdown gets its charts beside it.

    Each file is written atomically: a browser tab reloading never sees half a
    report, and a failed render leaves the previous report intact.
    """
    path = Path(path)
    fmt = format_for_path(path)
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such directory; create it or choose another --out path")
    if fmt == "json":
        write_atomically(path, to_json(view))
    elif fmt == "html":
        from tokcost.report.html import render_html

        write_atomically(path, render_html(view))
    else:
        from tokcost.report.markdown import render_markdown

        text, charts = render_markdown(view, chart_prefix=path.stem)
        for name, svg in charts.items():
            write_atomically(path.parent / name, svg)
        write_atomically(path, text)
    return path
