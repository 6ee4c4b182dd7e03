"""Every FLORES-200 language's text never seen, one ratio to tiktoken per language, every exact peer interleaved.

    python benchmarks/bench_flores_languages.py                        # tokcost, tiktoken, gigatoken
    python benchmarks/bench_flores_languages.py --only tokcost,tiktoken,toktok-rs --chunk-kb 64
    sudo chrt -f 10 python benchmarks/bench_flores_languages.py        # real-time priority

Each language file (``$TOKCOST_FLORES_DIR`` or ``shared/`` beside the checkout; the bundled sample
otherwise) is cut into chunks of whole lines of ``--chunk-kb``; every contender encodes the first once,
then chunks 1 to ``--chunks`` each once, in turn, so every call meets text it has not seen. Prints
each contender's median MB/s over tiktoken's, sorted by tokcost's, and the geometric means. One
thread (``text_threads`` off), o200k_base unless ``--encoding`` says otherwise; ids checked against
tiktoken's on each language's first chunk. On chunks this small each call pays for the caches the
other contenders' calls cooled (docs/NATIVE.md, Caches, Round 26): that is part of what it measures.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src"))

from tokcost.bench import workloads  # noqa: E402
from tokcost.bench.contenders import BASELINE, check_ids, load_contenders  # noqa: E402


def chunks(path: Path, size: int) -> list:
    """The file's lines, joined into chunks of about ``size`` bytes."""
    out, lines, nbytes = [], [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        nbytes += len(line.encode()) + 1
        if nbytes >= size:
            out.append("\n".join(lines))
            lines, nbytes = [], 0
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="tokcost,tiktoken,gigatoken", help="comma-separated contender names")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--chunk-kb", type=float, default=16)
    parser.add_argument("--chunks", type=int, default=11, help="fresh chunks a language, at most")
    args = parser.parse_args(argv)
    import tokcost

    tokcost.text_threads(False)
    names = [n for n in args.only.split(",") if n]
    contenders, missing = load_contenders(args.encoding, list(dict.fromkeys(names + ["tokcost", BASELINE])))
    contenders, excluded = check_ids([c for c in contenders if c.exact])
    for name, why in list(missing.items()) + list(excluded.items()):
        print(f"# left out {name}: {why}")
    reference = next(c for c in contenders if c.name == BASELINE)
    directory, full = workloads.Plan().flores()
    print(f"# {'FLORES-200' if full else 'the bundled FLORES sample'}; {args.encoding}; {args.chunk_kb:g} KB chunks; "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    for path in sorted(directory.glob("*_*.txt")):
        cut = chunks(path, int(args.chunk_kb * 1000))
        if len(cut) < 2:
            continue
        want = list(reference.encode(cut[0]))
        for c in contenders:
            if list(c.encode(cut[0])) != want:
                raise SystemExit(f"{c.name}'s ids differ from tiktoken's on {path.stem}")
        speeds = {c.name: [] for c in contenders}
        for text in cut[1:1 + args.chunks]:
            nbytes = len(text.encode())
            for c in contenders:
                start = time.perf_counter()
                c.encode(text)
                speeds[c.name].append(nbytes / (time.perf_counter() - start) / 1e6)
        medians = {name: statistics.median(v) for name, v in speeds.items()}
        rows.append((path.stem, {name: mb / medians[BASELINE] for name, mb in medians.items()}, medians))
    rows.sort(key=lambda row: row[1]["tokcost"])
    others = [c.name for c in contenders if c.name != BASELINE]
    print(f"{'language':10} " + " ".join(f"{n:>12}" for n in others) + f" {BASELINE + ' MB/s':>14}")
    for lang, ratios, medians in rows:
        print(f"{lang:10} " + " ".join(f"{ratios[n]:11.2f}x" for n in others) + f" {medians[BASELINE]:14.1f}")
    means = {n: math.exp(sum(math.log(r[n]) for _, r, _ in rows) / len(rows)) for n in others}
    print(f"{'geomean':10} " + " ".join(f"{means[n]:11.2f}x" for n in others))
    return 0


if __name__ == "__main__":
    sys.exit(main())
