"""atheris harness: _core.nfc (Qwen's NFC step) against unicodedata.normalize. See fuzz/README.md.

    python fuzz/fuzz_nfc.py fuzz/corpus/nfc -max_len=4096 -runs=100000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import run_atheris  # noqa: E402

if __name__ == "__main__":
    run_atheris("nfc")
