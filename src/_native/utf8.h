/* Python's fixed-width string layouts (PEP 393) to UTF-8, without the GIL.
 *
 * A str that is not pure ASCII is stored as 1, 2 or 4 bytes per code point, and must be turned
 * into UTF-8 before it can be split. CPython's own encoder (PyUnicode_AsUTF8AndSize) takes about
 * thirteen instructions per byte on English with a few curly quotes, and leaves the copy cached
 * inside the caller's string for as long as it lives. Here runs of ASCII go sixteen (UCS-2: eight)
 * code points at a time (SSE2), everything else one code point at a time; the output is byte for byte
 * what CPython's strict UTF-8 encoder writes, and a lone surrogate, which UTF-8 cannot carry,
 * stops the conversion as it makes CPython's raise.
 */
#pragma once
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes past a conversion's last byte that tc_utf8_of may write (and later overwrite): the
 * three-byte shuffle's second 16-byte store, which starts after 12 bytes at most and keeps 12. */
#define TC_UTF8_SPARE 4

/* Bytes of UTF-8 room that n code points of `kind` bytes each can need, with the spare. */
static inline size_t tc_utf8_room(size_t n, int kind) {
    return n * (kind < 4 ? (size_t)kind + 1 : 4) + TC_UTF8_SPARE;
}

/* One code point c (not ASCII) as UTF-8 at o: the byte after it, or NULL for a surrogate. */
static inline uint8_t *tc_utf8_put(uint8_t *o, uint32_t c) {
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | c >> 6);
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return o + 2;
    }
    if (c < 0x10000) {
        if (c >= 0xD800 && c < 0xE000) return NULL;
        o[0] = (uint8_t)(0xE0 | c >> 12);
        o[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        return o + 3;
    }
    o[0] = (uint8_t)(0xF0 | c >> 18);
    o[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (c & 0x3F));
    return o + 4;
}

#ifdef __SSE2__
/* Eight code points below 0x800 (ASCII, or the two bytes of Cyrillic, Greek, Arabic, Hebrew, ...)
 * in 16-bit lanes, as UTF-8 at o: the byte after them. Each lane's bytes are built in the vector
 * (ASCII: the code point; else lead byte low, continuation byte high) and written by a 16-bit
 * store, the pointer stepping by 1 or 2 (2 when the high byte is set), so a word with spaces and
 * punctuation between words costs no branch per character. A store after ASCII writes one byte
 * past it, which the next character overwrites or the room's spare holds (3 bytes a code point
 * of room, at most 2 used by each one so far). */
static inline uint8_t *tc_utf8_eight_narrow(uint8_t *o, __m128i c) {
    __m128i two = _mm_or_si128(_mm_or_si128(_mm_srli_epi16(c, 6), _mm_slli_epi16(_mm_and_si128(c, _mm_set1_epi16(0x3F)), 8)),
                               _mm_set1_epi16((short)0x80C0));
    __m128i ascii = _mm_cmplt_epi16(c, _mm_set1_epi16(0x80));
    __m128i w = _mm_or_si128(_mm_and_si128(ascii, c), _mm_andnot_si128(ascii, two));
#define TC_PUT_LANE(k) do { \
        uint16_t lane = (uint16_t)_mm_extract_epi16(w, k); \
        memcpy(o, &lane, 2); \
        o += 1 + (lane > 0xFF); \
    } while (0)
    TC_PUT_LANE(0); TC_PUT_LANE(1); TC_PUT_LANE(2); TC_PUT_LANE(3);
    TC_PUT_LANE(4); TC_PUT_LANE(5); TC_PUT_LANE(6); TC_PUT_LANE(7);
#undef TC_PUT_LANE
    return o;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#define TC_HAVE_SSSE3_UTF8 1
/* Whether tc_utf8_of packs the narrow way's bytes with SSSE3's byte shuffle (tc_utf8_use_ssse3). */
static int tc_utf8_ssse3;
/* Per mask of the two-byte lanes among eight (bit k: lane k), the shuffle that keeps every lane's
 * first byte and a two-byte lane's second, in order (0x80: a zero byte after them), and how many
 * bytes that is. Filled by tc_utf8_use_ssse3. */
