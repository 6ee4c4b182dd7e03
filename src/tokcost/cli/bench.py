"""``tokcost bench``: tokcost against tiktoken (and peers) on this machine, on your files."""

from __future__ import annotations

import argparse
from pathlib import Path

from tokcost.cli.common import CliError, add_format_option, emit_rows, progress

HELP = """Measure tokcost against tiktoken and the peers that are installed
(gigatoken, toktok-rs, quicktok-v1, wordchipper, bpe-openai, HF tokenizers:
pip install 'tokcost[bench]'), on this machine. Exact peers whose ids differ from
tiktoken's are left out before timing; others (riptoken) are labelled.

Without FILES: the standard workloads (English, code, Chinese/Japanese,
Hindi/Tamil, Arabic script, a FLORES language mix, 10k chat-sized texts,
adversarial inputs, a generated directory of files) and load time / memory.
With FILES: your files.

Warm runs encode the same text again; cold runs encode text the process has
not seen (fresh slices per run), which defeats piece caches. Runs are
interleaved; each figure is a median, the ratio to tiktoken is taken within
each run. MB = 10^6 bytes of UTF-8.

--suite system: issue #15's tables on text of this machine, with every peer in
the same interleaved run: English prose (man pages), Python code (the stdlib),
Chinese, Japanese, Korean, Russian, Arabic, Hindi, Thai and all languages mixed
(gettext catalogs); modes repeated, fresh chunks, ~1 KB documents, batches on
2 threads and the first call of a fresh process; geometric means per mode.
A corpus missing here is skipped with a note. These files differ from machine
to machine; --corpus flores runs the same modes on text that does not: the
FLORES-200 sentences of those languages (the mix: its other languages) and the
stdlib's code. It needs the full FLORES-200 (one <code>.txt of 2,009 sentences
per language) beside the checkout or in $TOKCOST_FLORES_DIR; it is never downloaded.

examples:
  tokcost bench --quick                    a one-minute tour
  tokcost bench --suite system --quick     the issue's tables in about five minutes
  tokcost bench --suite system --corpus flores --only fresh   the same text on every machine
  tokcost bench docs/*.md --format csv     your files, as CSV
  tokcost bench --encoding cl100k_base --only encode,count
"""

COLUMNS_LONG = ["section", "workload", "op", "mode", "threads", "bytes", "contender", "version", "mb_s",
                "x_tiktoken", "seconds", "runs", "exact", "fresh", "skipped"]  # CSV leaves out run_seconds
LOAD_COLUMNS = ["contender", "version", "load_s", "load_x_tiktoken", "rss_mib", "rss_vs_tiktoken", "peak_mib", "runs"]


