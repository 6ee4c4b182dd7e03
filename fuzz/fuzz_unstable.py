"""atheris harness: encode_with_unstable and encode_bytes of texts ending in special tokens, whitespace and cut UTF-8. See fuzz/README.md.

    python fuzz/fuzz_unstable.py fuzz/corpus/unstable -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("unstable")
