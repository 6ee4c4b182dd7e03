"""atheris harness: the long-piece search as two chains joined where they meet, at any split, against tiktoken. See fuzz/README.md.

    python fuzz/fuzz_chains.py fuzz/corpus/chains -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("chains")
