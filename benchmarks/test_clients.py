"""A real client of tiktoken before and after ``tokcost.patch_tiktoken()``.

langchain-text-splitters' TokenTextSplitter calls tiktoken itself; the same
splitter, built on the real tiktoken and under the patch, splits the same
multilingual document (both give the same chunks: tests/test_tiktoken_patch.py).

    python -m pytest benchmarks/test_clients.py --benchmark-group-by=group
"""

from __future__ import annotations

import pytest

import tokcost
from tokcost.bundled import FLORES_SAMPLE_DIR

splitters = pytest.importorskip("langchain_text_splitters", reason="pip install langchain-text-splitters")


def _document() -> str:
    return "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(FLORES_SAMPLE_DIR.glob("*.txt")))


DOCUMENT = _document()


@pytest.mark.parametrize("backend", ["tiktoken", "tokcost"])
def test_token_text_splitter(benchmark, backend):
    benchmark.group = "langchain TokenTextSplitter, FLORES sample (32 languages)"
    patch = tokcost.patch_tiktoken() if backend == "tokcost" else None
    try:
        splitter = splitters.TokenTextSplitter(encoding_name="o200k_base", chunk_size=256, chunk_overlap=32)
    finally:
        if patch is not None:
            patch.undo()
    benchmark.extra_info["megabytes"] = len(DOCUMENT.encode()) / 1e6
    chunks = benchmark(splitter.split_text, DOCUMENT)
    assert chunks
