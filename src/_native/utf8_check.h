/* Strict UTF-8 checked as Python's decoder checks it (shortest forms only, no surrogates, nothing
 * above U+10FFFF; Unicode table 3-7), for bytes that come from outside: a corpus's files (files.h)
 * and encode_bytes. Stands alone; nothing here knows about tokens.
 *
 * tc_utf8_valid_up_to walks characters one at a time, eight ASCII bytes at a step. On text that
 * mixes scripts word by word that step rarely applies, and the walk cost 7 instructions a byte and
 * a branch a character (round 27: 8 M of a corpus count's 68 M instructions). With AVX2 the
 * prefix is judged 32 bytes at a time first, by the rules below, and the walk only finishes the
 * last few characters or finds where a bad block's error starts.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Whether the block check uses AVX2 (tc_utf8_check_use_avx2). */
static int tc_utf8_check_avx2;

/* How many bytes of s[i:n], s[0:i] being whole valid characters, are valid: the index where the
 * first invalid sequence starts (UnicodeDecodeError.start, Rust's valid_up_to), n when there is
 * none. A character is valid or not as a whole, so the count always ends on a character boundary. */
static size_t tc_utf8_walk(const uint8_t *s, size_t i, size_t n) {
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ull)) { i += 8; continue; }
        }
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF;             /* range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
        else return i;
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TC_HAVE_AVX2_UTF8_CHECK 1

/* Nonzero lanes where the 32 bytes at `at` (with the three before it in p1, p2, p3: `at` - 1, - 2,
 * - 3) break a rule. Every rule looks at one byte and the three before it:
 *   - a byte is a continuation (0x80-0xBF) exactly when a lead of two or more bytes (C0 and above)
 *     is just before it, one of three or four (E0 and above) two before, or one of four (F0 and
 *     above) three before;
 *   - no byte is C0, C1 or F5-FF (they start only overlong or out-of-range forms);
 *   - after E0 comes A0-BF (not overlong), after ED 80-9F (no surrogate), after F0 90-BF (not
 *     overlong), after F4 80-8F (not above U+10FFFF).
 * Why these rules, met at every position of s[0:p) (nothing before s counted as a lead), make
 * every character that starts before p valid: read from 0, a character starts at a byte that is
 * not a continuation (the previous character's lead asked for exactly the continuations it had,
 * so no lead within three bytes asks for one here); its lead is ASCII, C2-DF, E0-EF or F0-F4 (the
 * rest are excluded); the first rule then makes the next 1, 2 or 3 bytes continuations and the
 * byte after them not one, and the last rule bounds the second byte as table 3-7 does. A lead in
 * one of the last three bytes before p may still lack continuations at p or after, so the block
 * after it, or the walk, settles that character. */
