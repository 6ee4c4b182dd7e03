"""``tokcost spend``: monthly spend of a workload across models, or the cost of a token count."""

from __future__ import annotations

import argparse
from decimal import Decimal

from tokcost.cli.common import CliError, add_format_option, budget_amount, budget_gate, emit_rows
from tokcost.formatting import exact_decimal, money, window_size

HELP = """Project monthly spend of a workload (TOML) across models, or price a token count.

examples:
  tokcost spend                                   the bundled multilingual support workload
  tokcost spend --workload my.toml --model gpt-4o-mini --model gpt-4.1-nano --months 6
  tokcost spend --model gpt-4o-mini --input-tokens 1e6 --output-tokens 2e5
  tokcost spend --model gpt-4o --input-tokens 1e6 --at 2024-06-01      as priced that day
  tokcost spend --model claude-sonnet-4 --input-tokens 5e6 --requests 20 --batch   20 requests of 250K, batched
  tokcost spend --claims                          the GPT-4o mini launch claims (OpenAI, 2024-07-18), checked
  tokcost spend -w my.toml -m gpt-4o-mini --budget 2000   exit 3 if a projected month costs more (for CI)
Money is USD; figures are rounded for display only, and each names its price snapshot.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("spend", help="monthly spend of a workload across models", description=HELP,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", "-w", metavar="FILE", help="workload TOML (default: the bundled sample)")
    parser.add_argument("--model", "-m", action="append", metavar="NAME", help="model to price (repeatable)")
    parser.add_argument("--months", type=int, default=12, help="months to project (default: 12)")
    parser.add_argument("--at", metavar="DATE", help="prices in effect on this date (default: today)")
    parser.add_argument("--prices", metavar="FILE", help="TOML/JSON file of your own prices")
    parser.add_argument("--input-tokens", metavar="N", help="one-liner: prompt tokens (e.g. 1e6)")
    parser.add_argument("--output-tokens", metavar="N", help="one-liner: output tokens")
    parser.add_argument("--cached-input-tokens", metavar="N", help="one-liner: prompt tokens served from cache")
    parser.add_argument("--batch", action="store_true", help="one-liner: Batch API rates (same as --tier batch)")
    parser.add_argument("--tier", choices=("standard", "batch", "flex", "priority"),
                        help="one-liner: service tier (flex and priority where the provider prices them)")
    parser.add_argument("--requests", metavar="N", default="1",
                        help="one-liner: the tokens are totals over N equal requests (default 1); long-context "
                             "price tiers apply per request")
    parser.add_argument("--claims", action="store_true",
                        help="the GPT-4o mini launch claims (OpenAI, 2024-07-18) as tokcost computes them")
    parser.add_argument("--budget", metavar="USD",
                        help="exit 3 with one line if a projected month (or the one-liner's cost) exceeds USD")
    add_format_option(parser)
    parser.set_defaults(run=run)


def _tokens(value, flag):
    if value is None:
        return Decimal(0)
    try:
        number = Decimal(str(value).replace("_", "").replace(",", ""))
    except Exception:
        raise CliError(f"{flag} {value!r} is not a number; write a token count like 1e6 or 250000") from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise CliError(f"{flag} {value!r} must be a whole, non-negative token count")
    return number


def _catalog(args):
    from tokcost.prices import default_catalog

    catalog = default_catalog()
    return catalog.with_overrides(args.prices) if args.prices else catalog


def run(args) -> int:
    from tokcost.prices import parse_date

    args.budget = budget_amount(args.budget) if args.budget is not None else None
    at = parse_date(args.at)
    catalog = _catalog(args)
    if args.claims:
        return _claims(args, catalog)
    if args.input_tokens is not None or args.output_tokens is not None or args.cached_input_tokens is not None:
        return _one_liner(args, catalog, at)
    return _workload(args, catalog, at)


def _one_liner(args, catalog, at) -> int:
    if not args.model:
        raise CliError("--input-tokens/--output-tokens need a model; add --model gpt-4o-mini")
    inp = _tokens(args.input_tokens, "--input-tokens")
    out = _tokens(args.output_tokens, "--output-tokens")
    cached = _tokens(args.cached_input_tokens, "--cached-input-tokens")
    requests = _tokens(args.requests, "--requests")
    if requests < 1:
        raise CliError(f"--requests {args.requests} must be 1 or more")
    if args.batch and args.tier not in (None, "batch"):
        raise CliError(f"--batch and --tier {args.tier} contradict each other; give one of them")
    tier = "batch" if args.batch else args.tier or "standard"
    rows, costs = [], []
    for model in args.model:
        price = catalog.price(model, at)
        snapshot = price.snapshot if args.format != "table" else price.short_snapshot
        result = catalog.estimate(model, inp, out, cached, tier, at, int(requests))
        cost = result.total
        costs.append(cost)
        rows.append({"model": model, "input_tokens": int(inp), "cached_input_tokens": int(cached),
                     "output_tokens": int(out), "batch": tier == "batch", "tier": tier,
                     "cost_usd": cost if args.format != "table" else money(cost, 4), "price_snapshot": snapshot,
                     "notes": "; ".join(result.notes)})
    columns = ["model", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd", "price_snapshot"]
    emit_rows(rows, columns + (["notes"] if any(r["notes"] for r in rows) else []),
              args.format, title=f"Cost at prices of {at}", wrap=("price_snapshot", "notes"),
              json_document=[{**r, "cost_usd": exact_decimal(r["cost_usd"])} for r in rows]
              if args.format == "json" else None)
    return budget_gate("the cost", max(costs), args.budget)


def _workload(args, catalog, at) -> int:
    from tokcost.spend import load_workload, project

    if args.months < 1 or args.months > 120:
        raise CliError(f"--months {args.months} is out of range; use 1 to 120")
    workload = load_workload(args.workload)
    result = project(workload, args.model, args.months, at, catalog=catalog)
    status = _budget(result, args.budget)
    if args.format == "json":
        emit_rows([], [], "json", json_document=result.to_dict())
        return status
    rows = []
    for spend in result.models:
        rows.append({"model": spend.model, "tokenizer": spend.tokenizer.label, "counts": _counts(spend),
                     "window": _window(spend), "per_1k_requests": money(spend.cost_per_1k, 3),
                     "month_1": money(spend.monthly[0], 2), f"month_{result.months}": money(spend.monthly[-1], 2),
                     "total": money(sum(spend.monthly, Decimal(0)), 2), "price_snapshot": spend.short_snapshot,
                     "notes": "; ".join(spend.notes)})
    columns = ["model", "tokenizer", "counts", "window", "per_1k_requests", "month_1", f"month_{result.months}",
               "total", "price_snapshot", "notes"]
    if args.format == "csv":
        emit_rows(rows, columns, "csv")
        return status
    w = workload
    title = (f"{w.name}: {w.requests_per_day:,} requests/day, {len(w.languages)} languages, "
             f"growth {float(w.monthly_growth) * 100:g}%/month, prices of {at}")
    emit_rows(rows, columns, "table", title=title, wrap=("price_snapshot", "notes"), footnote=("price_snapshot", "notes"),
              drop=(f"month_{result.months}", "per_1k_requests"))
    first = result.models[0]
    lang_rows = [{"language": row["language"], "share": f"{float(row['share']) * 100:g}%",
                  "input_tokens": f"{row['input_tokens']:,.0f}", "output_tokens": f"{row['output_tokens']:,.0f}",
                  "per_1k_requests": money(row["cost_per_1k_requests_usd"], 3), "month_1": money(row["monthly_usd"], 2)}
                 for row in first.per_language]
    emit_rows(lang_rows, ["language", "share", "input_tokens", "output_tokens", "per_1k_requests", "month_1"],
              "table", title=f"Per language on {first.model}")
    cheapest = result.cheapest
    saving_rows = [{"switch": f"{s['from']} -> {s['to']}", "per_month": money(s["monthly_usd"], 2),
                    f"over_{result.months}_months": money(s["horizon_usd"], 2), "percent": f"{s['percent']:.1f}%"}
                   for s in result.savings() if s["to"] != s["from"]]
    basis = "" if cheapest.exact else f", an estimate: {cheapest.tokenizer.label} counted its tokens"
    fits = " that fits every request" if any(m.overflows for m in result.models) else ""
    emit_rows(saving_rows, list(saving_rows[0]) if saving_rows else ["switch"], "table",
              title=f"Savings of switching (cheapest{fits}: {cheapest.model}{basis})")
    estimated = [m for m in result.models if not m.exact]
    if estimated:
        stand_ins = sorted({m.tokenizer.encoding for m in estimated})
        print(f"Estimates: {', '.join(m.model for m in estimated)} are counted with a stand-in tokenizer "
              f"({', '.join(stand_ins)}), not their own; --format json gives each model's tokenizer_basis.")
    be_rows = [{"model": b["model"], "batch_+10%_per_month": money(b["batch_saving_per_10pct_usd_month"], 2),
                "cache_hit_+10%_per_month": money(b["cache_saving_per_10pct_usd_month"], 2),
                "batch_share_to_match_cheapest": _share(b["batch_share_to_match_cheapest"]),
                "cache_hit_to_match_cheapest": _share(b["cache_hit_to_match_cheapest"])} for b in result.break_even()]
    emit_rows(be_rows, list(be_rows[0]), "table", title="Batch and caching break-even (month 1)")
    return status


def _budget(result, budget) -> int:
    """The gate on the dearest projected month of any model priced."""
    if budget is None or not result.months:
        return 0
    spend, month = max(((s, i) for s in result.models for i in range(result.months)),
                       key=lambda pair: pair[0].monthly[pair[1]])
    return budget_gate(f"{spend.model} projected for month {month + 1}", spend.monthly[month], budget)


def _counts(spend) -> str:
    return "exact" if spend.exact else "estimate"


def _window(spend) -> str:
    """``128K``, or ``128K ✗`` when some language's request does not fit."""
    if not spend.context_window:
        return "?"
    return window_size(spend.context_window) + (" ✗" if spend.overflows else "")


