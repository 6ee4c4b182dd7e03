# Incomplete input, natively: encode_bytes (bytes that need not be UTF-8) and the first step of
# encode_with_unstable. tokcost/_unstable.py states the algorithms (tiktoken's, step for step);
# these are the same steps in one call each, without a str made of the bytes, an exception
# raised to find where they stop being UTF-8, or a Python call per token. Included by _core.pyx;
# CoreBPE's methods of the same names call them.


cdef inline bint _all_space(CoreBPE core, uint32_t rank) noexcept:
    """Whether a token's bytes are all spaces, newlines and tabs (_unstable._is_all_space; the
    tokens here come from ordinary text, so none is a special token)."""
    cdef size_t length, k
    cdef const uint8_t *src = tc_token_bytes(&core.v, rank, &length)
    for k in range(length):
        if src[k] != 0x20 and src[k] != 0x0A and src[k] != 0x09:
            return False
    return True


cdef size_t _widened(CoreBPE core, const tc_buf *buf, size_t last) noexcept:
    """The open tail's token count ``last`` widened over the all-space tokens before it, as
    _unstable.increase_last_piece_token_len widens it: a split between whitespace runs can
    disappear when more text comes."""
    if last and _all_space(core, buf.data[buf.len - last]):
        while last < buf.len and _all_space(core, buf.data[buf.len - last - 1]):
            last += 1
    return last


cdef bytes _take_tail(CoreBPE core, tc_buf *buf, size_t last, const uint8_t *more, size_t n_more):
    """The bytes of buf's last ``last`` ids, then more[0:n_more]; the ids leave buf."""
    cdef size_t k, length, total = n_more
    cdef const uint8_t *src
    for k in range(buf.len - last, buf.len):
        tc_token_bytes(&core.v, buf.data[k], &length)
        total += length
    out = PyBytes_FromStringAndSize(NULL, total)
    cdef uint8_t *at = <uint8_t *>PyBytes_AS_STRING(out)
    for k in range(buf.len - last, buf.len):
        src = tc_token_bytes(&core.v, buf.data[k], &length)
        memcpy(at, src, length)
        at += length
    if n_more:
        memcpy(at, more, n_more)
    buf.len -= last
    return out


cdef size_t _last_piece_of(CoreBPE core, const tc_buf *buf, const uint8_t *p, size_t n) except? 0xFFFFFFFFFFFFFFFF:
    """How many of buf's last ids the last piece of p[0:n] (whose ids end buf) encodes to."""
    cdef size_t last = tc_last_piece_tokens(&core.v, core.split, p, n)
    if last == <size_t>-1:
        raise MemoryError()
    if last > buf.len:
        raise AssertionError("the last piece has more tokens than the text")
    return last


cdef list _encode_raw_bytes(CoreBPE core, bytes data):
    """Encoding.encode_bytes: the valid UTF-8 prefix encoded as text; if bytes follow, the tokens
    of its last piece (widened over the all-space tokens before it) are taken back, their bytes
    joined to the rest, and that merged as one piece: its own rank if it is a token, else BPE."""
    core._require_splitter()
    cdef const uint8_t *p = <const uint8_t *>PyBytes_AS_STRING(data)
    cdef size_t n = len(data), valid = tc_utf8_valid_up_to(p, n), last
    cdef _Tokens tokens = _Tokens()
    cdef tc_buf *buf = &tokens.buf
    cdef uint32_t rank
    cdef int failed
    core._encode_bytes(p, valid, buf)
    if valid == n:
        return core._to_list(buf)
    last = _widened(core, buf, _last_piece_of(core, buf, p, valid))
    joined = _take_tail(core, buf, last, p + valid, n - valid)
    rank = tc_piece_rank(&core.v, <const uint8_t *>PyBytes_AS_STRING(joined), len(joined))
    if rank != TC_NONE:
        failed = tc_buf_reserve(buf, 1)
        if not failed:
            buf.data[buf.len] = rank
            buf.len += 1
    else:
        failed = tc_byte_pair_encode(&core.v, <const uint8_t *>PyBytes_AS_STRING(joined), len(joined), buf)
    if failed:
        raise MemoryError()
    return core._to_list(buf)


