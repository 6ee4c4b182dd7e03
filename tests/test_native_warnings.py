"""The native core compiles without gcc's uninitialised-variable warnings, self-initialisation
included (-Winit-self: `uint32_t r_ = (r_);`, which -Wall lets pass in C)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

NATIVE = Path(__file__).resolve().parents[1] / "src" / "_native"


@pytest.mark.slow
def test_native_core_has_no_uninitialised_variables(tmp_path):
    if shutil.which("gcc") is None or not (NATIVE / "_core.c").exists():
        pytest.skip("needs gcc and the Cython output src/_native/_core.c (python setup.py build_ext)")
    # setup.py's flags, so the same inlining exposes the same reads.
    proc = subprocess.run(
        ["gcc", "-O3", "-std=c11", "-fno-strict-aliasing", "-fPIC", "-Winit-self", "-Wuninitialized",
         "-Wmaybe-uninitialized", f"-I{NATIVE}", f"-I{sysconfig.get_paths()['include']}",
         "-c", str(NATIVE / "_core.c"), "-o", str(tmp_path / "core.o")],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    warnings = [line for line in proc.stderr.splitlines() if "uninitialized" in line]
    assert not warnings, "\n".join(warnings)
