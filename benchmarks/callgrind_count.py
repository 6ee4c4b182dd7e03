"""callgrind instructions of ``tokcost count DIR``, per thread, before, during and after the counting.

    python benchmarks/callgrind_count.py /tmp/corpus                 # --jobs 1 and --jobs 2
    python benchmarks/callgrind_count.py /tmp/corpus --format json --encoding cl100k_base

Wall clock cannot show a 5% change in the serial part on a shared machine; instructions can.
Each run is one fresh ``python -m tokcost count DIR --jobs N`` under ``valgrind --tool=callgrind
--separate-threads=yes`` with ``PYTHONHASHSEED=0``. A meta-path hook (it imports nothing)
wraps ``tokcost.corpus.local.run_local`` when the CLI imports it, to dump the counters as the
counting begins and as it returns, so each thread's instructions fall in three phases: before
(interpreter, imports, the table load, and whatever another thread ran meanwhile), counting, and
after (results, the table, the interpreter's exit). callgrind runs one thread at a time, so
these are the instructions, not their overlap.

The ceiling printed for ``--jobs 2`` is Amdahl's: the ``--jobs 1`` process's instructions over
the longest path two cores could take, ``before + after + counting / 2``, where every
instruction before and after is counted as serial (the GIL and the order of the steps make
most of it so) and the counting phase's instructions of every thread as shared evenly.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PYTHON = os.path.realpath(sys.executable)  # pyenv's shim is a script valgrind cannot follow

# Run as `python -c MARK + HOOK count ...`: MARK defines `_mark(phase)`, called as the counting
# begins ("before" ends) and as it returns ("counting" ends). Shared with stamp_count.py.
MARK = r"""
import os, subprocess, sys

def _mark(tag):
    subprocess.run(["callgrind_control", "-d", tag, str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
"""

HOOK = r"""
import sys

def _patch(module):
    run_local = module.run_local
    def timed_run_local(*args, **kwargs):
        _mark("before")
        try:
            return run_local(*args, **kwargs)
        finally:
            _mark("counting")
    module.run_local = timed_run_local

class _Hook:
    def find_spec(self, name, path, target=None):
        if name != "tokcost.corpus.local":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                break
        exec_module = spec.loader.exec_module
        def patched(module):
            exec_module(module)
            _patch(module)
        spec.loader.exec_module = patched
        return spec

sys.meta_path.insert(0, _Hook())
sys.argv = ["tokcost", *sys.argv[1:]]
from tokcost.cli import run
run()
"""


def thread_phases(out: Path, tag: str) -> dict:
    """{(phase, thread): instructions} from the run's dump files."""
    phases = {}
    for path in sorted(out.glob(f"{tag}.cg*")):
        text = path.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: (.*)$", text, re.M)
        if trigger is None:  # callgrind's empty file for the process as a whole
            continue
        trigger = trigger.group(1)
        phase = "before" if "before" in trigger else "counting" if "counting" in trigger else "after"
        thread = int(re.search(r"^thread: (\d+)", text, re.M).group(1))
        total = int(re.search(r"^summary: (\d+)", text, re.M).group(1))
        phases[phase, thread] = phases.get((phase, thread), 0) + total
    return phases


def run(directory: str, jobs: int, args, out: Path) -> dict:
    tag = f"jobs{jobs}"
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out / tag}.cg",
                    PYTHON, "-c", MARK + HOOK, "count", directory, "--jobs", str(jobs), "--encoding", args.encoding,
                    "--format", args.format],
                   check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return thread_phases(out, tag)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--format", default="table")
    parser.add_argument("--out", help="keep the dumps here (default: a temporary directory)")
    args = parser.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="callgrind-count-"))
    out.mkdir(parents=True, exist_ok=True)
    totals = {}
    for jobs in (1, 2):
        phases = run(args.directory, jobs, args, out)
        totals[jobs] = phases
        print(f"--jobs {jobs}: " + ", ".join(
            f"{phase} " + " + ".join(f"t{t} {n / 1e6:.0f}M" for (p, t), n in sorted(phases.items()) if p == phase)
            for phase in ("before", "counting", "after")))
    one = sum(totals[1].values())
    two = {phase: sum(n for (p, _), n in totals[2].items() if p == phase) for phase in ("before", "counting", "after")}
    longest = two["before"] + two["after"] + two["counting"] / 2
    print(f"--jobs 1 {one / 1e6:.0f}M; --jobs 2 serial {(two['before'] + two['after']) / 1e6:.0f}M "
          f"(before {two['before'] / 1e6:.0f}M, after {two['after'] / 1e6:.0f}M), counting {two['counting'] / 1e6:.0f}M "
          f"over all threads; ceiling {one / longest:.2f}x")
    print(f"# dumps in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
