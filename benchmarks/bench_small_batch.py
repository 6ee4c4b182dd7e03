"""A small batch of fresh ~1 KB documents of one language, on two threads and on one: where the
batch plan's choice of threads (encoder.h, tc_batch_threads) shows.

    python benchmarks/bench_small_batch.py kor_Hang --kb 28 --rounds 12
    sudo chrt -f 10 python benchmarks/bench_small_batch.py arb_Arab --kb 18

The documents: one FLORES-200 language file (``$TOKCOST_FLORES_DIR`` or ``shared/`` beside the
checkout; the bundled sample otherwise) cut into ~1 KB runs of sentences. Each call takes the next
``--kb`` KB of them, so a document is seen once until the file runs out (keep ``--rounds`` x 2 x
``--kb`` under the file's size for text never seen); two threads and one alternate, the order
reversed every other round. Prints the medians and their quotient. tokcost only: ``bench_threads.py``
and ``tokcost bench --suite system`` put the peers beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("SRC") or str(ROOT / "src"))

import tokcost  # noqa: E402
from tokcost.bench import workloads  # noqa: E402
from tokcost.bench.workloads import read_sentences  # noqa: E402


def documents(language: str) -> list[str]:
    directory, _ = workloads.Plan().flores()
    docs, current = [], ""
    for sentence in read_sentences(directory / f"{language}.txt"):
        current += sentence + "\n"
        if len(current.encode()) >= 1000:
            docs.append(current)
            current = ""
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("language", help="a FLORES-200 file's name, e.g. kor_Hang")
    parser.add_argument("--kb", type=int, default=28, help="KB of documents a call (default 28)")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args()
    docs = documents(args.language)
    per = max(1, args.kb * 1000 // 1050)
    enc = tokcost.get_encoding(args.encoding)
    enc.encode_batch(docs[:per], num_threads=2)  # the pool started; these documents are not timed
    at, times = per, {1: [], 2: []}
    for r in range(args.rounds):
        for threads in (2, 1) if r % 2 == 0 else (1, 2):
            if at + per > len(docs):
                at = per  # the file ran out: documents seen before from here on
            batch = docs[at:at + per]
            at += per
            start = time.perf_counter()
            enc.encode_batch(batch, num_threads=threads)
            times[threads].append(time.perf_counter() - start)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"{args.language}, {per} documents a call, {args.rounds} rounds: one thread {one * 1e3:.2f} ms, "
          f"two threads {two * 1e3:.2f} ms, {one / two:.2f}x")


if __name__ == "__main__":
    main()
