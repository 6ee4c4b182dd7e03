"""Flat batches (ids one after another, plus offsets) against lists of lists, and toktok-rs's flat batch.

    python benchmarks/bench_flat_batch.py                 # 2,000 ~1 KB documents, 1 and 2 threads
    python benchmarks/bench_flat_batch.py --rounds 41 --docs 500

Times, interleaved round by round, on the same documents: tokcost's
``encode_ordinary_batch_to_numpy`` (flat), tokcost's ``encode_ordinary_batch`` (tiktoken's list of
lists), toktok-rs's ``encode_batch`` (flat bytes of ids and offsets) and tiktoken's
``encode_ordinary_batch``. Before timing, every flat result is checked against tiktoken's ids.
Prints median MB/s per contender and thread count, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from tokcost.bench.contenders import load_contenders  # noqa: E402
from bench_threads import documents  # noqa: E402  (this directory is on sys.path when run as a script)


def _contenders(encoding: str) -> dict:
    import tokcost

    ours = tokcost.get_encoding(encoding)
    (ref,), _ = load_contenders(encoding, ["tiktoken"])  # tiktoken, its rank file seeded offline
    found = {
        "tokcost flat": lambda texts, n: ours.encode_ordinary_batch_to_numpy(texts, num_threads=n),
        "tokcost lists": lambda texts, n: ours.encode_ordinary_batch(texts, num_threads=n),
        "tiktoken lists": ref.encode_batch,
    }
    try:
        import toktok

        peer = toktok._encoding(encoding)
        found["toktok-rs flat"] = lambda texts, n: peer.encode_batch(texts, n, False)
    except ImportError:
        print("# toktok-rs not installed")
    return found


def _flat(result):
    ids, offsets = result
    if isinstance(ids, bytes):
        ids, offsets = np.frombuffer(ids, np.uint32), np.frombuffer(offsets, np.uint64)
    return [ids[offsets[k]:offsets[k + 1]].tolist() for k in range(len(offsets) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=3, help="calls per round, back to back")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args(argv)
    texts = documents(args.docs)
    size = sum(len(t.encode()) for t in texts)
    found = _contenders(args.encoding)
    want = found["tiktoken lists"](texts, 1)
    for name, fn in found.items():
        got = fn(texts, 2)
        assert (_flat(got) if "flat" in name else got) == want, f"{name}: ids differ from tiktoken's"
    print(f"# load average {os.getloadavg()[0]:.2f}; {len(texts)} documents, {size / 1e6:.2f} MB; "
          f"median of {args.rounds} rounds x {args.calls} calls, interleaved; ids checked against tiktoken")
    runs = [(name, n) for n in (1, 2) for name in found]
    times = {run: [] for run in runs}
    for r in range(args.rounds):
        for name, n in (runs if r % 2 else runs[::-1]):
            start = time.perf_counter()
            for _ in range(args.calls):
                found[name](texts, n)
            times[name, n].append((time.perf_counter() - start) / args.calls)
    for name in found:
        one, two = (statistics.median(times[name, n]) for n in (1, 2))
        print(f"{name:16} 1 thread {size / one / 1e6:7.1f} MB/s   2 threads {size / two / 1e6:7.1f} MB/s"
              f"   ratio {one / two:.2f}")
    print(f"# load average after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
