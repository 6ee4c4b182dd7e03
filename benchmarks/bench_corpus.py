"""Corpus throughput: files/s and MB/s locally (1 and 2 workers) and on a Dask LocalCluster, beside tiktoken.

    python benchmarks/bench_corpus.py                 # generated corpus, table on stdout
    python benchmarks/bench_corpus.py --small 5000 --large 4 --json out.json

Every contender counts the same generated corpus (thousands of small files,
a few large ones, empty, binary, invalid UTF-8) after a warm-up pass, so the
page cache is hot for all; each figure is the best of ``--repeat`` runs. The
totals must agree, or the run fails. tiktoken has no directory reader, so its
contender is the obvious loop: read (gunzip .gz), skip NUL-containing files, decode with
U+FFFD, ``len(encode_ordinary)``, on one thread. Dask cluster start-up is
timed separately, not inside the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tokcost.testing import seed_tiktoken_cache  # noqa: E402

seed_tiktoken_cache()

ENCODING = "o200k_base"


def tiktoken_single_thread(paths):
    import tiktoken

    enc = tiktoken.get_encoding(ENCODING)
    total = 0
    for path in paths:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            data = f.read()
        if b"\0" in data[:8192]:
            continue
        total += len(enc.encode_ordinary(data.decode("utf-8", "replace")))
    return total


def tokcost_local(jobs, processes=False):
    def run(root):
        from tokcost.corpus import count_corpus

        return count_corpus([root], ENCODING, jobs=jobs, processes=processes).total_tokens

    return run


def tokcost_dask(client):
    def run(root):
        from tokcost.corpus import count_corpus

        return count_corpus([root], ENCODING, dask=client).total_tokens

    return run


def measure(fn, arg, repeat):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=3000, help="small files (default 3000)")
    parser.add_argument("--large", type=int, default=3, help="large files (default 3)")
    parser.add_argument("--large-mb", type=float, default=4.0, help="size of each large file in MB (default 4)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the results and machine facts as JSON")
    args = parser.parse_args(argv)

    from test_corpus import make_corpus

    import tokcost
    from tokcost.corpus.discovery import discover

    root = Path(tempfile.mkdtemp(prefix="tokcost-bench-corpus-"))
    make_corpus(root, small=args.small, large=args.large, large_bytes=int(args.large_mb * 1e6), seed=1)
    found = discover([str(root)])
    paths = [s.path for s in found.sources]
    n_files = len(paths)
    n_bytes = sum(s.size for s in found.sources)
    tokcost.get_encoding(ENCODING)

    contenders = [
        ("tiktoken, 1 thread", lambda r: tiktoken_single_thread(paths)),
        ("tokcost local, 1 worker", tokcost_local(1)),
        ("tokcost local, 2 threads", tokcost_local(2)),
        ("tokcost local, 2 processes", tokcost_local(2, processes=True)),
    ]
    clusters = []
    startup = {}
    if not args.no_dask:
        from tokcost.corpus.dask_runner import dask_client

        for label, processes in (("2 worker processes", True), ("2 in-process workers", False)):
            start = time.perf_counter()
            cm = dask_client("local", n_workers=2, processes=processes)
            client = cm.__enter__()
            client.submit(tokcost.get_encoding, ENCODING).result()
            startup[label] = time.perf_counter() - start
            clusters.append(cm)
            contenders.append((f"Dask LocalCluster, {label}", tokcost_dask(client)))

    rows = []
    expected = None
    try:
        for name, fn in contenders:
            fn(str(root))  # warm-up: page cache, encodings, worker plugins
            seconds, total = measure(fn, str(root), args.repeat)
            if expected is None:
                expected = total
            if total != expected:
                print(f"MISMATCH: {name} counted {total}, expected {expected}", file=sys.stderr)
                return 1
            rows.append({"contender": name, "seconds": round(seconds, 4), "files_per_s": round(n_files / seconds),
                         "MB_per_s": round(n_bytes / seconds / 1e6, 1), "tokens": total})
    finally:
        for cm in clusters:
            cm.__exit__(None, None, None)

    import tiktoken

    info = {
        "corpus": {"files": n_files, "bytes": n_bytes, "small": args.small, "large": args.large,
                   "large_mb": args.large_mb},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "processor": platform.processor()},
        "versions": {"tokcost": tokcost.__version__, "tiktoken": tiktoken.__version__},
        "dask_startup_s": {k: round(v, 2) for k, v in startup.items()},
        "results": rows,
    }
    print(f"corpus: {n_files} files, {n_bytes / 1e6:.1f} MB, {expected:,} tokens ({ENCODING}); best of {args.repeat}")
    width = max(len(r["contender"]) for r in rows)
    print(f"{'contender':<{width}}  {'seconds':>8}  {'files/s':>9}  {'MB/s':>7}")
    for r in rows:
        print(f"{r['contender']:<{width}}  {r['seconds']:>8.3f}  {r['files_per_s']:>9,}  {r['MB_per_s']:>7.1f}")
    for label, seconds in startup.items():
        print(f"(LocalCluster start-up, {label}: {seconds:.1f} s, not included above)")
    if args.json:
        Path(args.json).write_text(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
