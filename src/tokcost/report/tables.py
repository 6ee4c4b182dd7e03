"""The report's tables as headers and text cells, shared by the HTML and Markdown renderings.

Each returns ``(headers, rows, numeric column indexes, ...)``; a renderer only lays them out.
"""

from __future__ import annotations

from decimal import Decimal

from tokcost.formatting import money, ratio, window_size


def _num(value) -> str:
    return "–" if value is None else f"{value:,.0f}"


def language_table(languages: dict) -> tuple:
    """(headers, rows, numeric column indexes) for the language section."""
    encodings = languages["encodings"]
    main = languages["premium_encoding"]
    rows_in = languages["rows"]
    with_share = any(row.get("share") is not None for row in rows_in)
    with_request = any(row.get("request_premium") for row in rows_in)
    headers = (["Language"] + (["Traffic"] if with_share else []) + [f"{e} tokens" for e in encodings]
               + (["Request premium"] if with_request else []) + [f"Text premium ({main})"])
    rows = []
    for row in rows_in:
        cells = [row["language"]]
        if with_share:
            cells.append(f"{row['share']:.0%}" if row.get("share") is not None else "")
        cells += [_num(row["tokens"].get(e)) for e in encodings]
        if with_request:
            cells.append(ratio(row["request_premium"]) if row.get("request_premium") else "–")
        premium = row["premium"].get(main)
        cells.append(ratio(premium) if premium else "–")
        rows.append(cells)
    return headers, rows, set(range(1, len(headers)))


def model_table(models: dict) -> tuple:
    """(headers, rows, numeric column indexes, [(is cheapest adequate, is adequate)]) for spend per model."""
    headers = ["Model", "Provider", "Tokenizer", "Counts", "Window", "In tokens/req", "Out tokens/req", "Per month",
               "Notes"]
    rows, marks = [], []
    for row in models["rows"]:
        best = row["model"] == models.get("cheapest_adequate")
        note = "cheapest adequate" if best else (row.get("why_not") or "") if not row.get("adequate", True) else ""
        window = row.get("context_window")
        rows.append([row["model"], row.get("provider") or "", row.get("encoding") or "", row.get("counts") or "",
                     window_size(window) if window else "–", _num(row.get("input_tokens")),
                     _num(row.get("output_tokens")), money(row["monthly_cost"]), note])
        marks.append((best, row.get("adequate", True)))
    return headers, rows, {4, 5, 6, 7}, marks


def projection_table(projection: dict) -> tuple:
    labels = projection["labels"]
    ends = [0, len(labels) - 1] if len(labels) > 1 else [0]
    headers = ["Model"] + [labels[i] for i in ends] + [f"{len(labels)}-month total"]
    rows = [[s["model"]] + [money(s["values"][i]) for i in ends] + [money(sum(s["values"]))]
            for s in projection["series"]]
    return headers, rows, set(range(1, len(headers)))


def replay_table(replay: dict) -> tuple:
    """(headers, rows, numeric column indexes) for the replayed usage, most expensive model first."""
    headers = ["Model", "Requests", "Input tokens", "Cache reads", "Cache writes", "Output tokens", "Reasoning",
               "Cost"]
    rows = [[row["model"], _num(row["requests"]), _num(row["input_tokens"]), _num(row["cache_read_tokens"]),
             _num(row["cache_write_tokens"]), _num(row["output_tokens"]), _num(row["reasoning_tokens"]),
             money(Decimal(row["cost_usd"]), 4)] for row in replay["rows"]]
    return headers, rows, set(range(1, len(headers)))