def _share(value) -> str:
    return "never" if value is None else f"{value * 100:.1f}%"


def _claims(args, catalog) -> int:
    from tokcost.spend import claims

    result = claims(args.at, catalog=catalog)
    if args.format == "json":
        emit_rows([], [], "json", json_document=result)
        return 0
    mix_rows = [{"input_share": f"{r['input_share_percent']}%",
                 "gpt-4o-mini_$/M": f"{r['gpt-4o-mini_usd_per_m']:.3f}",
                 "gpt-3.5-turbo-0125_$/M": f"{r['gpt-3.5-turbo-0125_usd_per_m']:.3f}",
                 "saving": f"{r['saving_vs_gpt-3.5_percent']:.1f}%",
                 "text-davinci-003_$/M": f"{r['text-davinci-003_usd_per_m']:.2f}",
                 "x_cheaper_than_davinci": f"{r['times_cheaper_than_davinci']:.1f}x"} for r in result["mix"]]
    emit_rows(mix_rows, list(mix_rows[0]), args.format,
              title="gpt-4o-mini vs gpt-3.5-turbo-0125 and text-davinci-003 (2022) by share of input tokens")
    if args.format == "csv":
        return 0
    print(f"100x cheaper than text-davinci-003 holds from {result['hundred_x_from_input_share_percent']:.1f}% "
          "input tokens upward.")
    per_page = result["per_page"]["times_cheaper_per_page"]
    print(f"Per input token {result['per_page']['times_cheaper_per_input_token']:.0f}x cheaper; per page of text, "
          "each model counting with its own tokenizer (o200k_base, p50k_base): "
          + ", ".join(f"{per_page[code]:.0f}x in {code}" for code in ("eng_Latn", "hin_Deva", "jpn_Jpan")
                      if code in per_page) + ".")
    page_rows = [{"language": p["language"], "pages_per_1M_o200k": f"{p['pages_per_million_o200k']:,.0f}",
                  "pages_per_1M_cl100k": f"{p['pages_per_million_cl100k']:,.0f}",
                  "pages_per_1M_p50k": f"{p['pages_per_million_p50k']:,.0f}",
                  "x_cheaper_per_page_vs_davinci": f"{result['per_page']['times_cheaper_per_page'][p['language']]:.0f}x"}
                 for p in result["pages"]]
    emit_rows(page_rows, list(page_rows[0]), "table", title="Pages per million tokens (gpt-4o-mini: o200k; text-davinci-003: p50k)")
    print("Conditions: " + result["conditions"])
    print("Prices: " + " | ".join(result["snapshots"]))
    return 0
