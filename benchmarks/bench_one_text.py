"""One long text, one call: tokcost cutting it over two threads (``text_threads``, its default)
against tokcost on one thread and every installed exact peer, on text never seen before.

    python benchmarks/bench_one_text.py                         # 1 MB chunks, 9 rounds
    python benchmarks/bench_one_text.py --size 262144 --rounds 15 --only tokcost,tiktoken,gigatoken
    sudo chrt -f 10 python benchmarks/bench_one_text.py         # real-time priority, as bench_threads.py

The system suite's corpora (man pages, the standard library, gettext catalogs: ``tokcost bench
--suite system``): English, code and the mix of every language with catalogs are cut into chunks
of ``--size`` bytes, a fresh chunk for every call, the contenders interleaved round by round
(the first one rotating), every result checked against tiktoken's ids first. Prints each
corpus's median MB/s per contender and the ratio to tiktoken in the same rounds. The suite
itself times tokcost with ``text_threads`` off, so that every row there is one thread against
one; this script is where the second thread of one call is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC") or str(Path(__file__).resolve().parents[1] / "src"))

import tokcost  # noqa: E402
from tokcost.bench.contenders import check_ids, load_contenders, one_thread_per_text  # noqa: E402
from tokcost.bench.system_corpora import system_corpora  # noqa: E402
from tokcost.bench.workloads import chunk_lines  # noqa: E402

CORPORA = ("english", "code", "mixed")


def _rounds(rounds: int, runners: list, texts: list, seconds: dict, tokcost_contender) -> None:
    """Each runner on a fresh text per round, the order rotating; seconds per byte into ``seconds``."""
    for r in range(rounds):
        order = runners[r % len(runners):] + runners[:r % len(runners)]
        for name, runner in order:
            text = texts.pop()
            if seconds[name] is None:
                continue
            tokcost.text_threads(runner is True)  # only tokcost reads it
            encode = tokcost_contender.encode if runner is True else runner.encode
            start = time.perf_counter()
            try:
                encode(text)
            except Exception as exc:  # bpe-openai refuses texts it thinks too long
                print(f"  {name}: {type(exc).__name__}: {exc}; left out")
                seconds[name] = None
                continue
            seconds[name].append((time.perf_counter() - start) / len(text.encode()))

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--only", default="", help="comma-separated contender names")
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args(argv)
    only = {n for n in args.only.split(",") if n}
    loaded, _ = load_contenders(args.encoding)
    contenders, differ = check_ids([c for c in loaded if c.exact and (not only or c.name in only or c.name == "tiktoken")])
    for name, text in differ.items():
        print(f"{name}: ids differ from tiktoken's (on {text[:40]!r}...); left out")
    runners = [("tokcost, 2 threads", True)] + [(c.name if c.name != "tokcost" else "tokcost, 1 thread", c)
                                                 for c in contenders]
    tokcost_contender = next(c for c in contenders if c.name == "tokcost")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.2f}, "
          f"{args.encoding}, chunks of {args.size:,} bytes, {args.rounds} rounds")
    for corpus in [c for c in system_corpora() if c.name in CORPORA and not c.absent]:
        wanted = args.rounds * len(runners)
        texts, fresh = chunk_lines(corpus.units(args.size * wanted * 5 // 4), wanted, args.size)
        if not fresh:
            print(f"{corpus.name}: fewer than {wanted} chunks of {args.size:,} bytes; skipped")
            continue
        seconds = {name: [] for name, _ in runners}
        with one_thread_per_text():  # restores the setting after the rounds
            _rounds(args.rounds, runners, texts, seconds, tokcost_contender)
        base = statistics.median(seconds["tiktoken"])
        print(f"\n{corpus.name}")
        timed = {name: values for name, values in seconds.items() if values}
        for name, values in sorted(timed.items(), key=lambda kv: statistics.median(kv[1])):
            per_byte = statistics.median(values)
            print(f"  {name:22} {1e-6 / per_byte:8.1f} MB/s  {base / per_byte:6.2f}x tiktoken")
    return 0


if __name__ == "__main__":
    sys.exit(main())
