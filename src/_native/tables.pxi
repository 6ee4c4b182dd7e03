# The built tables as one blob, saved in the table cache (tokcost.vocab) so that
# a second load skips building them, and loaded back. Included by _core.pyx.

cdef enum:
    # The layout of export_tables (and of the long-piece tables' file, longpiece.h); bump it
    # when either layout or the Unicode tables change.
    TABLES_VERSION = 14
    HEADER_WORDS = 7

# Built tables, saved so that a second load skips building them (see
# export_tables). The magic cannot begin a .tiktoken file.
TABLES_MAGIC = b"\x00tokcost-tables\x00"
# Names cached tables (tokcost.load puts it in the cache file name).
TABLES_VERSION_TAG = f"t{TABLES_VERSION}"


cdef void *_copy_out(const uint8_t *p, size_t *pos, size_t n) noexcept nogil:
    """A copy of the ``n`` bytes at ``p + pos``, or NULL when out of memory; ``pos`` moves past them either way."""
    cdef void *out = tc_alloc_table(n)
    if out != NULL:
        memcpy(out, p + pos[0], n)
    pos[0] += n
    return out


cdef inline uint64_t _bytes_pad(uint64_t n_bytes) noexcept nogil:
    """Zeros after the token bytes, so the per-rank table after them (min_pair) is 8-aligned."""
    return (8 - n_bytes % 8) % 8


cdef inline uint64_t _sig_pad(uint64_t offset):
    """Zeros at blob offset ``offset``, before the partner signatures, so that each rank's pair of
    them is 16-aligned in the file, hence in its mapping (and in one cache line)."""
    return (16 - offset % 16) % 16


cdef bytes _export_tables(CoreBPE self):
    """The built tables as one blob that the constructor accepts back."""
    cdef uint64_t header[HEADER_WORDS]
    header[:] = [TABLES_VERSION, self.v.n_ranks, self.v.max_token_len, self.v.n_bytes,
                 self.v.piece_mask + 1, self.v.pair_mask + 1, self.v.own_bpe_ok]
    head = [
        TABLES_MAGIC,
        PyBytes_FromStringAndSize(<char *>header, sizeof(header)),
        PyBytes_FromStringAndSize(<char *>self.v.byte_rank, 256 * sizeof(uint32_t)),
        PyBytes_FromStringAndSize(<char *>self.v.boundary_bits, sizeof(self.v.boundary_bits)),
        PyBytes_FromStringAndSize(<char *>self.v.dec_off, self.v.n_ranks * sizeof(uint64_t)),
        PyBytes_FromStringAndSize(<char *>self.v.piece, (self.v.piece_mask + 1) * sizeof(tc_piece_slot)),
        PyBytes_FromStringAndSize(<char *>self.v.pair, (self.v.pair_mask + 1) * sizeof(uint64_t)),
    ]
    parts = head + [
        bytes(_sig_pad(sum(len(part) for part in head))),
        PyBytes_FromStringAndSize(<char *>self.v.sig, self.v.n_ranks * sizeof(tc_sig_pair)),
        PyBytes_FromStringAndSize(<char *>self.v.byte_pair, 65536 * sizeof(uint32_t)),
        PyBytes_FromStringAndSize(<char *>self.v.straddle_rank, sizeof(uint32_t) << TC_STRADDLE_BITS),
        PyBytes_FromStringAndSize(<char *>self.v.bytes, self.v.n_bytes),
        bytes(_bytes_pad(self.v.n_bytes)),
        PyBytes_FromStringAndSize(<char *>self.v.min_pair, 2 * self.v.n_ranks * sizeof(uint32_t)),
        PyBytes_FromStringAndSize(<char *>self.v.split, self.v.n_ranks * sizeof(uint64_t)),
    ]
    return b"".join(parts)