static uint8_t tc_utf8_pack[256][16] __attribute__((aligned(16)));
static uint8_t tc_utf8_pack_len[256];
/* Per four lanes of the three-byte way (32-bit slots, tc_utf8_eight_bmp_ssse3), indexed by the mask
 * of the ASCII lanes (bits 0-3) and of the lanes below 0x800 (bits 4-7): the shuffle that keeps
 * each lane's bytes in order (ASCII: byte 3; below 0x800: bytes 1-2; else bytes 0-2), and how
 * many that is. */
static uint8_t tc_utf8_pack3[256][16] __attribute__((aligned(16)));
static uint8_t tc_utf8_pack3_len[256];

/* tc_utf8_eight_narrow with the lanes' bytes packed by one shuffle and stored at once (16 bytes:
 * the room holds them, as it holds the 16-bit stores' spare byte), not lane by lane: about 10
 * instructions for eight code points where the eight stores and steps took about 40. Not
 * always_inline: GCC inlines it only where the caller has SSSE3. */
__attribute__((target("ssse3"))) static inline uint8_t *tc_utf8_eight_narrow_ssse3(uint8_t *o, __m128i c) {
    __m128i two = _mm_or_si128(_mm_or_si128(_mm_srli_epi16(c, 6), _mm_slli_epi16(_mm_and_si128(c, _mm_set1_epi16(0x3F)), 8)),
                               _mm_set1_epi16((short)0x80C0));
    __m128i ascii = _mm_cmplt_epi16(c, _mm_set1_epi16(0x80));
    __m128i w = _mm_or_si128(_mm_and_si128(ascii, c), _mm_andnot_si128(ascii, two));
    unsigned wide = ~(unsigned)_mm_movemask_epi8(_mm_packs_epi16(ascii, ascii)) & 0xFF;
    _mm_storeu_si128((__m128i *)o, _mm_shuffle_epi8(w, _mm_load_si128((const __m128i *)tc_utf8_pack[wide])));
    return o + tc_utf8_pack_len[wide];
}
#endif

/* Eight code points below 0x10000, none a surrogate (CJK, kana, Hangul, the Indic scripts,
 * Thai, with ASCII and 2-byte ones among them), in 16-bit lanes, as UTF-8 at o: the byte after
 * them. below_800: the lanes below 0x800. Per lane, the vector builds the first two bytes (ASCII:
 * the code point) and the third with the length above it; three bytes are stored and the
 * pointer steps by the length. The spare bytes written land where the next character goes or in
 * the room's last three bytes (3 a code point, at most 3 used by each one so far). */
static inline uint8_t *tc_utf8_eight_bmp(uint8_t *o, __m128i c, __m128i below_800) {
    const __m128i low6 = _mm_set1_epi16(0x3F), zero = _mm_setzero_si128();
    __m128i ascii = _mm_cmpeq_epi16(_mm_and_si128(c, _mm_set1_epi16((short)0xFF80)), zero);
    __m128i two = _mm_or_si128(_mm_or_si128(_mm_srli_epi16(c, 6), _mm_slli_epi16(_mm_and_si128(c, low6), 8)),
                               _mm_set1_epi16((short)0x80C0));
    __m128i three = _mm_or_si128(_mm_or_si128(_mm_srli_epi16(c, 12), _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(c, 6), low6), 8)),
                                 _mm_set1_epi16((short)0x80E0));
    __m128i head = _mm_or_si128(_mm_and_si128(below_800, two), _mm_andnot_si128(below_800, three));
    head = _mm_or_si128(_mm_and_si128(ascii, c), _mm_andnot_si128(ascii, head));
    /* length 3, less one for each of "below 0x800" and "ASCII" (each lane -1 where true) */
    __m128i len = _mm_add_epi16(_mm_add_epi16(_mm_set1_epi16(3), below_800), ascii);
    __m128i tail = _mm_or_si128(_mm_or_si128(_mm_and_si128(c, low6), _mm_set1_epi16(0x80)), _mm_slli_epi16(len, 8));
#define TC_PUT_LANE(k) do { \
        uint16_t first = (uint16_t)_mm_extract_epi16(head, k), last = (uint16_t)_mm_extract_epi16(tail, k); \
        memcpy(o, &first, 2); \
        o[2] = (uint8_t)last; \
        o += last >> 8; \
    } while (0)
    TC_PUT_LANE(0); TC_PUT_LANE(1); TC_PUT_LANE(2); TC_PUT_LANE(3);
    TC_PUT_LANE(4); TC_PUT_LANE(5); TC_PUT_LANE(6); TC_PUT_LANE(7);
#undef TC_PUT_LANE
    return o;
}

