"""The report's findings: the answers a reader came for, each one number with a sentence.

Pure functions of the view (``view.py``), so they read the same figures the
tables and charts show.
"""

from __future__ import annotations

from typing import Optional

from tokcost.formatting import money, ratio


def findings(view: dict) -> list:
    """``[{title, value, detail}]`` for the sections the view has, most decisive first."""
    models, languages, projection = view.get("models"), view.get("languages"), view.get("projection")
    found = [_cheapest(models)] if models else []
    if languages:
        found += [_highest_premium(languages), _encoding_saving(languages)]
    if projection and models:
        found.append(_horizon(projection, models))
    return [item for item in found if item]


def _cheapest(models: dict) -> Optional[dict]:
    rows = models["rows"]
    if not models.get("cheapest_adequate"):
        if not rows:
            return None
        reasons = sorted({r["why_not"] for r in rows if r.get("why_not")})
        return {"title": "Cheapest adequate model", "value": "none",
                "detail": f"no model compared can take every input of this workload ({', '.join(reasons)}); "
                          f"add one with --model"}
    best = next(r for r in rows if r["model"] == models["cheapest_adequate"])
    others = [r for r in rows if r["adequate"] and r is not best]
    detail = f"{money(best['monthly_cost'])} a month, every input of this workload included"
    if others and best["monthly_cost"]:
        runner = others[0]
        detail += f"; the next, {runner['model']}, costs {runner['monthly_cost'] / best['monthly_cost']:.1f}× as much"
    return {"title": "Cheapest adequate model", "value": best["model"], "detail": detail}


def _highest_premium(languages: dict) -> Optional[dict]:
    main = languages["premium_encoding"]
    rows = [r for r in languages["rows"] if r["code"] != "eng_Latn" and r["premium"].get(main)]
    if not rows:
        return None
    if all(r.get("request_premium") for r in rows):
        worst = max(rows, key=lambda r: r["request_premium"])
        return {"title": "Highest language premium", "value": ratio(worst["request_premium"]),
                "detail": f"a {worst['language']} request takes {ratio(worst['request_premium'])} the tokens of an "
                          f"{languages['baseline']} one ({ratio(worst['premium'][main])} for the text alone, {main})"}
    worst = max(rows, key=lambda r: r["premium"][main])
    return {"title": "Highest language premium", "value": ratio(worst["premium"][main]),
            "detail": f"{worst['language']} costs {ratio(worst['premium'][main])} the tokens of "
                      f"{languages['baseline']} with {main}"}


def _encoding_saving(languages: dict) -> Optional[dict]:
    """Fewer tokens with the newer encoding, weighted by the workload's traffic when there is one."""
    main = languages["premium_encoding"]
    if "cl100k_base" not in languages["encodings"] or main == "cl100k_base":
        return None
    shared = [r for r in languages["rows"] if r["tokens"].get("cl100k_base") and r["tokens"].get(main)]
    weights = [r.get("share") if r.get("share") is not None else 1.0 for r in shared]
    old = sum(w * r["tokens"]["cl100k_base"] for w, r in zip(weights, shared))
    new = sum(w * r["tokens"][main] for w, r in zip(weights, shared))
    if not old:
        return None
    scope = "this workload's traffic mix" if any(r.get("share") for r in shared) else "these languages"
    return {"title": "o200k vs cl100k", "value": f"−{1 - new / old:.0%} tokens",
            "detail": f"{scope} needs {1 - new / old:.0%} fewer tokens with {main} (gpt-4o and later) "
                      f"than with cl100k_base (gpt-4, gpt-3.5), and per-token bills shrink alike"}


def _horizon(projection: dict, models: dict) -> Optional[dict]:
    if not models.get("cheapest_adequate"):
        return None
    series = next(s for s in projection["series"] if s["model"] == models["cheapest_adequate"])
    values = series["values"]
    return {"title": f"In {len(values)} months", "value": f"{money(values[-1])}/mo",
            "detail": f"{series['model']} as traffic grows to {projection['requests'][-1]:,} requests a month; "
                      f"{money(sum(values))} over the {len(values)} months"}