cdef _load_tables(CoreBPE self, const uint8_t[::1] blob, int fd):
    """Inverse of export_tables (bytes, or a view of them, so the table cache
    is not copied first). Every size, offset and rank is checked, so a
    damaged blob raises ValueError instead of reading out of bounds.

    ``fd`` >= 0: the blob is the start of that open file (the table cache),
    and the tables whose values are never used as an index or an offset
    (the partner signatures and the token bytes, 4.6 MB for o200k_base)
    are used in place, mapped from it, instead of copied; see docs/NATIVE.md,
    Tables. The others are copied and checked."""
    cdef const uint8_t *p = &blob[0]
    cdef size_t pos = len(TABLES_MAGIC), total = blob.shape[0]
    cdef uint64_t header[HEADER_WORDS]
    cdef uint64_t n_piece, n_pair, sig_pad
    cdef uint64_t n_straddle = 1u << TC_STRADDLE_BITS
    if total < pos + sizeof(header) + 1024 + sizeof(self.v.boundary_bits):
        raise ValueError("tables blob is truncated")
    memcpy(header, p + pos, sizeof(header))
    pos += sizeof(header)
    if header[0] != TABLES_VERSION:
        raise ValueError(f"tables blob has format {header[0]}, expected {TABLES_VERSION}")
    n_piece, n_pair = header[4], header[5]
    sig_pad = _sig_pad(pos + 1024 + sizeof(self.v.boundary_bits) + 8 * (header[1] + 2 * n_piece + n_pair))
    if (header[1] >= TC_MAX_RANKS or n_piece & (n_piece - 1) or n_pair & (n_pair - 1)
            or not n_piece or not n_pair or header[2] > 0xFFFF
            or header[6] > 1
            or total != (pos + 1024 + sizeof(self.v.boundary_bits) + 8 * (3 * header[1] + 2 * n_piece + n_pair)
                         + sig_pad + 4 * 65536 + 4 * n_straddle + header[3] + _bytes_pad(header[3])
                         + 16 * header[1])):
        raise ValueError("tables blob has inconsistent sizes")
    self.v.n_ranks, self.v.max_token_len, self.v.n_bytes = header[1], header[2], header[3]
    self.v.piece_mask, self.v.pair_mask = n_piece - 1, n_pair - 1
    memcpy(self.v.byte_rank, p + pos, 1024)
    pos += 1024
    memcpy(self.v.boundary_bits, p + pos, sizeof(self.v.boundary_bits))
    pos += sizeof(self.v.boundary_bits)
    # Trusted as the file's CRC-32 vouches for it (re-deriving it is BPE over every token); a
    # false 1 could change ids, never read out of bounds: docs/NATIVE.md, Tables.
    self.v.own_bpe_ok = <uint32_t>header[6]
    # The copies and checks below touch every page of the tables (13 ms for o200k_base, most of it
    # page faults), so they run without the GIL: `tokcost count --jobs 2` loads the vocabulary on a
    # thread of its own while the calling thread imports the corpus modules (docs/NATIVE.md, Threads).
    # Nothing else sees this CoreBPE yet, and the caller's view keeps the blob's buffer alive.
    cdef const uint8_t *in_place = NULL
    cdef size_t start
    cdef const char *bad = NULL
    with nogil:
        self.v.dec_off = <uint64_t *>_copy_out(p, &pos, 8 * self.v.n_ranks)
        if self.v.dec_off != NULL:  # else _bad_tables reports the missing table
            bad = _copy_checked_pieces(&self.v, p + pos, n_piece)
            if bad == NULL:
                bad = _copy_checked_pairs(&self.v, p + pos + 16 * n_piece, n_pair)
        pos += 16 * n_piece + 8 * n_pair
        pos += sig_pad
        start = pos
        if fd >= 0:  # sig, byte_pair, straddle_rank, bytes, min_pair, split: the rest of the blob
            in_place = tc_vocab_map_in_place(&self.v, fd, start, total)
        if in_place != NULL:
            self.v.sig = <tc_sig_pair *>in_place
            self.v.split = <uint64_t *>(in_place + (total - start - 8 * self.v.n_ranks))
            self.v.min_pair = <uint32_t *>(in_place + (total - start - 16 * self.v.n_ranks))
            self.v.bytes = <uint8_t *>(in_place + (total - start - 16 * self.v.n_ranks - _bytes_pad(self.v.n_bytes)
                                                   - self.v.n_bytes))
            pos += 16 * self.v.n_ranks
        else:
            self.v.sig = <tc_sig_pair *>_copy_out(p, &pos, 16 * self.v.n_ranks)
        self.v.byte_pair = <uint32_t *>_copy_out(p, &pos, 4 * 65536)
        self.v.straddle_rank = <uint32_t *>_copy_out(p, &pos, 4 * n_straddle)
        if in_place == NULL:
            self.v.bytes = <uint8_t *>_copy_out(p, &pos, self.v.n_bytes)
            pos += _bytes_pad(self.v.n_bytes)
            # Compared with ranks only, never an index: used in place like the signatures.
            self.v.min_pair = <uint32_t *>_copy_out(p, &pos, 8 * self.v.n_ranks)
            # Ranks, read only through tc_token_split, which takes a split whose parts do not rank
            # below its token as none: used in place like the signatures (bpe.h).
            self.v.split = <uint64_t *>_copy_out(p, &pos, 8 * self.v.n_ranks)
        if bad == NULL:
            bad = _bad_tables(&self.v, n_piece, n_pair, n_straddle)
    if bad != NULL:
        if bad[0] == 0:
            raise MemoryError()
        raise ValueError(bad.decode())


