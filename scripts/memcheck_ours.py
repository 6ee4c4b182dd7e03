"""List the valgrind memcheck reports that pass through tokcost's native code (docs/HARDENING.md).

The extension is built with debug information, so memcheck names its frames by source file
(`_core.c:24579`, `cache.h:310`), never by the shared object: a grep for `_core.cpython` finds
nothing whatever the log holds. This reads a `--log-file` and prints each error with a frame in
one of `src/_native`'s sources (`_core.c`, `longpiece_shorts.c`, the headers) anywhere in its
report: its own stack, or the stack that allocated the block it reads or made the uninitialised
value it uses (tokcost's memory, even where CPython is the one that touches it), and each
"definitely lost" block allocated through them. Exits 1 when it printed any. Run valgrind with
`scripts/cpython.supp`, which drops the reports of CPython's own memory that pass through
tokcost only as a caller.

    python scripts/memcheck_ours.py vg.log
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NATIVE = Path(__file__).resolve().parents[1] / "src" / "_native"
# Every source of the extension: the generated _core.c (absent before a build), longpiece_shorts.c (round 18's
# second translation unit: a report in tc_long_fill_short names no header) and the headers.
OUR_FILES = sorted({"_core.c"} | {path.name for path in NATIVE.glob("*.[ch]")})
OUR_FRAME = re.compile(r"\((?:%s):\d+\)" % "|".join(re.escape(name) for name in OUR_FILES))


def reports(log: str) -> list[list[str]]:
    """The log's reports, each as its lines without the `==pid==` prefix."""
    blocks, current = [], []
    for line in log.splitlines():
        text = re.sub(r"^==\d+== ?", "", line)
        if text.strip():
            current.append(text)
        elif current:
            blocks.append(current)
            current = []
    return blocks + [current] if current else blocks


def ours(block: list[str]) -> bool:
    head = block[0]
    if "lost in loss record" in head and "definitely lost" not in head:
        return False  # possibly lost or reachable: CPython's objects at exit
    return any(OUR_FRAME.search(line) for line in block)


def main(argv: list[str]) -> int:
    found = [block for block in reports(Path(argv[1]).read_text(errors="replace")) if ours(block)]
    for block in found:
        print("\n".join(block), end="\n\n")
    print(f"{len(found)} report(s) with a frame in tokcost's native code")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
