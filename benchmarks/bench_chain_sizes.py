"""One chain against two threads on pieces near the two-thread threshold (longpiece.h TC_LONG_THREADS_MIN).

    PYTHONPATH=src python benchmarks/bench_chain_sizes.py [--rounds 41] [--sizes 8,16,32,64]

In one process, through the test hook ``long_piece_search`` (the search alone: no periodic
shortcut, no whole-piece cache; its list of ids built in Python on both sides), fresh random
letters of each size (KB) searched as one chain and as two chains split at the middle with the
second on a pool worker, alternating which goes first, 1 ms apart (so the worker has gone back to
sleep and each two-thread call pays its wake-up): median wall clock of each, and two over one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

LOWER = "abcdefghijklmnopqrstuvwxyz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=41)
    ap.add_argument("--sizes", default="8,16,32,64")
    ap.add_argument("--encoding", default="o200k_base")
    args = ap.parse_args()
    import tokcost

    enc = tokcost.get_encoding(args.encoding)
    enc.encode_ordinary("".join(random.Random(1).choices(LOWER, k=1 << 18)))
    core = enc._core
    ways = {"one chain": lambda p: core.long_piece_search(p),
            "two threads": lambda p: core.long_piece_search(p, len(p) // 2, threads=True)}
    for kb in (int(s) for s in args.sizes.split(",")):
        times = {name: [] for name in ways}
        for r in range(args.rounds):
            for i, name in enumerate(list(ways) if r % 2 else list(ways)[::-1]):
                piece = "".join(random.Random(2 * r + i).choices(LOWER, k=kb << 10)).encode()
                t = time.perf_counter()
                ways[name](piece)
                times[name].append((time.perf_counter() - t) * 1e6)
                time.sleep(0.001)
        one, two = (statistics.median(times[name]) for name in ways)
        print(f"{kb:4} KB: one chain {one:7.0f} us, two threads {two:7.0f} us, two / one {two / one:.3f}")


if __name__ == "__main__":
    main()
