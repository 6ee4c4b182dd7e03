"""Two threads against one: batch ratios of tokcost and every installed peer, interleaved.

    python benchmarks/bench_threads.py                # 500 chat texts, 2,000 ~1 KB docs, one 1 MB doc, 1 MB + 200 docs
    python benchmarks/bench_threads.py --rounds 41 --only tokcost,toktok-rs
    sudo chrt -f 10 python benchmarks/bench_threads.py   # real-time priority: other jobs cannot take the cores
    python benchmarks/bench_threads.py --count-dir DIR   # also `tokcost count DIR`, --jobs 1 against --jobs 2
    python benchmarks/bench_threads.py --dask-dir DIR    # also count_corpus on a LocalCluster of 1 and 2 workers
    SRC=/other/checkout/src python benchmarks/bench_threads.py   # another build, e.g. main's, for before/after

For each workload, contender and operation it times the call on 1 and 2 threads, the two
interleaved (1, 2, 2, 1, ...) round by round, and prints the median seconds, MB/s and the
ratio of the medians. Each round makes ``--calls`` calls back to back, as a program that
counts a corpus batch after batch would. Every contender's counts are checked against
tiktoken's first. ``--count-dir`` also runs the whole command ``tokcost count DIR`` (a fresh
process: start-up, listing, counting, the table) with --jobs 1 and --jobs 2, interleaved. ``--dask-dir`` times ``count_corpus(DIR, dask=client)`` on two LocalClusters of
worker processes (1 and 2 workers, one thread each), started before the timing, each warmed by one
run, then interleaved round by round. Before timing, the script prints the load average: ratios of two threads
mean something only when two cores are free (load average well under 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src"))

from tokcost.bench.contenders import check_ids, load_contenders  # noqa: E402
from tokcost.bench.workloads import Plan, chat_workload, text_workloads  # noqa: E402


def documents(count: int, size: int = 1000) -> list:
    """~1 KB documents cut from the bench's English, code and every-language workloads (also used by
    bench_flat_batch.py)."""
    texts = []
    workloads = text_workloads(Plan(slice_bytes=count * size))
    for workload in workloads:
        if not workload.name.startswith(("english", "code", "flores-mix")):
            continue
        text = workload.items(1)[0][0]
        texts += [text[i:i + size] for i in range(0, len(text), size)]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def _time(fn, texts, threads: int, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(texts, threads)
    return (time.perf_counter() - start) / calls


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=10, help="calls per round, back to back")
    parser.add_argument("--only", default="", help="comma-separated contender names")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--count-dir", metavar="DIR", help="also time `tokcost count DIR` end to end")
    parser.add_argument("--dask-dir", metavar="DIR", help="also time count_corpus(DIR) on 1 and 2 Dask workers")
    parser.add_argument("--skip-batches", action="store_true", help="only the --count-dir/--dask-dir timings")
    args = parser.parse_args(argv)
    if not args.skip_batches:
        _batches(args)
    if args.count_dir:
        _count_cli(args.count_dir, args.rounds, args.encoding)
    if args.dask_dir:
        _dask(args.dask_dir, args.rounds, args.encoding)
    print(f"# load average after {os.getloadavg()[0]:.2f}")
    return 0


def _count_cli(directory: str, rounds: int, encoding: str) -> None:
    src = os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    times = {1: [], 2: []}
    for r in range(rounds):
        for jobs in ((1, 2) if r % 2 else (2, 1)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tokcost", "count", directory, "--jobs", str(jobs),
                            "--encoding", encoding], env=env, check=False, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times[jobs].append(time.perf_counter() - start)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"# load average {os.getloadavg()[0]:.2f}; tokcost count {directory}, median of {rounds}")
    print(f"tokcost count --jobs 1 {one:.3f}s --jobs 2 {two:.3f}s ratio {one / two:.2f}")


def _dask(directory: str, rounds: int, encoding: str) -> None:
    from tokcost.corpus import count_corpus
    from tokcost.corpus.dask_runner import dask_client

    clusters = {n: dask_client("local", n_workers=n, processes=True) for n in (1, 2)}
    clients = {n: cluster.__enter__() for n, cluster in clusters.items()}
    try:
        totals = {count_corpus([directory], encoding, dask=clients[n]).total_tokens for n in (1, 2)}
        times = {1: [], 2: []}
        for r in range(rounds):
            for n in ((1, 2) if r % 2 else (2, 1)):
                start = time.perf_counter()
                totals.add(count_corpus([directory], encoding, dask=clients[n]).total_tokens)
                times[n].append(time.perf_counter() - start)
    finally:
        for cluster in clusters.values():
            cluster.__exit__(None, None, None)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    same = "the same total" if len(totals) == 1 else f"TOTALS DIFFER: {sorted(totals)}"
    print(f"# load average {os.getloadavg()[0]:.2f}; count_corpus({directory}) on Dask, median of {rounds}, {same}")
    print(f"dask 1 worker {one:.3f}s 2 workers {two:.3f}s ratio {one / two:.2f}")


def _batches(args) -> None:
    only = [n for n in args.only.split(",") if n] or None
    contenders, missing = load_contenders(args.encoding, only)
    contenders = [c for c in contenders if c.exact]
    contenders, excluded = check_ids(contenders)
    for name, why in list(missing.items()) + list(excluded.items()):
        print(f"# left out {name}: {why}")
    docs = documents(2000)
    long_doc = "".join(documents(1000, 1000))  # 1 MB: English, code and every language
    workloads = {
        f"{Plan.quick().chat_batch} chat texts": chat_workload(Plan.quick()).items(1)[0][0],
        "2,000 ~1 KB docs": docs,
        "one 1 MB doc": [long_doc],
        "1 MB + 200 ~1 KB": [long_doc] + docs[:200],
    }
    # A long text of a batch is cut over the threads as one long text of a call is (text_threads):
    # the contender's set-up turns that off for the suites, which compare one thread with one.
    import tokcost
    tokcost.text_threads(True)
    print(f"# load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; "
          f"{args.rounds} rounds x {args.calls} calls, 1 and 2 threads interleaved")
    print(f"{'workload':<18} {'op':<13} {'contender':<12} {'1 thread':>9} {'2 threads':>10} {'MB/s 2t':>8} {'ratio':>6}")
    for label, texts in workloads.items():
        nbytes = sum(len(t.encode("utf-8")) for t in texts)
        reference = None
        for op in ("encode_batch", "count_batch"):
            for c in contenders:
                fn = getattr(c, op)
                try:
                    counts = c.batch_counts(fn(texts, 2)) if op == "encode_batch" else list(fn(texts, 2))
                except Exception as exc:  # bpe-openai refuses a text of more than 200,000 tokens
                    print(f"{label:<18} {op:<13} {c.name:<12} refused: {type(exc).__name__}: {str(exc)[:60]}")
                    continue
                reference = reference or counts
                if counts != reference:
                    print(f"{label:<18} {op:<13} {c.name:<12} counts differ from the first contender's: skipped")
                    continue
                times = {1: [], 2: []}
                calls = max(1, min(args.calls, round(args.calls * 200_000 / nbytes)))  # a 1 MB batch: 2 calls
                for r in range(args.rounds):
                    for threads in ((1, 2) if r % 2 else (2, 1)):
                        times[threads].append(_time(fn, texts, threads, calls))
                one, two = statistics.median(times[1]), statistics.median(times[2])
                print(f"{label:<18} {op:<13} {c.name:<12} {one * 1e3:8.3f}ms {two * 1e3:9.3f}ms "
                      f"{nbytes / two / 1e6:8.1f} {one / two:6.2f}")


if __name__ == "__main__":
    sys.exit(main())
