"""Bars of the tokenizer premium per language, one bar per encoding, as PNG and SVG.

matplotlib is the optional ``plot`` extra (``pip install 'tokcost[plot]'``);
it is imported only here, and only when a chart is drawn. We draw on a bare
``Figure`` rather than through pyplot, so the caller's backend is untouched.

>>> from tokcost.analysis import analyze_corpus
>>> paths = premium_chart(analyze_corpus(), "/tmp/premium")  # doctest: +SKIP
>>> [p.name for p in paths]  # doctest: +SKIP
['premium.png', 'premium.svg']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokcost.analysis.languages import CorpusAnalysis

INSTALL_HINT = "pip install 'tokcost[plot]'"
_COLORS = ["#9aa5b1", "#1f6feb", "#d97706", "#16a34a"]


class MissingPlotExtra(ImportError):
    """matplotlib is not installed; the message gives the install command."""


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingPlotExtra(f"charts need matplotlib, the 'plot' extra: {INSTALL_HINT}") from None
    return Figure


def premium_chart(analysis: "CorpusAnalysis", path, *, definition: str = "premium") -> list[Path]:
    """Write ``<path>.png`` and ``<path>.svg`` (a .png/.svg suffix on ``path`` is replaced).

    ``definition`` is ``"premium"`` (published, whole text) or ``"sentence_premium"``
    (median of per-sentence ratios). Languages are sorted by the first encoding's
    premium, highest at the top; the dashed line is the reference language (1.0).
    """
    if definition not in ("premium", "sentence_premium"):
        raise ValueError(f"definition must be 'premium' or 'sentence_premium', not {definition!r}")
    Figure = _figure_class()

    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in (".png", ".svg") else path
    stem.parent.mkdir(parents=True, exist_ok=True)

    encodings = list(analysis.encodings)
    values = {(s.language, s.encoding): getattr(s, definition) for s in analysis.stats}
    names = {s.language: s.name for s in analysis.stats}
    languages = sorted(names, key=lambda code: (values[(code, encodings[0])], code))

    height = 0.8 / len(encodings)
    fig = Figure(figsize=(8, 1.6 + 0.22 * len(languages) * max(1, len(encodings) / 2)))
    ax = fig.add_subplot()
    for i, encoding in enumerate(encodings):
        offsets = [y - (i - (len(encodings) - 1) / 2) * height for y in range(len(languages))]
        ax.barh(offsets, [values[(code, encoding)] for code in languages], height=height,
                label=encoding, color=_COLORS[i % len(_COLORS)])
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(range(len(languages)))
    ax.set_yticklabels([f"{names[code]} ({code})" for code in languages], fontsize=7)
    ax.set_ylim(-0.6, len(languages) - 0.4)
    label = "published: joined text" if definition == "premium" else "median of per-sentence ratios"
    ax.set_xlabel(f"tokens relative to {analysis.reference} ({label})")
    ax.set_title("Tokenizer premium by language")
    ax.grid(axis="x", linewidth=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()

    written = []
    for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None})):
        target = stem.with_name(stem.name + suffix)
        fig.savefig(target, format=suffix[1:], dpi=150, metadata=metadata)
        written.append(target)
    return written
