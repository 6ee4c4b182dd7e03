# Settings of the native core and what tests and benchmarks read of it, included by _core.pyx:
# which instructions it uses, whether one call may take pool workers (policy is tokcost.threads'),
# the counters of texts cut and chains stopped, and probes of its tables.

def use_avx2(bint on):
    """Let the ASCII windows, the character path's merge loop, list building and the strict UTF-8
    check use AVX2, and the UTF-8 conversion SSSE3, where the CPU has it (the default), or not, so tests check their SSE2
    and scalar paths on this CPU too. Returns whether AVX2 is now in use. Not thread-safe: for
    tests only."""
    cdef int windows = tc_window_use_avx2(on)
    cdef int merges = tc_merge_use_avx2(on)
    cdef int lists = tc_ints_use_avx2(on)
    cdef int check = tc_utf8_check_use_avx2(on)
    tc_utf8_use_ssse3(on)
    return bool(windows or merges or lists or check)


def long_piece_threads(on=None):
    """Whether one long piece (64 KB or more) may be searched as two chains on two threads, a
    pool worker taking its second half (longpiece.h); ``on`` sets it. Off in the core: whether one
    call may take a second core is policy, and ``tokcost.threads`` turns it on. Returns the setting now."""
    return bool(tc_long_threads_allowed(-1 if on is None else (1 if on else 0)))


def text_threads(on=None):
    """Whether one text of 64 KB or more may be cut where no piece can cross (after a newline a
    letter follows) and its parts encoded on pool workers beside the calling thread (encoder.h);
    ``on`` sets it. Off in the core, as long_piece_threads. Returns the setting now."""
    return bool(tc_text_threads_allowed(-1 if on is None else (1 if on else 0)))


def text_threads_sizes(size_t min_text=0, size_t min_segment=0):
    """Tests only: the least text ``text_threads`` cuts and the least segment (0 keeps either);
    returns the least text. Small sizes cut short texts at (almost) every cut."""
    return tc_text_threads_sizes(min_text, min_segment)


def texts_cut():
    """How many texts ``text_threads`` has cut over threads since the process started: for tests
    and benchmarks."""
    return tc_texts_cut_count()


def long_halves_stopped():
    """How many second chains of long pieces (``long_piece_threads``) stopped early since the
    process started, the first chain having got as far: for tests and benchmarks."""
    return tc_long_halves_stopped_count()


def bit_count(uint32_t x):
    """The bits set in x, counted as the second level's admission filter counts them
    (thread_caches.h, tc_bit_count: the popcnt instruction where the CPU has it). For tests."""
    return tc_bit_count(x)


def second_level_first_bits(uint32_t bits=0):
    """Tests only: the second levels a thread maps from now on start with ``1 << bits`` slots (4 to
    16; other values keep the setting) and grow three times at most (thread_caches.h); returns the
    setting. Small sizes make a few hundred KB of text grow them. Not thread-safe."""
    return tc_big_first_bits_set(bits)


def scratch_bytes(size=None):
    """Tests only: each thread's scratch (the work arrays too large for its stack: thread_caches.h)
    is ``size`` bytes from now on as far as taking room goes, at most its real size (64 KB; a larger
    value, or none, keeps the setting). Smaller, the callers' other paths run: byte-level BPE for
    the character path, merging for the long-piece search, and MemoryError for a text's job pool.
    Returns the setting and how many takes were refused since the process started. Not
    thread-safe."""
    cdef size_t refused
    cdef size_t now = tc_scratch_bytes_set(<size_t>-1 if size is None else <size_t>size, &refused)
    return now, refused


def second_level_bits(CoreBPE core):
    """Tests only: log2 of the slots of the calling thread's second level for ``core``'s
    vocabulary, 0 when it has none yet."""
    return tc_big_bits_now(&core.v)


def second_level_events():
    """Tests only: how many times since the process started a thread's second level grew, had its
    pieces packed to the front of its arena, and was cleared (thread_caches.h, tc_big_make_room)."""
    cdef size_t out[3]
    tc_big_events(out)
    return out[0], out[1], out[2]


def wait_ints_populated():
    """Return once the thread that faults in the int block's pages (pyints.h), if one runs, is
    done, so that later lists take the block as a long-running process's do. For benchmarks that
    count instructions and tests that measure memory."""
    with nogil:
        tc_ints_populate_wait()


def char_flags():
    """The pretokenizer's class flags of every code point, as bytes indexed by
    code point (bit 1 letter, 2 number, 4 whitespace, 8 o200k upper class,
    16 o200k lower class). For tests that compare the tables with other sources."""
    cdef bytearray out = bytearray(0x110000)
    cdef unsigned char *o = out
    cdef uint8_t buf[4]
    cdef size_t n
    cdef uint32_t cp
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        if cp < 0x80:
            buf[0] = cp
        elif cp < 0x800:
            buf[0] = 0xC0 | (cp >> 6); buf[1] = 0x80 | (cp & 0x3F)
        elif cp < 0x10000:
            buf[0] = 0xE0 | (cp >> 12); buf[1] = 0x80 | ((cp >> 6) & 0x3F); buf[2] = 0x80 | (cp & 0x3F)
        else:
            buf[0] = 0xF0 | (cp >> 18); buf[1] = 0x80 | ((cp >> 12) & 0x3F)
            buf[2] = 0x80 | ((cp >> 6) & 0x3F); buf[3] = 0x80 | (cp & 0x3F)
        o[cp] = tc_class(buf, 0, &n)
    return bytes(out)
