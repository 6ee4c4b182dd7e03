"""atheris harness: tokcost against tiktoken on texts with long pieces (1-16 KB). See fuzz/README.md.

    python fuzz/fuzz_long.py fuzz/corpus/long -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("long")
