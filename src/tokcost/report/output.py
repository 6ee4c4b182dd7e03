"""Writing a report file: pick the renderer from the suffix, write atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Union

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}


def format_for_path(path: Union[str, Path]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown report format {suffix or '(no suffix)'!r}; "
                         "name the file .html, .md or .json")
    return FORMATS[suffix]


def atomic_write(path: Path, data: Union[str, bytes]) -> None:
    """Write via a temporary file in the same directory, then rename over ``path``.

    A reader (a browser tab reloading, a CI artifact upload) never sees half a
    report, and a failed render leaves the previous report intact.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def to_json(view: dict) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False, default=str) + "\n"


def write_report(view: dict, path: Union[str, Path]) -> Path:
    """Render ``view`` in the format named by ``path``'s suffix; Markdown gets its charts beside it."""
    path = Path(path)
    fmt = format_for_path(path)
    if not path.parent.is_dir():
        raise ValueError(f"{path.parent}: no such directory; create it or choose another --out path")
    if fmt == "json":
        atomic_write(path, to_json(view))
    elif fmt == "html":
        from tokcost.report.html import render_html

        atomic_write(path, render_html(view))
    else:
        from tokcost.report.markdown import render_markdown

        text, charts = render_markdown(view, chart_prefix=path.stem)
        for name, svg in charts.items():
            atomic_write(path.parent / name, svg)
        atomic_write(path, text)
    return path
