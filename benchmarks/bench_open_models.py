"""Encode speed of each open-model family: tokcost against the family's own tokenizer.

    PYTHONPATH=src python benchmarks/bench_open_models.py [--rounds 5] [families...]

One process, contenders interleaved round by round, median MB/s per workload:
the bundled FLORES sample as one string, and tokcost's own Python source as
one string. ``tokcost (regex path)`` is the same encoding split by the
``regex`` package and merged natively (what a family without a native
splitter runs), for before/after. Every output is checked against the
reference before timing. Wall-clock: state the load average with the numbers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import tokcost  # noqa: E402
from tokcost.registry import ENCODINGS  # noqa: E402
from tokcost.bundled import FLORES_SAMPLE_DIR  # noqa: E402

FAMILIES = ["tekken", "qwen", "qwen3_5", "deepseek_v4", "llama3", "llama4"]
# llama-models' Tokenizer.encode cuts a text of more than 400,000 characters into chunks, so its ids
# differ from BPE of the whole text: its families' workloads are cut below that unless --max-chars says.
REFERENCE_MAX_CHARS = {"llama3": 399_000, "llama4": 399_000}


def workloads() -> dict[str, str]:
    flores = "\n".join(p.read_text(encoding="utf-8") for p in sorted(FLORES_SAMPLE_DIR.glob("*_*.txt")))
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "src" / "tokcost").rglob("*.py")))
    return {"FLORES sample": flores, "code": code}


def contenders(name: str):
    from test_open_models import _ordinary, _reference

    enc = tokcost.get_encoding(name)
    out = {"tokcost": _ordinary(name, enc), f"{name} reference": _reference(name)[0]}
    steps = ENCODINGS[name].general_split()
    if enc._core.splitter and steps is not None:  # DeepSeek's split steps, as the general path runs them
        out["tokcost (regex path)"] = lambda text: [
            t for piece in steps.findall(text) for t in enc._core.encode_single_piece(piece.encode("utf-8"))]
    elif enc._core.splitter:
        out["tokcost (regex path)"] = lambda text: enc._encode_only_native_bpe(
            _nfc(text) if type(enc).__name__ == "NFCEncoding" else text)
    return out


def _nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-chars", type=int, default=0,
                        help="cut each workload to this many characters (default: whole, but 399,000 for the "
                             "llama families, whose reference encodes a longer text in separate chunks)")
    parser.add_argument("families", nargs="*", default=FAMILIES)
    args = parser.parse_args()
    whole = workloads()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for name in args.families:
        limit = args.max_chars or REFERENCE_MAX_CHARS.get(name, 0)
        texts = {k: v[:limit] for k, v in whole.items()} if limit else whole
        print(f"{name}: " + ", ".join(f"{k} {len(v.encode()) / 1e6:.2f} MB" for k, v in texts.items())
              + (f" (the first {limit:,} characters)" if limit else ""))
        runs = contenders(name)
        for label, text in texts.items():
            want = runs[f"{name} reference"](text)
            for k, fn in runs.items():
                if fn(text) != want:
                    raise SystemExit(f"{name}, {label}: {k}'s ids differ from the reference's; nothing timed")
            times: dict[str, list[float]] = {k: [] for k in runs}
            for _ in range(args.rounds):
                for k, fn in runs.items():
                    t0 = time.perf_counter()
                    fn(text)
                    times[k].append(time.perf_counter() - t0)
            mb = len(text.encode()) / 1e6
            speeds = {k: mb / statistics.median(v) for k, v in times.items()}
            ref = speeds[f"{name} reference"]
            print(f"{name:12s} {label:14s} " + "  ".join(f"{k} {s:.1f} MB/s ({s / ref:.2f}x)" for k, s in speeds.items()))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