__attribute__((target("avx2"))) static inline __m256i tc_utf8_block_errors(__m256i at, __m256i p1, __m256i p2,
                                                                              __m256i p3) {
    const __m256i zero = _mm256_setzero_si256();
    /* 0x80-0xBF are the signed bytes below -64 */
    __m256i continuation = _mm256_cmpgt_epi8(_mm256_set1_epi8((char)0xC0), at);
    /* p1 above BF, p2 above DF or p3 above EF: the saturating differences are nonzero (at most 0x40) */
    __m256i asked = _mm256_or_si256(_mm256_subs_epu8(p1, _mm256_set1_epi8((char)0xBF)),
                                    _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8((char)0xDF)),
                                                    _mm256_subs_epu8(p3, _mm256_set1_epi8((char)0xEF))));
    __m256i errors = _mm256_xor_si256(_mm256_cmpgt_epi8(asked, zero), continuation);
    /* C0 or C1; F5 and above */
    errors = _mm256_or_si256(errors, _mm256_cmpeq_epi8(_mm256_and_si256(at, _mm256_set1_epi8((char)0xFE)),
                                                       _mm256_set1_epi8((char)0xC0)));
    errors = _mm256_or_si256(errors, _mm256_subs_epu8(at, _mm256_set1_epi8((char)0xF4)));
    /* the second byte's range after E0, ED, F0, F4 (it is a continuation, by the first rule) */
    __m256i upto_9f = _mm256_cmpeq_epi8(_mm256_min_epu8(at, _mm256_set1_epi8((char)0x9F)), at);
    __m256i upto_8f = _mm256_cmpeq_epi8(_mm256_min_epu8(at, _mm256_set1_epi8((char)0x8F)), at);
    __m256i after_e0 = _mm256_cmpeq_epi8(p1, _mm256_set1_epi8((char)0xE0));
    __m256i after_ed = _mm256_cmpeq_epi8(p1, _mm256_set1_epi8((char)0xED));
    __m256i after_f0 = _mm256_cmpeq_epi8(p1, _mm256_set1_epi8((char)0xF0));
    __m256i after_f4 = _mm256_cmpeq_epi8(p1, _mm256_set1_epi8((char)0xF4));
    errors = _mm256_or_si256(errors, _mm256_and_si256(after_e0, upto_9f));
    errors = _mm256_or_si256(errors, _mm256_andnot_si256(upto_9f, after_ed));
    errors = _mm256_or_si256(errors, _mm256_and_si256(after_f0, upto_8f));
    return _mm256_or_si256(errors, _mm256_andnot_si256(upto_8f, after_f4));
}

/* An index p <= n such that s[0:p) is whole valid characters, found 32 bytes at a time: it stops
 * at the first block that breaks a rule, or the last whole block, and goes back to where the
 * character holding the byte before that block starts. */
__attribute__((target("avx2"))) static size_t tc_utf8_valid_blocks_avx2(const uint8_t *s, size_t n) {
    uint8_t first[35] = {0};                  /* the first block, after three bytes that are not leads */
    memcpy(first + 3, s, 32);
    __m256i errors = tc_utf8_block_errors(_mm256_loadu_si256((const __m256i *)(first + 3)),
                                          _mm256_loadu_si256((const __m256i *)(first + 2)),
                                          _mm256_loadu_si256((const __m256i *)(first + 1)),
                                          _mm256_loadu_si256((const __m256i *)first));
    if (!_mm256_testz_si256(errors, errors)) return 0;
    size_t p = 32;
    for (; p + 32 <= n; p += 32) {
        errors = tc_utf8_block_errors(_mm256_loadu_si256((const __m256i *)(s + p)),
                                      _mm256_loadu_si256((const __m256i *)(s + p - 1)),
                                      _mm256_loadu_si256((const __m256i *)(s + p - 2)),
                                      _mm256_loadu_si256((const __m256i *)(s + p - 3)));
        if (!_mm256_testz_si256(errors, errors)) break;
    }
    p--;                                      /* s[p] is the byte before the block: back to its character's start */
    while (p > 0 && (s[p] & 0xC0) == 0x80) p--;
    return p;
}
#endif

/* Set by the module at import (1: where the CPU has AVX2); 0 makes the check walk every byte, so
 * tests check both ways on this CPU. Returns whether AVX2 is now used. */
static int tc_utf8_check_use_avx2(int on) {
#ifdef TC_HAVE_AVX2_UTF8_CHECK
    tc_utf8_check_avx2 = on && __builtin_cpu_supports("avx2");
#else
    (void)on;
#endif
    return tc_utf8_check_avx2;
}

/* How many bytes of s[0:n] are valid UTF-8 (tc_utf8_walk's answer, from the start). */
static size_t tc_utf8_valid_up_to(const uint8_t *s, size_t n) {
    size_t i = 0;
#ifdef TC_HAVE_AVX2_UTF8_CHECK
    if (tc_utf8_check_avx2 && n >= 64) i = tc_utf8_valid_blocks_avx2(s, n);
#endif
    return tc_utf8_walk(s, i, n);
}

/* Whether s[0:n] is all strict UTF-8. */
static inline int tc_is_strict_utf8(const uint8_t *s, size_t n) {
    return tc_utf8_valid_up_to(s, n) == n;
}