#ifdef TC_HAVE_SSSE3_UTF8
/* tc_utf8_eight_bmp with each half's four lanes packed by one shuffle and stored at once. Each lane
 * becomes a 32-bit slot holding every byte its character can need: 0xE0 | c >> 12 (a three-byte
 * character's lead), 0x80 | (c >> 6 & 0x3F), with 0x40 more below 0x800 (a three-byte character's
 * second byte, or a two-byte one's lead: c >> 6 is below 0x20 there), 0x80 | (c & 0x3F) (the last
 * byte of both) and c (ASCII). The masks of the ASCII and below-0x800 lanes pick the shuffle
 * (tc_utf8_pack3: bytes 0-2, 1-2 or 3 of each slot), so no lane is built two ways. A store writes
 * 16 bytes and keeps up to 12: the second ends at most TC_UTF8_SPARE bytes past the room of eight
 * code points at 3 bytes. About 35 instructions where the eight lane stores took about 75. */
__attribute__((target("ssse3"))) static inline uint8_t *tc_utf8_eight_bmp_ssse3(uint8_t *o, __m128i c, __m128i below_800) {
    __m128i ascii = _mm_cmpeq_epi16(_mm_and_si128(c, _mm_set1_epi16((short)0xFF80)), _mm_setzero_si128());
    __m128i head = _mm_or_si128(_mm_or_si128(_mm_srli_epi16(c, 12), _mm_and_si128(_mm_slli_epi16(c, 2), _mm_set1_epi16(0x3F00))),
                                _mm_or_si128(_mm_and_si128(below_800, _mm_set1_epi16(0x4000)), _mm_set1_epi16((short)0x80E0)));
    __m128i tail = _mm_or_si128(_mm_or_si128(_mm_and_si128(c, _mm_set1_epi16(0x3F)), _mm_set1_epi16(0x80)), _mm_slli_epi16(c, 8));
    /* one byte per lane, ordered ASCII 0-3, below 0x800 0-3, ASCII 4-7, below 0x800 4-7: each half's index */
    __m128i masks = _mm_shuffle_epi8(_mm_packs_epi16(ascii, below_800),
                                     _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15));
    unsigned m = (unsigned)_mm_movemask_epi8(masks), first = m & 0xFF, second = m >> 8;
    _mm_storeu_si128((__m128i *)o, _mm_shuffle_epi8(_mm_unpacklo_epi16(head, tail),
                                                    _mm_load_si128((const __m128i *)tc_utf8_pack3[first])));
    o += tc_utf8_pack3_len[first];
    _mm_storeu_si128((__m128i *)o, _mm_shuffle_epi8(_mm_unpackhi_epi16(head, tail),
                                                    _mm_load_si128((const __m128i *)tc_utf8_pack3[second])));
    return o + tc_utf8_pack3_len[second];
}
#endif
#endif

#ifdef __SSE2__
/* Whether eight code points in 16-bit lanes are all ASCII. */
static inline int tc_utf8_eight_ascii(__m128i v) {
    return _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16((short)0xFF80)), _mm_setzero_si128())) == 0xFFFF;
}

/* Eight code points below 0x10000, not all ASCII, in 16-bit lanes as UTF-8 at o, by the cheapest
 * of the ways above that fits them: the byte after them, or NULL (nothing written) when one is a
 * surrogate. The caller's room holds at least 3 bytes for each code point from here on (2 when
 * all are below 0x800), and TC_UTF8_SPARE more. ssse3: pack by shuffle (constant in each caller). */
static inline __attribute__((always_inline)) uint8_t *tc_utf8_eight_wide(uint8_t *o, __m128i v, const int ssse3) {
    const __m128i zero = _mm_setzero_si128(), narrow = _mm_set1_epi16((short)0xF800);
    __m128i below_800 = _mm_cmpeq_epi16(_mm_and_si128(v, narrow), zero);
    if (_mm_movemask_epi8(below_800) == 0xFFFF) {
#ifdef TC_HAVE_SSSE3_UTF8
        if (ssse3) return tc_utf8_eight_narrow_ssse3(o, v);
#endif
        return tc_utf8_eight_narrow(o, v);
    }
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, narrow), _mm_set1_epi16((short)0xD800)))) return NULL;
#ifdef TC_HAVE_SSSE3_UTF8
    if (ssse3) return tc_utf8_eight_bmp_ssse3(o, v, below_800);
#endif
    return tc_utf8_eight_bmp(o, v, below_800);
}
#endif

