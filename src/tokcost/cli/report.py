"""``tokcost report``: the main job — what a multilingual workload costs, and why."""

from __future__ import annotations

import argparse
import sys

from tokcost.cli.common import progress

HELP = """The multilingual cost report: tokens per request by language and encoding,
the language premium, monthly spend per model, the cheapest adequate model, the
saving of o200k over cl100k, and spend over the coming months with growth.

With no --workload it runs on the bundled sample (a customer-support assistant
serving a dozen languages). --out writes a file whose suffix picks the format:
.html (one self-contained page with charts), .md (charts as SVG beside it), .json.

examples:
  tokcost                                   this report on the bundled sample
  tokcost report --out report.html          share it as one HTML file
  tokcost report --workload mine.toml --months 24 --out report.md
  tokcost report --model gpt-4o --model claude-sonnet-4-5 --format json | jq .findings
  tokcost report --usage logs/*.jsonl --out report.html    with your providers' usage replayed
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="the multilingual cost report (the default command)",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", "-w", metavar="FILE",
                        help="workload TOML (default: the bundled customer-support sample)")
    parser.add_argument("--out", "-o", metavar="PATH", help="write the report to PATH (.html, .md or .json)")
    parser.add_argument("--months", type=_months, default=12, metavar="N",
                        help="months to project, 1-120 (default: 12)")
    parser.add_argument("--model", "-m", dest="models", action="append", metavar="NAME",
                        help="compare this model (repeatable; default: the workload's list or a standard set)")
    parser.add_argument("--corpus", metavar="DIR",
                        help="parallel corpus for the language premium (default: the bundled FLORES-200 sample)")
    parser.add_argument("--at", metavar="DATE", help="price date, YYYY-MM-DD (default: today)")
    parser.add_argument("--prices", metavar="FILE", help="TOML/JSON file of your own prices")
    parser.add_argument("--usage", nargs="+", action="extend", default=[], metavar="FILE",
                        help="provider usage logs to replay in a section of their own (see 'tokcost usage')")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="what to print when there is no --out (default: table)")
    parser.set_defaults(run=run)


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of months") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError(f"{value} is out of range; choose 1 to 120 months")
    return value


def run(args) -> int:
    from tokcost.report import format_for_path, gather, write_report
    from tokcost.report.output import to_json

    if args.out:
        format_for_path(args.out)  # fail on a bad suffix before the work, not after
    view = gather(workload=args.workload, months=args.months, models=args.models, corpus_dir=args.corpus,
                  at=args.at, prices=args.prices, usage=args.usage,
                  progress=lambda work, total: progress(work, total, "measuring languages"))
    if args.out:
        path = write_report(view, args.out)
        print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.format == "json":
        sys.stdout.write(to_json(view))
    else:
        from tokcost.report.terminal import render_terminal

        render_terminal(view)
        if view.get("replay"):
            print(f"Replayed usage: {view['replay']['lead']} (the table: tokcost usage FILE..., "
                  "or --out report.html)")
    return 0


