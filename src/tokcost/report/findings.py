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
        detail += (f"; the next, {runner['model']}{_estimated(runner)}, costs "
                   f"{runner['monthly_cost'] / best['monthly_cost']:.1f}× as much")
    if best.get("counts") == "estimate":
        detail += (f". This rests on an estimate: {best['model']}'s tokens are counted with {best['encoding']}, "
                   f"a stand-in for its own tokenizer")
    return {"title": "Cheapest adequate model", "value": best["model"] + _estimated(best), "detail": detail}


def _estimated(row: dict) -> str:
    return " (estimate)" if row.get("counts") == "estimate" else ""


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
    """The tokenizer that needs the fewest tokens against the one that needs the most, weighted by traffic."""
    encodings = languages["encodings"]
    shared = [r for r in languages["rows"] if all(r["tokens"].get(e) for e in encodings)]
    if len(encodings) < 2 or not shared:
        return None
    weights = [r.get("share") if r.get("share") is not None else 1.0 for r in shared]
    totals = {e: sum(w * r["tokens"][e] for w, r in zip(weights, shared)) for e in encodings}
    fewest, most = min(encodings, key=totals.get), max(encodings, key=totals.get)
    if not totals[most] or fewest == most:
        return None
    cut = 1 - totals[fewest] / totals[most]
    scope = "this workload's traffic mix" if any(r.get("share") for r in shared) else "these languages"
    return {"title": f"{_short(fewest)} vs {_short(most)}", "value": f"−{cut:.0%} tokens",
            "detail": f"{scope} needs {cut:.0%} fewer tokens with {fewest} ({_users(languages, fewest)}) than "
                      f"with {most} ({_users(languages, most)}), and per-token bills shrink alike"}


def _short(encoding: str) -> str:
    return encoding.removesuffix("_base")


def _users(languages: dict, encoding: str) -> str:
    """The compared models a tokenizer counts, as a short phrase."""
    column = next((c for c in languages.get("tokenizers") or [] if c["encoding"] == encoding), None)
    if column is None or column["reference"]:
        return "gpt-4, gpt-3.5" if encoding == "cl100k_base" else "no model compared"
    models = column["exact_for"] or column["estimate_for"]
    more = len(column["exact_for"]) + len(column["estimate_for"]) - 1
    kind = "" if column["exact_for"] else ", as an estimate"
    return f"{models[0]}{f' and {more} more' if more else ''}{kind}"


def _horizon(projection: dict, models: dict) -> Optional[dict]:
    if not models.get("cheapest_adequate"):
        return None
    series = next(s for s in projection["series"] if s["model"] == models["cheapest_adequate"])
    values = series["values"]
    return {"title": f"In {len(values)} months", "value": f"{money(values[-1])}/mo",
            "detail": f"{series['model']} as traffic grows to {projection['requests'][-1]:,} requests a month; "
                      f"{money(sum(values))} over the {len(values)} months"}
