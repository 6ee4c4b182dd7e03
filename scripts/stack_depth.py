"""The native core's deepest stack use, from gcc's own figures: a build of a copy of this tree with
``-fstack-usage -fcallgraph-info=su``, whose call graph gives each function's frame and callees.

    python scripts/stack_depth.py                  # the five deepest chains from a Python entry point
    python scripts/stack_depth.py --limit 8192     # exit status 1 when a chain is deeper

Python lets a thread's stack be as small as 32 KB (``threading.stack_size``), and the interpreter's
own frames take part of it, so the core keeps its large work arrays in the thread's scratch
(``thread_caches.h``) and its frames shallow; ``tests/test_small_stack.py`` runs every path on
such a thread. Calls through pointers are not followed (gcc cannot see them), nor are C library
frames counted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = re.compile(r'node: \{ title: "([^"]+)" label: "[^"\\]*\\n[^"\\]*\\n(\d+) bytes')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def build(tree: Path) -> Path:
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", "build", "*.so", "__pycache__"))
    env = {**os.environ, "CFLAGS": "-fstack-usage -fcallgraph-info=su"}
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q", "--force"], cwd=tree, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tree / "build"


def call_graph(build_dir: Path) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Each function's frame in bytes, and the functions it calls, by name."""
    frames: dict[str, int] = {}
    calls: dict[str, set[str]] = {}
    for path in build_dir.rglob("*.ci"):
        for line in path.read_text().splitlines():
            if m := NODE.match(line):
                name = m.group(1).rsplit(":", 1)[-1]
                frames[name] = max(frames.get(name, 0), int(m.group(2)))
            elif m := EDGE.match(line):
                calls.setdefault(m.group(1).rsplit(":", 1)[-1], set()).add(m.group(2).rsplit(":", 1)[-1])
    return frames, calls


def deepest(frames: dict[str, int], calls: dict[str, set[str]]):
    """chain(name): the deepest stack from name down, and the functions on it (a call back into a
    function already on the chain counts nothing more: gcc's graph has no recursion of ours)."""
    memo: dict[str, tuple[int, tuple[str, ...]]] = {}
    on_chain: set[str] = set()

    def chain(name: str) -> tuple[int, tuple[str, ...]]:
        if name in memo:
            return memo[name]
        on_chain.add(name)
        below = max((chain(callee) for callee in calls.get(name, ()) if callee in frames and callee not in on_chain),
                    default=(0, ()))
        on_chain.discard(name)
        memo[name] = (frames[name] + below[0], (name,) + below[1])
        return memo[name]
    return chain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="exit 1 when a chain from a Python entry point is deeper")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tokcost-stack-") as tmp:
        frames, calls = call_graph(build(Path(tmp) / "tree"))
    chain = deepest(frames, calls)
    entries = sorted((chain(name) for name in frames if name.startswith("__pyx_pw_")), reverse=True)
    for total, names in entries[: args.top]:
        print(f"{total:>6} bytes  " + " -> ".join(f"{n}:{frames[n]}" for n in names))
    worst = entries[0][0] if entries else 0
    if args.limit and worst > args.limit:
        print(f"deeper than {args.limit} bytes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
