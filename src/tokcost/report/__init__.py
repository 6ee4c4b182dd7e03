"""``tokcost report``: the multilingual cost report, gathered once and rendered four ways.

``gather`` asks the language analyzer and the spend projection for their
numbers and condenses them into one plain-data *view* (``dict``); the
renderers (terminal, Markdown, HTML, JSON) only read that view. A section
whose analyzer is missing or fails is marked unavailable with the reason,
never filled with made-up numbers.

>>> from tokcost.report import gather, write_report
>>> view = gather()                       # the bundled sample workload
>>> write_report(view, "report.html")     # doctest: +SKIP
PosixPath('report.html')
"""

from __future__ import annotations

from tokcost.report.collect import gather
from tokcost.report.output import FORMATS, format_for_path, write_report

__all__ = ["gather", "write_report", "format_for_path", "FORMATS"]
