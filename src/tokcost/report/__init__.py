"""``tokcost report``: the multilingual cost report, gathered once and rendered four ways.

``gather`` asks the language analysis and the spend projection for their
numbers (``gather.py``) and condenses them into one plain-data *view*
(``view.py``, with ``findings.py`` for the sentences); the renderers
(terminal, Markdown, HTML, JSON) only read that view. When the bundled sample
cannot be priced, its spend sections are marked unavailable with the reason,
never filled with made-up numbers.

>>> from tokcost.report import gather, write_report
>>> view = gather()                       # the bundled sample workload
>>> write_report(view, "report.html")     # doctest: +SKIP
PosixPath('report.html')
"""

from __future__ import annotations

from tokcost.report.gather import gather
from tokcost.report.output import FORMATS, format_for_path, write_report

__all__ = ["gather", "write_report", "format_for_path", "FORMATS"]
