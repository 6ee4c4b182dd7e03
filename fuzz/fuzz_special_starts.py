"""atheris harness: special-token sets that share only a first character against tiktoken. See fuzz/README.md.

    python fuzz/fuzz_special_starts.py fuzz/corpus/special_starts -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("special_starts")
