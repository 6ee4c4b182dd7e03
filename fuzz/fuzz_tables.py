"""atheris harness: damaged saved tables (the on-disk table cache) load or are refused, never crash. See fuzz/README.md.

    python fuzz/fuzz_tables.py fuzz/corpus/tables -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("tables")
