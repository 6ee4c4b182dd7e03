"""Write the bundled r50k_base and p50k_base rank files from an MIT-licensed copy of r50k_base.

OpenAI's ``r50k_base.tiktoken`` (the GPT-2 ranks) is shipped byte-identical in
the openai-whisper sdist on PyPI (MIT) as ``whisper/assets/gpt2.tiktoken``.
``p50k_base`` is ``r50k_base`` plus 24 tokens of 2 to 25 spaces at ranks
50257-50280; this script derives it and proves the result by the official
sha256. Run it from the repository root::

    pip download openai-whisper --no-deps --no-binary :all: -d /tmp/whisper
    tar xzf /tmp/whisper/openai_whisper-*.tar.gz -C /tmp/whisper
    python scripts/bundle_gpt2_vocabularies.py /tmp/whisper/openai_whisper-*/whisper/assets/gpt2.tiktoken

The gzip files are written with a zero timestamp, so the same input always
gives the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import sys
from pathlib import Path

# tiktoken's expected_hash of each file (tiktoken_ext/openai_public.py).
R50K_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
P50K_SHA256 = "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"
R50K_RANKS = 50256  # ranks 0..50255; 50256 is <|endoftext|>
SPACE_RUNS = range(2, 26)  # p50k's whitespace tokens: 2..25 spaces

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "tokcost" / "data"


def p50k_from_r50k(r50k: bytes) -> bytes:
    """The p50k_base rank file: r50k_base's lines, then one line per run of 2..25
    spaces at the ranks after <|endoftext|> (50257..50280)."""
    extra = b"".join(
        base64.b64encode(b" " * n) + b" " + str(R50K_RANKS + n - 1).encode() + b"\n" for n in SPACE_RUNS
    )
    return r50k + extra


def _check(name: str, data: bytes, expected: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        sys.exit(f"{name}: sha256 {actual}, expected {expected}; not the official file")


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    r50k = Path(argv[0]).read_bytes()
    _check("r50k_base", r50k, R50K_SHA256)
    p50k = p50k_from_r50k(r50k)
    _check("p50k_base", p50k, P50K_SHA256)
    for name, data in (("r50k_base", r50k), ("p50k_base", p50k)):
        target = DATA_DIR / f"{name}.tiktoken.gz"
        target.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"wrote {target} ({len(data)} bytes, sha256 verified)")


if __name__ == "__main__":
    main(sys.argv[1:])
