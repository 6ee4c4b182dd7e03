"""A/B of two builds of tokcost on long pieces searched as two chains: wall clock and process CPU.

    python benchmarks/ab_chains.py A_TREE B_TREE [--rounds 9] [--busy 1] [--only letters,never]

Each tree is a checkout with its extension built in place. Every round runs one child process per
tree, alternating which goes first. A child loads the encoding, encodes a 256 KB warm-up of random
letters (the long-piece tables), then per case searches three fresh pieces of the round and keeps,
of each, the wall clock and the process CPU time (both threads: the caller's chain and the pool
worker's) of the call, and the process CPU again 2 ms after it ("with the poll": the worker's
polling for a next round, workers.h, counted too); the parent prints the medians in ms per MB and B/A. Cases: fresh random
letters, punctuation and CJK through ``encode_ordinary`` (one piece each, two chains that meet a few
bytes past the middle), and ``never``: a run of ``a`` searched as two chains split at the middle
through the test hook (``long_piece_search``: no periodic shortcut), where the chains never meet and
the first runs to the end alone. ``--busy N`` keeps N other processes spinning for the whole run (at
the children's priority: no ``chrt`` then), so the pool worker shares a core and may fall behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time

from ab_long import ab_parser, alternate_trees  # the sibling script: benchmarks/ is on sys.path when run as one

LOWER = "abcdefghijklmnopqrstuvwxyz"
CASES = {
    "letters": lambda rnd, n: "".join(rnd.choices(LOWER, k=n)),
    "punct": lambda rnd, n: "".join(rnd.choices("!#$%&*+-./:;<=>?@^_|~", k=n)),
    "cjk": lambda rnd, n: "".join(chr(rnd.randrange(0x4E00, 0x9FA6)) for _ in range(n // 3)),
    "never": lambda rnd, n: "a" * (n - rnd.randrange(64)),
}


def child(encoding: str, cases: list[str], r: int, size: int) -> None:
    import tokcost
    from tokcost import _core

    enc = tokcost.get_encoding(encoding)
    enc.encode_ordinary("".join(random.Random(1).choices(LOWER, k=1 << 18)))
    stopped = getattr(_core, "long_halves_stopped", lambda: 0)
    out = {"tokcost": tokcost.__file__}
    for case in cases:
        walls, cpus, polls, stops, digest = [], [], [], stopped(), hashlib.sha256()
        for i in range(3):
            text = CASES[case](random.Random(1000 * r + i + 7), size)
            if case == "never":
                piece = text.encode()
                call = lambda: enc._core.long_piece_search(piece, len(piece) // 2, threads=True)  # noqa: E731
            else:
                call = lambda: enc.encode_ordinary(text)  # noqa: E731
            w0, c0 = time.perf_counter(), time.process_time()
            ids = call()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            time.sleep(0.002)   # past the worker's polling for the next round (workers.h)
            polls.append(time.process_time() - c0)   # the call's CPU with that polling
            digest.update(repr(ids).encode())
        scale = 1e3 * (1 << 20) / len(text.encode())
        out[case] = (statistics.median(walls) * scale, statistics.median(cpus) * scale, stopped() - stops,
                     digest.hexdigest()[:16], statistics.median(polls) * scale)
    print(json.dumps(out))


def main() -> None:
    ap = ab_parser(__doc__.split("\n\n")[0], rounds=9)
    ap.add_argument("--busy", type=int, default=0, help="processes kept spinning meanwhile (then no chrt)")
    args = ap.parse_args()
    cases = [c for c in args.only.split(",") if c] or list(CASES)
    if args.child:
        child(args.encoding, args.child[0].split(","), int(args.child[1]), int(args.child[2]))
        return
    chrt = [] if args.no_chrt or args.busy or os.geteuid() != 0 else ["chrt", "-f", "10"]
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    got_all = {"a": {c: [] for c in cases}, "b": {c: [] for c in cases}}
    try:
        child_args = lambda r: [",".join(cases), str(r), str(args.size), "--encoding", args.encoding]  # noqa: E731
        for r, got in alternate_trees(__file__, args.a, args.b, args.rounds, child_args, chrt):
            for side in "ab":
                for c in cases:
                    got_all[side][c].append(got[side][c])
            for c in cases:
                assert got_all["a"][c][-1][3] == got_all["b"][c][-1][3], f"round {r}, {c}: the trees gave other ids"
    finally:
        for h in hogs:
            h.kill()
    print(f"# {args.encoding}, {args.rounds} rounds, ms per MB (medians), busy {args.busy}, "
          f"load {os.getloadavg()[0]:.1f}")
    for c in cases:
        med = {s: [statistics.median(x[i] for x in got_all[s][c]) for i in (0, 1, 4)] for s in "ab"}
        stops = {s: sum(x[2] for x in got_all[s][c]) for s in "ab"}
        print(f"{c:8} wall A {med['a'][0]:7.2f} B {med['b'][0]:7.2f} B/A {med['b'][0] / med['a'][0]:.3f}   "
              f"CPU A {med['a'][1]:7.2f} B {med['b'][1]:7.2f} B/A {med['b'][1] / med['a'][1]:.3f}   "
              f"with the poll A {med['a'][2]:7.2f} B {med['b'][2]:7.2f} B/A {med['b'][2] / med['a'][2]:.3f}   "
              f"B's stops {stops['b']} of {3 * args.rounds}")


if __name__ == "__main__":
    main()
