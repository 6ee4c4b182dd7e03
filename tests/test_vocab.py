"""Rank files: bundled, user-supplied, corrupted; and the table cache."""

from __future__ import annotations

import gzip
import hashlib
import os

import pytest

import tokcost
from tokcost import bundled, registry, vocab
from tokcost.load import load_encoding
from tokcost.errors import VocabularyError


def test_bundled_files_are_the_official_ones():
    for name in ["o200k_base", "cl100k_base", "r50k_base", "p50k_base"]:
        spec = registry.ENCODINGS[name]
        data = gzip.decompress((bundled.VOCAB_DIR / f"{name}.tiktoken.gz").read_bytes())
        assert hashlib.sha256(data).hexdigest() == spec.sha256


def test_user_copy_via_environment(tmp_path, monkeypatch):
    spec = registry.ENCODINGS["cl100k_base"]
    (tmp_path / "cl100k_base.tiktoken").write_bytes(vocab.read_rank_file("cl100k_base", spec.sha256))
    monkeypatch.setenv("TOKCOST_VOCAB_DIR", str(tmp_path))
    assert vocab.find_rank_file("cl100k_base") == tmp_path / "cl100k_base.tiktoken"
    assert load_encoding(spec).encode("hi there") == tokcost.get_encoding("cl100k_base").encode("hi there")


def test_corrupted_file_is_refused_with_the_fix(tmp_path):
    spec = registry.ENCODINGS["cl100k_base"]
    data = bytearray(vocab.read_rank_file("cl100k_base", spec.sha256))
    data[100] ^= 1
    bad = tmp_path / "cl100k_base.tiktoken"
    bad.write_bytes(bytes(data))
    with pytest.raises(VocabularyError, match="sha256.*replace it"):
        load_encoding(spec, path=bad)


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(VocabularyError, match="does not exist"):
        vocab.read_rank_file("cl100k_base", None, tmp_path / "nope.tiktoken")
    spec = registry.ENCODINGS["p50k_base"]._replace(name="x50k_base", vocabulary="x50k_base")
    with pytest.raises(VocabularyError, match="TOKCOST_VOCAB_DIR"):
        load_encoding(spec)


def test_damaged_table_cache_is_rebuilt_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["cl100k_base"]
    first = load_encoding(spec)
    (cached,) = tmp_path.glob("*.tables")
    blob = bytearray(cached.read_bytes())
    for offset in (40, len(blob) // 2, len(blob) - 20):
        blob[offset] ^= 0xFF
    cached.write_bytes(bytes(blob))
    again = load_encoding(spec)
    assert again.encode("cache check") == first.encode("cache check")
    (rebuilt,) = tmp_path.glob("*.tables")  # the rebuilt file replaced the damaged one
    assert rebuilt.read_bytes() != bytes(blob)
    cached.write_bytes(b"short")
    assert load_encoding(spec).encode("x y") == first.encode("x y")


def test_tables_blob_checks_its_own_bounds():
    from tokcost import _core

    enc = tokcost.get_encoding("cl100k_base")
    blob = enc._core.export_tables()
    with pytest.raises(ValueError):
        _core.CoreBPE(blob[:-1], {}, "cl100k")
    with pytest.raises(ValueError):
        _core.CoreBPE(blob + b"x", {}, "cl100k")


def test_signatures_load_aligned_for_any_vocabulary_size(tmp_path, flores_dir):
    """The partner signatures sit 16-aligned in the tables blob, after zeros when what comes
    before them ends off 16 (an even number of ranks: cl100k_base with one more special token).
    Loaded back copied and mapped in place from the file, either size encodes as tiktoken."""
    from tokcost import _core
    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    import tiktoken

    reference = tiktoken.get_encoding("cl100k_base")
    ranks = reference._mergeable_ranks
    text = "".join((flores_dir / f"{lang}.txt").read_text(encoding="utf-8")[:4000]
                   for lang in ("eng_Latn", "rus_Cyrl", "arb_Arab", "hin_Deva", "tha_Thai", "zho_Hans"))
    expected = reference.encode_ordinary(text)
    for extra in ({}, {"<|pad|>": reference.max_token_value + 1}):
        specials = {**reference._special_tokens, **extra}
        built = _core.CoreBPE(ranks, specials, "cl100k")
        blob = built.export_tables()
        path = tmp_path / f"tables{len(extra)}"
        path.write_bytes(blob)
        with open(path, "rb") as f:
            mapped = _core.CoreBPE(blob, specials, "cl100k", f.fileno())
        copied = _core.CoreBPE(blob, specials, "cl100k")
        assert built.n_ranks % 2 != len(extra)
        for core in (built, mapped, copied):
            assert core.encode_ordinary(text) == expected


def test_malformed_rank_file_names_the_line():
    from tokcost import _core

    with pytest.raises(ValueError, match="line 2"):
        _core.CoreBPE(b"YQ== 0\nnot base64!! 1\n", {}, None)


def test_unwritable_cache_dir_costs_only_the_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(blocker / "cache"))
    enc = load_encoding(registry.ENCODINGS["cl100k_base"])
    assert enc.encode("still works") == tokcost.get_encoding("cl100k_base").encode("still works")
    assert not (blocker / "cache").exists()


