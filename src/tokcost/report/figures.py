"""tokcost's charts from its data: premium per language, spend per model, spend over time.

The report draws all three from its view; ``tokcost languages --chart`` draws
the premium chart from a corpus analysis. Both go through ``premium_chart``,
so the chart looks the same wherever it appears.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from tokcost.formatting import money, ratio
from tokcost.report import charts

PREMIUM_TITLE = "Tokenizer premium by language"
DEFINITIONS = {"premium": "published: joined text", "sentence_premium": "median of per-sentence ratios"}


def _ratio_tick(value: float) -> str:
    return f"{value:g}×"


def premium_chart(languages: Sequence[str], premiums: Mapping[str, Sequence[Optional[float]]], baseline: str,
                  subtitle: Optional[str] = None) -> str:
    """Bars of each language's premium (one bar per encoding), the baseline's 1.0 dashed."""
    series = [(name, values, charts.series_color(i, name)) for i, (name, values) in enumerate(premiums.items())]
    return charts.bar_chart(
        PREMIUM_TITLE, languages, series, ratio,
        subtitle=subtitle or f"Tokens for the same content, relative to {baseline} (lower is cheaper)",
        reference=1.0, reference_label=baseline, tick_fmt=_ratio_tick)


def corpus_premium_chart(analysis, definition: str = "premium") -> str:
    """The premium chart of a ``CorpusAnalysis``: highest premium (first encoding) at the top.

    ``definition`` is ``"premium"`` (published, whole text) or ``"sentence_premium"``
    (median of per-sentence ratios).
    """
    if definition not in DEFINITIONS:
        raise ValueError(f"definition must be 'premium' or 'sentence_premium', not {definition!r}")
    values = {(s.language, s.encoding): getattr(s, definition) for s in analysis.stats}
    names = {s.language: s.name for s in analysis.stats}
    first = analysis.encodings[0]
    codes = sorted(names, key=lambda code: (-values[(code, first)], code))
    baseline = names[analysis.reference]
    return premium_chart(
        [f"{names[code]} ({code})" for code in codes],
        {encoding: [values[(code, encoding)] for code in codes] for encoding in analysis.encodings},
        baseline, subtitle=f"Tokens relative to {baseline} ({DEFINITIONS[definition]}; lower is cheaper)")


def spend_chart(models: dict) -> str:
    rows = models["rows"]
    return charts.bar_chart(
        "Monthly spend per model", [row["model"] for row in rows],
        [("per month", [row["monthly_cost"] for row in rows], charts.O200K)], money,
        subtitle=models["lead_short"], highlight=models.get("cheapest_adequate"))


def projection_chart(projection: dict) -> str:
    series = [(s["model"], s["values"], charts.series_color(i)) for i, s in enumerate(projection["series"])]
    return charts.line_chart("Spend over time", projection["labels"], series, money, subtitle=projection["caption"])


def figures(view: dict) -> dict:
    """{'premium'|'spend'|'projection': svg} for the sections the view has."""
    out = {}
    languages = view.get("languages")
    if languages:
        rows = languages["rows"]
        out["premium"] = premium_chart([row["language"] for row in rows],
                                       {name: [row["premium"].get(name) for row in rows]
                                        for name in languages["encodings"]}, languages["baseline"])
    if view.get("models"):
        out["spend"] = spend_chart(view["models"])
    if view.get("projection"):
        out["projection"] = projection_chart(view["projection"])
    return out