cdef enum:
    # The token and pair tables (8.4 MB each for o200k_base) are copied and checked a block at a
    # time, each block checked while it is still in the L1 cache: one pass over them, not two.
    CHECK_BLOCK_BYTES = 16384


cdef const char *_copy_checked_pieces(tc_vocab *v, const uint8_t *src, uint64_t n) noexcept nogil:
    """v.piece: the ``n`` token slots at ``src``, copied and checked; why they cannot be used, or
    NULL (also when out of memory: v.piece is then NULL, which _bad_tables reports)."""
    cdef tc_piece_slot *out = <tc_piece_slot *>tc_alloc_table(16 * n)
    cdef uint64_t k, start = 0, end, slot, d
    v.piece = out
    while out != NULL and start < n:
        end = min(n, start + CHECK_BLOCK_BYTES // 16)
        memcpy(out + start, src + 16 * start, 16 * (end - start))
        for k in range(start, end):
            slot = out[k].meta
            if slot == TC_SLOT_EMPTY:
                continue
            if (slot & (TC_MAX_RANKS - 1)) >= v.n_ranks:
                return "tables blob has a bad token table"
            # A token of more than 12 bytes: its slot's offset, and the length its probe compares
            # there (the slot's, or dec_off's for 2047 and more), inside the byte arena.
            if (slot >> 21) > TC_INLINE:
                d = (slot >> 21) if (slot >> 21) < 2047 else (v.dec_off[slot & (TC_MAX_RANKS - 1)] & 0xFFFF)
                if <uint64_t>out[k].w1 + d > v.n_bytes:
                    return "tables blob has a token outside its byte arena"
        start = end
    return NULL


cdef const char *_copy_checked_pairs(tc_vocab *v, const uint8_t *src, uint64_t n) noexcept nogil:
    """v.pair: the ``n`` pair slots at ``src``, copied and checked, as _copy_checked_pieces."""
    cdef uint64_t *out = <uint64_t *>tc_alloc_table(8 * n)
    cdef uint64_t k, start = 0, end
    cdef bint outside
    v.pair = out
    while out != NULL and start < n:
        end = min(n, start + CHECK_BLOCK_BYTES // 8)
        memcpy(out + start, src + 8 * start, 8 * (end - start))
        outside = False
        for k in range(start, end):  # no branch a slot: the block is judged once
            outside |= (out[k] != TC_EMPTY) & ((out[k] >> 42) >= v.n_ranks)
        if outside:
            return "tables blob has a bad pair table"
        start = end
    return NULL


cdef const char *_bad_tables(const tc_vocab *v, uint64_t n_piece, uint64_t n_pair, uint64_t n_straddle) noexcept nogil:
    """Why the loaded tables cannot be used (a ValueError's message; "" when a copy ran out of
    memory), or NULL when every offset and rank in them is in bounds. The token and pair tables'
    slots were checked as they were copied (_copy_checked_pieces, _copy_checked_pairs)."""
    cdef uint64_t k, d
    if (v.dec_off == NULL or v.piece == NULL or v.pair == NULL or v.sig == NULL or v.byte_pair == NULL
            or v.straddle_rank == NULL or v.bytes == NULL or v.min_pair == NULL or v.split == NULL):
        return ""
    for k in range(v.n_ranks):
        d = v.dec_off[k]
        if (d >> 16) + (d & 0xFFFF) > v.n_bytes:
            return "tables blob has a token outside its byte arena"
    # A probe ends at its key or an empty slot (tc_piece_probe, tc_pair_rank_of_key): a table
    # without one would never end the lookup of a piece or pair it lacks. Tables built here are at
    # most half full, so the first empty slot is a few slots in.
    k = 0
    while k < n_piece and v.piece[k].meta != TC_SLOT_EMPTY:
        k += 1
    if k == n_piece:
        return "tables blob has a token table without an empty slot"
    k = 0
    while k < n_pair and v.pair[k] != TC_EMPTY:
        k += 1
    if k == n_pair:
        return "tables blob has a pair table without an empty slot"
    for k in range(256):
        if v.byte_rank[k] >= v.n_ranks:
            return "tables blob has a bad byte table"
    for k in range(65536):
        if v.byte_pair[k] != TC_NONE and v.byte_pair[k] >= v.n_ranks:
            return "tables blob has a bad byte-pair table"
    for k in range(n_straddle):
        if v.straddle_rank[k] != TC_NONE and v.straddle_rank[k] >= v.n_ranks:
            return "tables blob has a bad straddle table"
    return NULL

# The long-piece encoder's tables (longpiece.h), saved in the table cache beside
# the tables above, in a file of their own: a process reads them only once its
# long pieces need them.

cdef object _export_long_tables(CoreBPE self):
    cdef const tc_longpiece *t
    with nogil:
        t = tc_long_tables_now(&self.v)
    if t == NULL:
        raise MemoryError()
    if not t.usable:
        return None
    cdef tc_caches *c = tc_caches_for(&self.v)
    if c == NULL:
        raise MemoryError()
    cdef bytearray out = bytearray(tc_long_export(t, &self.v, c, NULL))
    tc_long_export(t, &self.v, c, <uint8_t *><char *>out)
    return bytes(out)


cdef object _long_piece_search(CoreBPE self, bytes piece, size_t split, size_t reveal, int order):
    cdef tc_caches *c = tc_caches_for(&self.v)
    cdef size_t n = len(piece), k
    cdef uint32_t *out = <uint32_t *>malloc((n + 1) * sizeof(uint32_t))
    if c == NULL or out == NULL:
        free(out)
        raise MemoryError()
    cdef const uint8_t *p = <const uint8_t *><char *>piece
    with nogil:
        k = tc_long_search_only(&self.v, c, p, n, split, reveal, order, out)
    try:
        return None if k == <size_t>-3 else [out[i] for i in range(k)]   # TC_LONG_DECLINED
    finally:
        free(out)


cdef _use_long_tables_file(CoreBPE self, str path):
    encoded = path.encode()
    cdef char *copy = <char *>malloc(len(encoded) + 1)
    if copy == NULL:
        raise MemoryError()
    memcpy(copy, PyBytes_AS_STRING(encoded), len(encoded) + 1)
    free(self.v.long_file)
    self.v.long_file = copy


cdef extern from "checksum.h" nogil:
    int tc_crc32_fast(uint32_t crc, const uint8_t *p, size_t n, uint32_t *out)


def crc32(const uint8_t[::1] data, uint32_t value=0):
    """``zlib.crc32(data, value)``, by carry-less multiplication where the CPU has it (about
    5x zlib's speed here; checksum.h). The table cache is checked with it on every load."""
    cdef uint32_t out
    cdef int done
    with nogil:
        done = tc_crc32_fast(value, &data[0] if data.shape[0] else NULL, data.shape[0], &out)
    if done:
        return out
    import zlib

    return zlib.crc32(data, value)
