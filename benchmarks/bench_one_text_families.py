"""One long text, one call, for every native encoding: tokcost cutting it over two threads
(``text_threads``, its default) against tokcost on one thread and the encoding's reference, on
text never seen before.

    python benchmarks/bench_one_text_families.py                     # every encoding, 1 MB, 7 rounds
    python benchmarks/bench_one_text_families.py --encodings r50k_base,llama3 --rounds 11
    sudo chrt -f 10 python benchmarks/bench_one_text_families.py     # real-time priority

The text: FLORES-200's sentences of all its languages (``$TOKCOST_FLORES_DIR`` or ``shared/`` beside
the checkout; the bundled sample otherwise), shuffled with a fixed seed and joined by newlines into
chunks of ``--size`` bytes, a fresh chunk for every call, the contenders interleaved (the order
reversed every other round). The reference is tiktoken for OpenAI's encodings and the family's own
tokenizer for the open models (the ones ``tests/test_open_models.py`` checks against, when their
packages are installed); its ids are compared with tokcost's on a spare chunk's first 390,000
characters. Prints medians.
``bench_one_text.py`` is the same measure for o200k_base against every peer, on this machine's text.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("SRC") or str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # test_open_models' references

import tokcost  # noqa: E402
from tokcost.bench import workloads  # noqa: E402
from tokcost.bench.workloads import chunk_lines, read_sentences  # noqa: E402

TIKTOKEN_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base")
ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base", "llama3", "llama4", "tekken", "qwen",
             "qwen3_5", "deepseek_v4")


def flores_lines() -> list[str]:
    directory, _ = workloads.Plan().flores()  # $TOKCOST_FLORES_DIR, shared/, else the bundled sample
    lines = [line for path in sorted(directory.glob("*_*.txt")) for line in read_sentences(path)]
    random.Random(5).shuffle(lines)
    return lines


def reference(name: str):
    """(label, encode) of the encoding's reference tokenizer, or None where it is not installed."""
    if name in TIKTOKEN_ENCODINGS:
        from tokcost.testing import seed_tiktoken_cache

        seed_tiktoken_cache(None, (name,))
        import tiktoken

        return "tiktoken", tiktoken.get_encoding(name).encode_ordinary
    import test_open_models

    if name not in test_open_models.FAMILIES or not test_open_models._installed(name):
        return None
    return f"{name}'s own", test_open_models._reference(name)[0]


def measure(name: str, lines: list[str], size: int, rounds: int) -> dict:
    import test_open_models

    # What the reference's encode means: DeepSeek's reads its added tokens in text.
    ordinary = test_open_models._ordinary(name, tokcost.get_encoding(name))
    runners = {"tokcost, 2 threads": (True, ordinary), "tokcost, 1 thread": (False, ordinary)}
    ref = reference(name)
    if ref:
        runners[ref[0]] = (False, ref[1])
    texts, fresh = chunk_lines(lines, rounds * len(runners) + 1, size)
    if not fresh:
        raise SystemExit(f"the corpus holds fewer than {len(texts)} chunks of {size:,} bytes: lower --size or --rounds")
    # Under 400,000 characters, where llama-models' Tokenizer.encode starts cutting text of its own
    # accord (README, Open models): the ids are compared there, the time taken on whole chunks.
    check = texts.pop()[:390_000]
    if ref and ordinary(check) != ref[1](check):
        raise SystemExit(f"{name}: tokcost's ids differ from {ref[0]}'s")
    seconds: dict = {label: [] for label in runners}
    before = tokcost.text_threads()
    try:
        for r in range(rounds):
            for label in list(runners) if r % 2 == 0 else list(runners)[::-1]:
                threads, encode = runners[label]
                text = texts.pop()
                tokcost.text_threads(threads)
                start = time.perf_counter()
                encode(text)
                seconds[label].append((time.perf_counter() - start) / len(text.encode()))
    finally:
        tokcost.text_threads(before)
    return {label: statistics.median(values) for label, values in seconds.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encodings", default=",".join(ENCODINGS))
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    lines = flores_lines()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.2f}, "
          f"chunks of {args.size:,} bytes, {args.rounds} rounds, MB/s (median)")
    for name in args.encodings.split(","):
        try:
            tokcost.get_encoding(name)
        except Exception as exc:  # an open model whose package is not installed
            print(f"{name:12} left out: {exc}")
            continue
        median = measure(name, lines, args.size, args.rounds)
        two, one = median["tokcost, 2 threads"], median["tokcost, 1 thread"]
        row = "  ".join(f"{label} {1e-6 / s:6.1f}" for label, s in median.items())
        print(f"{name:12} {row}  two threads / one {one / two:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
