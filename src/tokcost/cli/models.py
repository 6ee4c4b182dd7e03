"""``tokcost models``: the dated price catalog."""

from __future__ import annotations

import argparse

from tokcost.cli.common import add_format_option, emit_rows
from tokcost.formatting import exact_decimal

HELP = """List model prices (USD per million tokens) in effect on a date, with their sources.

examples:
  tokcost models                          leading providers, today's prices
  tokcost models --provider anthropic
  tokcost models --model gpt-4o --history every dated price of gpt-4o
  tokcost models --at 2024-06-01 --format csv
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="the dated price catalog", description=HELP,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", "-p", metavar="NAME", help="only this provider (e.g. openai, anthropic)")
    parser.add_argument("--model", "-m", action="append", metavar="NAME", help="only these models (repeatable)")
    parser.add_argument("--at", metavar="DATE", help="prices in effect on this date (default: today)")
    parser.add_argument("--history", action="store_true", help="every dated price, not only the one in effect")
    parser.add_argument("--prices", metavar="FILE", help="TOML/JSON file of your own prices")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from tokcost.prices import PriceError, default_catalog, parse_date

    at = parse_date(args.at)
    catalog = default_catalog()
    if args.prices:
        catalog = catalog.with_overrides(args.prices)
    entries = [catalog.lookup(name) for name in args.model] if args.model else catalog.models(args.provider)
    rows = []
    for entry in entries:
        if args.history:
            points = entry.points
        else:
            try:
                points = [entry.at(at)]
            except PriceError:
                continue  # not launched yet on that date
        for price in points:
            batch = price.batch
            rows.append({"model": entry.model, "provider": entry.provider,
                         "effective": price.effective.isoformat() if price.effective else "undated",
                         "input": exact_decimal(price.standard.input),
                         "cached_input": exact_decimal(price.standard.cached_input),
                         "output": exact_decimal(price.standard.output),
                         "batch_input": exact_decimal(batch.input) if batch else "",
                         "batch_output": exact_decimal(batch.output) if batch else "",
                         "batch_from": price.batch_from.isoformat() if price.batch_from else "",
                         "source": price.source})
    columns = ["model", "provider", "effective", "input", "cached_input", "output", "batch_input", "batch_output",
               "batch_from", "source"]
    emit_rows(rows, columns, args.format, title=f"Prices in USD per 1M tokens as of {at}")
    return 0
