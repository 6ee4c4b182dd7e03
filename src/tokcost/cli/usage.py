"""``tokcost usage``: replay provider usage logs, priced as billed, with what-ifs, FOCUS export and a budget gate."""

from __future__ import annotations

import argparse
import sys
from tokcost.cli.common import CliError, budget_amount, budget_gate, emit_rows

HELP = """Price what your providers reported: OpenAI Chat Completions and Responses usage,
Anthropic Messages usage, Gemini usageMetadata and OpenTelemetry GenAI spans, read
from JSONL logs, JSON response dumps (one, a list, or an OTLP export) or Parquet.
Each request is priced at the price in effect on its own day and at its own
service tier (a batch result file counts as batch). With no FILE, the bundled
synthetic sample logs (one per provider format) are replayed.

examples:
  tokcost usage                                    the bundled sample logs
  tokcost usage logs/*.jsonl --by day              cost per day
  tokcost usage logs/*.jsonl --by metadata.user    cost per user (any field of the log, dotted)
  tokcost usage spans.json --by user.id            OTel spans, per span attribute
  tokcost usage logs/*.jsonl --as gpt-4.1-mini --as claude-haiku-4-5   what if, and break-even
  tokcost usage logs/*.jsonl --tier batch          what if it had all gone through batch
  tokcost usage logs/*.jsonl --focus focus.csv     FinOps FOCUS CSV for cost tools
  tokcost usage logs/*.jsonl --budget 500          exit 3 if a month cost more than $500
  tokcost usage log.jsonl --itemise | head -3      each request's bill, line by line, to check by hand

A record that cannot be priced (unknown model, bad field) is reported with FILE:LINE
and its fix, and counted; --strict makes it fatal. Money is USD, unrounded in
--json, --csv and --focus. A what-if figure marked ≈ is an estimate: the log had
no text to re-count, so tokens were scaled by the two tokenizers' ratio.
Exit codes: 0 ok, 1 bad input (or unpriced records with --strict), 2 usage, 3 over budget.
"""

TOKEN_COLUMNS = {"requests": "requests", "input_tokens": "input", "cache_read_tokens": "cached",
                 "cache_write_tokens": "cache_writes", "output_tokens": "output", "reasoning_tokens": "reasoning"}
SHOWN_PROBLEMS = 10


