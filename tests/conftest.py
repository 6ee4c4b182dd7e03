"""Shared fixtures: tokcost's encodings beside tiktoken's, offline.

tiktoken looks for rank files in TIKTOKEN_CACHE_DIR under the sha1 of their
URL; we seed that cache from the rank files bundled with tokcost (verified by
sha256 on the way), so the reference never touches the network.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tokcost.bundled import FLORES_SAMPLE_DIR

ENCODING_NAMES = ["o200k_base", "cl100k_base", "r50k_base", "p50k_base", "p50k_edit"]

_tokcost_cache = Path(tempfile.mkdtemp(prefix="tokcost-tables-cache-"))
atexit.register(shutil.rmtree, _tokcost_cache, True)  # a run leaves nothing in the temp dir
os.environ["TOKCOST_CACHE_DIR"] = str(_tokcost_cache)

from tokcost.testing import seed_tiktoken_cache  # noqa: E402  (after TOKCOST_CACHE_DIR is set)

seed_tiktoken_cache()

FLORES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "flores200"


@pytest.fixture(scope="session", params=ENCODING_NAMES)
def encoding_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def pair(encoding_name):
    """(tokcost encoding, tiktoken encoding) of the same name."""
    import tiktoken

    import tokcost

    return tokcost.get_encoding(encoding_name), tiktoken.get_encoding(encoding_name)


@pytest.fixture(scope="session")
def flores_dir() -> Path:
    """The full FLORES-200 dev set (56 languages); skips the test where ../shared lacks it."""
    if not FLORES_DIR.is_dir():
        pytest.skip(f"FLORES-200 corpus not found at {FLORES_DIR}")
    return FLORES_DIR


@pytest.fixture(scope="session")
def parallel_corpus_dir() -> Path:
    """Parallel text, one ``<lang>_<Script>.txt`` per language, for exactness tests
    across scripts: the full FLORES-200 dev set (56 languages) when ../shared has
    it, else the 32-language sample bundled with tokcost, so a plain clone still
    checks every script the sample covers instead of skipping."""
    return FLORES_DIR if FLORES_DIR.is_dir() else FLORES_SAMPLE_DIR


@pytest.fixture(scope="session")
def python_split_parts() -> dict:
    """``Encoding`` arguments whose pattern no native splitter knows (cl100k_base's, with digits in
    runs of two): an encoding made of them splits text in Python (``_split_regex`` is set)."""
    import tiktoken

    base = tiktoken.get_encoding("cl100k_base")
    return dict(pat_str=base._pat_str.replace("\\p{N}{1,3}+", "\\p{N}{1,2}+"),
                mergeable_ranks=base._mergeable_ranks, special_tokens={})
