"""atheris harness: the strict UTF-8 check (utf8_check.h) against Python's decoder. See fuzz/README.md.

    python fuzz/fuzz_utf8.py fuzz/corpus/utf8 -max_len=4096 -runs=1000000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("utf8")