#ifdef __SSE2__
/* How tc_utf8_eight_step left a block of eight: converted (go on with the next block), all ASCII
 * (go back to sixteen at a time), or a surrogate among them (nothing written: the code point loop
 * stops at it). */
enum { TC_EIGHT_WIDE, TC_EIGHT_ASCII, TC_EIGHT_SURROGATE };

/* A block of eight code points of a UCS-2 or UCS-4 string, narrowed to 16-bit lanes, as UTF-8 at
 * *o (stepped past it unless a surrogate): which of the three it was. */
static inline __attribute__((always_inline)) int tc_utf8_eight_step(uint8_t **o, __m128i v, const int ssse3) {
    if (tc_utf8_eight_ascii(v)) {
        _mm_storel_epi64((__m128i *)*o, _mm_packus_epi16(v, v));
        *o += 8;
        return TC_EIGHT_ASCII;
    }
    uint8_t *after = tc_utf8_eight_wide(*o, v, ssse3);
    if (!after) return TC_EIGHT_SURROGATE;
    *o = after;
    return TC_EIGHT_WIDE;
}
#endif

/* UTF-8 of n code points of `kind` bytes each (Python's latin-1, UCS-2 and UCS-4 string
 * layouts) into out, which has tc_utf8_room(n, kind) bytes; the bytes written, or (size_t)-1 at
 * a surrogate (the caller then replaces them, as tiktoken does). */
static inline __attribute__((always_inline)) size_t tc_utf8_of_with(const void *data, size_t n, int kind, uint8_t *out,
                                                                   const int ssse3) {
    (void)ssse3;
    uint8_t *o = out;
    size_t i = 0;
    if (kind == 1) {
        const uint8_t *d = data;
        while (i < n) {
#ifdef __SSE2__
            for (; i + 16 <= n; i += 16, o += 16) {   /* sixteen ASCII characters: copied */
                __m128i v = _mm_loadu_si128((const __m128i *)(d + i));
                if (_mm_movemask_epi8(v)) break;
                _mm_storeu_si128((__m128i *)o, v);
            }
            /* Then eight at a time, widened: all below 0x100, so the ASCII or 2-byte way, whose
             * stores need 2 bytes of room a code point, which is what latin-1's room has. */
            for (; i + 8 <= n; i += 8) {
                __m128i v = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(d + i)), _mm_setzero_si128());
                if (!tc_utf8_eight_ascii(v)) {
                    o = tc_utf8_eight_wide(o, v, ssse3);
                } else {
                    _mm_storel_epi64((__m128i *)o, _mm_packus_epi16(v, v));
                    o += 8;
                }
            }
#endif
            for (size_t stop = i + 16 < n ? i + 16 : n; i < stop; i++)
                if (d[i] < 0x80) *o++ = d[i];
                else o = tc_utf8_put(o, d[i]);
        }
    } else if (kind == 2) {
        const uint16_t *d = data;
        while (i < n) {
#ifdef __SSE2__
            /* English with a curly quote is all UCS-2: its ASCII sixteen at a time. */
            for (; i + 16 <= n; i += 16, o += 16) {   /* sixteen ASCII characters: narrowed */
                __m128i a = _mm_loadu_si128((const __m128i *)(d + i)), b = _mm_loadu_si128((const __m128i *)(d + i + 8));
                if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(_mm_or_si128(a, b), _mm_set1_epi16((short)0xFF80)),
                                                      _mm_setzero_si128())) != 0xFFFF) break;
                _mm_storeu_si128((__m128i *)o, _mm_packus_epi16(a, b));
            }
            int step = TC_EIGHT_WIDE;
            for (; i + 8 <= n; i += 8)
                if ((step = tc_utf8_eight_step(&o, _mm_loadu_si128((const __m128i *)(d + i)), ssse3)) != TC_EIGHT_WIDE) break;
            if (step == TC_EIGHT_ASCII) {           /* sixteen at a time again */
                i += 8;
                continue;
            }
