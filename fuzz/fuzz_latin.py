"""atheris harness: words of ASCII and accented letters (byte-level jobs and the character path) against tiktoken. See fuzz/README.md.

    python fuzz/fuzz_latin.py fuzz/corpus/latin -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("latin")
