"""Counting one large file: tokcost's corpus reader (``count_corpus``, what ``tokcost count FILE`` runs:
chunks cut where tokens split, counted as UTF-8 in one reused buffer) against each peer reading the
file, decoding it and counting it in one call, on 1 and 2 threads, interleaved.

    python benchmarks/bench_large_file.py                      # 20 MB files, 7 rounds, every installed peer
    python benchmarks/bench_large_file.py --size 50 --rounds 5 --only tokcost,tiktoken,toktok-rs
    sudo chrt -f 10 python benchmarks/bench_large_file.py      # real-time priority

The files, written to a temporary directory: FLORES-200's English, Russian and Chinese sentences, each
repeated to the size (``$TOKCOST_FLORES_DIR`` or ``shared/`` beside the checkout; the bundled sample
otherwise), the standard library's Python sources, and every language's sentences shuffled (the
mix: repeated only where the corpus is smaller than the size). Every contender's count is checked
against tiktoken's first. Prints the median seconds, MB/s and the ratio to tiktoken of each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src"))

from tokcost.bench.contenders import BASELINE, check_ids, load_contenders, one_thread_per_text  # noqa: E402
from tokcost.bench import workloads  # noqa: E402
from tokcost.bench.workloads import read_sentences  # noqa: E402


def _write(path: Path, lines: list, size: int) -> Path:
    text = ("\n".join(lines) + "\n").encode()
    data = (text * (size // len(text) + 1))[:size]
    path.write_bytes(data[: data.rfind(b"\n") + 1])
    return path


def make_files(directory: Path, size: int) -> list:
    flores = workloads.Plan().flores()[0]
    files = []
    for name, code in (("english", "eng_Latn"), ("russian", "rus_Cyrl"), ("chinese", "zho_Hans")):
        files.append(_write(directory / f"{name}.txt", read_sentences(flores / f"{code}.txt"), size))
    code = workloads._stdlib_code_lines(size)
    files.append(_write(directory / "code.txt", code, size))
    mix = [line for path in sorted(flores.glob("*.txt")) for line in read_sentences(path)]
    random.Random(1).shuffle(mix)
    files.append(_write(directory / "mix.txt", mix, size))
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=20, help="MB a file")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated contender names")
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n] or None
    contenders, missing = load_contenders(args.encoding, only)
    contenders, excluded = check_ids([c for c in contenders if c.exact])
    for name, why in list(missing.items()) + list(excluded.items()):
        print(f"# left out {name}: {why}")
    with tempfile.TemporaryDirectory(prefix="tokcost-large-") as tmp:
        files = make_files(Path(tmp), int(args.size * 1e6))
        print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.2f}, "
              f"{os.cpu_count()} CPUs, {args.rounds} rounds, files of {args.size:g} MB, {args.encoding}")
        print(f"{'file':<8} {'threads':>7} " + " ".join(f"{c.name:>22}" for c in contenders))
        for path in files:
            with one_thread_per_text():  # tokcost's chunks on the calling thread alone, as each peer's one text
                _row(path, 1, contenders, args.rounds)
            _row(path, 2, contenders, args.rounds)
    return 0


def _row(path: Path, threads: int, contenders: list, rounds: int) -> None:
    paths = [str(path)]
    counts = {}
    for c in contenders:
        try:
            counts[c.name] = c.count_files(paths, threads)
        except Exception as exc:  # bpe-openai refuses a text this long
            counts[c.name] = f"failed ({type(exc).__name__})"
    reference = counts.get(BASELINE, counts[contenders[0].name])
    times = {c.name: [] for c in contenders if counts[c.name] == reference}
    for r in range(rounds):
        order = [c for c in contenders if c.name in times]
        for c in order if r % 2 else reversed(order):
            start = time.perf_counter()
            c.count_files(paths, threads)
            times[c.name].append(time.perf_counter() - start)
    size = path.stat().st_size
    base = statistics.median(times[BASELINE]) if BASELINE in times else None
    cells = []
    for c in contenders:
        if c.name not in times:
            cells.append(f"{counts[c.name] if isinstance(counts[c.name], str) else 'count differs':>22}")
            continue
        seconds = statistics.median(times[c.name])
        ratio = f" ({base / seconds:5.2f}x)" if base else ""
        cells.append(f"{size / seconds / 1e6:>13.1f}{ratio}")
    print(f"{path.stem:<8} {threads:>7} " + " ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
