"""callgrind instructions of the batch calls, per thread and phase, and the two-thread ceiling they give.

    python benchmarks/callgrind_batches.py                        # chat and documents, every op
    python benchmarks/callgrind_batches.py --ops count_batch --workloads chat
    python benchmarks/callgrind_batches.py --out DIR --reparse    # read the dumps of an earlier run again

The batches are ``bench_threads.py``'s: 500 chat texts and 2,000 ~1 KB documents. Each (workload,
op, threads) runs in its own process under ``valgrind --tool=callgrind --separate-threads=yes`` with
``PYTHONHASHSEED=0``: three warm calls on that many threads, then the counters are zeroed and
``--calls`` calls made back to back, each result dropped at once as the bench drops it (so the
freeing of the lists falls in the calling thread's serial part, as it does there).

With two threads, callgrind dumps the calling thread's counters as the pool's round opens (after
``tc_workers_start``) and as ``tc_workers_finish`` returns (a dump a function sets off writes the
counters of the thread that called it). So the calling thread's instructions fall in three
phases: *serial* (from the finish to the next round's start: the lists of chunks done after the
caller's last one, the result, freeing it, the next call's set-up), *round* (its own chunks and
the lists it builds between them, which overlap the worker's encoding) and *wait* (polling for
the worker to leave, inside ``tc_workers_finish``: not work). A worker's work is its instructions
inside ``tc_batch_step`` (from the final dump); the rest is polling for rounds. callgrind runs one
thread at a time, so these are instructions, not their overlap.

The ceiling is Amdahl's: the one-thread call's instructions T over ``serial + (T - serial) / 2``,
everything but the calling thread's serial stretch shared evenly (the shared chunk counter allows
it). The second figure uses this run's own two-thread parts, ``serial + (round + worker) / 2``: under
callgrind one thread runs at a time, so the worker takes most chunks, and the caller meets pieces
its caches have not learnt when it takes one (the batch repeats, each thread learns only what it
encodes), so that total runs above one thread's. The serial stretch is also split into CPython
freeing the last call's result (``list_dealloc``, which the bench, dropping each result at once,
pays on the calling thread) and the rest.
The one-thread figure is per call, less what an empty zero-and-dump costs the calling thread (its
own ``subprocess`` call, measured first); the serial part is the median stretch between two rounds
(one call's end and the next one's start), the other parts per call.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PYTHON = os.path.realpath(sys.executable)  # pyenv's shim is a script valgrind cannot follow
ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, pickle, subprocess, sys
import tokcost
workload, op, threads, calls, texts_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
with open(texts_path, "rb") as f:
    texts = pickle.load(f)
enc = tokcost.get_encoding(sys.argv[6])
fn = getattr(enc, op if op != "empty" else "count_batch")
for _ in range(3):
    fn(texts, num_threads=threads)
pid = str(os.getpid())
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
for _ in range(calls if op != "empty" else 0):
    fn(texts, num_threads=threads)
subprocess.run(["callgrind_control", "-d", "end", pid], check=True, stdout=subprocess.DEVNULL)
"""

CALLER_THREAD = 1


def _texts(workload: str) -> list:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "src"))
    from bench_threads import documents
    from tokcost.bench.workloads import Plan, chat_workload

    return chat_workload(Plan.quick()).items(1)[0][0] if workload == "chat" else documents(2000)


