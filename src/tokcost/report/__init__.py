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

from typing import TYPE_CHECKING

__all__ = ["gather", "write_report", "format_for_path", "FORMATS"]

if TYPE_CHECKING:
    from tokcost.report.gather import gather
    from tokcost.report.output import FORMATS, format_for_path, write_report


def __getattr__(name: str):
    # Imported on first use: every CLI table is drawn by tokcost.report.fit, and importing
    # the package for it must not load the analyses and the price catalog (0.3 s).
    if name not in __all__:
        raise AttributeError(f"module 'tokcost.report' has no attribute {name!r}")
    import tokcost.report.output as output
    from tokcost.report.gather import gather

    # Importing the submodule `gather` bound that name to the module; the function takes it back.
    globals().update(gather=gather, FORMATS=output.FORMATS, format_for_path=output.format_for_path,
                     write_report=output.write_report)
    return globals()[name]
