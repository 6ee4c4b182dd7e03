"""A/B of two builds of tokcost on fresh long pieces: thread CPU time per 1 MB piece.

    python benchmarks/ab_long.py A_TREE B_TREE [--rounds 7] [--encoding o200k_base] [--only letters,punct]

Each tree is a checkout with its extension built in place. Every round runs one child process
per tree, alternating which goes first, under ``chrt -f 10`` when this user may (root here). A
child loads the encoding, encodes a 256 KB warm-up of random letters (which builds or reads the
long-piece tables), then, per case, encodes two fresh texts of the round (a new seed each round,
so the whole-piece cache never answers) and keeps the lower thread CPU time of the two. The
parent checks that both trees gave the same ids and prints the median milliseconds per MB of each
tree and B/A of the medians (below 1: B is faster). Thread CPU time, not wall clock, so the other
processes of this 2-core machine count less; code layout alone still moves it 2-3%. Each piece is
searched as one chain (``long_piece_threads`` off), since the calling thread's CPU time would
leave out the half a pool worker searches; ``--two-threads`` keeps tokcost's default and times
wall clock instead.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

LOWER = "abcdefghijklmnopqrstuvwxyz"
CASES = {   # the cases of callgrind_long.py that reach the long-piece encoder (and base64, Aa)
    "letters": lambda rnd, n: "".join(rnd.choices(LOWER, k=n)),
    "Aa": lambda rnd, n: "".join(rnd.choices(LOWER + LOWER.upper(), k=n)),
    "base64": lambda rnd, n: base64.b64encode(rnd.randbytes(n * 3 // 4)).decode(),
    "punct": lambda rnd, n: "".join(rnd.choices("!#$%&*+-./:;<=>?@^_|~", k=n)),
    "cjk": lambda rnd, n: "".join(chr(rnd.randrange(0x4E00, 0x9FA6)) for _ in range(n // 3)),
    "thai": lambda rnd, n: "".join(chr(rnd.randrange(0x0E01, 0x0E2F)) for _ in range(n // 3)),
}


def child(encoding: str, cases: list[str], r: int, size: int, two_threads: bool) -> None:
    import tokcost

    if not two_threads and hasattr(tokcost._core, "long_piece_threads"):
        tokcost._core.long_piece_threads(False)   # thread CPU time would miss the worker's half
    clock = time.perf_counter if two_threads else time.thread_time
    enc = tokcost.get_encoding(encoding)
    enc.encode_ordinary("".join(random.Random(1).choices(LOWER, k=1 << 18)))
    out = {"tokcost": tokcost.__file__}
    for case in cases:
        best, digests = None, []
        for i in range(2):
            text = CASES[case](random.Random(1000 * r + i + 7), size)
            t0 = clock()
            ids = enc.encode_ordinary(text)
            dt = clock() - t0
            best = dt if best is None else min(best, dt)
            digests.append(hashlib.sha256(repr(ids).encode()).hexdigest()[:16])
        out[case] = (best * 1e3 * (1 << 20) / size, "".join(digests))
    print(json.dumps(out))


def alternate_trees(script: str, a: Path, b: Path, rounds: int, child_args, chrt: list):
    """Per round r, one child process of ``script`` per tree, A first in even rounds: yields (r, {"a":
    its JSON, "b": its JSON}), having checked that each child imported its own tree's tokcost.
    ``child_args(r)``: the child's arguments after ``--child`` (the trees follow them)."""
    for r in range(rounds):
        got = {}
        for side, tree in (("a", a), ("b", b)) if r % 2 == 0 else (("b", b), ("a", a)):
            tree = tree.resolve()
            env = dict(os.environ, PYTHONPATH=str(tree / "src"))
            cmd = chrt + [sys.executable, script, "--child", *child_args(r), str(tree), str(tree)]
            got[side] = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
            assert got[side]["tokcost"].startswith(str(tree)), (side, got[side]["tokcost"])
        yield r, got


def ab_parser(description: str, rounds: int) -> argparse.ArgumentParser:
    """The arguments every long-piece A/B script takes: the two trees, rounds, encoding, size, cases."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--encoding", default="o200k_base")
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--only", default="", help="comma-separated cases (default: all)")
    ap.add_argument("--no-chrt", action="store_true")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    return ap


def main() -> None:
    ap = ab_parser(__doc__.split("\n\n")[0], rounds=7)
    ap.add_argument("--two-threads", action="store_true",
                    help="tokcost's default (a piece of 64 KB or more on two threads), timed in wall clock")
    args = ap.parse_args()
    cases = [c for c in args.only.split(",") if c] or list(CASES)
    if args.child:
        child(args.encoding, args.child[0].split(","), int(args.child[1]), int(args.child[2]), args.two_threads)
        return
    chrt = [] if args.no_chrt or os.geteuid() != 0 else ["chrt", "-f", "10"]
    times = {"a": {c: [] for c in cases}, "b": {c: [] for c in cases}}
    child_args = lambda r: [",".join(cases), str(r), str(args.size), "--encoding", args.encoding,  # noqa: E731
                            *(["--two-threads"] if args.two_threads else [])]
    for r, got in alternate_trees(__file__, args.a, args.b, args.rounds, child_args, chrt):
        for c in cases:
            assert got["a"][c][1] == got["b"][c][1], f"round {r}, {c}: the trees gave other ids"
            times["a"][c].append(got["a"][c][0])
            times["b"][c].append(got["b"][c][0])
    clock = "wall-clock ms per MB, two threads" if args.two_threads else "thread CPU ms per MB, one chain"
    print(f"# {args.encoding}, {args.rounds} rounds, {clock} (medians), load {os.getloadavg()[0]:.1f}")
    for c in cases:
        a, b = statistics.median(times["a"][c]), statistics.median(times["b"][c])
        print(f"{c:8} A {a:7.2f}  B {b:7.2f}  B/A {b / a:.3f}  ({1e3 / b:.1f} MB/s B)")


if __name__ == "__main__":
    main()