cdef tuple _encode_unstable_tail(CoreBPE core, object text, MarkSet allowed):
    """(stable ids, the bytes of the ids after them that more text could change): the ids of the
    text's last piece after the last allowed mark (none when it ends with one), widened over the
    all-space ids before them. encode_with_unstable's first step, with one UTF-8 conversion.
    ``allowed`` (made with ids, or None for none) must be every special token the text can hold:
    the caller screens for the others, which tiktoken's search would skip."""
    core._require_splitter()
    cdef _Utf8 u = _utf8(text)
    cdef _Tokens tokens = _Tokens()
    cdef size_t tail = 0, k
    cdef int failed = 0
    if allowed is None or not len(allowed.marks):
        core._encode_bytes(u.p, u.n, &tokens.buf)
    else:
        if allowed.ids == NULL:
            raise ValueError("encode_unstable_tail needs a MarkSet made with ids")
        k = len(allowed.marks)
        if u.n < GIL_RELEASE_BYTES:
            failed = tc_encode_special(&core.v, core.split, u.p, u.n, allowed.at, allowed.lens, allowed.ids, k,
                                       &tokens.buf, &tail)
        else:
            with nogil:
                failed = tc_encode_special(&core.v, core.split, u.p, u.n, allowed.at, allowed.lens, allowed.ids, k,
                                           &tokens.buf, &tail)
        if failed:
            raise MemoryError()
    cdef size_t last = _widened(core, &tokens.buf, _last_piece_of(core, &tokens.buf, u.p + tail, u.n - tail))
    unstable = _take_tail(core, &tokens.buf, last, NULL, 0)
    return core._to_list(&tokens.buf), unstable


cdef list _piece_ranks(CoreBPE core, pieces):
    """[token_rank(p) for p in pieces] (bytes each; -1 for no token) in one call: the ranks of
    the candidate completions encode_with_unstable finds among the sorted tokens."""
    cdef uint32_t r
    out = []
    for piece in pieces:
        if type(piece) is not bytes:
            raise TypeError(f"expected bytes, got {type(piece).__name__}")
        r = tc_piece_rank(&core.v, <const uint8_t *>PyBytes_AS_STRING(piece), len(piece)) if len(piece) else TC_NONE
        out.append(-1 if r == TC_NONE else r)
    return out


cdef inline bint _bytes_below(bytes token, const uint8_t *key, size_t n) noexcept:
    """Whether ``token`` sorts before key[0:n] as Python compares bytes."""
    cdef size_t length = len(token)
    cdef int c = memcmp(PyBytes_AS_STRING(token), key, length if length < n else n)
    return c < 0 or (c == 0 and length < n)


cdef Py_ssize_t _first_not_below(tuple tokens, const uint8_t *key, size_t n) except -1:
    """bisect.bisect_left(tokens, key[0:n]) over bytes sorted in byte order."""
    cdef Py_ssize_t lo = 0, hi = len(tokens), mid
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if _bytes_below(<bytes?>tokens[mid], key, n):
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef tuple _covering_ids(CoreBPE core, const tc_buf *buf, size_t n):
    """buf's ids up to the first whose bytes, with those before it, reach n bytes, as a tuple."""
    cdef size_t k, kept = 0, covered = 0, length
    cdef object item  # an int object: PyTuple_SET_ITEM takes a reference to it
    while kept < buf.len and covered < n:
        tc_token_bytes(&core.v, buf.data[kept], &length)
        covered += length
        kept += 1
    out = PyTuple_New(kept)
    for k in range(kept):
        item = buf.data[k]
        Py_INCREF(item)  # PyTuple_SET_ITEM takes the reference; Cython drops its own
        PyTuple_SET_ITEM(out, k, item)
    return out


cdef set _straddling_completions(CoreBPE core, bytes unstable, tuple sorted_tokens):
    """encode_with_unstable's completions with a token straddling a split point of ``unstable``
    (_unstable.completions' loop, tiktoken's step for step): at each split, the bytes before it
    and each token that starts with the bytes after it, encoded as text when that is UTF-8 (else
    plain BPE), cut after the first id that reaches the end of ``unstable``."""
    core._require_splitter()
    cdef const uint8_t *u = <const uint8_t *>PyBytes_AS_STRING(unstable)
    cdef size_t n = len(unstable), split, length, size
    cdef Py_ssize_t at, count = len(sorted_tokens)
    cdef uint8_t *joined = <uint8_t *>malloc(n + core.v.max_token_len + 1)
    cdef _Tokens tokens = _Tokens()
    completions = set()
    if joined == NULL:
        raise MemoryError()
    try:
        for split in range(1, n):
            memcpy(joined, u, split)
            at = _first_not_below(sorted_tokens, u + split, n - split)
            while at < count:
                token = <bytes?>sorted_tokens[at]
                length = len(token)
                if length > core.v.max_token_len:
                    raise ValueError("sorted_tokens holds a token longer than any of this vocabulary")
                if length < n - split or memcmp(PyBytes_AS_STRING(token), u + split, n - split):
                    break  # past the tokens that start with the bytes after the split
                memcpy(joined + split, PyBytes_AS_STRING(token), length)
                size = split + length
                tokens.buf.len = 0
                if tc_utf8_valid_up_to(joined, size) == size:
                    core._encode_bytes(joined, size, &tokens.buf)
                elif tc_byte_pair_encode(&core.v, joined, size, &tokens.buf):
                    raise MemoryError()
                completions.add(_covering_ids(core, &tokens.buf, n))
                at += 1
        return completions
    finally:
        free(joined)