def test_cached_tables_stand_in_for_the_bundled_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["r50k_base"]
    first = load_encoding(spec)  # builds the tables from the bundled file and caches them

    def refuse(*args, **kwargs):
        raise AssertionError("the bundled rank file was read although its tables are cached")

    monkeypatch.setattr(vocab, "read_rank_file", refuse)
    again = load_encoding(spec)
    assert again.encode("héllo wörld 中文") == first.encode("héllo wörld 中文")


def test_tables_blob_checks_its_straddle_ranks():
    import struct

    from tokcost import _core

    blob = bytearray(tokcost.get_encoding("cl100k_base")._core.export_tables())
    n_ranks, _, n_bytes = struct.unpack_from("<3Q", blob, len(_core.TABLES_MAGIC) + 8)
    # After the straddle table: the token bytes, zeros to a multiple of 8, min_pair and the splits
    # (8 per rank each).
    straddle = len(blob) - 16 * n_ranks - (-n_bytes % 8) - n_bytes - 4 * (1 << 14)
    struct.pack_into("<I", blob, straddle + 40, 2**21 - 2)  # a rank past the vocabulary
    with pytest.raises(ValueError, match="straddle"):
        _core.CoreBPE(bytes(blob), {}, "cl100k")


def test_table_cache_is_mapped_checked_and_released(tmp_path, monkeypatch):
    """The cache file is mapped, not read: a good one reaches accept() as a view, and an empty
    file, a bad checksum or tables accept() rejects are rebuilt (the mapping closes cleanly
    whatever accept() did with its view)."""
    import struct
    import zlib

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    path = tmp_path / "k.tables"
    built = []

    def build():
        built.append(1)
        return b"fresh tables", b"fresh tables"

    def accept(blob, fd):
        assert os.read(fd, 4) == bytes(blob[:4])  # the open cache file, whose first bytes the tables are
        data = bytes(blob)
        if data == b"rejected":
            raise ValueError("rejected")
        return data

    path.write_bytes(b"good tables" + struct.pack("<Q", zlib.crc32(b"good tables")))
    assert vocab.load_cached_tables("k", build, accept) == b"good tables"
    assert not built
    for damaged in (b"", b"short", b"good tables" + struct.pack("<Q", zlib.crc32(b"good tables") ^ 1),
                    b"rejected" + struct.pack("<Q", zlib.crc32(b"rejected"))):
        path.write_bytes(damaged)
        assert vocab.load_cached_tables("k", build, accept) == b"fresh tables"
        assert path.read_bytes() == b"fresh tables" + struct.pack("<Q", zlib.crc32(b"fresh tables"))
    assert len(built) == 4


def test_table_cache_is_checked_where_no_thread_can_start(tmp_path, monkeypatch):
    """The checksum runs beside the copy on a thread of its own; where none can start, it runs
    first on the loading thread, and a damaged file is still rebuilt."""
    import struct
    import threading
    import zlib

    def refuse(thread):
        raise RuntimeError("can't start new thread")

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(threading.Thread, "start", refuse)
    path = tmp_path / "k.tables"
    path.write_bytes(b"good tables" + struct.pack("<Q", zlib.crc32(b"good tables")))
    build = lambda: (b"fresh tables", b"fresh tables")
    assert vocab.load_cached_tables("k", build, lambda blob, fd: bytes(blob)) == b"good tables"
    path.write_bytes(b"good tables" + struct.pack("<Q", zlib.crc32(b"good tables") ^ 1))
    assert vocab.load_cached_tables("k", build, lambda blob, fd: bytes(blob)) == b"fresh tables"


