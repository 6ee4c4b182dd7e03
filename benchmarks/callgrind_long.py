"""callgrind instructions per byte of ``encode_ordinary`` on one long piece, per case.

    PYTHONPATH=src python benchmarks/callgrind_long.py                     # every case, o200k_base
    PYTHONPATH=src python benchmarks/callgrind_long.py letters base64 --encoding cl100k_base

Each case (``bench_long_pieces.py``'s texts, fixed seeds) runs in its own process under callgrind
with ``PYTHONHASHSEED=0``: the process encodes a 256 KB warm-up of random letters (which builds or
reads the long-piece tables), zeroes the counters (``callgrind_control -z``), encodes the measured
text once (1 MB unless ``--size``) and dumps; the figure is that dump's instructions, less what an
empty dump costs, over the text's UTF-8 bytes. The random cases get a text of their own (seed 15),
not the warm-up's, so the whole-piece cache never answers. The process searches each piece as one
chain (``long_piece_threads`` off): callgrind runs one thread at a time, so with two chains the
point where they meet, and with it the count, would move from run to run; ``--two-threads`` counts
the library's default anyway (both threads' instructions).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = ("letters", "Aa", "base64", "digits", "punct", "cjk", "thai", "a", "space", "newline", "7", "!", "中", "😀")
PYTHON = os.path.realpath(sys.executable)   # valgrind cannot follow pyenv's shell shim

CHILD = r"""
import base64, os, random, subprocess, sys
import tokcost
case, encoding, size = sys.argv[2], sys.argv[3], int(sys.argv[4])
if sys.argv[5] == "one-chain" and hasattr(tokcost._core, "long_piece_threads"):
    tokcost._core.long_piece_threads(False)
enc = tokcost.get_encoding(encoding)
lower = "abcdefghijklmnopqrstuvwxyz"
enc.encode_ordinary("".join(random.Random(1).choices(lower, k=1 << 18)))
rnd = random.Random(15)
if case == "letters":
    text = "".join(rnd.choices(lower, k=size))
elif case == "Aa":
    text = "".join(rnd.choices(lower + lower.upper(), k=size))
elif case == "base64":
    text = base64.b64encode(rnd.randbytes(size * 3 // 4)).decode()
elif case == "digits":
    text = "".join(rnd.choices("0123456789", k=size))
elif case == "punct":
    text = "".join(rnd.choices("!#$%&*+-./:;<=>?@^_|~", k=size))
elif case == "cjk":
    text = "".join(chr(rnd.randrange(0x4E00, 0x9FA6)) for _ in range(size // 3))
elif case == "thai":
    text = "".join(chr(rnd.randrange(0x0E01, 0x0E2F)) for _ in range(size // 3))
else:
    unit = {"space": " ", "newline": "\n"}.get(case, case)
    text = unit * (size // len(unit.encode()))
if hasattr(tokcost._core, "wait_ints_populated"):
    # A process's second list starts the thread that faults in the int block (pyints.h), and until
    # it is done lists take the young ints' slower path: without this the measured call was that
    # second list, on one path or the other by the race (254.4 or 257.3 a byte, random letters).
    enc.encode_ordinary("hello world")
    tokcost._core.wait_ints_populated()
pid = str(os.getpid())
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
if sys.argv[1] == "measure":
    enc.encode_ordinary(text)
subprocess.run(["callgrind_control", "-d", "piece", pid], check=True, stdout=subprocess.DEVNULL)
print(len(text.encode()))
"""


# --sim: callgrind's cache model (L1 32 KB, last level 512 KB: this VM's per-core L2) and branch predictor.
SIM = ["--cache-sim=yes", "--D1=32768,8,64", "--LL=524288,8,64", "--branch-sim=yes"]


def dumped(mode: str, case: str, encoding: str, size: int, out: Path, tag: str, sim: bool = False,
           two_threads: bool = False) -> tuple[list, int]:
    """Run the child under callgrind: (the events of its dump, bytes measured)."""
    base = out / f"{tag}.cg"
    env = dict(os.environ, PYTHONHASHSEED="0")
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={base}", "--compress-strings=no",
                          "--compress-pos=no", *(SIM if sim else []), PYTHON, "-c", CHILD, mode, case, encoding,
                          str(size), "two-threads" if two_threads else "one-chain"], check=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    dump = next(p for p in sorted(out.glob(f"{tag}.cg.*")))
    text = dump.read_text()
    names = re.search(r"^events: (.*)$", text, re.M).group(1).split()
    values = [int(x) for x in re.search(r"^summary: (.*)$", text, re.M).group(1).split()]
    return dict(zip(names, values)), int(run.stdout.split()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--sim", action="store_true", help="also count simulated cache misses and mispredicted branches")
    parser.add_argument("--two-threads", action="store_true",
                        help="leave long_piece_threads on (the default of tokcost): counts then vary by run")
    parser.add_argument("--out", type=Path, default=None, help="directory for the dumps (default: a temp dir)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="callgrind-long-"))
    out.mkdir(parents=True, exist_ok=True)
    empty, _ = dumped("empty", "a", args.encoding, args.size, out, "empty", args.sim, args.two_threads)
    print(f"# {args.encoding}; an empty dump costs {empty['Ir']:,} instructions; dumps in {out}")
    for i, case in enumerate(args.cases):
        got, nbytes = dumped("measure", case, args.encoding, args.size, out, f"case{i}", args.sim, args.two_threads)
        total = got["Ir"] - empty["Ir"]
        line = f"{case!r:10} {nbytes:9,} bytes {total:14,} instructions {total / nbytes:7.1f} per byte"
        if args.sim:   # per byte: L1 data misses, last-level data misses, mispredicted branches
            per = {k: (got[k] - empty[k]) / nbytes for k in got}
            line += (f"  D1 misses {per['D1mr'] + per['D1mw']:.2f}  LL misses {per['DLmr'] + per['DLmw']:.2f}"
                     f"  mispredicts {per['Bcm'] + per['Bim']:.2f} per byte")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
