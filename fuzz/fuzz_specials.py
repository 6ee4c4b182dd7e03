"""atheris harness: tokcost's specials against tiktoken. See fuzz/README.md.

    python fuzz/fuzz_specials.py fuzz/corpus/specials -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("specials")
