"""Where the pieces of fresh FLORES text go: a single byte, a token, met before, or merged (ASCII or not).

    PYTHONPATH=src python benchmarks/piece_paths.py ces_Latn fin_Latn eng_Latn

Each file (``../shared/corpora/flores200``) is cut into 16 KB chunks of whole lines; the first is the
warm-up and the next three are measured, as ``callgrind_fresh.py`` cuts them. A piece is "met before"
when an earlier piece of the same bytes was merged (the piece cache, taken as unbounded, for pieces of
at most 32 bytes and 6 tokens). Merged pieces are the ones a fresh text sends to the byte-level jobs
(ASCII, and since round 25 words of accented Latin letters) or the character path: NATIVE.md, Round 25.
Counted with tiktoken's pattern and ranks, so it says what the text is, not what a build does.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import regex

from callgrind_fresh import flores_chunks  # the same cut as its instruction counts (this directory)
from tokcost.testing import seed_tiktoken_cache

FLORES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "flores200"


def main(langs: list[str]) -> None:
    seed_tiktoken_cache()
    import tiktoken

    enc = tiktoken.get_encoding("o200k_base")
    pattern, ranks = regex.compile(enc._pat_str), enc._mergeable_ranks
    kinds = ("one byte", "a token", "met before", "ASCII, merged", "non-ASCII, merged")
    print(f"{'':9}" + "".join(f"{k:>22}" for k in kinds))
    for lang in langs:
        seen: set[bytes] = set()
        pieces, nbytes = collections.Counter(), collections.Counter()
        for n_chunk, text in enumerate(flores_chunks(FLORES / f"{lang}.txt")):
            for piece in pattern.findall(text):
                b = piece.encode()
                if len(b) == 1:
                    kind = kinds[0]
                elif b in ranks:
                    kind = kinds[1]
                elif b in seen:
                    kind = kinds[2]
                else:
                    if len(b) <= 32 and len(enc._encode_single_piece(b)) <= 6:
                        seen.add(b)
                    kind = kinds[3] if b.isascii() else kinds[4]
                if n_chunk:
                    pieces[kind] += 1
                    nbytes[kind] += len(b)
        total = sum(nbytes.values())
        print(f"{lang:9}" + "".join(f"{100 * nbytes[k] / total:9.1f}% {pieces[k]:6} pcs" for k in kinds))


if __name__ == "__main__":
    main(sys.argv[1:] or ["ces_Latn", "fin_Latn", "eng_Latn"])
