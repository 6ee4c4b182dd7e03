"""Qwen's NFC step on each FLORES file: encode speed of the families that normalise, and the NFC
step alone against ``unicodedata.normalize``.

    PYTHONPATH=src python benchmarks/bench_nfc.py [--rounds 5] [--encodings qwen,qwen3_5] [langs...]

Each whole file (``../shared/corpora/flores200``) is one text; every number is the best of
``--rounds`` warm runs in MB/s of UTF-8. Run it with each tree's ``src`` on ``PYTHONPATH`` for a
before/after; state the load average with the numbers.
"""

from __future__ import annotations

import argparse
import os
import time
import unicodedata
from pathlib import Path

import tokcost
from tokcost.load import _nfc

FLORES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "flores200"


def best_mb_s(fn, text: str, rounds: int) -> float:
    fn(text)
    best = min(_timed(fn, text) for _ in range(rounds))
    return len(text.encode()) / best / 1e6


def _timed(fn, text: str) -> float:
    start = time.perf_counter()
    fn(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--encodings", default="qwen,qwen3_5")
    parser.add_argument("--flores", default=str(FLORES))
    parser.add_argument("langs", nargs="*")
    args = parser.parse_args()
    encodings = {name: tokcost.get_encoding(name) for name in args.encodings.split(",")}
    paths = [Path(args.flores) / f"{lang}.txt" for lang in args.langs] or sorted(Path(args.flores).glob("*_*.txt"))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("language " + " ".join(f"{name:>9}" for name in encodings) + "  nfc_step unicodedata (MB/s)")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert _nfc(text) == unicodedata.normalize("NFC", text), path.stem
        speeds = [best_mb_s(enc.encode_ordinary, text, args.rounds) for enc in encodings.values()]
        step = best_mb_s(_nfc, text, args.rounds)
        reference = best_mb_s(lambda t: unicodedata.normalize("NFC", t), text, args.rounds)
        row = " ".join(f"{s:9.1f}" for s in speeds)
        print(f"{path.stem:8} {row}  {step:8.1f} {reference:11.1f}", flush=True)


if __name__ == "__main__":
    main()