#endif
            for (size_t stop = i + 8 < n ? i + 8 : n; i < stop; i++) {
                if (d[i] < 0x80) { *o++ = (uint8_t)d[i]; continue; }
                if (!(o = tc_utf8_put(o, d[i]))) return (size_t)-1;
            }
        }
    } else {
        const uint32_t *d = data;
        while (i < n) {
#ifdef __SSE2__
            /* A text with one emoji or CJK character is all UCS-4: its ASCII sixteen at a time. */
            const __m128i high = _mm_set1_epi32(~0x7F), zero = _mm_setzero_si128();
            for (; i + 16 <= n; i += 16, o += 16) {   /* sixteen ASCII characters: narrowed */
                __m128i a = _mm_loadu_si128((const __m128i *)(d + i)), b = _mm_loadu_si128((const __m128i *)(d + i + 4));
                __m128i c = _mm_loadu_si128((const __m128i *)(d + i + 8)), e = _mm_loadu_si128((const __m128i *)(d + i + 12));
                __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, e));
                if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(any, high), zero)) != 0xFFFF) break;
                _mm_storeu_si128((__m128i *)o, _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, e)));
            }
            /* Eight code points below 0x10000 at a time, narrowed to 16 bits (offset by 0x8000 for
             * the signed saturating pack, which then changes none of them). */
            const __m128i astral = _mm_set1_epi32((int)0xFFFF0000u), offset = _mm_set1_epi32(0x8000);
            int step = TC_EIGHT_WIDE;
            for (; i + 8 <= n; i += 8) {
                __m128i a = _mm_loadu_si128((const __m128i *)(d + i)), b = _mm_loadu_si128((const __m128i *)(d + i + 4));
                if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(_mm_or_si128(a, b), astral), zero)) != 0xFFFF) break;
                __m128i v = _mm_xor_si128(_mm_packs_epi32(_mm_sub_epi32(a, offset), _mm_sub_epi32(b, offset)),
                                          _mm_set1_epi16((short)0x8000));
                if ((step = tc_utf8_eight_step(&o, v, ssse3)) != TC_EIGHT_WIDE) break;
            }
            if (step == TC_EIGHT_ASCII) {           /* sixteen at a time again */
                i += 8;
                continue;
            }
#endif
            for (size_t stop = i + 16 < n ? i + 16 : n; i < stop; i++) {
                if (d[i] < 0x80) { *o++ = (uint8_t)d[i]; continue; }
                if (!(o = tc_utf8_put(o, d[i]))) return (size_t)-1;
            }
        }
    }
    return (size_t)(o - out);
}

static __attribute__((noinline)) size_t tc_utf8_of_sse2(const void *data, size_t n, int kind, uint8_t *out) {
    return tc_utf8_of_with(data, n, kind, out, 0);
}
#ifdef TC_HAVE_SSSE3_UTF8
__attribute__((target("ssse3"))) static __attribute__((noinline)) size_t tc_utf8_of_ssse3(const void *data, size_t n,
                                                                                            int kind, uint8_t *out) {
    return tc_utf8_of_with(data, n, kind, out, 1);
}
#endif

/* UTF-8 of n code points of `kind` bytes each into out, which has tc_utf8_room(n, kind) bytes:
 * the bytes written, or (size_t)-1 at a surrogate (tc_utf8_of_with). */
static size_t tc_utf8_of(const void *data, size_t n, int kind, uint8_t *out) {
#ifdef TC_HAVE_SSSE3_UTF8
    if (tc_utf8_ssse3) return tc_utf8_of_ssse3(data, n, kind, out);
#endif
    return tc_utf8_of_sse2(data, n, kind, out);
}

/* Let tc_utf8_of pack with SSSE3 where the CPU has it, or not (tests check both ways on this
 * CPU). Fills the shuffles the first time. Returns whether it does now. */
static int tc_utf8_use_ssse3(int on) {
#ifdef TC_HAVE_SSSE3_UTF8
    if (!tc_utf8_pack_len[0]) {
        for (unsigned wide = 0; wide < 256; wide++) {
            unsigned k = 0;
            for (unsigned lane = 0; lane < 8; lane++) {
                tc_utf8_pack[wide][k++] = (uint8_t)(2 * lane);
                if (wide >> lane & 1) tc_utf8_pack[wide][k++] = (uint8_t)(2 * lane + 1);
            }
            tc_utf8_pack_len[wide] = (uint8_t)k;
            while (k < 16) tc_utf8_pack[wide][k++] = 0x80;
        }
        for (unsigned mask = 0; mask < 256; mask++) {
            unsigned k = 0;
            for (unsigned lane = 0; lane < 4; lane++) {
                unsigned from = mask >> lane & 1 ? 3 : mask >> (4 + lane) & 1 ? 1 : 0;
                for (unsigned b = from; b < (from == 3 ? 4u : 3u); b++) tc_utf8_pack3[mask][k++] = (uint8_t)(4 * lane + b);
            }
            tc_utf8_pack3_len[mask] = (uint8_t)k;
            while (k < 16) tc_utf8_pack3[mask][k++] = 0x80;
        }
    }
    tc_utf8_ssse3 = on && __builtin_cpu_supports("ssse3");
    return tc_utf8_ssse3;
#else
    (void)on;
    return 0;
#endif
}

