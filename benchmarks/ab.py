"""A/B wall clock of two builds of tokcost on the system suite's text never seen (or, ``--mode repeat``, seen again).

    python benchmarks/ab.py A_TREE B_TREE [--mode fresh|docs|repeat] [--rounds 5] [--only english,code]

Each tree is a checkout with its extension built in place (``python setup.py build_ext
--inplace``). Every round runs one child process per tree, alternating which goes first,
under ``chrt -f 10`` when this user may (root here). A child loads the encoding, encodes each
corpus's warm-up piece, then times ``encode_ordinary`` on the round's fresh chunk of each corpus
(``--mode docs``: on each of the round's ~1 KB documents, one call each, as the suite's docs mode
does; ``--mode repeat``: on one text per corpus, its warm-up piece and all its fresh chunks joined,
encoded five times, the median of the last four, and the same for ``flores-mix``, the FLORES-200
files' lines interleaved, the first ``--mix-bytes`` of them: text seen again, which the second-level
cache serves). It prints MB/s and a digest of the ids, and the parent checks that both trees gave the same
ids. The table is the median MB/s of each tree and B/A of the medians: above 1 means B is faster.

Read a single run with care on this 2-core machine: code layout alone moves wall clock 2-3%
(docs/NATIVE.md); callgrind instructions (``callgrind_fresh.py``) are the stable figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(path: Path, mode: str, encoding: str, r: int) -> None:
    import numpy  # noqa: F401  (imported before timing, as the suite's contenders have it)

    import tokcost

    with open(path, "rb") as f:
        corpora = pickle.load(f)
    enc = tokcost.get_encoding(encoding)
    out = {"tokcost": tokcost.__file__}
    for name, p in corpora.items():
        if mode == "repeat":
            text = p["repeat"]
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                ids = enc.encode_ordinary(text)
                times.append(time.perf_counter() - t0)
            dt = statistics.median(times[1:])
            n = len(text.encode("utf-8", "surrogatepass"))
            digest = hashlib.sha256(repr(ids).encode()).hexdigest()[:16]
        elif mode == "fresh":
            enc.encode_ordinary(p["warm"])
            text = p["fresh"][r]
            t0 = time.perf_counter()
            ids = enc.encode_ordinary(text)
            dt = time.perf_counter() - t0
            n = len(text.encode("utf-8", "surrogatepass"))
            digest = hashlib.sha256(repr(ids).encode()).hexdigest()[:16]
        else:
            for d in p["warm_docs"]:
                enc.encode_ordinary(d)
            docs = p["docs"][r]
            e = enc.encode_ordinary
            t0 = time.perf_counter()
            all_ids = [e(d) for d in docs]
            dt = time.perf_counter() - t0
            n = sum(len(d.encode("utf-8", "surrogatepass")) for d in docs)
            digest = hashlib.sha256(repr(all_ids).encode()).hexdigest()[:16]
        out[name] = (n / dt / 1e6, digest)
    print(json.dumps(out))


def flores_mix(size: int) -> str:
    """The FLORES-200 files beside the tree (../shared/corpora/flores200) interleaved line by line
    (languages by name), cut to about ``size`` UTF-8 bytes; empty when they are absent."""
    files = sorted((Path(__file__).resolve().parents[2] / "shared" / "corpora" / "flores200").glob("*_*.txt"))
    columns = [f.read_text(encoding="utf-8").splitlines() for f in files]
    lines, total = [], 0
    for i in range(max(map(len, columns), default=0)):
        for column in columns:
            if i < len(column) and total < size:
                lines.append(column[i])
                total += len(column[i].encode()) + 1
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--mode", choices=("fresh", "docs", "repeat"), default="fresh")
    ap.add_argument("--mix-bytes", type=int, default=3_000_000, help="--mode repeat: the FLORES mix's size")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--encoding", default="o200k_base")
    ap.add_argument("--only", default="", help="comma-separated corpus names (default: all)")
    ap.add_argument("--no-chrt", action="store_true")
    args = ap.parse_args()

    sys.path.insert(0, str(args.a.resolve() / "src"))
    from tokcost import bench

    # Cut as `tokcost bench --suite system --runs 7` cuts (chunk sizes depend on the runs: the
    # small catalogs of Arabic and Hindi are shared among them).
    plan = bench.SystemPlan(runs=max(7, args.rounds), verify=False)
    corpora, absent = bench.system.present_corpora(plan)
    only = set(filter(None, args.only.split(",")))
    texts = {}
    for c in corpora:
        if only and c.corpus.name not in only:
            continue
        p = c.pieces
        texts[c.corpus.name] = {"warm": p.warm, "fresh": p.fresh, "warm_docs": p.warm_docs, "docs": p.docs,
                                "repeat": "\n".join([p.warm, *p.fresh])}
    if args.mode == "repeat" and (not only or "flores-mix" in only):
        texts["flores-mix"] = {"repeat": flores_mix(args.mix_bytes)}
        if not texts["flores-mix"]["repeat"]:
            del texts["flores-mix"]
    chrt = [] if args.no_chrt or os.geteuid() != 0 else ["chrt", "-f", "10"]
    speeds = {side: {name: [] for name in texts} for side in "ab"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.pickle"
        with open(path, "wb") as f:
            pickle.dump(texts, f)
        for r in range(args.rounds):
            digests = {}
            for side in ("ab" if r % 2 == 0 else "ba"):
                tree = (args.a if side == "a" else args.b).resolve()
                env = dict(os.environ, PYTHONPATH=str(tree / "src"))
                cmd = chrt + [sys.executable, __file__, "--child", str(path), args.mode, args.encoding, str(r)]
                res = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
                if not res.pop("tokcost").startswith(str(tree)):
                    sys.exit(f"{tree}: the child imported tokcost from elsewhere")
                for name, (mbs, digest) in res.items():
                    speeds[side][name].append(mbs)
                    digests.setdefault(name, set()).add(digest)
            for name, d in digests.items():
                if len(d) != 1:
                    sys.exit(f"round {r}, {name}: the two trees gave different ids")
            print(f"round {r + 1}/{args.rounds}: " + " ".join(
                f"{name} {speeds['a'][name][-1]:.0f}/{speeds['b'][name][-1]:.0f}" for name in texts), file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"{args.mode}, {args.encoding}, {args.rounds} rounds, load {load:.1f}; median MB/s")
    print(f"{'corpus':<10} {'A':>8} {'B':>8} {'B/A':>6}")
    ratios = []
    for name in texts:
        a, b = statistics.median(speeds["a"][name]), statistics.median(speeds["b"][name])
        ratios.append(b / a)
        print(f"{name:<10} {a:8.1f} {b:8.1f} {b / a:6.3f}")
    geo = statistics.geometric_mean(ratios) if ratios else float("nan")
    print(f"{'geomean':<10} {'':>8} {'':>8} {geo:6.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
