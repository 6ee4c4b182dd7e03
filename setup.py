"""Build the native core: generate the Unicode tables, then cythonize."""

import subprocess
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

NATIVE = Path("src/_native")
# The .pxd of tokcost._core (the C declarations and its extension types) sits
# where Cython looks for a module's own .pxd: beside the module, in the package.
CONTRACT = Path("src/tokcost/_core.pxd")

# The pretokenizer's character classes come from the Unicode version of the
# reference tokenizer (see gen_unicode_table.py).
subprocess.run(
    [sys.executable, str(NATIVE / "gen_unicode_table.py"), str(NATIVE / "unicode_table.h")],
    check=True,
)
subprocess.run(
    [sys.executable, str(NATIVE / "gen_open_table.py"), str(NATIVE / "unicode_open_table.h")],
    check=True,
)
# NFC's quick check for Qwen's NFC step, from the unicodedata of the Python it is built for.
subprocess.run(
    [sys.executable, str(NATIVE / "gen_nfc_table.py"), str(NATIVE / "nfc_table.h")],
    check=True,
)

extensions = [
    Extension(
        "tokcost._core",
        [str(NATIVE / "_core.pyx"), str(NATIVE / "longpiece_shorts.c"), str(NATIVE / "longpiece_meet.c"),
         str(NATIVE / "longpiece_meet_shorts.c"), str(NATIVE / "longpiece_half.c"), str(NATIVE / "longpiece_half_shorts.c")],
        include_dirs=[str(NATIVE)],
        extra_compile_args=["-O3", "-std=c11", "-fno-strict-aliasing"],
        extra_link_args=["-pthread"],
        depends=[str(p) for p in [*NATIVE.glob("*.h"), *NATIVE.glob("*.pxi")]] + [str(CONTRACT)],
    )
]

setup(
    ext_modules=cythonize(
        extensions,
        include_path=[str(NATIVE), "src"],
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
    ),
)
