"""``tokcost models``: the dated price catalog, each model's context window and tokenizer, and how fresh it is."""

from __future__ import annotations

import argparse
import sys

from tokcost.cli.common import CliError, add_format_option, emit_rows
from tokcost.formatting import exact_decimal

HELP = """List model prices (USD per million tokens) in effect on a date, with each model's
context window, the tokenizer that counts it (exact, or a labelled estimate) and
the date and source of its price. Sources are numbered notes under the table.

Prices come from genai-prices' snapshot (bundled with it, or fetched with --update),
corrected by tokcost where it is wrong or lacks history. The table ends with the
age of that data; prices older than 90 days get a note.

examples:
  tokcost models                          leading providers, today's prices
  tokcost models --provider anthropic
  tokcost models --model gpt-4o --history every dated price of gpt-4o, with its source
  tokcost models --at 2024-06-01 --format csv
  tokcost models --update                 fetch genai-prices' latest published data (network)
"""

COLUMNS = ["model", "provider", "input", "cached_input", "output", "batch_input", "batch_output",
           "context_window", "tokenizer", "counts", "effective", "source"]
# CSV keeps the columns of earlier versions first.
FILE_COLUMNS = ["model", "provider", "effective", "input", "cached_input", "output", "batch_input", "batch_output",
                "batch_from", "source", "context_window", "tokenizer", "counts", "price_snapshot"]
# Columns that leave a table too wide for the terminal, the first named first (CSV and JSON keep them).
DROP_FIRST = ("batch_output", "batch_input", "provider", "counts", "cached_input")


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="the dated price catalog", description=HELP,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", "-p", metavar="NAME", help="only this provider (e.g. openai, anthropic)")
    parser.add_argument("--model", "-m", action="append", metavar="NAME", help="only these models (repeatable)")
    parser.add_argument("--at", metavar="DATE", help="prices in effect on this date (default: today)")
    parser.add_argument("--history", action="store_true", help="every dated price, not only the one in effect")
    parser.add_argument("--prices", metavar="FILE", help="TOML/JSON file of your own prices")
    parser.add_argument("--update", action="store_true",
                        help="download genai-prices' latest published price data into the cache, then list")
    parser.add_argument("--url", metavar="URL", help="with --update: fetch from URL (default: genai-prices' own; "
                        "or $TOKCOST_PRICES_URL)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from tokcost.prices import PriceError, default_catalog, parse_date, set_default_catalog
    from tokcost.prices.update import freshness

    if args.url and not args.update:
        raise CliError("--url goes with --update; add --update to fetch prices from it")
    if args.update:
        _update(args.url)
        set_default_catalog(None)  # read the fetched data from now on
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
            rows.append(_row(catalog, entry, price))
    data = freshness(catalog)
    if args.format == "table":
        _print_table(rows, at, data, args.history)
    else:
        emit_rows(rows, FILE_COLUMNS, args.format)
        for line in data["notes"]:
            print(f"tokcost: note: {line}", file=sys.stderr)
    return 0


def _row(catalog, entry, price) -> dict:
    from tokcost.model_tokenizers import tokenizer_for_model

    batch = price.batch
    tokenizer = tokenizer_for_model(entry.model)
    return {"model": entry.model, "provider": entry.provider,
            "input": exact_decimal(price.standard.input),
            "cached_input": exact_decimal(price.standard.cached_input),
            "output": exact_decimal(price.standard.output),
            "batch_input": exact_decimal(batch.input) if batch else "",
            "batch_output": exact_decimal(batch.output) if batch else "",
            "context_window": _context_window(catalog, entry),
            "tokenizer": tokenizer.label, "counts": "exact" if tokenizer.exact else "estimate",
            "effective": price.effective.isoformat() if price.effective else "undated",
            "batch_from": price.batch_from.isoformat() if price.batch_from else "",
            "source": price.source, "price_snapshot": price.snapshot}


def _context_window(catalog, entry):
    """The model's window; the catalog also finds genai-prices' window for corrected models."""
    from tokcost.errors import UnknownModelError

    try:
        return catalog.context_window(entry.model)
    except UnknownModelError:  # a genai-prices id its own lookup does not resolve (e.g. cohere's c4ai-*)
        return entry.context_window


def _print_table(rows: list, at, data: dict, history: bool) -> None:
    sources: dict = {}
    cells = []
    for row in rows:
        mark = sources.setdefault(row["source"], len(sources) + 1)
        cells.append({**row, "source": f"[{mark}]",
                      "context_window": _short_tokens(row["context_window"])})
    footer = [f"[{n}] {source}" for source, n in sources.items()]
    footer += ["context window in tokens (K = 1,000); ≈: an estimate, counted with a stand-in tokenizer",
               data["summary"]] + [f"note: {line}" for line in data["notes"]]
    title = (f"Price history in USD per 1M tokens" if history else f"Prices in USD per 1M tokens as of {at}")
    emit_rows(cells, COLUMNS, "table", title=title, drop=DROP_FIRST, footer=footer, compact=True)


def _short_tokens(count) -> str:
    """A context window as people say it: 8,192 -> 8.2K, 128,000 -> 128K, 1,048,576 -> 1.05M; – when unknown."""
    if not count:
        return "–"
    for unit, size in (("M", 1_000_000), ("K", 1000)):
        if count >= size:
            scaled = count / size
            return f"{scaled:.3g}{unit}" if scaled < 100 else f"{scaled:.0f}{unit}"
    return str(count)


def _update(url) -> None:
    from tokcost.errors import PriceError
    from tokcost.prices.update import fetch, newest_change

    try:
        got = fetch(url)
    except PriceError as exc:
        raise CliError(str(exc)) from None
    providers = got.snapshot.providers
    models = sum(len(p.models) for p in providers)
    print(f"tokcost: fetched {len(providers)} providers, {models} models from {got.url} into {got.path} "
          f"(newest price change {newest_change(providers)})", file=sys.stderr)
