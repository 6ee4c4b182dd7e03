"""A fresh process, start to exit: import, load, one encode of ~1 KB, and the CLIs.

    python benchmarks/bench_startup.py                      # every installed contender, 7 rounds
    python benchmarks/bench_startup.py --rounds 11 --bytecode off
    python benchmarks/bench_startup.py --only tokcost tiktoken --no-cli

What a user of a script or a command line waits for once: the interpreter's
start, ``import``, loading o200k_base (tokcost from its table cache, tiktoken
from its seeded rank-file cache) and one ``encode_ordinary`` of ~1 KB of the
bundled English sample, then exit. Each command runs as a whole process,
interleaved with the others round by round (the first one rotating); its wall
time and CPU time (user + system of the process, from ``wait4``) are printed
as the median over rounds, with tiktoken's CPU time divided by the row's
(``x tiktoken``: above 1 is faster), pair by pair over the same rounds. Rows:

- ``python``: the interpreter alone (``-c pass``), what every row includes;
- ``import X``: the import alone;
- ``X load+encode 1KB``: every installed exact peer, with the load code the
  ``tokcost bench`` suite uses for it;
- ``tokcost count`` / ``ttok``: the command lines on a 1 KB file (``python -m``
  both, so neither pays a launcher; ttok only if installed: ``pip install ttok``).

``--bytecode`` says how the .py files are read: ``on`` writes and then reads
cached bytecode (into a private ``PYTHONPYCACHEPREFIX``: what an installed
package does), ``off`` sets ``PYTHONDONTWRITEBYTECODE=1``: the
standard library and installed packages read the .pyc their install wrote, and
a source tree without ``__pycache__`` (tokcost run from a checkout with that
variable set, as in CI sandboxes) compiles every module on every run; ``both`` (the default) measures the two in turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

_ENCODE = """
import sys
NAME = sys.argv[1]
{load_code}
with open(sys.argv[2], encoding="utf-8") as f:
    enc.encode_ordinary(f.read())
"""


def sample_text(scratch: Path) -> Path:
    """~1 KB of English from the bundled sample, on a line boundary."""
    from tokcost.bundled import FLORES_SAMPLE_DIR

    text = next(Path(FLORES_SAMPLE_DIR).glob("eng_*.txt")).read_text(encoding="utf-8")
    cut = text.find("\n", 1000)
    path = scratch / "english-1k.txt"
    path.write_text(text[: cut + 1 if cut > 0 else 1024], encoding="utf-8")
    return path


def commands(encoding: str, only: set, cli: bool, text: Path) -> dict:
    """Row name -> argv."""
    from tokcost.bench.contenders import load_contenders

    py = sys.executable
    rows = {"python": [py, "-c", "pass"]}
    contenders, missing = load_contenders(encoding, sorted(only) if only else None)
    for name, why in missing.items():
        print(f"# {name}: {why}", file=sys.stderr)
    for c in contenders:
        if not c.exact:
            continue
        module = c.load_code.split("import ", 1)[1].split()[0].split(".")[0] if "import " in c.load_code else None
        if c.name in ("tokcost", "tiktoken") and module:
            rows[f"import {c.name}"] = [py, "-c", f"import {module}"]
        rows[f"{c.name} load+encode 1KB"] = [py, "-c", _ENCODE.format(load_code=c.load_code), encoding, str(text)]
    if cli and encoding == "o200k_base":
        rows["tokcost count FILE"] = [py, "-m", "tokcost", "count", str(text)]
        rows["tokcost --help"] = [py, "-m", "tokcost", "--help"]
        try:
            import ttok  # noqa: F401

            rows["ttok -m gpt-4o -i FILE"] = [py, "-m", "ttok", "-m", "gpt-4o", "-i", str(text)]
        except ImportError:
            print("# ttok: not installed (pip install ttok)", file=sys.stderr)
    return rows


def run_once(argv: list, env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({proc.returncode}): {err.splitlines()[-1:] if err else ''}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(rows: dict, env: dict, rounds: int) -> dict:
    """{row: [(wall, cpu) per round]}, one warm-up round first (caches, bytecode), interleaved."""
    names = list(rows)
    for name in names:
        run_once(rows[name], env)
    samples: dict = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(run_once(rows[name], env))
    return samples


def report(samples: dict, title: str) -> None:
    base = "tiktoken load+encode 1KB"
    print(f"\n{title} (load average {os.getloadavg()[0]:.1f} after; median of {len(next(iter(samples.values())))} rounds)")
    print(f"{'row':30s} {'wall ms':>8s} {'cpu ms':>8s} {'x tiktoken':>11s}")
    for name, s in samples.items():
        wall = statistics.median(w for w, _ in s) * 1e3
        cpu = statistics.median(c for _, c in s) * 1e3
        ratio = ""
        if base in samples and name.endswith("1KB"):
            # pair by pair, so drift in machine speed cancels
            ratio = f"{statistics.median(b[1] / c for (_, c), b in zip(s, samples[base])):.2f}"
        print(f"{name:30s} {wall:8.1f} {cpu:8.1f} {ratio:>11s}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--only", nargs="*", default=[], help="contender names (default: every installed one)")
    parser.add_argument("--no-cli", action="store_true", help="leave out the command-line rows")
    parser.add_argument("--bytecode", choices=("on", "off", "both"), default="both")
    args = parser.parse_args(argv)
    from tokcost.testing import seed_tiktoken_cache

    with tempfile.TemporaryDirectory(prefix="tokcost-bench-startup-") as scratch:
        seed_tiktoken_cache(Path(scratch, "tiktoken-cache"))  # sets TIKTOKEN_CACHE_DIR, which children inherit
        rows = commands(args.encoding, set(args.only), not args.no_cli, sample_text(Path(scratch)))
        env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        modes = ("on", "off") if args.bytecode == "both" else (args.bytecode,)
        for mode in modes:
            mode_env = dict(env)
            if mode == "on":
                mode_env.pop("PYTHONDONTWRITEBYTECODE", None)
                mode_env["PYTHONPYCACHEPREFIX"] = str(Path(scratch, "pycache"))
            else:
                mode_env["PYTHONDONTWRITEBYTECODE"] = "1"
                mode_env.pop("PYTHONPYCACHEPREFIX", None)
            report(measure(rows, mode_env, args.rounds), f"bytecode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
