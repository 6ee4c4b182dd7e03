"""Wall clock of ``tokcost count DIR`` by phase: the interpreter's start, the imports and the load,
the counting, and what follows it, for ``--jobs 1`` and ``--jobs 2``.

    python benchmarks/stamp_count.py /tmp/corpus                # 11 rounds, the two alternating
    python benchmarks/stamp_count.py /tmp/corpus --rounds 21 --python /path/to/venv/bin/python

callgrind_count.py counts each phase's instructions, which says what could run in parallel; this
says where a process's wall time goes. Each run is one fresh ``python -c HOOK count DIR --jobs N``
with bytecode cached in a private ``PYTHONPYCACHEPREFIX`` (as an installed package has it), the
hook of callgrind_count.py stamping the wall clock instead of dumping counters: ``main`` (the
interpreter and ``site`` are done; the hook starts), ``counting`` (``run_local`` is called:
imports done, the load started), ``counted`` (it returns), ``exit`` (the parent sees the process
end). Every stamp is milliseconds from the parent's spawn; medians over the rounds.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from callgrind_count import HOOK

MARK = r"""
import os, time

_T0 = float(os.environ["STAMP_T0"])
_stamps = {"main": time.time() - _T0}

def _mark(tag):
    _stamps["counting" if tag == "before" else "counted"] = time.time() - _T0

import atexit
atexit.register(lambda: os.write(int(os.environ["STAMP_FD"]), repr(_stamps).encode()))
"""

PHASES = ("main", "counting", "counted", "exit")


def stamp(python: str, directory: str, jobs: int, env: dict) -> dict:
    read_end, write_end = os.pipe()
    start = time.time()
    process = subprocess.Popen([python, "-c", MARK + HOOK, "count", directory, "--jobs", str(jobs)],
                               env=dict(env, STAMP_T0=repr(start), STAMP_FD=str(write_end)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    process.wait()
    stamps = {"exit": time.time() - start}
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        stamps.update(ast.literal_eval(pipe.read() or "{}"))
    return stamps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"),
               PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="stamp-count-pyc-"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    stamp(args.python, args.directory, 2, env)  # writes the bytecode
    runs = {1: [], 2: []}
    for r in range(args.rounds):
        for jobs in ((1, 2) if r % 2 else (2, 1)):
            runs[jobs].append(stamp(args.python, args.directory, jobs, env))
    print(f"{args.rounds} rounds, load average {os.getloadavg()[0]:.2f} at the end; ms from spawn, medians")
    for jobs, stamps in runs.items():
        med = {p: 1e3 * statistics.median(s[p] for s in stamps) for p in PHASES if all(p in s for s in stamps)}
        phases = "  ".join(f"{p} {v:.0f}" for p, v in med.items())
        counting = med.get("counted", 0) - med.get("counting", 0)
        print(f"--jobs {jobs}: {phases}  (counting {counting:.0f}, after it {med['exit'] - med.get('counted', 0):.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
