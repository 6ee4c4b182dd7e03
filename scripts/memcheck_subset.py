"""A small workload for valgrind memcheck (docs/HARDENING.md): every native path once, checked.

FLORES lines of every language (the character path and its straddle table), long pieces of
each class (the long-piece encoder, periodic stretches, the whole-piece cache: each piece
twice), batches on two threads (the worker pool and its per-thread caches), `count`,
`encode` with special tokens, and decode, on o200k_base and cl100k_base. Every result is
compared with tiktoken's; the script exits 1 on a mismatch.

    PYTHONMALLOC=malloc PYTHONPATH=src valgrind --tool=memcheck --num-callers=40 \\
        /root/.pyenv/versions/3.11.7/bin/python3.11 scripts/memcheck_subset.py [lines per language]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from tokcost.testing import seed_tiktoken_cache

FLORES = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "flores200"
LONG_UNITS = ["a", "z", "Z", " ", "\n", "\t", "7", "!", "-", "\u4e2d", "\U0001f600", "\u00e9", "\u0e01", "ab", "abc!"]


def flores_lines(per_language: int) -> list[str]:
    from tokcost.bundled import FLORES_SAMPLE_DIR

    folder = FLORES if FLORES.is_dir() else FLORES_SAMPLE_DIR  # a plain clone has the sample
    return [line for path in sorted(folder.glob("*_*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines()[:per_language]]


def long_texts() -> list[str]:
    rng = random.Random(15)
    texts = []
    for unit in LONG_UNITS:
        for size in (300, 2_500, 6_000):
            stretch = unit * (size // len(unit.encode()))
            texts.append(stretch)
            texts.append("head " + stretch + " tail\n" + stretch)
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9_000))
    texts += [letters, letters + " " + letters, "".join(rng.choice("\u4e2d\u6587\u5b57") for _ in range(3_000))]
    return texts


def main(per_language: int) -> int:
    seed_tiktoken_cache()
    import tiktoken

    import tokcost

    lines, longs = flores_lines(per_language), long_texts()
    failures = 0
    for name in ("o200k_base", "cl100k_base"):
        ours, theirs = tokcost.get_encoding(name), tiktoken.get_encoding(name)
        checks = []
        for text in lines + longs:
            ids = theirs.encode_ordinary(text)
            checks.append(ours.encode_ordinary(text) == ids and ours.count(text) == len(ids)
                          and ours.decode(ids) == text)
        expected = theirs.encode_ordinary_batch(lines + longs)
        checks.append(ours.encode_ordinary_batch(lines + longs, num_threads=2) == expected)
        checks.append(ours.count_batch(lines + longs, num_threads=2) == [len(ids) for ids in expected])
        joined = "<|endoftext|>".join(lines[:50])
        checks.append(ours.encode(joined, allowed_special="all") == theirs.encode(joined, allowed_special="all"))
        checks.append(ours.encode_batch([joined] * 4, num_threads=2, allowed_special="all")
                      == theirs.encode_batch([joined] * 4, allowed_special="all"))
        checks.append(ours.decode_bytes(list(range(0, ours.n_vocab - 300, 97)))
                      == theirs.decode_bytes(list(range(0, ours.n_vocab - 300, 97))))
        failed = checks.count(False)
        print(f"{name}: {len(checks)} checks, {failed} failed", flush=True)
        failures += failed
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