def _inclusive(path: Path, function: str) -> int:
    """Inclusive instructions of ``function`` in one dump file (0 when absent)."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(path)],
                         capture_output=True, text=True, check=False).stdout
    total = 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*:(\S+)", line)
        if m and m.group(2).split(".")[0] == function:
            total = max(total, int(m.group(1).replace(",", "")))
    return total


def _dumps(out: Path, tag: str, skip: int) -> list:
    """(trigger, thread, instructions, path) of each dump file of the run after the first ``skip``
    (the warm calls' phase dumps), without the one at the program's end."""
    rows = []
    for path in sorted(out.glob(f"{tag}.cg.*")):
        sequence = int(re.match(r".*\.cg\.(\d+)-\d+$", str(path)).group(1))
        text = path.read_text(errors="replace")
        if sequence <= skip:
            continue
        trigger = re.search(r"^desc: Trigger: (.*)$", text, re.M).group(1)
        thread = int(re.search(r"^thread: (\d+)", text, re.M).group(1))
        total = int(re.search(r"^summary: (\d+)", text, re.M).group(1))
        rows.append((trigger, thread, total, path))
    return rows


def run(workload: str, op: str, threads: int, args, out: Path, texts_path: Path) -> dict:
    tag = f"{workload}-{op}-{threads}"
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(ROOT / "src"))
    # A dump triggered by a function writes the counters of the thread that called it.
    phases = ["--dump-after=tc_workers_start*", "--dump-after=tc_workers_finish"]
    if not (args.reparse and list(out.glob(f"{tag}.cg.*"))):
        subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out / tag}.cg",
                        *(phases if threads > 1 else []),
                        PYTHON, "-c", CHILD, workload, op, str(threads), str(args.calls), str(texts_path), args.encoding],
                       check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = {"serial": [], "freeing": [], "round": 0, "wait": 0, "worker": 0, "end": 0}
    warm_dumps = 3 * len(phases) if threads > 1 and op != "empty" else 0
    for trigger, thread, total, path in _dumps(out, tag, warm_dumps):
        if thread != CALLER_THREAD:
            parts["worker"] += _inclusive(path, "tc_batch_step") if total else 0  # the rest is polling
        elif "tc_workers_finish" in trigger:
            wait = _inclusive(path, "tc_workers_finish")
            parts["wait"] += wait
            parts["round"] += total - wait
        elif "tc_workers_start" in trigger:
            parts["serial"].append(total)  # from the last round's end to this one's start
            parts["freeing"].append(_inclusive(path, "list_dealloc"))
        else:
            parts["end"] += total  # from the last round's end (or the zeroing) to the final dump
    return parts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="chat,docs")
    parser.add_argument("--ops", default="encode_batch,encode_ordinary_batch,count_batch")
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--out", help="keep the dumps here (default: a temporary directory)")
    parser.add_argument("--reparse", action="store_true", help="read the dumps already in --out instead of running")
    args = parser.parse_args(argv)
    import pickle

    out = Path(args.out or tempfile.mkdtemp(prefix="callgrind-batches-"))
    out.mkdir(parents=True, exist_ok=True)
    for workload in args.workloads.split(","):
        texts_path = out / f"{workload}.pickle"
        if not (args.reparse and texts_path.exists()):
            texts_path.write_bytes(pickle.dumps(_texts(workload)))
        empty = run(workload, "empty", 1, args, out, texts_path)["end"]
        for op in args.ops.split(","):
            one = (run(workload, op, 1, args, out, texts_path)["end"] - empty) / args.calls
            two = run(workload, op, 2, args, out, texts_path)
            # Between two rounds: the end of one call and the start of the next. The first such
            # stretch holds the zeroing and the last the final dump, so the ones between are used.
            serial = statistics.median(two["serial"][1:] or two["serial"])
            freeing = statistics.median(two["freeing"][1:] or two["freeing"])
            round_, worker, wait = two["round"] / args.calls, two["worker"] / args.calls, two["wait"] / args.calls
            measured = one / (serial + (round_ + worker) / 2)
            ideal = one / (serial + (one - serial) / 2)
            print(f"{workload:<5} {op:<22} 1 thread {one / 1e6:7.3f}M | 2 threads: caller serial {serial / 1e6:6.3f}M "
                  f"(freeing the last result {freeing / 1e6:6.3f}M, the rest {(serial - freeing) / 1e6:6.3f}M), "
                  f"round {round_ / 1e6:6.3f}M (wait {wait / 1e6:5.3f}M), worker {worker / 1e6:6.3f}M | "
                  f"serial {serial / one:5.1%}; ceiling {ideal:4.2f}x ({measured:4.2f}x with this run's split)", flush=True)
    print(f"# dumps in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
