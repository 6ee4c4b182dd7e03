"""The report's three charts, built from the view: premium per language, spend per model, spend over time."""

from __future__ import annotations

from tokcost.report import charts

_ENCODING_COLOURS = {"o200k_base": charts.O200K, "cl100k_base": charts.CL100K}


def premium_chart(languages: dict) -> str:
    rows = languages["rows"]
    encodings = languages["encodings"]
    series = [(name, [row["premium"].get(name) for row in rows],
               _ENCODING_COLOURS.get(name, charts.SERIES_COLORS[i % len(charts.SERIES_COLORS)]))
              for i, name in enumerate(encodings)]
    return charts.bar_chart(
        "Tokenizer premium by language", [row["language"] for row in rows], series, charts.ratio,
        subtitle=f"Tokens for the same content, relative to {languages['baseline']} (lower is cheaper)",
        reference=1.0, reference_label=languages["baseline"], tick_fmt=charts.ratio_tick)


def spend_chart(models: dict) -> str:
    rows = models["rows"]
    return charts.bar_chart(
        "Monthly spend per model", [row["model"] for row in rows],
        [("per month", [row["monthly_cost"] for row in rows], charts.O200K)], charts.money,
        subtitle=models["lead_short"], highlight=models.get("cheapest_adequate"))


def projection_chart(projection: dict) -> str:
    series = [(s["model"], s["values"], charts.SERIES_COLORS[i % len(charts.SERIES_COLORS)])
              for i, s in enumerate(projection["series"])]
    return charts.line_chart("Spend over time", projection["labels"], series, charts.money,
                             subtitle=projection["caption"])


def figures(view: dict) -> dict:
    """{'premium'|'spend'|'projection': svg} for the sections the view has."""
    out = {}
    if view.get("languages"):
        out["premium"] = premium_chart(view["languages"])
    if view.get("models"):
        out["spend"] = spend_chart(view["models"])
    if view.get("projection"):
        out["projection"] = projection_chart(view["projection"])
    return out