def register(subparsers) -> None:
    from tokcost import bench

    parser = subparsers.add_parser("bench", help="benchmark tokcost against tiktoken on this machine",
                                   description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", metavar="FILE", help="UTF-8 text files to measure (default: built-in workloads)")
    parser.add_argument("--encoding", "-e", metavar="NAME", default="o200k_base", help="encoding (default: o200k_base)")
    parser.add_argument("--suite", choices=("standard", "system"), default="standard",
                        help="standard: FLORES, code, chat, adversarial, files, load (default); "
                             "system: man pages, the stdlib and gettext catalogs of this machine, mode by mode")
    parser.add_argument("--corpus", choices=tuple(bench.SYSTEM_CORPORA),
                        help="--suite system's text: system, this machine's files (default); "
                             "flores, FLORES-200 and the stdlib, the same on every machine")
    parser.add_argument("--quick", action="store_true",
                        help="smaller inputs and sizes: about a minute (--suite system: about five)")
    parser.add_argument("--runs", type=int, metavar="N", help="timed runs per measurement (default 5; --suite system --quick: 3; at least 3)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall (default), or cpu: one-thread timings in process CPU time, which other "
                             "processes on a busy machine do not inflate (batches stay wall time)")
    parser.add_argument("--only", metavar="SECTIONS",
                        help=f"comma-separated subset of: {','.join(bench.SECTIONS)} "
                             f"(--suite system: {','.join(bench.SYSTEM_SECTIONS)})")
    parser.add_argument("--contenders", metavar="NAMES",
                        help=f"comma-separated subset of: {','.join(n for n, _ in bench.CONTENDERS)}")
    add_format_option(parser)
    parser.set_defaults(run=run)


def _parse_list(value, allowed, what):
    if not value:
        return list(allowed)
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise CliError(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(allowed)}", 2)
    return items


def run(args) -> int:
    from tokcost import bench, get_encoding

    get_encoding(args.encoding)  # unknown names fail here, with "did you mean"
    system = args.suite == "system"
    if system and args.files:
        raise CliError("--suite system reads this machine's corpora; give FILES without it", 2)
    if args.corpus and not system:
        raise CliError("--corpus chooses the text of --suite system; add --suite system", 2)
    sections = _parse_list(args.only, bench.SYSTEM_SECTIONS if system else bench.SECTIONS, "section")
    names = _parse_list(args.contenders, [n for n, _ in bench.CONTENDERS], "contender")
    kind = bench.SystemPlan if system else bench.Plan
    plan = kind.quick() if args.quick else kind()
    plan.clock = args.clock
    if args.corpus:
        plan.corpus = args.corpus
    if args.runs is not None:
        if args.runs < 3:
            raise CliError("--runs must be at least 3 for a meaningful median", 2)
        plan.runs = args.runs
    if system:
        return _run_system(args, plan, sections, names)
    files = [_text_file(raw) for raw in args.files]
    document = bench.benchmark(args.encoding, plan, sections, names, files, progress=progress)
    document["plan"]["quick"] = bool(args.quick)
    rows, load_rows = document["results"], document["load"]
    if args.format == "json":
        emit_rows(rows, COLUMNS_LONG, "json", json_document=document)
    elif args.format == "csv":
        emit_rows(rows + [{"section": "load", **r} for r in load_rows],
                  COLUMNS_LONG + ["load_s", "load_x_tiktoken", "rss_mib", "rss_vs_tiktoken", "peak_mib"], "csv")
    else:
        _print_tables(document)
    return 0


def _text_file(raw: str) -> Path:
    path = Path(raw)
    if not path.is_file():
        raise CliError(f"{raw}: no such file")
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{raw}: not UTF-8 text; convert it to UTF-8") from None
    return path


def _cell(row: dict) -> str:
    if row["skipped"]:
        return "skipped"
    if row["mb_s"] is None:
        return ""
    text = f"{row['mb_s']:,.1f}" if row["mb_s"] < 1000 else f"{row['mb_s']:,.0f}"
    if row["x_tiktoken"] is not None and row["contender"] != "tiktoken":
        text += f" ({row['x_tiktoken']:.2f}x)"
    if row["exact"] is False:
        text += " WRONG"
    return text


def _print_header(document: dict, command: str) -> None:
    """When, where, how busy, and which versions ran (or why a contender did not)."""
    m = document["machine"]
    print(f"{command} · {document['encoding']} · {m['date']} · {m['cpu']} · "
          f"{m.get('cpus_usable', m['cpu_count'])} CPUs · Python {m['python']} · "
          f"load avg {m.get('loadavg')} -> {m.get('loadavg_after')}")
    print("versions: " + ", ".join(f"{k} {v}" + ("" if document["contenders"][k]["exact"] else " (not exact)")
                                   for k, v in document["versions"].items())
          + "".join(f"; {k}: {v}" for k, v in document["missing"].items()))


def _print_tables(document: dict) -> None:
    """One wide table per section: a line per measurement, a column per contender."""
    names = list(document["versions"])
    _print_header(document, "tokcost bench")
    clock = ", one-thread tasks in process CPU time" if document["plan"].get("clock") == "cpu" else ""
    print(f"MB/s (ratio to tiktoken, median of per-run ratios); medians of {document['plan']['runs']} "
          f"interleaved runs{clock}")
    grouped: dict = {}
    for row in document["results"]:
        key = (row["section"], row["workload"], row["op"], row["threads"], row["mode"])
        grouped.setdefault(key, {})[row["contender"]] = row
    titles = {"encode": "encode_ordinary (1 thread)", "count": "count vs tiktoken len(encode_ordinary)",
              "batch": "batch (threads)", "adversarial": "adversarial inputs, encode_ordinary (time linear in size?)",
              "corpus": "a directory of files (tokcost: count_corpus; peers: read each file, count_batch)"}
    for section, title in titles.items():
        table = []
        for (sec, workload, op, threads, mode), by_name in grouped.items():
            if sec != section:
                continue
            any_row = next(iter(by_name.values()))
            line = {"workload": workload, "mode": mode + ("" if any_row["fresh"] in (None, True) else " (reused)"),
                    "KB": round(any_row["bytes"] / 1000)}
            if section in ("batch", "corpus"):
                line["op"] = f"{op} {threads}t"
            if section == "adversarial":
                line["tokcost s"] = by_name.get("tokcost", {}).get("seconds")
            for name in names:
                line[name] = _cell(by_name[name]) if name in by_name else ""
            table.append(line)
        if table:
            columns = ["workload"] + (["op"] if section in ("batch", "corpus") else []) + ["mode", "KB"] \
                + (["tokcost s"] if section == "adversarial" else []) + names
            emit_rows(table, columns, "table", title=title)
    if document["load"]:
        emit_rows(document["load"], LOAD_COLUMNS, "table",
                  title="load (import + get_encoding + first encode, fresh interpreter) and resident memory added; "
                        "peak: the most resident while encoding the FLORES sample twice, long pieces, a 2-thread batch")


def _run_system(args, plan, sections: list, names: list) -> int:
    from tokcost import bench

    try:
        document = bench.benchmark_system(args.encoding, plan, sections, names, progress=progress)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    document["plan"]["quick"] = bool(args.quick)
    if args.format in ("json", "csv"):
        emit_rows(document["results"], COLUMNS_LONG + ["corpus"], args.format, json_document=document)
    else:
        _print_system_tables(document)
    return 0


def _print_system_tables(document: dict) -> None:
    """The issue's layout: a table per mode, a line per corpus, a column per contender, geometric means last."""
    from tokcost.bench.system import SYSTEM_TITLES

    names = list(document["versions"])
    _print_header(document, f"tokcost bench --suite system --corpus {document['corpus']['name']}")
    print(f"text: {document['corpus']['description']}")
    print("corpora: " + "; ".join(f"{c['name']}: {c['description']}" for c in document["corpora"])
          + "".join(f"; {name} skipped: {why}" for name, why in document["absent"].items()))
    clock = "process CPU time (batches: wall time)" if document["plan"].get("clock") == "cpu" else "wall time"
    print(f"MB/s (ratio to tiktoken, median of per-run ratios); medians of {document['plan']['runs']} "
          f"interleaved runs, {clock}; every timed output checked against tiktoken's (batches: tokens per document)")
    by_section: dict = {}
    for row in document["results"]:
        line = by_section.setdefault(row["section"], {}).setdefault(
            row["workload"], {"corpus": row["workload"], "KB": round(row["bytes"] / 1000)})
        line[row["contender"]] = _cell(row)
    for section, title in SYSTEM_TITLES.items():
        if section not in by_section:
            continue
        table = list(by_section[section].values())
        means, n_corpora = document["geomean"].get(section, {}), len(table)
        table.append({"corpus": "geometric mean", "KB": "", **{
            n: f"{means[n]['x_tiktoken']:.2f}x" + ("" if means[n]["corpora"] == n_corpora
                                                   else f" (of {means[n]['corpora']})")
            for n in names if n in means}})
        emit_rows(table, ["corpus", "KB"] + names, "table", title=title)
