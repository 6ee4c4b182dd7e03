"""What a process's first call costs tokcost: CPU time, page faults and huge pages, per corpus.

    python benchmarks/bench_first_call_costs.py                       # 20 children per corpus
    python benchmarks/bench_first_call_costs.py --children 40 chinese thai
    python benchmarks/bench_first_call_costs.py --against /path/to/other/src   # A/B two trees

As ``tokcost bench --suite system --only first-call`` does, one process loads
o200k_base and forks a child per measurement, which encodes a text it never saw
(the suite's first-call text of each corpus, quick sizes) once. Each child
reports its call's wall and process CPU time, its minor page faults and the
transparent huge pages the kernel allocated meanwhile (``thp_fault_alloc`` in
``/proc/vmstat``: machine-wide, so exact only on an otherwise quiet machine).
Printed per corpus: the median and the maximum. With ``--against``, a second
source tree (its ``src`` directory, with its native module built) runs in
alternating rounds, for before/after figures under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import gc, json, os, resource, sys, time
import tokcost
enc = tokcost.get_encoding("o200k_base")

def thp():
    try:
        with open("/proc/vmstat") as f:
            for line in f:
                if line.startswith("thp_fault_alloc "):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

runs, paths = int(sys.argv[1]), sys.argv[2:]
texts = {p: open(p, encoding="utf-8").read() for p in paths}
for _ in range(runs):
    for path, text in texts.items():
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            gc.collect()
            gc.disable()
            t0, r0 = thp(), resource.getrusage(resource.RUSAGE_SELF)
            c0, w0 = time.process_time(), time.perf_counter()
            enc.encode_ordinary(text)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            r1, t1 = resource.getrusage(resource.RUSAGE_SELF), thp()
            os.write(write_end, json.dumps([path, wall, cpu, r1.ru_minflt - r0.ru_minflt, t1 - t0]).encode())
            os._exit(0)
        os.close(write_end)
        data = os.read(read_end, 4096)
        os.close(read_end)
        os.waitpid(pid, 0)
        print(data.decode(), flush=True)
"""


def corpus_texts(names, scratch: Path) -> dict:
    from tokcost.bench.system import SystemPlan, present_corpora

    corpora, missing = present_corpora(SystemPlan.quick())
    for name, why in missing.items():
        print(f"# {name}: {why}", file=sys.stderr)
    paths = {}
    for c in corpora:
        if not names or c.corpus.name in names:
            paths[c.corpus.name] = scratch / f"{c.corpus.name}.txt"
            paths[c.corpus.name].write_text(c.pieces.repeated, encoding="utf-8")
    return paths


def run_tree(src: str, paths: dict, runs: int) -> list:
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, "-c", CHILD, str(runs), *map(str, paths.values())],
                         env=env, capture_output=True, text=True, check=True).stdout
    by_path = {str(p): name for name, p in paths.items()}
    return [(by_path[r[0]], *r[1:]) for r in map(json.loads, out.splitlines())]


def summary(records: list) -> str:
    def med_max(i, scale=1.0):
        values = [r[i] * scale for r in records]
        return f"{statistics.median(values):7.2f} {max(values):7.2f}"
    return (f"wall {med_max(1, 1e3)}  cpu {med_max(2, 1e3)} ms  "
            f"minflt {statistics.median(r[3] for r in records):5.0f}  thp {statistics.median(r[4] for r in records):3.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help="corpus names (default: every corpus of the system suite)")
    parser.add_argument("--children", type=int, default=20, help="forked first calls per corpus and tree")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (with --against)")
    parser.add_argument("--against", help="another tree's src directory, measured in alternating rounds")
    args = parser.parse_args(argv)
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this": here} if not args.against else {"this": here, "other": args.against}
    rounds = args.rounds if args.against else 1
    with tempfile.TemporaryDirectory(prefix="tokcost-first-call-costs-") as scratch:
        paths = corpus_texts(set(args.corpora), Path(scratch))
        records: dict = {name: [] for name in trees}
        for _ in range(rounds):
            for name, src in trees.items():
                records[name] += run_tree(src, paths, max(1, args.children // rounds))
    print(f"# load average {os.getloadavg()[0]:.1f}; median and max of each figure")
    for corpus in paths:
        for name in trees:
            print(f"{corpus:10s} {name:6s} {summary([r for r in records[name] if r[0] == corpus])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
