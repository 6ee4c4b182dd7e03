"""callgrind instructions per byte of ``encode`` on the system suite's fresh chunks, per corpus.

    PYTHONPATH=src python benchmarks/callgrind_fresh.py                 # every language corpus
    PYTHONPATH=src python benchmarks/callgrind_fresh.py thai hindi --encoding cl100k_base
    PYTHONPATH=src python benchmarks/callgrind_fresh.py fin_Latn ces_Latn     # FLORES-200 files

The chunks are ``tokcost bench --suite system --quick``'s cut: a warm-up chunk, then three
fresh ones; a FLORES-200 file's name (``fin_Latn``: ``../shared/corpora/flores200``, else the
bundled sample) is cut into four 16 KB chunks of whole lines, the first the warm-up. Each corpus runs in its own process under callgrind with ``PYTHONHASHSEED=0``
(without it Python's dictionaries move counts by up to 10%). The process encodes the warm-up
chunk three times (a process's first lists take young ints, so the third pass, once the int
block's pages are in, fills the block's groups as a long-running process has them: round 14), zeroes the counters (``callgrind_control -z``), encodes the three fresh chunks and dumps
(``callgrind_control -d``); the figure is that dump's instructions, less what an empty dump
costs (its own ``subprocess`` call, measured first), over the fresh chunks' UTF-8 bytes.
``--docs`` measures the docs section instead: the corpus's warm-up documents encoded twice,
then its three sets of ~1 KB documents with one ``encode_ordinary`` call each (as ``tokcost bench
--suite system --only docs`` times every contender), and prints instructions per document too.
Wall-clock time is too noisy on a shared machine to compare builds; these counts repeat to 0.1%.
The dumps stay in the output directory for ``callgrind_annotate`` or a per-line reading.
``--sim`` adds callgrind's cache model (first level 32 KB, last level 512 KB: this VM's per-core
L2) and prints the simulated data read misses of each level, in thousands. ``--branch-sim`` adds
callgrind's branch predictor model and prints the mispredicted conditional and indirect branches,
in thousands (a simple bimodal model: it shows which branches are hard, not a CPU's exact count).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CORPORA = ("english", "code", "korean", "russian", "arabic", "chinese", "japanese", "hindi", "thai", "mixed")
# The real interpreter: pyenv's `python` shim is a shell script valgrind cannot follow.
PYTHON = os.path.realpath(sys.executable)

CHILD = r"""
import os, subprocess, sys
import tokcost
enc = tokcost.get_encoding(sys.argv[2])
warm, *fresh = [open(p, encoding="utf-8").read() for p in sys.argv[3:]]
enc.encode(warm)
enc.encode(warm)  # this second list starts the thread that faults in the int block (pyints.h)
tokcost._core.wait_ints_populated()
enc.encode(warm)  # from the int block, as a process past its young ints lists
pid = str(os.getpid())
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
for text in (fresh if sys.argv[1] == "measure" else []):
    enc.encode(text)
subprocess.run(["callgrind_control", "-d", "fresh", pid], check=True, stdout=subprocess.DEVNULL)
"""

# --docs: the warm-up documents twice, then each document of the three sets by one encode_ordinary call.
CHILD_DOCS = r"""
import json, os, subprocess, sys
import tokcost
enc = tokcost.get_encoding(sys.argv[2])
cut = json.load(open(sys.argv[3], encoding="utf-8"))
for _ in range(2):
    for doc in cut["warm"]:
        enc.encode_ordinary(doc)
tokcost._core.wait_ints_populated()  # lists past the young ints take the block's populated pages
pid = str(os.getpid())
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
for doc in (cut["docs"] if sys.argv[1] == "measure" else []):
    enc.encode_ordinary(doc)
