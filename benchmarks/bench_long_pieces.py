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
import base64
import gzip
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tokcost.testing import seed_tiktoken_cache

LOWER = "abcdefghijklmnopqrstuvwxyz"


def _words() -> list[str]:
    """Lowercase words of the bundled English FLORES sample (no network)."""
    from tokcost.bundled import DATA_DIR

    text = (Path(DATA_DIR) / "flores_sample" / "eng_Latn.txt").read_text(encoding="utf-8")
    return sorted({w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 1})


def _glued_words(n: int, rnd: random.Random) -> str:
    words, out, size = _words(), [], 0
    while size < n:
        out.append(rnd.choice(words))
        size += len(out[-1])
    return "".join(out)[:n]


# Each case: (n bytes, random source) -> one piece the pretokenizer cannot split
# (base64 is split by the pretokenizer at '+', '/' and digits: long pieces of letters).
CASES = {
    "latin a": lambda n, rnd: "a" * n,
    "spaces": lambda n, rnd: " " * n,
    "newlines": lambda n, rnd: "\n" * n,
    "digits": lambda n, rnd: "7" * n,
    "punctuation !": lambda n, rnd: "!" * n,
    "CJK 中": lambda n, rnd: "中" * (n // 3),
    "emoji 😀": lambda n, rnd: "😀" * (n // 4),
    "ab repeated": lambda n, rnd: "ab" * (n // 2),
    "random letters": lambda n, rnd: "".join(rnd.choices(LOWER, k=n)),
    "random Aa letters": lambda n, rnd: "".join(rnd.choices(LOWER + LOWER.upper(), k=n)),
    "random digits": lambda n, rnd: "".join(rnd.choices("0123456789", k=n)),
    "random punctuation": lambda n, rnd: "".join(rnd.choices("!#$%&*+-./:;<=>?@^_|~", k=n)),
    "random CJK": lambda n, rnd: "".join(chr(rnd.randrange(0x4E00, 0x9FA6)) for _ in range(n // 3)),
    "glued words": _glued_words,
    "base64": lambda n, rnd: base64.b64encode(rnd.randbytes(n * 3 // 4)).decode(),
}


def _rank_file(encoding: str, tmp: Path) -> Path:
    from tokcost.bundled import VOCAB_DIR

    path = tmp / f"{encoding}.tiktoken"
    path.write_bytes(gzip.decompress((Path(VOCAB_DIR) / f"{encoding}.tiktoken.gz").read_bytes()))
    return path


def _tokcost_one_thread(encoding: str):
    """tokcost with every long piece on one thread (longpiece.h, long_piece_threads off; tokcost's
    default searches a piece of 64 KB or more as two chains on two threads), on an encoding
    object of its own, so the whole-piece cache of the plain contender never answers."""
    import tokcost
    from tokcost.core import Encoding

    base = tokcost.get_encoding(encoding)
    enc = Encoding(f"{encoding}-one-thread", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks,
                   special_tokens=base._special_tokens)

    def encode_ordinary(text: str) -> list[int]:
        before = tokcost.long_piece_threads(False)
        try:
            return enc.encode_ordinary(text)
        finally:
            tokcost.long_piece_threads(before)

    return encode_ordinary


def contenders(encoding: str, tmp: Path, one_thread: bool = False) -> tuple[dict, dict]:
    """name -> encode_ordinary, and name -> why it is missing."""
    loaders = {
        "tokcost": lambda: __import__("tokcost").get_encoding(encoding).encode_ordinary,
        "toktok-rs": lambda: __import__("toktok")._encoding(encoding).encode_ordinary,
        "quicktok-v1": lambda: __import__("quicktok").get_encoding(encoding).encode_ordinary,
        "bpe-openai": lambda: __import__("bpe_openai").get_encoding(encoding).encode_ordinary,
        "wordchipper": lambda: __import__("tokcost.bench.contenders", fromlist=["_wordchipper"])
        ._wordchipper(encoding).encode,
        "gigatoken": lambda: __import__("gigatoken").Tokenizer.from_tiktoken(_rank_file(encoding, tmp))
        .as_tiktoken().encode_ordinary,
    }
    if one_thread:
        loaders["tokcost 1 thread"] = lambda: _tokcost_one_thread(encoding)
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


def run(encoding: str, size: int, rounds: int, fresh: bool = False, only: list[str] | None = None,
        one_thread: bool = False) -> None:
    import tiktoken

    seed_tiktoken_cache()
    ref = tiktoken.get_encoding(encoding)
    with tempfile.TemporaryDirectory() as tmp:
        found, missing = contenders(encoding, Path(tmp), one_thread)
    names = list(found) + ["tiktoken"]
    mode = "a fresh text every round" if fresh else "the same text every round"
    print(f"\n{encoding}: seconds per piece of {size} bytes, median of {rounds} rounds, {mode} (tiktoken: one round)")
    print("| case | " + " | ".join(names) + " | ids |")
    print("|---" * (len(names) + 2) + "|")
    for case, make in CASES.items():
        if only and case not in only:
            continue
        text = make(size, random.Random(15))
        times = {name: [] for name in found}
        ids = {}
        for fn in found.values():  # warm-up: tables, caches
            _attempt(fn, make(1 << 18, random.Random(1)))
        disagree = set()
        for r in range(rounds):
            round_text = make(size, random.Random(100 + r)) if fresh and r else text
            round_ids = {}
            for name, fn in found.items():
                if name in ids and ids[name] is None:
                    continue
                seconds, round_ids[name] = _attempt(fn, round_text)
                times[name].append(seconds)
                if round_text is text:
                    ids[name] = round_ids[name]
            # fresh rounds: every contender that answers must agree with tokcost
            disagree |= {n for n, got in round_ids.items() if got is not None and got != round_ids.get("tokcost")}
        try:
            ref_seconds, want = _timed(ref.encode_ordinary, text)
            verdict = "= tiktoken"
        except BaseException:  # noqa: BLE001  (tiktoken panics on some runs of whitespace)
            ref_seconds, want = float("nan"), ids["tokcost"]
            verdict = "tiktoken fails; peers agree"
        wrong = sorted({name for name in found if ids[name] is not None and ids[name] != want} | disagree)
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
    parser.add_argument("--fresh", action="store_true", help="a new random text every round (defeats whole-piece caches)")
    parser.add_argument("--case", action="append", help="only these cases (default: all)")
    parser.add_argument("--one-thread", action="store_true",
                        help="also tokcost with every long piece on one thread (long_piece_threads off)")
    args = parser.parse_args(argv)
    for encoding in args.encoding or ["o200k_base", "cl100k_base"]:
        run(encoding, args.size, args.rounds, args.fresh, args.case, args.one_thread)
    return 0


if __name__ == "__main__":
    sys.exit(main())
