"""Finding, verifying and caching vocabulary (rank) files, offline.

The official ``o200k_base``, ``cl100k_base``, ``r50k_base`` and ``p50k_base``
rank files ship inside the package (gzip-compressed, byte-identical to
OpenAI's published files once decompressed; see the README for the source
of each). Every file is checked against its sha256 before use.

Where a rank file comes from, first match wins:

1. a ``path`` given by the caller;
2. ``$TOKCOST_<NAME>_PATH`` (e.g. ``TOKCOST_O200K_BASE_PATH``);
3. ``$TOKCOST_VOCAB_DIR/<name>.tiktoken`` (or ``.tiktoken.gz``);
4. the copy bundled with tokcost.

Building the lookup tables from a rank file takes a few hundred milliseconds,
so the built tables are cached in ``$TOKCOST_CACHE_DIR`` (default
``~/.cache/tokcost``) with a checksum; a damaged cache file is rebuilt, never
trusted. Set ``TOKCOST_CACHE_DIR=`` (empty) to disable the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from pathlib import Path
from typing import Callable, Optional

from tokcost.bundled import VOCAB_DIR
from tokcost.errors import VocabularyError
from tokcost.files import write_atomically


def find_rank_file(name: str, path: Optional[os.PathLike] = None) -> Path:
    """The rank file to use for vocabulary ``name``."""
    path = path or os.environ.get(f"TOKCOST_{name.upper()}_PATH") or None
    if path is not None:
        candidate = Path(path)
        if not candidate.is_file():
            raise VocabularyError(
                f"vocabulary file {candidate} does not exist; pass the path of a "
                f"{name}.tiktoken file, or omit it to use the copy bundled with tokcost"
            )
        return candidate
    vocab_dir = os.environ.get("TOKCOST_VOCAB_DIR")
    if vocab_dir:
        for suffix in (".tiktoken", ".tiktoken.gz"):
            candidate = Path(vocab_dir) / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    bundled = VOCAB_DIR / f"{name}.tiktoken.gz"
    if bundled.is_file():
        return bundled
    raise VocabularyError(
        f"no {name}.tiktoken found (looked in TOKCOST_VOCAB_DIR={vocab_dir!r} and {VOCAB_DIR}); "
        "reinstall tokcost or point TOKCOST_VOCAB_DIR at a folder holding the file"
    )


def read_rank_file(name: str, expected_sha256: Optional[str], path: Optional[os.PathLike] = None) -> bytes:
    """The verified contents of the rank file for ``name``."""
    source = find_rank_file(name, path)
    try:
        data = source.read_bytes()
        if source.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise VocabularyError(f"cannot read vocabulary file {source}: {exc}; replace the file") from exc
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise VocabularyError(
                f"vocabulary file {source} is not the official {name} "
                f"(sha256 {actual}, expected {expected_sha256}); it is corrupted or a different "
                f"file: replace it with the official {name}.tiktoken or remove it to use the bundled copy"
            )
    return data


def cache_dir() -> Optional[Path]:
    """Where built tables are cached, or None when caching is disabled."""
    configured = os.environ.get("TOKCOST_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tokcost"


def load_cached_tables(key: str, build: Callable[[], bytes], accept: Callable[[bytes], object]):
    """``accept(tables)`` on the cached tables for ``key``, building and caching
    them with ``build()`` when missing or damaged. ``accept`` raises ValueError
    on tables it rejects. Cache I/O failures only cost the cache."""
    directory = cache_dir()
    path = directory / f"{key}.tables" if directory else None
    if path is not None and path.is_file():
        try:
            blob = path.read_bytes()
            payload, checksum = blob[:-8], blob[-8:]
            if len(blob) > 8 and struct.pack("<Q", zlib.crc32(payload)) == checksum:
                return accept(payload)
        except (OSError, ValueError):
            pass  # unreadable or damaged: rebuilt below
    tables = build()
    result = accept(tables)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, tables + struct.pack("<Q", zlib.crc32(tables)))
        except OSError:
            pass  # a read-only or full cache directory costs the cache, nothing else
    return result
