"""scripts/memcheck_ours.py lists the valgrind reports with a frame in any of the extension's sources.

Round 19 (r19-harden): round 18 split the native core into two translation units, and the script
matched `_core.c` and the headers only, so a report in longpiece_shorts.c's own functions (the
short pairs' fill, tc_long_short_token) was dropped as CPython's. Synthetic logs, no valgrind run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "memcheck_ours.py"


def _script():
    spec = importlib.util.spec_from_file_location("memcheck_ours", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(pid: int, head: str, frames: list[str]) -> str:
    lines = [head] + [f"   {'at' if i == 0 else 'by'} 0x{0x4000 + i:X}: {frame}" for i, frame in enumerate(frames)]
    return "\n".join(f"=={pid}== {line}" for line in lines) + f"\n=={pid}== \n"


def test_reports_in_every_native_source_are_ours(tmp_path):
    log = "".join([
        _report(7, "Invalid read of size 1", ["tc_long_fill_short (longpiece_shorts.c:41)", "tc_long_build (longpiece.h:351)"]),
        _report(7, "Invalid read of size 1", ["tc_long_short_token (longpiece_shorts.c:16)", "PyObject_Call (call.c:1)"]),
        _report(7, "Invalid write of size 4", ["tc_merge_small_with (bpe.h:95)", "PyObject_Call (call.c:1)"]),
        _report(7, "Conditional jump or move depends on uninitialised value(s)",
                ["__pyx_f_7tokcost_5_core_7CoreBPE__load_dict (_core.c:34317)"]),
        _report(7, "Invalid read of size 32", ["__wmemcmp_avx2_movbe (memcmp-avx2-movbe.S:415)", "unicode_compare (unicodeobject.c:11091)"]),
    ])
    path = tmp_path / "vg.log"
    path.write_text(log)
    script = _script()
    found = [block for block in script.reports(log) if script.ours(block)]
    assert [block[1].split(": ", 1)[1] for block in found] == [
        "tc_long_fill_short (longpiece_shorts.c:41)", "tc_long_short_token (longpiece_shorts.c:16)",
        "tc_merge_small_with (bpe.h:95)", "__pyx_f_7tokcost_5_core_7CoreBPE__load_dict (_core.c:34317)"]
    assert script.main(["memcheck_ours.py", str(path)]) == 1
