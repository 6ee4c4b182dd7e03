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

/* Bytes of UTF-8 room that n code points of `kind` bytes each can need. */
static inline size_t tc_utf8_room(size_t n, int kind) {
    return n * (kind < 4 ? (size_t)kind + 1 : 4);
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

/* UTF-8 of n code points of `kind` bytes each (Python's latin-1, UCS-2 and UCS-4 string
 * layouts) into out, which has tc_utf8_room(n, kind) bytes; the bytes written, or (size_t)-1 at
 * a surrogate (the caller then replaces them, as tiktoken does). */
static size_t tc_utf8_of(const void *data, size_t n, int kind, uint8_t *out) {
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
#endif
            for (size_t stop = i + 16 < n ? i + 16 : n; i < stop; i++)
                if (d[i] < 0x80) *o++ = d[i];
                else o = tc_utf8_put(o, d[i]);
        }
    } else if (kind == 2) {
        const uint16_t *d = data;
        while (i < n) {
#ifdef __SSE2__
            const __m128i high = _mm_set1_epi16((short)0xFF80), zero = _mm_setzero_si128();
            for (; i + 8 <= n; i += 8, o += 8) {      /* eight ASCII characters: narrowed */
                __m128i v = _mm_loadu_si128((const __m128i *)(d + i));
                if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, high), zero)) != 0xFFFF) break;
                _mm_storel_epi64((__m128i *)o, _mm_packus_epi16(v, v));
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
#endif
            for (size_t stop = i + 16 < n ? i + 16 : n; i < stop; i++) {
                if (d[i] < 0x80) { *o++ = (uint8_t)d[i]; continue; }
                if (!(o = tc_utf8_put(o, d[i]))) return (size_t)-1;
            }
        }
    }
    return (size_t)(o - out);
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
