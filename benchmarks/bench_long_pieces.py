"""Long single pieces: seconds per 1 MB piece, tokcost beside every exact peer, in one run.

    python benchmarks/bench_long_pieces.py                      # both encodings, 7 rounds
    python benchmarks/bench_long_pieces.py --encoding o200k_base --rounds 5 --size 262144

Each case is one piece the pretokenizer cannot split (a run of one character,
``ab`` repeated, random lowercase letters). The contenders run interleaved,
round after round, and each figure is the median of its rounds. tiktoken is
quadratic or worse on some of these, so it runs one round; where it answers,
every contender's ids must equal its ids (where it panics, they must equal each
other). Peers that are not installed are skipped and named.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tokcost.testing import seed_tiktoken_cache

CASES = {
    "latin a": lambda n: "a" * n,
    "spaces": lambda n: " " * n,
    "newlines": lambda n: "\n" * n,
    "digits": lambda n: "7" * n,
    "punctuation !": lambda n: "!" * n,
    "CJK 中": lambda n: "中" * (n // 3),
    "emoji 😀": lambda n: "😀" * (n // 4),
    "ab repeated": lambda n: "ab" * (n // 2),
    "random letters": lambda n: "".join(random.Random(15).choices("abcdefghijklmnopqrstuvwxyz", k=n)),
}


def _rank_file(encoding: str, tmp: Path) -> Path:
    from tokcost.bundled import VOCAB_DIR

    path = tmp / f"{encoding}.tiktoken"
    path.write_bytes(gzip.decompress((Path(VOCAB_DIR) / f"{encoding}.tiktoken.gz").read_bytes()))
    return path


def contenders(encoding: str, tmp: Path) -> tuple[dict, dict]:
    """name -> encode_ordinary, and name -> why it is missing."""
    loaders = {
        "tokcost": lambda: __import__("tokcost").get_encoding(encoding).encode_ordinary,
        "toktok-rs": lambda: __import__("toktok")._encoding(encoding).encode_ordinary,
        "quicktok-v1": lambda: __import__("quicktok").get_encoding(encoding).encode_ordinary,
        "bpe-openai": lambda: __import__("bpe_openai").get_encoding(encoding).encode_ordinary,
        "gigatoken": lambda: __import__("gigatoken").Tokenizer.from_tiktoken(_rank_file(encoding, tmp))
        .as_tiktoken().encode_ordinary,
    }
    found, missing = {}, {}
    for name, load in loaders.items():
        try:
            found[name] = load()
        except Exception as exc:  # noqa: BLE001  (a peer missing or without this encoding)
            missing[name] = f"{type(exc).__name__}: {exc}"
    return found, missing


def _timed(fn, text):
    t = time.perf_counter()
    ids = fn(text)
    return time.perf_counter() - t, list(ids)


def _attempt(fn, text):
    """(seconds, ids), or (nan, None) when the contender refuses or fails."""
    try:
        return _timed(fn, text)
    except Exception:  # noqa: BLE001  (e.g. bpe-openai's input length limit)
        return float("nan"), None


def run(encoding: str, size: int, rounds: int) -> None:
    import tiktoken

    seed_tiktoken_cache()
    ref = tiktoken.get_encoding(encoding)
    with tempfile.TemporaryDirectory() as tmp:
        found, missing = contenders(encoding, Path(tmp))
    names = list(found) + ["tiktoken"]
    print(f"\n{encoding}: seconds per piece of {size} bytes, median of {rounds} rounds (tiktoken: one round)")
    print("| case | " + " | ".join(names) + " | ids |")
    print("|---" * (len(names) + 2) + "|")
    for case, make in CASES.items():
        text = make(size)
        times = {name: [] for name in found}
        ids = {}
        for fn in found.values():  # warm-up: tables, caches
            _attempt(fn, text[: 1 << 18])
        for _ in range(rounds):
            for name, fn in found.items():
                if name in ids and ids[name] is None:
                    continue
                seconds, ids[name] = _attempt(fn, text)
                times[name].append(seconds)
        try:
            ref_seconds, want = _timed(ref.encode_ordinary, text)
            verdict = "= tiktoken"
        except BaseException:  # noqa: BLE001  (tiktoken panics on some runs of whitespace)
            ref_seconds, want = float("nan"), ids["tokcost"]
            verdict = "tiktoken fails; peers agree"
        wrong = [name for name in found if ids[name] is not None and ids[name] != want]
        if wrong:
            verdict = "DIFFER: " + ", ".join(wrong)
        cells = [f"{statistics.median(times[name]):.4f}" if ids[name] is not None else "fails" for name in found]
        cells.append(f"{ref_seconds:.3f}")
        print(f"| {case} | " + " | ".join(cells) + f" | {verdict} |")
    for name, why in missing.items():
        print(f"(not run: {name}: {why})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoding", action="append", help="default: o200k_base and cl100k_base")
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    for encoding in args.encoding or ["o200k_base", "cl100k_base"]:
        run(encoding, args.size, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