def _long_tables_of(spec, text):
    """A fresh load of ``spec`` from the table cache, encoding ``text``: (ids, where its
    long-piece tables came from)."""
    enc = load_encoding(spec)
    return enc.encode_ordinary(text), enc._core.long_piece_tables_source()


def test_long_piece_tables_are_cached_checked_and_rebuilt(tmp_path, monkeypatch):
    """The long-piece tables are saved with the table cache and read (not built) by a fresh
    load; a damaged, truncated, empty or foreign file is detected, removed and saved again by
    the next load, and they are built instead, with the same ids as tiktoken."""
    import random

    import tiktoken

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["cl100k_base"]
    load_encoding(spec)  # builds and caches every table
    (path,) = tmp_path.glob("*.long")
    good = path.read_bytes()
    rng = random.Random(15)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(40_000))
    expected = tiktoken.get_encoding("cl100k_base").encode_ordinary(text)
    assert _long_tables_of(spec, text) == (expected, "read")
    load_encoding(registry.ENCODINGS["r50k_base"])
    foreign = next(tmp_path.glob("r50k_base*.long")).read_bytes()
    damaged = [good[:-1], good[:100], b"", foreign, good + b"\0" * 8]
    for offset in (40, 70_000, len(good) // 2, len(good) - 300, len(good) - 3):  # header, trie, splits, lengths, sum
        flipped = bytearray(good)
        flipped[offset] ^= 0x10
        damaged.append(bytes(flipped))
    for data in damaged:
        path.write_bytes(data)
        assert _long_tables_of(spec, text) == (expected, "built")
        assert not path.exists()  # removed when found damaged ...
        assert _long_tables_of(spec, text) == (expected, "built")  # ... and saved again by the next load
        assert path.read_bytes() == good
        assert _long_tables_of(spec, text) == (expected, "read")
    monkeypatch.setenv("TOKCOST_CACHE_DIR", "")  # caching off: nothing to read, and 40 KB does not pay a build
    assert _long_tables_of(spec, text) == (expected, None)


_MASK64 = (1 << 64) - 1
SHORT_BYTES = 61_632  # longpiece.h TC_LONG_SHORT_BYTES: a bit per pair of 702 short ids, padded to 64 bytes


def _long_checksum(data: bytes) -> int:
    """longpiece.h's tc_long_checksum (two lanes of multiply-mix), so a test can alter a
    long-tables file and keep it well formed."""
    def mix(a, b):
        r = a * b
        return (r & _MASK64) ^ (r >> 64)

    import struct

    a, b, n = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, len(data)
    words = struct.unpack_from(f"<{n // 16 * 2}Q", data)
    for w, x in zip(words[0::2], words[1::2]):
        a, b = mix(a ^ w, 0xFF51AFD7ED558CCD), mix(b ^ x, 0xC4CEB9FE1A85EC53)
    w = 0
    for byte in data[n // 16 * 16:]:
        w = (w << 8 | byte) & _MASK64
    return mix(a ^ w, 0xFF51AFD7ED558CCD) ^ mix((b + n) & _MASK64, 0x9E3779B97F4A7C15)


def test_long_tables_file_short_pairs_part_is_checked_or_harmless(tmp_path, monkeypatch):
    """Round 18 (r18-harden2): the short pairs' part of a long-tables file (tklong2: a u64
    flag, then 61.6 KB of bits) altered under a right checksum. A flag other than 0 or 1 is
    refused (built, tiktoken's ids); a flag of 0 reads the tables without the bits
    (tiktoken's ids); bits set, cleared or flipped are read and may mean other ids, but
    every id is a token and the piece decodes back (a wrong bit only picks another
    token that matches there). Six fixed files, one 40 KB text of letters each."""
    import random
    import struct

    import tiktoken

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["cl100k_base"]
    load_encoding(spec)
    (path,) = tmp_path.glob("*.long")
    good = path.read_bytes()
    flag_at, bits_at = len(good) - 8 - SHORT_BYTES - 8, len(good) - 8 - SHORT_BYTES
    assert struct.unpack_from("<Q", good, len(good) - 8)[0] == _long_checksum(good[:-8])
    assert struct.unpack_from("<Q", good, flag_at)[0] == 1  # cl100k_base's tables keep the bits
    rng = random.Random(18)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(40_000))
    expected = tiktoken.get_encoding("cl100k_base").encode_ordinary(text)
    flipped = bytearray(good[bits_at:bits_at + SHORT_BYTES])
    for k in rng.sample(range(SHORT_BYTES * 8), 2_000):
        flipped[k >> 3] ^= 1 << (k & 7)
    cases = [(struct.pack("<Q", 2), None, "built"), (struct.pack("<Q", 1 << 40), None, "built"),
             (struct.pack("<Q", 0), None, "read"), (None, b"\xff" * SHORT_BYTES, "read"),
             (None, b"\0" * SHORT_BYTES, "read"), (None, bytes(flipped), "read")]
    for flag, bits, source in cases:
        body = bytearray(good[:-8])
        if flag is not None:
            body[flag_at:flag_at + 8] = flag
        if bits is not None:
            body[bits_at:bits_at + SHORT_BYTES] = bits
        path.write_bytes(bytes(body) + struct.pack("<Q", _long_checksum(bytes(body))))
        enc = load_encoding(spec)
        ids = enc.encode_ordinary(text)
        assert enc._core.long_piece_tables_source() == source, (flag, source)
        if bits is None:
            assert ids == expected, flag
        assert all(0 <= i < enc.n_vocab for i in ids) and enc.decode(ids) == text


def test_a_load_that_builds_the_cache_keeps_its_long_piece_tables(tmp_path, monkeypatch):
    """The process that builds the table cache built the long-piece tables to save them: it keeps
    them (they were dropped and read back from the file by the first long piece), ids tiktoken's."""
    import tiktoken

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["cl100k_base"]
    enc = load_encoding(spec)  # an empty cache: builds every table
    assert enc._core.long_piece_tables_source() == "built"
    assert enc._core.long_piece_table_bytes() > 0
    text = "x" * 50_000 + " " + "ab" * 30_000
    assert enc.encode_ordinary(text) == tiktoken.get_encoding("cl100k_base").encode_ordinary(text)
    assert load_encoding(spec)._core.long_piece_tables_source() is None  # from the cache: read when needed


def test_a_failed_long_table_save_is_not_retried(tmp_path, monkeypatch):
    """A read-only or full cache folder: saving the long-piece tables fails once, and later loads
    in the process do not build them again only to fail again."""
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["r50k_base"]
    load_encoding(spec)  # the tables are cached; now the folder refuses the .long file
    (long_file,) = tmp_path.glob("*.long")
    long_file.unlink()
    exports = []
    real_export = vocab.save_long_tables

    def counting(key, export):
        return real_export(key, lambda: exports.append(key) or export())

    def refuse(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vocab, "save_long_tables", counting)
    monkeypatch.setattr(vocab, "write_atomically", refuse)
    for _ in range(3):
        enc = load_encoding(spec)
        assert enc.encode("still works") == tokcost.get_encoding("r50k_base").encode("still works")
    assert len(exports) == 1
    assert not long_file.exists()


def _flag_offset():
    from tokcost import _core

    return len(_core.TABLES_MAGIC) + 6 * 8  # header word 6: own_bpe_ok


def test_the_own_bpe_flag_is_covered_by_the_checksum(tmp_path, monkeypatch):
    """``own_bpe_ok`` (every token's own BPE is that token) is not re-derived at load (that is
    BPE over every token): a cache file whose flag changed fails its CRC-32 and is rebuilt."""
    import struct

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["r50k_base"]
    load_encoding(spec)
    (cached,) = tmp_path.glob("*.tables")
    good = cached.read_bytes()
    assert struct.unpack_from("<Q", good, _flag_offset()) == (1,)
    flipped = bytearray(good)
    struct.pack_into("<Q", flipped, _flag_offset(), 0)
    cached.write_bytes(bytes(flipped))
    assert load_encoding(spec).encode("flag") == tokcost.get_encoding("r50k_base").encode("flag")
    assert cached.read_bytes() == good  # refused and rebuilt, not trusted


def test_a_false_own_bpe_flag_cannot_read_out_of_bounds():
    """A blob claiming ``own_bpe_ok`` for a vocabulary where it is false (the bpe of "abcd" stops
    at a, bc, d) passes the loader's checks: what the flag selects still only returns ranks the
    vocabulary has, so the flag bears on which ids, never on memory; the checksum guards which ids."""
    import struct

    from tokcost import _core

    ranks = {bytes([b]): b for b in range(256)}
    ranks.update({b"bc": 256, b"ab": 257, b"cd": 258, b"abcd": 259, "é".encode(): 260, "éa".encode(): 261})
    honest = _core.CoreBPE(ranks, {}, "cl100k")
    blob = bytearray(honest.export_tables())
    assert struct.unpack_from("<Q", blob, _flag_offset()) == (0,)
    struct.pack_into("<Q", blob, _flag_offset(), 1)
    forged = _core.CoreBPE(bytes(blob), {}, "cl100k")
    for text in ("abcd xabcd", "é" * 100 + "abcd", "éabcd" * 20_000, "ab" * 50_000, "abcd" * 30_000):
        ids = forged.encode_ordinary(text)
        assert all(0 <= i < 262 for i in ids) and forged.count(text) == len(ids)
    struct.pack_into("<Q", blob, _flag_offset(), 2)
    with pytest.raises(ValueError, match="inconsistent"):
        _core.CoreBPE(bytes(blob), {}, "cl100k")


def test_cached_tables_are_used_in_place_and_outlive_the_file(tmp_path, monkeypatch):
    """A load from the table cache maps part of the file (signatures, token bytes) instead of
    copying it; the table cache replaces files by renaming, so a replaced or removed file leaves
    the loaded tables as they were: ids, counts and decoding stay tiktoken's."""
    import sys

    import tiktoken

    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/maps")
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    spec = registry.ENCODINGS["cl100k_base"]
    load_encoding(spec)  # builds the cache
    enc = load_encoding(spec)  # reads it
    (cached,) = tmp_path.glob("*.tables")
    with open("/proc/self/maps") as maps:
        assert str(cached) in maps.read()
    replacement = tmp_path / "replacement"
    replacement.write_bytes(b"\0" * cached.stat().st_size)
    replacement.replace(cached)
    text = "Ünïcödé text, 中文, код and émoji 🎉 " * 200
    reference = tiktoken.get_encoding("cl100k_base")
    ids = enc.encode_ordinary(text)
    assert ids == reference.encode_ordinary(text) and enc.count(text) == len(ids)
    assert enc.decode(ids) == text
    cached.unlink()
    assert enc.encode_ordinary(text[::-1]) == reference.encode_ordinary(text[::-1])
    if hasattr(os, "fork"):  # a forked child reads the same mapping (its page table entries copied)
        expected = reference.encode_ordinary(text * 3)
        child = os.fork()
        if child == 0:
            os._exit(0 if enc.encode_ordinary(text * 3) == expected and enc.decode(expected) == text * 3 else 1)
        assert os.waitpid(child, 0)[1] == 0


def _table_offsets(blob):
    """Where the token table and the pair table start in a tables blob, and their slot counts:
    after the magic, the header, the byte ranks, the boundary bits and dec_off (tables.pxi)."""
    import struct

    from tokcost import _core

    at = len(_core.TABLES_MAGIC)
    _, n_ranks, _, n_bytes, n_piece, n_pair, _ = struct.unpack_from("<7Q", blob, at)
    # The rest of the blob, less the boundary bits and the zeros before the signatures (< 16).
    rest = (at + 56 + 1024 + 8 * (3 * n_ranks + 2 * n_piece + n_pair) + 4 * 65536 + 4 * (1 << 14)
            + n_bytes + (-n_bytes % 8) + 16 * n_ranks)
    boundary = (len(blob) - rest) & ~15
    piece = at + 56 + 1024 + boundary + 8 * n_ranks
    return piece, n_piece, piece + 16 * n_piece, n_pair


def test_tables_blob_refuses_tables_without_an_empty_slot():
    """A lookup probes until it finds its key or an empty slot: a token table or pair table with
    no empty slot (which only a damaged cache file could hold) would never end the lookup of a
    piece or pair it lacks, so loading refuses it. Every empty slot filled with a copy of a real
    one keeps each slot's own checks (ranks, offsets) passing."""
    import struct

    from tokcost import _core

    blob = tokcost.get_encoding("cl100k_base")._core.export_tables()
    piece, n_piece, pair, n_pair = _table_offsets(blob)
    _core.CoreBPE(bytes(blob), {}, "cl100k")   # the offsets name the tables: untouched, it loads
    full = bytearray(blob)
    slots = [bytes(full[pair + 8 * k: pair + 8 * k + 8]) for k in range(n_pair)]
    assert sum(s == b"\xff" * 8 for s in slots) > n_pair // 4
    real = next(s for s in slots if s != b"\xff" * 8)
    for k, s in enumerate(slots):
        if s == b"\xff" * 8:
            full[pair + 8 * k: pair + 8 * k + 8] = real
    with pytest.raises(ValueError, match="pair table without an empty slot"):
        _core.CoreBPE(bytes(full), {}, "cl100k")
    full = bytearray(blob)
    metas = [struct.unpack_from("<I", full, piece + 16 * k + 12)[0] for k in range(n_piece)]
    assert metas.count(0xFFFFFFFF) > n_piece // 4
    real = bytes(full[piece + 16 * metas.index(next(m for m in metas if m != 0xFFFFFFFF)):][:16])
    for k, m in enumerate(metas):
        if m == 0xFFFFFFFF:
            full[piece + 16 * k: piece + 16 * k + 16] = real
    with pytest.raises(ValueError, match="token table without an empty slot"):
        _core.CoreBPE(bytes(full), {}, "cl100k")


def test_every_slot_of_the_token_and_pair_tables_is_checked_as_they_are_copied():
    """The token and pair tables are copied and checked a block at a time (tables.pxi): a rank past
    the vocabulary in the last used slot, or in a block's first or last slot, is refused like one in
    the first slot."""
    import struct

    from tokcost import _core

    blob = tokcost.get_encoding("cl100k_base")._core.export_tables()
    piece, n_piece, pair, n_pair = _table_offsets(blob)
    too_big = 2**21 - 2  # a rank past the vocabulary, below TC_MAX_RANKS
    metas = [struct.unpack_from("<I", blob, piece + 16 * k + 12)[0] for k in range(n_piece)]
    pairs = [struct.unpack_from("<Q", blob, pair + 8 * k)[0] for k in range(n_pair)]
    used_metas = [k for k, m in enumerate(metas) if m != 0xFFFFFFFF]
    used_pairs = [k for k, p in enumerate(pairs) if p != 2**64 - 1]
    piece_block, pair_block = 16384 // 16, 16384 // 8
    for k in {used_metas[-1], next(k for k in used_metas if k % piece_block == 0),
              next(k for k in used_metas if k % piece_block == piece_block - 1)}:
        damaged = bytearray(blob)
        struct.pack_into("<I", damaged, piece + 16 * k + 12, (metas[k] & ~(2**21 - 1)) | too_big)
        with pytest.raises(ValueError, match="bad token table"):
            _core.CoreBPE(bytes(damaged), {}, "cl100k")
    for k in {used_pairs[-1], next(k for k in used_pairs if k % pair_block == 0),
              next(k for k in used_pairs if k % pair_block == pair_block - 1)}:
        damaged = bytearray(blob)
        struct.pack_into("<Q", damaged, pair + 8 * k, (pairs[k] & (2**42 - 1)) | (too_big << 42))
        with pytest.raises(ValueError, match="bad pair table"):
            _core.CoreBPE(bytes(damaged), {}, "cl100k")


def test_seeding_tiktoken_skips_what_tiktoken_has_not(tmp_path, monkeypatch):
    """An open model's name, or an unknown one, is skipped rather than raising (round 30: an open
    model's package vocabulary reached the rank-file reader and raised AttributeError)."""
    from tokcost.testing import seed_tiktoken_cache, tiktoken_cache_key

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", os.environ.get("TIKTOKEN_CACHE_DIR", ""))  # given back after

    assert seed_tiktoken_cache(tmp_path, ("llama3", "qwen", "no_such_encoding", "r50k_base")) == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [tiktoken_cache_key("r50k_base")]