/* Whether s[0:n] holds p[0:m] (m >= 1): the first byte found by memchr (vectorised in libc),
 * then the rest compared. For UTF-8 text and a UTF-8 p, the same answer as `p in text` on the
 * strings (p starts with a lead byte, so a match starts and ends on character boundaries). */
static inline int tc_contains(const uint8_t *s, size_t n, const uint8_t *p, size_t m) {
    const uint8_t *at = s, *stop = s + n;
    while ((size_t)(stop - at) >= m && (at = memchr(at, p[0], (size_t)(stop - at) - m + 1))) {
        if (memcmp(at + 1, p + 1, m - 1) == 0) return 1;
        at++;
    }
    return 0;
}

/* memcmp order of a[0:la] and b[0:lb], a prefix first: <0, 0 or >0. */
static inline int tc_bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb) {
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Which of marks[lo:hi] (sorted, distinct) is the longest prefix of t[0:l]: its index plus one, or 0
 * when none is.
 * Let i be the last mark <= t[0:l] (binary search). If it is a prefix, done. Otherwise any mark
 * that is a prefix of t[0:l] sorts at or before i, and since it sorts between itself and t[0:l],
 * mark i starts with it: it is no longer than c, the common prefix of mark i and t[0:l]. So the
 * search goes on for t[0:c] among marks[lo:i], and c < l each round (c == l would make mark i
 * equal t[0:l]). The first prefix found is the longest: a longer prefix of t[0:l] would sort between
 * it and t[0:l], so after it. Two or three binary searches where 1,000 special tokens share a first
 * byte. */
static size_t tc_mark_prefixes(const uint8_t *t, size_t l, const uint8_t *const *marks, const size_t *lens,
                               size_t lo, size_t hi) {
    while (hi > lo) {
        size_t a = lo, b = hi;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (tc_bytes_cmp(marks[mid], lens[mid], t, l) <= 0) a = mid + 1;
            else b = mid;
        }
        if (a == lo) return 0;
        size_t i = a - 1, c = 0, most = lens[i] < l ? lens[i] : l;
        while (c < most && marks[i][c] == t[c]) c++;
        if (c == lens[i]) return i + 1;
        l = c;
        hi = i;
    }
    return 0;
}

/* Where in s[0:n] the leftmost of the k marks starts (n when none does), and in *which the longest
 * mark that starts there: what the search for special tokens finds (special_tokens.py). The marks
 * are UTF-8, none empty, distinct, and sorted in memcmp order (a prefix first), so those with one
 * first byte are a run: each run's first byte is searched for (memchr) only before the best start
 * found so far, and at each hit tc_mark_prefixes asks which mark of the run starts there. */
static size_t tc_find_mark(const uint8_t *s, size_t n, const uint8_t *const *marks, const size_t *lens, size_t k,
                           size_t *which) {
    size_t best = n;
    for (size_t lo = 0, hi; lo < k; lo = hi) {
        uint8_t first = marks[lo][0];
        size_t a = lo + 1;  /* the run's end, by binary search: Tekken's 1,000 tokens are one run */
        hi = k;
        while (a < hi) {
            size_t mid = a + (hi - a) / 2;
            if (marks[mid][0] == first) a = mid + 1;
            else hi = mid;
        }
        for (const uint8_t *at = memchr(s, first, best); at; at = memchr(at + 1, first, best - (size_t)(at + 1 - s))) {
            size_t found = tc_mark_prefixes(at, n - (size_t)(at - s), marks, lens, lo, hi);
            if (found) {
                best = (size_t)(at - s);
                *which = found - 1;
                break;
            }
        }
    }
    return best;
}

/* Whether s[0:n] holds one of the k marks: `any(mark in text)` on the strings, as tc_contains. */
static inline int tc_contains_any(const uint8_t *s, size_t n, const uint8_t *const *marks, const size_t *lens,
                                  size_t k) {
    size_t which;
    return tc_find_mark(s, n, marks, lens, k, &which) < n;
}