def register(subparsers) -> None:
    from tokcost.prices.billing import TIERS
    from tokcost.usage.record import FORMATS
    from tokcost.usage.whatif import CACHE_TTLS

    parser = subparsers.add_parser("usage", help="replay provider usage logs: cost as billed, and what if",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", metavar="FILE", help="usage logs (.jsonl, .json, .parquet)")
    parser.add_argument("--sample", action="store_true", help="replay the bundled sample logs")
    parser.add_argument("--format", choices=FORMATS, help="the records' format (default: detected per record)")
    parser.add_argument("--billed-tier", choices=TIERS,
                        help="tier of records whose log does not say (default: standard)")
    parser.add_argument("--by", action="append", metavar="KEY",
                        help="group by model, day, month, tier, provider, format, file or any log field "
                             "(metadata.user, a span attribute); repeatable (default: model)")
    parser.add_argument("--as", dest="as_models", action="append", metavar="MODEL",
                        help="what if: the same requests on MODEL (repeatable; the cheapest sets break-even)")
    parser.add_argument("--tier", choices=TIERS, help="what if: every request at this service tier")
    parser.add_argument("--cache-ttl", choices=CACHE_TTLS, help="what if: cache writes at this TTL")
    parser.add_argument("--language", default="eng_Latn", metavar="CODE",
                        help="language of the traffic, for scaling tokens when the log has no text "
                             "(FLORES code; default: eng_Latn)")
    parser.add_argument("--at", metavar="DATE", help="price date of records without a timestamp (default: today)")
    parser.add_argument("--prices", metavar="FILE", help="TOML/JSON file of your own prices")
    parser.add_argument("--budget", metavar="USD", help="exit 3 with one line if a calendar month costs more")
    parser.add_argument("--strict", action="store_true", help="unpriced records are an error (exit 1)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON (unrounded Decimals as strings)")
    out.add_argument("--csv", action="store_true", help="print the grouped rows as CSV")
    out.add_argument("--itemise", action="store_true",
                     help="print each record's itemised bill as one JSON line (FILE:LINE, items, rates, cost)")
    parser.add_argument("--focus", metavar="FILE", help="also write FinOps FOCUS CSV to FILE")
    parser.set_defaults(run=run)


def run(args) -> int:
    import tokcost.usage as usage
    from tokcost.bundled import SAMPLE_USAGE_DIR
    from tokcost.prices import default_catalog

    budget = budget_amount(args.budget) if args.budget is not None else None
    files = args.files or []
    if args.sample or not files:
        files = sorted(p for p in SAMPLE_USAGE_DIR.iterdir() if p.suffix in (".json", ".jsonl"))
        if not (args.json or args.csv or args.itemise):
            print("Replaying the bundled sample logs (synthetic, one per provider format); "
                  "name your own: tokcost usage FILE...")
    catalog = default_catalog().with_overrides(args.prices) if args.prices else default_catalog()
    log = usage.read_usage(files, args.format, args.billed_tier, text=bool(args.as_models))
    result = usage.replay(log, catalog=catalog, at=args.at)
    if args.strict and result.problems:
        more = len(result.problems) - 1
        raise CliError(f"{result.problems[0]}" + (f" (and {more} more unpriced records)" if more else "")
                       + "; without --strict they are counted and skipped")
    by = args.by or ["model"]
    _check_keys(by, result)
    what_ifs = _what_ifs(args, result, catalog, usage)
    if args.focus:
        _write_focus(args.focus, result, usage)
    if args.itemise:
        _itemise(result)
    elif args.json:
        emit_rows([], [], "json", json_document=_document(result, what_ifs, by, catalog, usage))
    else:
        _print(args, result, what_ifs, by, catalog, usage)
    return _budget_gate(result, budget)


def _itemise(result) -> None:
    import json

    for p in result.priced:
        bill = p.bill
        print(json.dumps({"where": p.record.where, "model": p.record.model, "day": p.day.isoformat(),
                          "tier": bill.tier, "price_snapshot": bill.snapshot,
                          "lines": [{"item": line.item, "tokens": str(line.tokens), "usd_per_million": str(line.rate),
                                     "cost_usd": str(line.cost)} for line in bill.lines],
                          "cost_usd": str(bill.total), "notes": [*p.record.notes, *bill.notes]}, ensure_ascii=False))
    _warn_problems(result.problems)


def _check_keys(by, result) -> None:
    """A --by key no record has is a typo, not a group of its own."""
    from tokcost.errors import did_you_mean
    from tokcost.usage.replay import BUILT_IN_KEYS

    known = set(BUILT_IN_KEYS).union(*(p.record.tags for p in result.priced))
    for key in by:
        if key not in known and result.priced:
            raise CliError(f"--by {key!r}: no record has this field.{did_you_mean(key, known)} Group by "
                           f"{', '.join(BUILT_IN_KEYS)} or a field of the log, dotted (metadata.user)")


def _what_ifs(args, result, catalog, usage) -> list:
    from tokcost.errors import TokcostError

    models = args.as_models or ([None] if args.tier or args.cache_ttl else [])
    for model in filter(None, models):
        try:
            catalog.lookup(model)
        except TokcostError as exc:
            raise CliError(f"--as {model}: {exc}") from None
    try:
        return [usage.reprice(result, model, args.tier, args.cache_ttl, args.language, catalog) for model in models]
    except TokcostError as exc:
        raise CliError(str(exc)) from None


def _write_focus(path, result, usage) -> None:
    from pathlib import Path

    from tokcost.files import write_atomically
    from tokcost.usage.focus import FOCUS_VERSION

    target = Path(path)
    if not target.parent.is_dir():
        raise CliError(f"{target.parent}: no such directory; create it or choose another --focus path")
    text = usage.focus_csv(result)
    write_atomically(target, text)
    print(f"wrote {target} ({text.count(chr(10)) - 1} FOCUS {FOCUS_VERSION} rows)", file=sys.stderr)


def _budget_gate(result, budget) -> int:
    if budget is None or not result.priced:
        return 0
    month, cost = max(result.monthly().items(), key=lambda item: item[1])
    return budget_gate(f"replayed cost of {month}", cost, budget)


def _rows(result, what_ifs, by, plain: bool) -> list:
    from tokcost.formatting import money

    rows = result.groups(by)
    totals = [w.group_totals(result, by) for w in what_ifs]
    for row in rows:
        key = tuple(row[name] for name in by)
        if not plain:
            row["cost_usd"] = money(row["cost_usd"], 4)
        for what, by_key in zip(what_ifs, totals):
            cost, estimate, missing = by_key[key]
            column = f"as {what.label}"
            if plain:
                row[column] = None if missing else cost
                row[f"{column} estimate"] = estimate
            else:
                row[column] = "not priced" if missing else ("≈" if estimate else "") + money(cost, 4)
    return rows


def _print(args, result, what_ifs, by, catalog, usage) -> None:
    from tokcost.formatting import money

    rows = _rows(result, what_ifs, by, plain=args.csv)
    columns = list(by) + list(TOKEN_COLUMNS) + ["cost_usd"]
    for what in what_ifs:
        columns.append(f"as {what.label}")
        if args.csv:
            columns.append(f"as {what.label} estimate")
    if args.csv:
        emit_rows(rows, columns, "csv")
        _warn_problems(result.problems + [p for w in what_ifs for p in w.problems])
        return
    # Two narrow tables rather than one wide one: cost (and what-ifs) first, then the token detail.
    short = {**TOKEN_COLUMNS, "cost_usd": "cost"}
    rows = [{short.get(key, key): value for key, value in row.items()} for row in rows]
    first = list(by) + ["requests", "input", "output", "cost"] + [f"as {what.label}" for what in what_ifs]
    emit_rows(rows, first, "table", title=f"Replayed usage by {', '.join(by)}")
    if any(row["cached"] or row["cache_writes"] or row["reasoning"] for row in rows):
        emit_rows(rows, list(by) + ["cached", "cache_writes", "reasoning"], "table",
                  title="Of which: input read from and written to the prompt cache, output spent reasoning")
    for line in summary_lines(result, what_ifs):
        print(line)
    if what_ifs:
        _print_break_even(usage.break_even(result, what_ifs, catalog), money)
    _warn_problems(result.problems + [p for w in what_ifs for p in w.problems])


def summary_lines(result, what_ifs) -> list:
    """The sentences under the table: total, what was not priced and why, what-ifs and their basis."""
    from tokcost.formatting import money

    requests = sum(p.record.usage.requests for p in result.priced)
    lines = [f"Total: {money(result.total, 4)} for {requests:,} requests, each at the price of its own day "
             f"and tier ({len(result.snapshots)} price points)."]
    if result.problems:
        lines.append(f"Not priced: {len(result.problems)} records (listed on stderr with FILE:LINE and the fix; "
                     "--strict makes them fatal).")
    for reason, records in result.skipped.items():
        lines.append(f"Skipped: {records:,} {reason}.")
    unstated = [p.record.usage.tier for p in result.priced if not p.record.tier_stated]
    if unstated:
        tiers = ", ".join(sorted(set(unstated)))
        lines.append(f"Tier not in the log: {len(unstated):,} records priced as {tiers} (--billed-tier sets it).")
    if result.undated:
        lines.append(f"No timestamp: {result.undated} records priced at prices of {result.default_day} (--at).")
    for note, records in sorted(result.notes().items(), key=lambda item: -item[1])[:5]:
        lines.append(f"Note ({records:,} records): {note}.")
    for name, value in result.extras().items():
        lines.append(f"Not in the cost: {value:,} {name.replace('_', ' ')} (billed per use, not per token; "
                     "tokcost does not price them yet).")
    for what in what_ifs:
        label = f"As {what.label}: {money(what.total, 4)}"
        change = what.total - result.total
        label += f" ({'+' if change >= 0 else '-'}{money(abs(change), 4)})"
        if what.estimated:
            label += f"; ≈ estimate for {what.estimated} of {len(what.costs)} records"
        lines.append(label + ". Tokens: " + "; ".join(what.bases) + ".")
    reasoning = sum(p.record.usage.reasoning_tokens for p in result.priced)
    if reasoning and any(w.model for w in what_ifs):
        lines.append(f"Reasoning tokens ({reasoning:,}) are kept as logged in every what-if; another model "
                     "reasons more or less, which no tokenizer ratio predicts.")
    return lines


def _print_break_even(rows, money) -> None:
    def share(value):
        return "never" if value is None else f"{float(value) * 100:.1f}%"

    def match(r, key):
        return "already cheaper" if r["cost_usd"] <= r["alternative_cost_usd"] else share(r[key])

    table = [{"model": r["model"], "cost": money(r["cost_usd"], 4),
              "cheapest": f"{'≈' if r['alternative_is_estimate'] else ''}{r['cheapest_alternative']} "
                          f"{money(r['alternative_cost_usd'], 4)}",
              "cache hit: now → match": f"{share(r['cache_hit_rate'])} → {match(r, 'cache_hit_to_match')}",
              "batch: now → match": f"{share(r['batch_share'])} → {match(r, 'batch_share_to_match')}"}
             for r in rows]
    if table:
        emit_rows(table, list(table[0]), "table",
                  title="Break-even: the cache hit rate or batch share at which each model costs as much "
                        "as its cheapest alternative")


def _warn_problems(problems) -> None:
    """Each distinct problem once on stderr, at its first FILE:LINE, with how many more records share it."""
    groups: dict = {}
    for problem in problems:
        groups.setdefault(problem.message, []).append(problem.where)
    for message, places in list(groups.items())[:SHOWN_PROBLEMS]:
        more = f" (and {len(places) - 1} more records)" if len(places) > 1 else ""
        print(f"tokcost: not priced: {places[0]}: {message}{more}", file=sys.stderr)
    if len(groups) > SHOWN_PROBLEMS:
        print(f"tokcost: not priced: ... and {len(groups) - SHOWN_PROBLEMS} more kinds of problem", file=sys.stderr)


def _document(result, what_ifs, by, catalog, usage) -> dict:
    return {
        "files": [str(f) for f in result.files], "by": list(by),
        "total_usd": result.total, "requests": sum(p.record.usage.requests for p in result.priced),
        "groups": _rows(result, what_ifs, by, plain=True), "monthly_usd": result.monthly(),
        "not_priced": [str(p) for p in result.problems], "skipped": result.skipped,
        "undated": result.undated, "undated_priced_at": str(result.default_day),
        "tier_not_logged": sum(1 for p in result.priced if not p.record.tier_stated),
        "per_use_charges_not_priced": result.extras(), "notes": result.notes(),
        "price_snapshots": result.snapshots,
        "what_if": [{"label": w.label, "model": w.model, "tier": w.tier, "cache_ttl": w.cache_ttl,
                     "total_usd": w.total, "estimated_records": w.estimated, "records": len(w.costs),
                     "token_basis": w.bases, "not_priced": [str(p) for p in w.problems]} for w in what_ifs],
        "break_even": usage.break_even(result, what_ifs, catalog) if what_ifs else [],
    }