subprocess.run(["callgrind_control", "-d", "fresh", pid], check=True, stdout=subprocess.DEVNULL)
"""


def cut_chunks(names, out: Path, docs: bool = False) -> dict:
    """Write each corpus's warm-up chunk and three fresh chunks; name -> their paths. With ``docs``,
    one JSON file per corpus of its warm-up documents and its sets of documents, joined."""
    from tokcost.bench.system import SystemPlan, present_corpora

    found, _absent = present_corpora(SystemPlan.quick())
    chunks = {}
    for name in sorted(names):
        flores = _flores_file(name)
        if flores is None or docs:
            continue
        chunks[name] = []
        for i, text in enumerate(flores_chunks(flores)):
            path = out / f"{name}.{i}.txt"
            path.write_text(text, encoding="utf-8")
            chunks[name].append(path)
    for corpus in found:
        if corpus.corpus.name not in names:
            continue
        pieces = corpus.pieces
        if docs:
            path = out / f"{corpus.corpus.name}.docs.json"
            path.write_text(json.dumps({"warm": pieces.warm_docs, "docs": [d for s in pieces.docs for d in s]}),
                            encoding="utf-8")
            chunks[corpus.corpus.name] = [path]
            continue
        paths = []
        for i, text in enumerate([pieces.warm, *pieces.fresh]):
            path = out / f"{corpus.corpus.name}.{i}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        chunks[corpus.corpus.name] = paths
    return chunks


def _flores_file(name: str):
    """The FLORES-200 file of a language (``fin_Latn``), or None."""
    from tokcost.bundled import FLORES_SAMPLE_DIR

    for directory in (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "flores200", FLORES_SAMPLE_DIR):
        path = Path(directory) / f"{name}.txt"
        if path.is_file():
            return path
    return None


def flores_chunks(path: Path, size: int = 16_000, count: int = 4) -> list:
    """The first ``count`` chunks of whole lines of at least ``size`` UTF-8 bytes (fewer if the file is short)."""
    chunks, lines, nbytes = [], [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        nbytes += len(line.encode()) + 1
        if nbytes > size:
            chunks.append("\n".join(lines))
            lines, nbytes = [], 0
            if len(chunks) == count:
                break
    return chunks


# --sim: callgrind's cache model, as benchmarks/callgrind_long.py's.
SIM = ["--cache-sim=yes", "--D1=32768,8,64", "--LL=524288,8,64"]


BRANCH_SIM = ["--branch-sim=yes"]


def dumped_events(mode: str, encoding: str, paths, out: Path, tag: str, sim: bool = False,
                  branch_sim: bool = False, docs: bool = False) -> dict:
    """Run the child under callgrind; the events of its 'fresh' dump (instructions: 'Ir')."""
    base = out / f"{tag}.cg"
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={base}", "--compress-strings=no",
                    "--compress-pos=no", *(SIM if sim else []),
                    *(BRANCH_SIM if branch_sim else []), PYTHON, "-c", CHILD_DOCS if docs else CHILD, mode, encoding,
                    *map(str, paths)], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = next(p for p in sorted(out.glob(f"{tag}.cg.*"))).read_text()
    names = re.search(r"^events: (.*)$", text, re.M).group(1).split()
    return dict(zip(names, map(int, re.search(r"^summary: (.*)$", text, re.M).group(1).split())))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--sim", action="store_true", help="also count simulated data read misses")
    parser.add_argument("--branch-sim", action="store_true", help="also count simulated branch mispredictions")
    parser.add_argument("--docs", action="store_true", help="the ~1 KB documents, one encode_ordinary call each")
    parser.add_argument("--out", type=Path, default=None, help="directory for chunks and dumps (default: a temp dir)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="callgrind-fresh-"))
    out.mkdir(parents=True, exist_ok=True)
    chunks = cut_chunks(set(args.corpora), out, args.docs)
    first = next(iter(chunks.values()))
    empty = dumped_events("empty", args.encoding, first, out, "empty", args.sim, args.branch_sim, args.docs)
    print(f"# {args.encoding}; an empty dump costs {empty['Ir']:,} instructions; dumps in {out}")
    for name in args.corpora:
        if name not in chunks:
            print(f"{name}: not on this machine")
            continue
        if args.docs:
            texts = json.loads(chunks[name][0].read_text(encoding="utf-8"))["docs"]
        else:
            texts = [p.read_text(encoding="utf-8") for p in chunks[name][1:]]
        nbytes = sum(len(t.encode()) for t in texts)
        got = dumped_events("measure", args.encoding, chunks[name], out, name, args.sim, args.branch_sim, args.docs)
        total = got["Ir"] - empty["Ir"]
        line = f"{name:10} {nbytes:8,} bytes {total:13,} instructions {total / nbytes:7.1f} per byte"
        if args.docs:
            line += f" {total / len(texts):9,.0f} per document ({len(texts)})"
        if args.sim:
            line += (f"  D1 read misses {(got['D1mr'] - empty['D1mr']) / 1e3:7.1f} K"
                     f"  LL read misses {(got['DLmr'] - empty['DLmr']) / 1e3:6.1f} K")
        if args.branch_sim:
            line += (f"  mispredicted: conditional {(got['Bcm'] - empty['Bcm']) / 1e3:6.1f} K"
                     f" of {(got['Bc'] - empty['Bc']) / 1e3:7.1f} K, indirect {(got['Bim'] - empty['Bim']) / 1e3:5.1f} K")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
