"""The contenders: tokcost, tiktoken and the exact peers, behind one interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

# ---------------------------------------------------------------- contenders

@dataclass
class Contender:
    """One tokenizer, reduced to the four operations we time."""

    name: str
    version: str
    encode: Callable[[str], Sequence[int]]
    count: Callable[[str], int]
    encode_batch: Callable[[list, int], Any]  # (texts, threads) -> anything
    count_batch: Callable[[list, int], Sequence[int]]  # (texts, threads) -> counts
    batch_counts: Callable[[Any], list]  # encode_batch's result -> token count per text
    load_code: str  # statements a fresh interpreter runs to load NAME


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _tokcost(name: str) -> Contender:
    import tokcost

    enc = tokcost.get_encoding(name)
    return Contender(
        "tokcost", tokcost.__version__, enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: enc.count_batch(texts, num_threads=n),
        lambda result: [len(ids) for ids in result],
        "import tokcost\nenc = tokcost.get_encoding(NAME)",
    )


def _tiktoken(name: str) -> Contender:
    import tiktoken

    from tokcost.testing import seed_tiktoken_cache

    if not _seeded_by_us:  # once per process, into a private temporary directory
        _seeded_by_us.append(seed_tiktoken_cache())
    enc = tiktoken.get_encoding(name)
    return Contender(
        "tiktoken", _version("tiktoken"), enc.encode_ordinary,
        lambda text: len(enc.encode_ordinary(text)),
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: [len(ids) for ids in enc.encode_ordinary_batch(texts, num_threads=n)],
        lambda result: [len(ids) for ids in result],
        "import tiktoken\nenc = tiktoken.get_encoding(NAME)",
    )


_seeded_by_us: list = []


def _toktok(name: str) -> Contender:
    import toktok

    enc = toktok._encoding(name)  # the full Tokenizer; the public API is count-only
    return Contender(
        "toktok-rs", _version("toktok-rs"), enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_batch(texts, n, False),
        lambda texts, n: enc.count_batch(texts, n, False),
        _offsets_to_counts,
        "import toktok\nenc = toktok._encoding(NAME)",
    )


def _quicktok(name: str) -> Contender:
    import quicktok

    enc = quicktok.get_encoding(name)
    return Contender(
        "quicktok-v1", _version("quicktok-v1"), enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_batch(texts, n, False),
        # quicktok has no count_batch of its own: its helper diffs encode_batch's offsets.
        lambda texts, n: quicktok.count_batch(enc, texts, n),
        _offsets_to_counts,
        "import quicktok\nenc = quicktok.get_encoding(NAME)",
    )


def _offsets_to_counts(result) -> list:
    """Counts from a (ids, offsets) batch result; offsets as int64 array or bytes."""
    import numpy as np

    offsets = result[1]
    if isinstance(offsets, (bytes, bytearray, memoryview)):
        offsets = np.frombuffer(offsets, dtype=np.int64)
    return np.diff(np.asarray(offsets)).tolist()


# Every contender, baseline second; peers are optional (`pip install tokcost[bench]`).
CONTENDERS: list[tuple[str, Callable[[str], Contender]]] = [
    ("tokcost", _tokcost),
    ("tiktoken", _tiktoken),
    ("toktok-rs", _toktok),
    ("quicktok-v1", _quicktok),
]


def load_contenders(encoding: str, only: Optional[Sequence[str]] = None) -> tuple[list[Contender], dict[str, str]]:
    """The contenders that load here, and why each other one did not."""
    loaded, missing = [], {}
    for name, factory in CONTENDERS:
        if only and name not in only:
            continue
        try:
            loaded.append(factory(encoding))
        except ImportError as exc:
            missing[name] = f"not installed ({exc.name or exc})"
        except Exception as exc:  # e.g. a peer without this encoding
            missing[name] = f"{type(exc).__name__}: {exc}"
    return loaded, missing
