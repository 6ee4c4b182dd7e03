/* Hand-written pretokenizers for the o200k_base, cl100k_base and GPT-2
 * (r50k_base, p50k_base) split patterns.
 *
 * Each `*_next(s, i, end)` returns the end of the piece that the pattern's
 * leftmost-first, backtracking regex would match at byte offset `i` of the
 * valid UTF-8 segment s[0:end]. Every character is matched by some
 * alternative, so pieces tile the segment. The comments give the regex
 * alternative each branch reproduces; `end` plays the role of `$` because
 * tiktoken runs the regex on the text between special tokens.
 */
#pragma once
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "unicode_table.h"

enum { F_L = 1, F_N = 2, F_WS = 4, F_A = 8, F_B = 16 };

static uint8_t tc_ascii[128];
/* Class flags of the code points below U+0800 (ASCII and every 2-byte character: Latin, Greek,
 * Cyrillic, Armenian, Hebrew, Arabic, ...), so a word of those scripts reads one table per letter. */
static uint8_t tc_class2[0x800];

/* What each byte is, for the splitters' ASCII fast paths: one load answers "letter? digit?
 * punctuation?". Bytes of 0x80 and up are 0: the fast paths leave them to the general code. */
enum { K_UP = 1, K_LO = 2, K_DIGIT = 4, K_PUNCT = 8 /* [^\s\p{L}\p{N}] */, K_SPACE = 16 /* \s but \r \n */,
       K_NL = 32 /* \r \n */ };
static uint8_t tc_kind[256];

/* Whether every code point of U+0430 to U+045F (the lower-case Cyrillic letters а to я and ѐ to
 * џ, UTF-8 D0 B0-BF and D1 80-9F) is in o200k's B class and in \p{L}: set at start-up from the
 * class table, so tc_cyrillic_lower_run is only used while it holds. */
static int tc_cyrillic_lower_ok;
/* Whether every code point of U+0410 to U+042F (the capitals А to Я, UTF-8 D0 90-AF) is in A and
 * not in B, as o200k_script_word takes them. */
static int tc_cyrillic_upper_ok;
/* Whether every code point of U+0620 to U+065F (the Arabic letters and harakat: UTF-8 D8 A0-BF and
 * D9 80-9F), and of U+0900 to U+0963 and U+0971 to U+097F (Devanagari but its danda, digits and
 * abbreviation sign), is in both of o200k's A and B classes: set at start-up from the class
 * table, so tc_arabic_run and tc_devanagari_run are only used while it holds. */
static int tc_arabic_ok, tc_devanagari_ok;
/* Whether every code point of U+AC00 to U+D77F (the Hangul syllables but the last 36: UTF-8 EA B0-BF,
 * EB, EC, ED 80-9D) is in both of o200k's A and B classes, as tc_hangul_run takes them. */
static int tc_hangul_ok;
/* The three-byte characters of U+0800 to U+1FFF (lead byte E0 or E1: Samaritan to Tibetan, Myanmar,
 * Ethiopic, Khmer, ...) that are in both of o200k's A and B classes, as bits: block b of 128 code
 * points from U+0800, half h (the second byte's low bit), bit k (the third byte's low six). Filled
 * at start-up from the class table, so tc_caseless_run takes exactly the characters the table
 * calls caseless letters (Lm, Lo, marks). */
static uint64_t tc_caseless_bits[48][2];
/* 1 for the first bytes those runs start with (D8, D9, E0, E1 and EA to ED) while they hold: one
 * load decides. E0 is set only while tc_devanagari_ok holds (the Devanagari window reads it so). */
static uint8_t tc_block_lead[256];

static void tc_init_windows(void);
static int tc_window_avx2;   /* whether the CPU has AVX2 (tc_init_windows) */

static void tc_init_ascii(void) {
    tc_init_windows();
    for (int cp = 0; cp < 0x800; cp++) tc_class2[cp] = tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)];
    tc_cyrillic_lower_ok = 1;
    for (int cp = 0x430; cp < 0x460; cp++) tc_cyrillic_lower_ok &= (tc_class2[cp] & (F_B | F_L)) == (F_B | F_L);
    tc_cyrillic_upper_ok = 1;
    for (int cp = 0x410; cp < 0x430; cp++) tc_cyrillic_upper_ok &= (tc_class2[cp] & (F_A | F_B)) == F_A;
    tc_arabic_ok = tc_devanagari_ok = 1;
    for (int cp = 0x620; cp < 0x660; cp++) tc_arabic_ok &= (tc_class2[cp] & (F_A | F_B)) == (F_A | F_B);
    for (int cp = 0x900; cp < 0x980; cp++)
        if (cp < 0x964 || cp > 0x970)
            tc_devanagari_ok &= (tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)] & (F_A | F_B)) == (F_A | F_B);
    tc_block_lead[0xD8] = tc_block_lead[0xD9] = (uint8_t)tc_arabic_ok;
    tc_block_lead[0xE0] = (uint8_t)tc_devanagari_ok;
    tc_hangul_ok = 1;
    for (int cp = 0xAC00; cp < 0xD780; cp++)
        tc_hangul_ok &= (tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)] & (F_A | F_B)) == (F_A | F_B);
    for (int c = 0xEA; c <= 0xED; c++) tc_block_lead[c] = (uint8_t)tc_hangul_ok;
    for (int cp = 0x800; cp < 0x2000; cp++)
        if ((tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)] & (F_A | F_B)) == (F_A | F_B))
            tc_caseless_bits[(cp >> 7) - 0x10][(cp >> 6) & 1] |= 1ull << (cp & 63);
    tc_block_lead[0xE1] = 1;
    for (int c = 0; c < 128; c++) {
        uint8_t f = tc_ascii[c] = tc_stage2[tc_stage1[0] * 128 + c];
        tc_kind[c] = (c >= 'A' && c <= 'Z') ? K_UP : (c >= 'a' && c <= 'z') ? K_LO
                   : (f & F_N) ? K_DIGIT : (c == '\r' || c == '\n') ? K_NL
                   : (f & F_WS) ? K_SPACE : (f & F_L) ? 0 : K_PUNCT;
    }
}

/* Class flags of the character at s[i], its byte length in *n. Input is valid UTF-8. */
static inline uint8_t tc_class(const uint8_t *s, size_t i, size_t *n) {
    uint32_t c = s[i];
    if (c < 0x80) { *n = 1; return tc_ascii[c]; }
    uint32_t cp;
    if (c < 0xE0) { *n = 2; cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F); }
    else if (c < 0xF0) { *n = 3; cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F); }
    else { *n = 4; cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F); }
    return tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)];
}

static inline int tc_is_newline(uint8_t c) { return c == '\r' || c == '\n'; }

/* [^\r\n\p{L}\p{N}] */
static inline int tc_prefix_class(const uint8_t *s, size_t i, uint8_t f) {
    return !(f & (F_L | F_N)) && !tc_is_newline(s[i]);
}

/* [^\s\p{L}\p{N}] */
static inline int tc_punct_class(uint8_t f) { return !(f & (F_WS | F_L | F_N)); }

/* Class flags of the character at s[i], its byte length in *n: tc_class inlined, with one load
 * for the code points below U+0800. */
static inline __attribute__((always_inline)) uint8_t tc_class_fast(const uint8_t *s, size_t i, size_t *n) {
    uint32_t c = s[i];
    if (c < 0x80) { *n = 1; return tc_ascii[c]; }
    if (c < 0xE0) { *n = 2; return tc_class2[(c & 0x1F) << 6 | (s[i + 1] & 0x3F)]; }
    if (c < 0xF0) {
        uint32_t cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        *n = 3;
        return tc_stage2[tc_stage1[cp >> 7] * 128 + (cp & 127)];
    }
    return tc_class(s, i, n);
}

#ifdef __SSE2__
/* The end of the run at e of two-byte characters that are lead1 with a second byte c where
 * (c & mask1) == val1, or lead2 with (c & mask2) == val2, sixteen bytes (eight characters) at a
 * time: each 16-bit lane holds one character while the run goes on. It stops at the first lane
 * that fails, at a character boundary (even: both bytes of a lane agree). */
static inline __attribute__((always_inline)) size_t tc_two_byte_run(
        const uint8_t *s, size_t e, size_t end, int lead1, int mask1, int val1, int lead2, int mask2, int val2) {
    const __m128i low = _mm_set1_epi16(0x00FF);
    while (e + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + e));
        __m128i lead = _mm_and_si128(v, low), cont = _mm_srli_epi16(v, 8);
        __m128i one = _mm_and_si128(_mm_cmpeq_epi16(lead, _mm_set1_epi16((short)lead1)),
                                    _mm_cmpeq_epi16(_mm_and_si128(cont, _mm_set1_epi16((short)mask1)),
                                                    _mm_set1_epi16((short)val1)));
        __m128i two = _mm_and_si128(_mm_cmpeq_epi16(lead, _mm_set1_epi16((short)lead2)),
                                    _mm_cmpeq_epi16(_mm_and_si128(cont, _mm_set1_epi16((short)mask2)),
                                                    _mm_set1_epi16((short)val2)));
        unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_or_si128(one, two)) & 0xFFFF;
        if (other) return e + (size_t)__builtin_ctz(other);
        e += 16;
    }
    return e;
}
#endif

/* The end of the run at e (a character boundary) of lower-case Cyrillic letters (as above),
 * sixteen bytes at a time: each 16-bit lane holds one letter when the run goes on, so a word's
 * lower-case part is one or two blocks instead of a table lookup per letter (Russian: most
 * pieces are a space, maybe a capital, then such a run). It stops at the first other byte
 * pair, at a character boundary; the caller's per-character loop goes on from there, so any
 * letter it does not cover (ё, Ukrainian і, Latin) is still read from the class table. */
static inline size_t tc_cyrillic_lower_run(const uint8_t *s, size_t e, size_t end) {
#ifdef __SSE2__
    /* а-п (D0 B0-BF) and р-џ (D1 80-9F) */
    if (tc_cyrillic_lower_ok) return tc_two_byte_run(s, e, end, 0xD0, 0xF0, 0xB0, 0xD1, 0xE0, 0x80);
#endif
    return e;
}

/* The end of the run at e (a character boundary) of Arabic letters and harakat (U+0620 to U+065F,
 * as above), sixteen bytes (eight letters) at a time, as tc_cyrillic_lower_run: it stops at the
 * first other character, which the caller's per-character loop reads from the class table. */
static inline size_t tc_arabic_run(const uint8_t *s, size_t e, size_t end) {
#ifdef __SSE2__
    /* U+0620-063F (D8 A0-BF) and U+0640-065F (D9 80-9F) */
    if (tc_arabic_ok) return tc_two_byte_run(s, e, end, 0xD8, 0xE0, 0xA0, 0xD9, 0xE0, 0x80);
#endif
    return e;
}

/* The end of the run at e (a character boundary) of Devanagari letters, signs and marks (U+0900
 * to U+097F but U+0964 to U+0970, as above: E0 A4 xx, or E0 A5 xx with xx outside A4-B0), five
 * characters (fifteen bytes) at a time: byte 3k must be E0, byte 3k + 1 A4 or A5, byte 3k + 2 not
 * A4-B0 after an A5. A block stops at the character of its first byte that fails, at a character
 * boundary; the caller's per-character loop goes on from there. */
static inline size_t tc_devanagari_run(const uint8_t *s, size_t e, size_t end) {
#ifdef __SSE2__
    if (!tc_devanagari_ok) return e;
    const __m128i first = _mm_setr_epi8(-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0);
    const __m128i second = _mm_slli_si128(first, 1), third = _mm_slli_si128(first, 2);
    while (e + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + e));
        __m128i lead = _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0));
        __m128i block = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xFE)), _mm_set1_epi8((char)0xA4));
        /* at byte 3k + 2: the byte before it (3k + 1) is A5 and it is A4-B0 (U+0964-U+0970) */
        __m128i after_a5 = _mm_cmpeq_epi8(_mm_slli_si128(v, 1), _mm_set1_epi8((char)0xA5));
        __m128i t = _mm_sub_epi8(v, _mm_set1_epi8((char)0xA4));
        __m128i punct = _mm_and_si128(after_a5, _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(0x0C)), t));
        __m128i ok = _mm_or_si128(_mm_or_si128(_mm_and_si128(lead, first), _mm_and_si128(block, second)),
                                  _mm_andnot_si128(punct, third));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) & 0x7FFF;
        if (bad) return e + (size_t)__builtin_ctz(bad) / 3 * 3;
        e += 15;
    }
#endif
    return e;
}

/* The end of the run at e (a character boundary) of Hangul syllables (U+AC00 to U+D77F, as above),
 * five (fifteen bytes) at a time, as tc_devanagari_run: byte 3k must be EA to ED, byte 3k + 1 not
 * below B0 after EA (U+A000-U+ABFF: Yi, Vai, ...) nor 9E and up after ED (U+D780 and up); byte
 * 3k + 2 is a continuation byte in valid UTF-8. */
static inline size_t tc_hangul_run(const uint8_t *s, size_t e, size_t end) {
#ifdef __SSE2__
    if (!tc_hangul_ok) return e;
    const __m128i first = _mm_setr_epi8(-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0);
    const __m128i second = _mm_slli_si128(first, 1), third = _mm_slli_si128(first, 2);
    while (e + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + e));
        __m128i t = _mm_sub_epi8(v, _mm_set1_epi8((char)0xEA));
        __m128i lead = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(3)), t);
        __m128i before = _mm_slli_si128(v, 1);
        __m128i below_b0 = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8((char)0xB0)), v),
                                            _mm_cmpeq_epi8(before, _mm_set1_epi8((char)0xEA)));
        __m128i from_9e = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8((char)0x9E)), v),
                                        _mm_cmpeq_epi8(before, _mm_set1_epi8((char)0xED)));
        __m128i ok = _mm_or_si128(_mm_or_si128(_mm_and_si128(lead, first),
                                               _mm_andnot_si128(_mm_or_si128(below_b0, from_9e), second)), third);
        unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) & 0x7FFF;
        if (bad) return e + (size_t)__builtin_ctz(bad) / 3 * 3;
        e += 15;
    }
#endif
    return e;
}

/* The end of the run at q (a character boundary, s[q] is E0 or E1) of caseless letters of the 128
 * code points q's character is in (tc_caseless_bits: Thai, Bengali, Tamil, Tibetan, Myanmar,
 * Ethiopic, Khmer, ...), a character a step: its lead byte, its second byte but the low bit and a
 * bit of the block's two words, against about thirty instructions of tc_class_fast and the caseless
 * loop. It stops at the first other character, which the caller's per-character loop reads from the
 * class table. Input is valid UTF-8, so a lead E0 or E1 has its two more bytes. Out of line, so that
 * tc_block_run stays small enough to inline for Arabic, Devanagari and Hangul. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TC_HAVE_AVX2_CASELESS 1
/* tc_caseless_run eleven characters (33 bytes) a step, for long runs (Thai writes no spaces between
 * words). Lane 3k of three loads one byte apart holds a character's three bytes: its lead, its
 * second byte but the low bit, and the bit of the block's bitmap that the second byte's low bit and
 * the third byte's low six select (byte 8h + (t >> 3) of the two words, bit t & 7, each picked by a
 * byte shuffle). It returns the first character that fails, or the first from which fewer than 34
 * bytes are left (the caller goes on a character at a time). lead_byte and second_byte (its low bit
 * clear) name the block of `bits`. */
__attribute__((target("avx2"))) static size_t tc_caseless_run_avx2(const uint8_t *s, size_t q, size_t end,
                                                                   uint8_t lead_byte, uint8_t second_byte,
                                                                   const uint64_t *bits) {
    const __m256i lead = _mm256_set1_epi8((char)lead_byte), second = _mm256_set1_epi8((char)second_byte);
    const __m256i map = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)bits));
    const __m256i bit = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                         1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const __m256i seven = _mm256_set1_epi8(7);
    while (q + 34 <= end) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(s + q)), v1 = _mm256_loadu_si256((const __m256i *)(s + q + 1));
        __m256i v2 = _mm256_loadu_si256((const __m256i *)(s + q + 2));
        __m256i heads = _mm256_and_si256(_mm256_cmpeq_epi8(v0, lead),
                                         _mm256_cmpeq_epi8(_mm256_and_si256(v1, _mm256_set1_epi8((char)0xFE)), second));
        __m256i at = _mm256_or_si256(_mm256_slli_epi16(_mm256_and_si256(v1, _mm256_set1_epi8(1)), 3),
                                     _mm256_and_si256(_mm256_srli_epi16(v2, 3), seven));
        __m256i want = _mm256_shuffle_epi8(bit, _mm256_and_si256(v2, seven));
        __m256i in = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(map, at), want), want);
        uint32_t bad = ~(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(heads, in)) & 0x49249249u;  /* lanes 0, 3, ..., 30 */
        if (bad) return q + (size_t)__builtin_ctz(bad);
        q += 33;
    }
    return q;
}
#endif

static __attribute__((noinline)) size_t tc_caseless_run(const uint8_t *s, size_t q, size_t end) {
    const uint8_t lead = s[q], second = s[q + 1] & 0xFE;
    const uint64_t *bits = tc_caseless_bits[((lead & 0x0F) << 5 | (s[q + 1] & 0x3F) >> 1) - 0x10];
#define TC_CASELESS_AT(q) (s[q] == lead && (s[q + 1] & 0xFE) == second && (bits[s[q + 1] & 1] >> (s[q + 2] & 0x3F) & 1))
    size_t first = end - q > 12 ? q + 12 : end;   /* four characters: most words of Indic scripts */
    while (q < first && TC_CASELESS_AT(q)) q += 3;
    if (q < first || q == end) return q;
#ifdef TC_HAVE_AVX2_CASELESS
    if (tc_window_avx2 && q + 34 <= end) q = tc_caseless_run_avx2(s, q, end, lead, second, bits);
#endif
    while (q < end && TC_CASELESS_AT(q)) q += 3;
#undef TC_CASELESS_AT
    return q;
}

/* The run at q of a character tc_block_lead marks: Arabic, Devanagari or Hangul letters a block at
 * a time, other caseless letters of U+0800 to U+1FFF a character at a time (q itself when no run
 * starts there). */
static inline __attribute__((always_inline)) size_t tc_block_run(const uint8_t *s, size_t q, size_t end) {
    if (s[q] < 0xE0) return tc_arabic_run(s, q, end);
    if (s[q] > 0xE1) return tc_hangul_run(s, q, end);
    if (s[q] == 0xE0 && (s[q + 1] & 0xFE) == 0xA4) return tc_devanagari_run(s, q, end);
    return tc_caseless_run(s, q, end);
}

/* Advance over characters whose flags intersect `mask`. */
static inline size_t tc_run(const uint8_t *s, size_t q, size_t end, uint8_t mask) {
    size_t n;
    while (q < end && (tc_class_fast(s, q, &n) & mask)) q += n;
    return q;
}

/* The end of the run of byte c at q. */
static inline size_t tc_byte_run(const uint8_t *s, size_t q, size_t end, uint8_t c) {
#ifdef __SSE2__
    const __m128i want = _mm_set1_epi8((char)c);
    while (q + 16 <= end) {
        unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + q)), want)) & 0xFFFF;
        if (other) return q + (size_t)__builtin_ctz(other);
        q += 16;
    }
#endif
    while (q < end && s[q] == c) q++;
    return q;
}

static inline size_t tc_punct_run(const uint8_t *s, size_t q, size_t end) {
    size_t n;
    /* A run of one ASCII character first (rules, separators): sixteen at a time. */
    if (s[q] < 0x80 && q + 1 < end && s[q + 1] == s[q]) q = tc_byte_run(s, q + 2, end, s[q]);
    while (q < end && tc_punct_class(tc_class(s, q, &n))) q += n;
    return q;
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d) at e: the length matched, 0 if none.
 * Case-insensitive matching in the reference uses Unicode simple case folding,
 * under which U+017F LATIN SMALL LETTER LONG S is an 's'. */
static inline size_t tc_contraction(const uint8_t *s, size_t e, size_t end) {
    if (e + 1 >= end || s[e] != '\'') return 0;
    uint8_t a = s[e + 1] | 0x20;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return (s[e + 1] >= 0x80) ? 0 : 2;
    if (s[e + 1] == 0xC5 && e + 2 < end && s[e + 2] == 0xBF) return 3;
    if (e + 2 >= end || s[e + 1] >= 0x80 || s[e + 2] >= 0x80) return 0;
    uint8_t b = s[e + 2] | 0x20;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

/* " ?[^\s\p{L}\p{N}]+" at i: the end of the punctuation run, 0 if none. */
static inline size_t tc_punct_piece(const uint8_t *s, size_t i, size_t end, uint8_t f0) {
    size_t n1;
    if (s[i] == ' ' && i + 1 < end && tc_punct_class(tc_class(s, i + 1, &n1))) return tc_punct_run(s, i + 1, end);
    if (tc_punct_class(f0)) return tc_punct_run(s, i, end);
    return 0;
}

/* The run " ?[^\s\p{L}\p{N}]+" that goes on at q, a byte of 0x80 or more, after one or more ASCII
 * punctuation characters that started it: the end of the run. Every splitter's punctuation rule
 * is a maximal run of that class, so the ASCII part scanned already and the rest scanned here
 * end where the general function's one scan from the start ends. */
static inline size_t tc_punct_more(const uint8_t *s, size_t q, size_t end) {
    size_t n;
    while (q < end && tc_punct_class(tc_class(s, q, &n))) q += n;
    return q;
}

static inline uint64_t tc_load64(const uint8_t *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint32_t tc_load32(const uint8_t *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* The whitespace run at i: its end, the end of its last newline (0 if none)
 * and the start of its last character. */
static inline size_t tc_space_run(const uint8_t *s, size_t i, size_t end, size_t *last_nl_end, size_t *last_start) {
    size_t q = i, n;
    *last_nl_end = 0;
    *last_start = i;
    while (q < end && (tc_class(s, q, &n) & F_WS)) {
        if (s[q] == ' ') {
            /* A run of spaces (indentation): their ends, sixteen at a time. */
            size_t r = tc_byte_run(s, q + 1, end, ' ');
            *last_start = r - 1;
            q = r;
            continue;
        }
        if (s[q] == '\n' && q + 4 <= end && tc_load32(s + q) == 0x0A0A0A0Au) {
            /* A run of newlines (four or more: blank lines in a row), likewise. */
            size_t r = tc_byte_run(s, q + 4, end, '\n');
            *last_nl_end = r;
            *last_start = r - 1;
            q = r;
            continue;
        }
        if (tc_is_newline(s[q])) *last_nl_end = q + 1;
        *last_start = q;
        q += n;
    }
    return q;
}

/* Whitespace pieces whose deciding characters are ASCII (indentation, blank lines, "\n" before
 * a word). The run of ASCII whitespace at i (s[i] is ASCII whitespace) ends at q, and *nl is the
 * end of its last newline (0 if none). The run is the whole whitespace run when q is the end or
 * an ASCII non-space; when a byte of 0x80 or more follows, it is too unless that character is
 * whitespace (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028/9, U+202F, U+205F, U+3000), and
 * then the answer is 0: the general function decides. Every whitespace alternative depends only
 * on where the whole run ends, where its last newline ends and whether the end is `end`, so the
 * callers' answers below are those of tc_space_run. */
static inline size_t tc_ascii_space_run(const uint8_t *s, size_t i, size_t end, size_t *nl) {
    size_t q = i, last = 0, n;
    while (q < end) {
        uint8_t c = s[q], k = tc_kind[c];
        if (!(k & (K_SPACE | K_NL))) break;
        if (q + 1 < end && s[q + 1] == c && (c == ' ' || c == '\n')) {
            q = tc_byte_run(s, q + 2, end, c);   /* indentation or blank lines: sixteen at a time */
            if (c == '\n') last = q;
            continue;
        }
        q++;
        if (k & K_NL) last = q;
    }
    if (q < end && s[q] >= 0x80 && (tc_class_fast(s, q, &n) & F_WS)) return 0;
    *nl = last;
    return q;
}

/* \s*[\r\n]+|\s+(?!\S)|\s+ (o200k, Tekken, Qwen, Llama 3) at i, for a run of two or more
 * whitespace characters or one that starts with a newline: no letter, number or punctuation
 * alternative can match there (a prefix or an optional space needs a letter, number or
 * punctuation mark right after it). 0 when the general function must decide. */
static inline size_t tc_space_piece_o200k(const uint8_t *s, size_t i, size_t end) {
    size_t nl, q = tc_ascii_space_run(s, i, end, &nl);
    if (!q) return 0;
    if (nl) return nl;                            /* \s*[\r\n]+: \s* gives back to the last newline */
    if (q == end || q == i + 1) return q;         /* \s+(?!\S) at the end; \s+ of one character */
    return q - 1;                                 /* \s+(?!\S) backs off one character */
}

/* \s++$|\s*[\r\n]|\s+(?!\S)|\s (cl100k; GPT-2 has no newline alternative: newlines = 0), as
 * tc_space_piece_o200k. */
static inline size_t tc_space_piece_cl100k(const uint8_t *s, size_t i, size_t end, int newlines) {
    size_t nl, q = tc_ascii_space_run(s, i, end, &nl);
    if (!q) return 0;
    if (q == end) return end;                     /* \s++$ */
    if (nl && newlines) return nl;                /* \s*[\r\n] */
    return q == i + 1 ? q : q - 1;                /* \s; \s+(?!\S) backs off one character */
}

/* Where the whitespace fast path applies: s[i] is ASCII whitespace, and either a newline or
 * before more ASCII whitespace. k and k1 are the kinds of s[i] and s[i + 1] (0 at the end). */
static inline int tc_space_start(uint8_t k, uint8_t k1) {
    return (k & K_NL) || ((k & K_SPACE) && (k1 & (K_SPACE | K_NL)));
}

static inline int tc_ascii_upper(uint8_t c) { return (uint8_t)(c - 'A') < 26; }
static inline int tc_ascii_lower(uint8_t c) { return (uint8_t)(c - 'a') < 26; }
static inline int tc_ascii_letter(uint8_t c) { return (uint8_t)((c | 0x20) - 'a') < 26; }

/* The end of the run of ASCII letters at q: lower-case only, or either case
 * when fold is 0x20. Sixteen bytes at a time while they are there, so a word
 * costs one predictable branch instead of one per letter. */
static inline size_t tc_letter_run(const uint8_t *s, size_t q, size_t end, uint8_t fold) {
#ifdef __SSE2__
    const __m128i f = _mm_set1_epi8((char)fold), a = _mm_set1_epi8('a'), z = _mm_set1_epi8(25);
    while (q + 16 <= end) {
        __m128i t = _mm_sub_epi8(_mm_or_si128(_mm_loadu_si128((const __m128i *)(s + q)), f), a);
        unsigned outside = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, z), t)) & 0xFFFF;
        if (outside) return q + (size_t)__builtin_ctz(outside);
        q += 16;
    }
#endif
    while (q < end && (uint8_t)((s[q] | fold) - 'a') < 26) q++;
    return q;
}

/* ---------------------------------------------------------------- o200k_base
 * [^\r\n\p{L}\p{N}]?[A]*[B]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * [^\r\n\p{L}\p{N}]?[A]+[B]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * \p{N}{1,3}
 *  ?[^\s\p{L}\p{N}]+[\r\n/]*
 * \s*[\r\n]+
 * \s+(?!\S)
 * \s+
 * with A = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and B = [\p{Ll}\p{Lm}\p{Lo}\p{M}].
 */

/* [A]*[B]+ at p: end of the match, 0 if none. Greedy A* then B+; on failure A*
 * backtracks to the last character that is also in B, which B+ then takes alone. */
static inline size_t o200k_upper_lower(const uint8_t *s, size_t p, size_t end) {
    size_t q = p, n, last_ab_end = 0;
    uint8_t f = 0;
    while (q < end) {
        f = tc_class(s, q, &n);
        if (!(f & F_A)) break;
        q += n;
        if (f & F_B) last_ab_end = q;
    }
    if (q < end && (f & F_B)) return tc_run(s, q + n, end, F_B);
    return last_ab_end;
}

/* [A]+[B]* at p: end of the match, 0 if none. */
static inline size_t o200k_upper_then_lower(const uint8_t *s, size_t p, size_t end) {
    size_t q = tc_run(s, p, end, F_A);
    if (q == p) return 0;
    return tc_run(s, q, end, F_B);
}

/* Most text is ASCII words: an optional prefix character, then upper-case
 * letters followed by lower-case ones. When the whole word is ASCII, the two
 * letter alternatives reduce to this; anything else takes the general path. */
static inline size_t o200k_ascii_word(const uint8_t *s, size_t i, size_t end) {
    size_t p = i;
    uint8_t c = s[i];
    if (!tc_ascii_letter(c)) {
        if (c >= 0x80 || (uint8_t)(c - '0') < 10 || c == '\r' || c == '\n') return 0;
        if (i + 1 >= end || !tc_ascii_letter(s[i + 1])) return 0;
        p = i + 1;  /* [^\r\n\p{L}\p{N}] prefix */
    }
    size_t q = p;
    while (q < end && tc_ascii_upper(s[q])) q++;
    size_t r = tc_letter_run(s, q, end, 0);
    if (r < end && s[r] >= 0x80) return 0;  /* a non-ASCII character could extend the word */
    if (r < end && s[r] == '\'') return r + tc_contraction(s, r, end);
    return r;
}

static __attribute__((noinline)) size_t o200k_next_general(const uint8_t *s, size_t i, size_t end) {
    size_t n0, n1, e;
    if ((e = o200k_ascii_word(s, i, end))) return e;
    uint8_t f0 = tc_class(s, i, &n0);
    int has_prefix = tc_prefix_class(s, i, f0) && i + n0 < end &&
                     (tc_class(s, i + n0, &n1) & (F_A | F_B));
    if (has_prefix || (f0 & (F_A | F_B))) {
        /* Alternatives 1 and 2, each trying the optional prefix first. */
        if (has_prefix && (e = o200k_upper_lower(s, i + n0, end))) return e + tc_contraction(s, e, end);
        if ((e = o200k_upper_lower(s, i, end))) return e + tc_contraction(s, e, end);
        if (has_prefix && (e = o200k_upper_then_lower(s, i + n0, end))) return e + tc_contraction(s, e, end);
        if ((e = o200k_upper_then_lower(s, i, end))) return e + tc_contraction(s, e, end);
    }
    if (f0 & F_N) { /* \p{N}{1,3} */
        size_t q = i + n0, n;
        for (int k = 1; k < 3 && q < end && (tc_class(s, q, &n) & F_N); k++) q += n;
        return q;
    }
    size_t q = tc_punct_piece(s, i, end, f0);
    if (q) { /*  ?[^\s\p{L}\p{N}]+[\r\n/]* */
        while (q < end && (tc_is_newline(s[q]) || s[q] == '/')) q++;
        return q;
    }
    /* f0 is whitespace. */
    size_t last_nl_end, last_start;
    size_t q2 = tc_space_run(s, i, end, &last_nl_end, &last_start);
    if (last_nl_end) return last_nl_end;          /* \s*[\r\n]+ */
    if (q2 == end) return end;                    /* \s+(?!\S) at the end */
    if (last_start > i) return last_start;        /* \s+(?!\S) backs off one character */
    return q2;                                    /* \s+ (a single character here) */
}

/* o200k's two letter alternatives at i in one scan, for any letters, cased or not:
 *   [^\r\n\p{L}\p{N}]?[A]*[B]+(?i:'s|...)?  then  [^\r\n\p{L}\p{N}]?[A]+[B]*(?i:'s|...)?
 * The letters start at p: after a prefix character that is in neither A nor B (a space,
 * punctuation, a symbol), else at i. From p, A* takes the run of A characters up to q.
 *   1. The character at q is in B (so B only: a lower-case letter after capitals): B+ takes the
 *      run of B from q, and the first alternative has matched.
 *   2. Else A* gives characters back until B+ can take one: the last character of the run that
 *      is also in B (Lm, Lo, a mark); B+ stops right after it, at a character in A only or at q.
 *      That ends the match.
 *   3. Else the run is capitals only (not empty: a letter at p that is not in A is in B, case
 *      1) and q is in neither class. The first alternative fails with the prefix and without it
 *      (the prefix is in neither A nor B), and the second matches A+ up to q, then B* nothing.
 * A mark at i is both a prefix and a letter. The regex tries the first alternative from the
 * next character, then from i; from i the run is the same with the mark in front, which ends
 * cases 1 and 2 where they end from the next character, and ends case 3 after the mark, as case
 * 2 from i does (the mark is in B). So taking the letters from i is right there too.
 * 0 when nothing at i is a letter or a prefix before one. */
static inline size_t o200k_word(const uint8_t *s, size_t i, size_t end) {
    size_t p = i, q, n, last_ab_end;
    uint8_t f;
    if (s[i] < 0x80 && !(tc_kind[s[i]] & (K_UP | K_LO))) {
        /* An ASCII prefix ([^\r\n\p{L}\p{N}]: a space or punctuation) before a letter, or nothing. */
        if (!(tc_kind[s[i]] & (K_PUNCT | K_SPACE)) || i + 1 >= end) return 0;
        if (s[i + 1] < 0x80 && !(tc_kind[s[i + 1]] & (K_UP | K_LO))) return 0;
        p = i + 1;
    }
    /* An Arabic or Devanagari word's letters and marks a block at a time, before any class is
     * read: every character a block passes is in A and in B (checked at start-up), which is what
     * the class of s[p] would have said, so [A]* is under way from p to the block's end. */
    if (__builtin_expect(tc_block_lead[s[p]], 0) && (q = tc_block_run(s, p, end)) > p) {
        f = q < end ? tc_class_fast(s, q, &n) : 0;
        goto caseless;
    }
    if (p > i) {
        f = tc_class_fast(s, p, &n);
        if (!(f & (F_A | F_B))) {
            /* A space or ASCII punctuation before punctuation, a symbol or an emoji of 0x80 and
             * up: no letter follows, so the letter and number alternatives fail and
             * " ?[^\s\p{L}\p{N}]+[\r\n/]*" takes the run (a tab before one is whitespace). */
            if (!tc_punct_class(f) || (s[i] != ' ' && !(tc_kind[s[i]] & K_PUNCT))) return 0;
            size_t e = tc_punct_more(s, p + n, end);
            while (e < end && (tc_is_newline(s[e]) || s[e] == '/')) e++;
            return e;
        }
    } else {
        f = tc_class_fast(s, i, &n);
        if (!(f & (F_A | F_B))) {             /* a prefix of two bytes and more, or nothing */
            if (f & F_N) return 0;
            p = i + n;
            if (p >= end) return 0;
            f = tc_class_fast(s, p, &n);
            if (!(f & (F_A | F_B))) return 0;
            /* The block, as above, after this prefix (the one above was tried at i). */
            if ((f & (F_A | F_B)) == (F_A | F_B) && __builtin_expect(tc_block_lead[s[p]], 0)
                    && (q = tc_block_run(s, p, end)) > p) {
                f = q < end ? tc_class_fast(s, q, &n) : 0;
                goto caseless;
            }
        }
    }
    q = p;
caseless:
    /* [A]*: caseless letters (in A and in B) first, the common case of most scripts, then the
     * rest of the run. */
    while ((f & (F_A | F_B)) == (F_A | F_B)) {
        q += n;
        if (q >= end) { f = 0; break; }
        f = tc_class_fast(s, q, &n);
    }
    last_ab_end = q > p ? q : 0;
    while (f & F_A) {
        q += n;
        if (f & F_B) last_ab_end = q;
        if (q >= end) { f = 0; break; }
        f = tc_class_fast(s, q, &n);
    }
    size_t e;
    if (f & F_B) {                            /* [B]+ from q */
        e = tc_cyrillic_lower_run(s, q + n, end);
        while (e < end && (tc_class_fast(s, e, &n) & F_B)) e += n;
    } else {
        e = last_ab_end ? last_ab_end : q;
    }
    return e + tc_contraction(s, e, end);
}

/* The piece at i when it is a word of a script with a block (Arabic, Devanagari, Hangul, the caseless
 * letters of U+0800-U+1FFF: tc_block_run) or
 * of lower-case Cyrillic letters after at most one capital, with or without a space before it,
 * and the character after the word can take no part in it: 0 otherwise. Most pieces of those
 * scripts are such words, so the text loop answers them inline, without o200k_next_other's call
 * and the class reads of o200k_word. Exact, as o200k_word's cases say: the block's letters are in
 * A and in B (case 2 ends at the block's end), the capital is in A only and the lower-case letters
 * in B only (case 1 ends at the run's end), and the character after them is in neither A nor B (an
 * ASCII capital, in A, would let A* go on, and a lower-case letter or a mark, in B, would extend
 * B+) nor an apostrophe (a contraction, the only thing after the letters). Of 0x80 and up its
 * class is read: a danda, an Arabic comma or full stop, a digit of those scripts or a no-break
 * space ends a word as an ASCII space does. */
static inline __attribute__((always_inline)) size_t o200k_script_word(const uint8_t *s, size_t i, size_t end) {
    size_t p = i + (s[i] == ' '), q;
    if (tc_block_lead[s[p]]) {
        q = tc_block_run(s, p, end);
    } else if ((s[p] & 0xFE) == 0xD0) {
        q = p + 2 * (tc_cyrillic_upper_ok && s[p] == 0xD0 && (uint8_t)(s[p + 1] - 0x90) < 0x20);   /* А to Я */
        q = tc_cyrillic_lower_run(s, q, end);
    } else {
        return 0;
    }
    if (q == p || q >= end) return 0;
    if (s[q] < 0x80) return (tc_kind[s[q]] & (K_UP | K_LO)) || s[q] == '\'' ? 0 : q;
    size_t n;
    return tc_class_fast(s, q, &n) & (F_A | F_B) ? 0 : q;
}

/* Pieces that start with a byte of 0x80 or more, or an ASCII prefix before one, or whitespace,
 * and ASCII words that a byte of 0x80 or more follows: words first (most pieces of most
 * scripts), the general rules for the rest. Out of line, so that o200k_next stays small. */
static __attribute__((noinline)) size_t o200k_next_other(const uint8_t *s, size_t i, size_t end) {
    size_t e = o200k_word(s, i, end);
    return e ? e : o200k_next_general(s, i, end);
}

/* o200k_next_other for the text loop's groups of other scripts: their commonest words inline. */
static inline __attribute__((always_inline)) size_t o200k_next_script(const uint8_t *s, size_t i, size_t end) {
    size_t e = o200k_script_word(s, i, end);
    return e ? e : o200k_next_other(s, i, end);
}

/* An ASCII word at i (its letters from p: capitals up to u, then lower case up to q) reaches a
 * byte of 0x80 or more at q: the word's end, going on from q instead of scanning it again from i
 * (o200k_word would read the same letters' classes: accented Latin, about 10 instructions a byte).
 * Exact, as o200k_word's cases say, from where the ASCII letters leave them: the capitals are in A
 * only and the lower-case letters in B only.
 *   - A lower-case letter at u: A* stopped there, B+ is under way from u (case 1) and takes the
 *     run of B from q.
 *   - Capitals only (u == q): A* goes on from q with nothing in B so far, and ends as
 *     o200k_word's second loop ends it (cases 1 to 3).
 * The prefix, if any, is an ASCII space or punctuation mark before an ASCII letter, which the
 * first alternative takes, as o200k_next's ASCII words do. Out of line, so o200k_next stays small. */
static __attribute__((noinline)) size_t o200k_word_on(const uint8_t *s, size_t u, size_t q, size_t end) {
    size_t n, e;
    if (u == q) {
        size_t last_ab_end = 0;
        uint8_t f = tc_class_fast(s, q, &n);
        while (f & F_A) {
            q += n;
            if (f & F_B) last_ab_end = q;
            if (q >= end) { f = 0; break; }
            f = tc_class_fast(s, q, &n);
        }
        if (!(f & F_B)) {
            e = last_ab_end ? last_ab_end : q;
            return e + tc_contraction(s, e, end);
        }
        q += n;
    }
    for (e = q; e < end && (tc_class_fast(s, e, &n) & F_B);) e += n;
    return e + tc_contraction(s, e, end);
}

/* The punctuation run at i reaches a byte of 0x80 or more at q. Right after its first character
 * a letter or mark could take that one as a prefix (o200k_next_other decides); after two, the
 * run can only go on (curly quotes, dashes, emoji after ASCII punctuation). Out of line, so that
 * o200k_next stays small. */
static __attribute__((noinline)) size_t o200k_punct_other(const uint8_t *s, size_t i, size_t q, size_t end) {
    if (q == i + 1) return o200k_next_other(s, i, end);
    q = tc_punct_more(s, q, end);
    while (q < end && (tc_is_newline(s[q]) || s[q] == '/')) q++;
    return q;
}

/* A whitespace piece from tc_space_start's positions: the ASCII answer, or the general one. */
static __attribute__((noinline)) size_t o200k_space(const uint8_t *s, size_t i, size_t end) {
    size_t q = tc_space_piece_o200k(s, i, end);
    return q ? q : o200k_next_general(s, i, end);
}

/* The pieces most text is made of, when the bytes that decide them are ASCII: a word with its
 * prefix, a number, punctuation, a newline or space before a non-space. Anything else, and any
 * case where a byte of 0x80 or more could change the match (a letter or mark extending a word, a
 * digit or punctuation mark continuing a run), goes to o200k_next_general, which is the regex
 * alternative by alternative. This function is small, so ASCII pieces pay no register spills. */
static size_t o200k_next(const uint8_t *s, size_t i, size_t end) {
    uint8_t k = tc_kind[s[i]];
    uint8_t k1 = i + 1 < end ? tc_kind[s[i + 1]] : 0;
    size_t p = i, q;
    uint8_t first = k;                                /* the kind of the word's first letter, s[p] */
    if (k & (K_UP | K_LO)) goto word;
    if ((k & (K_PUNCT | K_SPACE)) && (k1 & (K_UP | K_LO))) { p = i + 1; first = k1; goto word; }  /* [^\r\n\p{L}\p{N}] prefix */
    if (k & K_DIGIT) {                                /* \p{N}{1,3} */
        q = i + 1;
        for (int d = 1; d < 3 && q < end; d++, q++) {
            if (tc_kind[s[q]] & K_DIGIT) continue;
            if (s[q] >= 0x80) return o200k_next_general(s, i, end);
            break;
        }
        return q;
    }
    if ((k & K_PUNCT) || (s[i] == ' ' && (k1 & K_PUNCT))) { /*  ?[^\s\p{L}\p{N}]+[\r\n/]* */
        q = i + 1;
        while (q < end && (tc_kind[s[q]] & K_PUNCT)) q++;
        if (q < end && s[q] >= 0x80) return o200k_punct_other(s, i, q, end);
        while (q < end && (s[q] == '\r' || s[q] == '\n' || s[q] == '/')) q++;
        return q;
    }
    /* \s*[\r\n]+ of one newline, or \s+ of one space, before a letter, digit or punctuation. */
    if ((k & K_NL || s[i] == ' ') && (k1 & (K_UP | K_LO | K_DIGIT | K_PUNCT))) return i + 1;
    if (tc_space_start(k, k1)) return o200k_space(s, i, end);
    return o200k_next_other(s, i, end);
word:                                                 /* [A]*[B]+ or [A]+[B]* over ASCII letters */
    /* Capitals from p, then lower case; s[p] is known to be one or the other, and a word that
     * starts in lower case (most) has no capitals to look for. */
    q = p + 1;
    if (first & K_UP) while (q < end && tc_ascii_upper(s[q])) q++;
    size_t u = first & K_UP ? q : p;                  /* where the lower case starts */
    q = tc_letter_run(s, q, end, 0);
    if (q < end) {
        if (s[q] >= 0x80) return o200k_word_on(s, u, q, end);  /* a letter or mark could extend it */
        if (s[q] == '\'') return q + tc_contraction(s, q, end);
    }
    return q;
}

/* --------------------------------------------------------------- cl100k_base
 * '(?i:[sdmt]|ll|ve|re)
 * [^\r\n\p{L}\p{N}]?+\p{L}++
 * \p{N}{1,3}+
 *  ?[^\s\p{L}\p{N}]++[\r\n]*+
 * \s++$
 * \s*[\r\n]
 * \s+(?!\S)
 * \s
 */
static __attribute__((noinline)) size_t cl100k_next_general(const uint8_t *s, size_t i, size_t end) {
    size_t n0, n1, e;
    if (s[i] == '\'' && (e = tc_contraction(s, i, end))) return i + e;
    {   /* ASCII fast path: [^\r\n\p{L}\p{N}]?+\p{L}++ over an all-ASCII word */
        uint8_t c = s[i];
        size_t p = i;
        if (!tc_ascii_letter(c) && c < 0x80 && (uint8_t)(c - '0') >= 10 && c != '\r' && c != '\n' &&
            i + 1 < end && tc_ascii_letter(s[i + 1]))
            p = i + 1;
        if (tc_ascii_letter(s[p])) {
            size_t q = tc_letter_run(s, p + 1, end, 0x20);
            if (q >= end || s[q] < 0x80) return q;
        }
    }
    uint8_t f0 = tc_class(s, i, &n0);
    if (f0 & F_L) return tc_run(s, tc_cyrillic_lower_run(s, i + n0, end), end, F_L);
    if (tc_prefix_class(s, i, f0) && i + n0 < end && (tc_class(s, i + n0, &n1) & F_L))
        return tc_run(s, tc_cyrillic_lower_run(s, i + n0 + n1, end), end, F_L);
    if (f0 & F_N) {
        size_t q = i + n0, n;
        for (int k = 1; k < 3 && q < end && (tc_class(s, q, &n) & F_N); k++) q += n;
        return q;
    }
    size_t q = tc_punct_piece(s, i, end, f0);
    if (q) { /*  ?[^\s\p{L}\p{N}]++[\r\n]*+ */
        while (q < end && tc_is_newline(s[q])) q++;
        return q;
    }
    size_t last_nl_end, last_start;
    size_t q2 = tc_space_run(s, i, end, &last_nl_end, &last_start);
    if (q2 == end) return end;                    /* \s++$ */
    if (last_nl_end) return last_nl_end;          /* \s*[\r\n] */
    if (last_start > i) return last_start;        /* \s+(?!\S) */
    return i + n0;                                /* \s */
}

/* The end of the run of ASCII digits or punctuation (kind) at q, or 0 when a byte of 0x80 or
 * more follows it (a non-ASCII digit or mark could continue the run). */
static inline size_t tc_kind_run(const uint8_t *s, size_t q, size_t end, uint8_t kind) {
    while (q < end && (tc_kind[s[q]] & kind)) q++;
    return q < end && s[q] >= 0x80 ? 0 : q;
}

/* The end of the ASCII letters at q, or 0 when a byte of 0x80 or more follows them. */
static inline size_t tc_ascii_letters(const uint8_t *s, size_t q, size_t end) {
    q = tc_letter_run(s, q, end, 0x20);
    return q < end && s[q] >= 0x80 ? 0 : q;
}

/* The run of \p{L} at q, a byte of 0x80 or more after ASCII letters (accented Latin). Out of line,
 * so the front functions stay small. */
static __attribute__((noinline)) size_t tc_letters_on(const uint8_t *s, size_t q, size_t end) {
    return tc_run(s, q, end, F_L);
}

/* The end of \p{L}+ at q, after an ASCII letter: its ASCII letters sixteen at a time, then, when a
 * byte of 0x80 or more follows them, the run goes on from there. Every letter before that byte is
 * in \p{L}, so the run from the word's start ends where the run from the byte ends (the general
 * functions would scan the word again from its start: cl100k's twice). */
static inline size_t tc_letters(const uint8_t *s, size_t q, size_t end) {
    q = tc_letter_run(s, q, end, 0x20);
    return q < end && s[q] >= 0x80 ? tc_letters_on(s, q, end) : q;
}

/* As o200k_next: the common ASCII pieces here, the rest (and an apostrophe, which may start a
 * contraction) in cl100k_next_general. */
static size_t cl100k_next(const uint8_t *s, size_t i, size_t end) {
    uint8_t c = s[i], k = tc_kind[c];
    uint8_t k1 = i + 1 < end ? tc_kind[s[i + 1]] : 0;
    size_t q = 0;
    if (c == '\'') return cl100k_next_general(s, i, end);
    if (k & (K_UP | K_LO)) q = tc_letters(s, i + 1, end);                   /* \p{L}++ */
    else if ((k & (K_PUNCT | K_SPACE)) && (k1 & (K_UP | K_LO)))
        q = tc_letters(s, i + 2, end);                                       /* [^\r\n\p{L}\p{N}]?+\p{L}++ */
    else if (k & K_DIGIT) {                                                  /* \p{N}{1,3}+ */
        q = i + 1;
        for (int d = 1; d < 3 && q < end && (tc_kind[s[q]] & K_DIGIT); d++) q++;
        if (q < end && s[q] >= 0x80 && q - i < 3) q = 0;
    } else if ((k & K_PUNCT) || (c == ' ' && (k1 & K_PUNCT))) {            /*  ?[^\s\p{L}\p{N}]++[\r\n]*+ */
        q = tc_kind_run(s, i + 1, end, K_PUNCT);
        /* A byte of 0x80 or more after two ASCII characters of the run: it can only go on (right
         * after the first, a letter could take that one as its prefix). */
        if (!q && (c == ' ' || (tc_kind[s[i + 1]] & K_PUNCT))) q = tc_punct_more(s, i + 2, end);
        while (q && q < end && (s[q] == '\r' || s[q] == '\n')) q++;
    } else if (c == ' ' && !k1 && i + 1 < end) {                            /* a space, then 0x80 and up */
        size_t n1;
        uint8_t f1 = tc_class_fast(s, i + 1, &n1);
        if (f1 & F_L) q = tc_run(s, i + 1 + n1, end, F_L);                  /* [^\r\n\p{L}\p{N}]?+\p{L}++ */
        else if (tc_punct_class(f1)) {                                       /*  ?[^\s\p{L}\p{N}]++[\r\n]*+ */
            q = tc_punct_more(s, i + 1 + n1, end);
            while (q < end && (s[q] == '\r' || s[q] == '\n')) q++;
        }
    } else if ((k & K_NL || c == ' ') && (k1 & (K_UP | K_LO | K_DIGIT | K_PUNCT))) {
        q = i + 1;                                                           /* \s*[\r\n] or \s */
    } else if (tc_space_start(k, k1)) {
        q = tc_space_piece_cl100k(s, i, end, 1);                             /* whitespace runs */
    }
    return q ? q : cl100k_next_general(s, i, end);
}

/* The end of the run of ASCII digits at q, sixteen bytes at a time. */
static inline size_t tc_ascii_digit_run(const uint8_t *s, size_t q, size_t end) {
#ifdef __SSE2__
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    while (q + 16 <= end) {
        __m128i t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(s + q)), zero);
        unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, nine), t)) & 0xFFFF;
        if (other) return q + (size_t)__builtin_ctz(other);
        q += 16;
    }
#endif
    while (q < end && (uint8_t)(s[q] - '0') < 10) q++;
    return q;
}

/* o200k's and cl100k's pieces from a piece start i at an ASCII digit: \p{N}{1,3} (a digit is no
 * letter and no prefix, [^\r\n\p{L}\p{N}], so the letter alternatives fail before it), so the run
 * of ASCII digits is pieces of three from i, and its last one or two digits a piece of their own
 * when the end or an ASCII byte (no \p{N} but 0-9) follows. A byte of 0x80 or more after the run
 * may be a digit of another script (U+0660, U+FF10, ...) that the last group takes (`12٣` is one
 * piece), so those digits are left out. Returns the end of the pieces so decided: i when none. */
static inline size_t tc_digit_pieces_end(const uint8_t *s, size_t i, size_t end) {
    size_t r = tc_ascii_digit_run(s, i, end);
    if (r < end && s[r] >= 0x80) r -= (r - i) % 3;
    return r;
}

/* ---------------------------------------------------- r50k_base, p50k_base (GPT-2)
 * '(?:[sdmt]|ll|ve|re)
 *  ?\p{L}++
 *  ?\p{N}++
 *  ?[^\s\p{L}\p{N}]++
 * \s++$
 * \s+(?!\S)
 * \s
 * Unlike cl100k, the contractions are case-sensitive ASCII (so no long s), a
 * letter or number run takes only a space before it, and numbers run on.
 */

/* '(?:[sdmt]|ll|ve|re) at i (s[i] is the apostrophe): the length matched, 0 if none. */
static inline size_t gpt2_contraction(const uint8_t *s, size_t i, size_t end) {
    if (i + 1 >= end) return 0;
    uint8_t a = s[i + 1];
    if (a == 's' || a == 'd' || a == 'm' || a == 't') return 2;
    if (i + 2 >= end) return 0;
    uint8_t b = s[i + 2];
    if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e')) return 3;
    return 0;
}

static __attribute__((noinline)) size_t gpt2_next_general(const uint8_t *s, size_t i, size_t end) {
    size_t n0, n1, e;
    uint8_t c = s[i];
    if (c == '\'' && (e = gpt2_contraction(s, i, end))) return i + e;
    {   /* ASCII fast path:  ?\p{L}++ over an all-ASCII word */
        size_t p = (c == ' ' && i + 1 < end) ? i + 1 : i;
        if (tc_ascii_letter(s[p])) {
            size_t q = tc_letter_run(s, p + 1, end, 0x20);
            if (q >= end || s[q] < 0x80) return q;
        }
    }
    if (c == ' ' && i + 1 < end) {  /* a space, then a letter or number run */
        uint8_t f1 = tc_class(s, i + 1, &n1);
        if (f1 & F_L) return tc_run(s, i + 1 + n1, end, F_L);
        if (f1 & F_N) return tc_run(s, i + 1 + n1, end, F_N);
    }
    uint8_t f0 = tc_class(s, i, &n0);
    if (f0 & F_L) return tc_run(s, i + n0, end, F_L);
    if (f0 & F_N) return tc_run(s, i + n0, end, F_N);
    size_t q = tc_punct_piece(s, i, end, f0);
    if (q) return q;                              /*  ?[^\s\p{L}\p{N}]++ */
    /* f0 is whitespace. */
    size_t last_nl_end, last_start;
    size_t q2 = tc_space_run(s, i, end, &last_nl_end, &last_start);
    if (q2 == end) return end;                    /* \s++$ */
    if (last_start > i) return last_start;        /* \s+(?!\S) */
    return i + n0;                                /* \s */
}

/* As o200k_next: the common ASCII pieces here, the rest (and an apostrophe, which may start a
 * contraction) in gpt2_next_general. */
static size_t gpt2_next(const uint8_t *s, size_t i, size_t end) {
    uint8_t c = s[i];
    size_t p = c == ' ' && i + 1 < end ? i + 1 : i;                          /* the optional space */
    uint8_t k = tc_kind[s[p]];
    size_t q = 0;
    if (c == '\'') return gpt2_next_general(s, i, end);
    if (k & (K_UP | K_LO)) q = tc_letters(s, p + 1, end);                    /*  ?\p{L}++ */
    else if (k & K_DIGIT) q = tc_kind_run(s, p + 1, end, K_DIGIT);         /*  ?\p{N}++ */
    else if ((k & K_PUNCT) && s[p] != '\'') {                               /*  ?[^\s\p{L}\p{N}]++ */
        q = tc_kind_run(s, p + 1, end, K_PUNCT);
        if (!q) q = tc_punct_more(s, p + 1, end);  /* no letter rule takes a prefix: the run goes on */
    } else if (!k) {                                      /* 0x80 and up, after the optional space */
        size_t n1;
        uint8_t f1 = tc_class_fast(s, p, &n1);
        if (f1 & F_L) q = tc_run(s, p + n1, end, F_L);                      /*  ?\p{L}++ */
        else if (f1 & F_N) q = tc_run(s, p + n1, end, F_N);                 /*  ?\p{N}++ */
        else if (tc_punct_class(f1)) q = tc_punct_more(s, p + n1, end);     /*  ?[^\s\p{L}\p{N}]++ */
    }
    else if ((tc_kind[c] & K_NL) && i + 1 < end && (tc_kind[s[i + 1]] & (K_UP | K_LO | K_DIGIT | K_PUNCT)))
        q = i + 1;                                                           /* \s */
    else if (tc_space_start(tc_kind[c], i + 1 < end ? tc_kind[s[i + 1]] : 0))
        q = tc_space_piece_cl100k(s, i, end, 0);                             /* whitespace runs */
    return q ? q : gpt2_next_general(s, i, end);
}

/* ---------------------------------------------------------- many pieces per call
 * The text loop asks for the next pieces a group at a time (tc_split_many). Plain ASCII (letters,
 * digits, punctuation, spaces, newlines: most of English and of code) is split 64 bytes at a time:
 * bit masks of each byte's class give every piece start of the window at once, up to the first
 * byte these rules do not cover, and the splitter's own one-piece function takes over from the
 * last start found before it. One set of rules serves every splitter whose pattern has the same
 * alternatives over these bytes, with flags for where they differ (tc_window_rules).
 *
 * Why the masks give the splitter's pieces. Every byte before the cut is a letter (L: capital U or
 * lower case), a digit (D), a space (S), a newline \n (N) or other printable ASCII but the
 * apostrophe (P). The cut is the first of: a byte outside 0x20-0x7E but \n (\r, tabs, other
 * control characters, bytes of 0x80 and up), an apostrophe (contractions), a fourth digit in a row
 * (\p{N}{1,3} groups), '/' after \n (o200k's tail [\r\n/]* could take it), the window's last byte,
 * and the start of a run of spaces that ends at one of those or at \n (so a whitespace run is \n*
 * then spaces, then L, D or P). Over such bytes the alternatives that match are: the word (an
 * optional prefix, S or P, then letters), \p{N}{1,3}, " ?[^\s\p{L}\p{N}]+" then its tail of
 * newlines, \s*[\r\n]+ (cl100k \s*[\r\n]: the same over \n* then spaces) taking the newlines,
 * \s+(?!\S) giving back a run's last space, and \s+ of one space before a digit. A piece starts at
 * j (a, b the classes of j - 1 and j; c of j + 1) exactly when:
 *   b = L: a = D or N; or a = P and the P ends a punctuation run or " P" (the byte before it is P or
 *          S), else the P is the word's prefix; o200k also when b = U and a is lower case ([A]*[B]+
 *          and [A]+[B]* over ASCII letters are capitals, then lower case);
 *   b = S: a = L, D, P or N; or a = S and c is not S (the run gives back its last space);
 *   b = P: a = L, D or N (after S the space is the run's " ?"; after P the run goes on);
 *   b = D: a = L, S, P or N (after D the group goes on: a fourth digit is past the cut);
 *   b = N: a = L or D (after P it is the run's tail; after N the newlines go on).
 * The rules read bytes j - 2 to j + 1, all before the cut. The window starts at a piece start r
 * and its rules are computed once for the whole window; from a later start r only the rule at
 * r + 1 can read a byte before r (P at r, L at r + 1: the P is a prefix), and that is corrected.
 *
 * The same rules hold for Llama 3's and Qwen's patterns and Tekken's (o200k's with the capitals
 * rule): over these bytes their alternatives are cl100k's or o200k's (possessive or not, the
 * greedy match is the one that succeeds; \s*[\r\n]+ and \s*[\r\n] take the same newlines of a
 * run that is \n* then spaces; contractions start at the apostrophe, which cuts). Qwen and Tekken
 * take one digit per piece (\p{N}): every digit starts a piece and no run of digits cuts.
 *
 * DeepSeek's three steps (pretokenize_open.h) give cl100k's starts over these bytes but for two
 * rules. Its digits (\p{N}{1,3}, step 1) end the segment step 3 splits, so a run of spaces before
 * a digit is \s+(?!\S) at the end of its text and stays whole: b = S, a = S starts a piece only
 * when c is neither S nor D. Its apostrophe is punctuation like any other (no contractions; the
 * "[!\"#...~][A-Za-z]+" alternative is the word after a prefix P, and " ?[\p{P}\p{S}]+[\r\n]*" the
 * run), so it is P and cuts nothing, and its tail [\r\n]* takes no '/', which cuts nothing
 * either. A space is the only prefix of [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ among these bytes, and
 * every byte has an alternative that matches it (so no text between matches is left as a piece).
 *
 * GPT-2's pattern (' ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s') has its own
 * rules: a letter, number or punctuation run takes only a space before it, numbers run on, and
 * whitespace has no newline rule, so a whitespace run is any mix of S and N (no cut at \n, and a
 * run that ends at the cut cuts at its start instead, as spaces do above). Over such bytes a piece
 * starts at j exactly when:
 *   b = S or N: a is not S or N (no piece but whitespace takes whitespace at its end); or a is
 *          S or N and c is not (\s+(?!\S) gives back the run's last character, which is a
 *          space's " ?X" prefix or a newline's \s);
 *   b = L, D or P: a is one of the other two of L, D, P, or N (a space before it is its prefix,
 *          and a run of one class goes on).
 * These read j - 1 to j + 1 only, so no correction at r + 1 is needed. */
typedef size_t (*tc_split_fn)(const uint8_t *s, size_t i, size_t end);

#define TC_WINDOW 64

/* Where a splitter's window rules differ from cl100k's (above). Each is a constant in its
 * splitter's copy of tc_split_window, so the rules it does not use cost nothing. */
enum {
    TC_RULES_CAMEL = 1,      /* o200k's letter classes: a capital after lower case starts a piece */
    TC_RULES_ONE_DIGIT = 2,  /* \p{N}: every digit starts a piece */
    TC_RULES_GPT2 = 4,       /* GPT-2's rules */
    TC_RULES_DEEPSEEK = 8,   /* DeepSeek's: the apostrophe is punctuation, spaces before a digit stay one run */
    TC_RULES_DEVANAGARI = 16, /* o200k's letter classes: words of Devanagari a window at a time (tc_devanagari_window) */
};

/* A window's piece starts (bit j: a piece starts at j, given pieces start at a position r and
 * the rules hold from r; see tc_window_found), its cut bytes, and what the correction at r + 1 and
 * the runs of spaces (of spaces and \n for GPT-2) need. */
typedef struct {
    uint64_t starts, hard, prefix_word, spaces, bad_ends;
} tc_window;

/* The byte classes of s[0:64] the rules read, as masks (bit j for s[j]). */
typedef struct {
    uint64_t let, up, digit, print, space, newline, slash, apos;
} tc_window_bytes;

static inline uint64_t tc_mask16(int b, unsigned m) { return (uint64_t)m << (16 * b); }

#ifdef __SSE2__
static inline unsigned tc_in_range(__m128i v, char lo, char span) {
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span)), d));
}
static inline unsigned tc_is_byte(__m128i v, char c) {
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}
#endif

static inline void tc_window_bytes_at(const uint8_t *s, int camel, tc_window_bytes *m) {
    uint64_t L = 0, U = 0, D = 0, S = 0, N = 0, SL = 0, AP = 0, PR = 0;
#ifdef __SSE2__
    for (int b = 0; b < 4; b++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + 16 * b));
        L |= tc_mask16(b, tc_in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 25));
        if (camel) U |= tc_mask16(b, tc_in_range(v, 'A', 25));
        D |= tc_mask16(b, tc_in_range(v, '0', 9));
        PR |= tc_mask16(b, tc_in_range(v, 0x20, 0x5E));
        S |= tc_mask16(b, tc_is_byte(v, ' '));
        N |= tc_mask16(b, tc_is_byte(v, '\n'));
        SL |= tc_mask16(b, tc_is_byte(v, '/'));
        AP |= tc_mask16(b, tc_is_byte(v, '\''));
    }
#else
    for (int j = 0; j < TC_WINDOW; j++) {
        uint8_t c = s[j];
        L |= (uint64_t)tc_ascii_letter(c) << j;
        U |= (uint64_t)tc_ascii_upper(c) << j;
        D |= (uint64_t)((uint8_t)(c - '0') < 10) << j;
        PR |= (uint64_t)((uint8_t)(c - 0x20) < 0x5F) << j;
        S |= (uint64_t)(c == ' ') << j;
        N |= (uint64_t)(c == '\n') << j;
        SL |= (uint64_t)(c == '/') << j;
        AP |= (uint64_t)(c == '\'') << j;
    }
#endif
    *m = (tc_window_bytes){L, U, D, PR, S, N, SL, AP};
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TC_HAVE_AVX2_WINDOW 1
/* tc_window_bytes_at, 32 bytes at a time (chosen at start-up when the CPU has AVX2). */
__attribute__((target("avx2"))) static inline uint64_t tc_mask32_avx2(__m256i lo, __m256i hi) {
    return (uint32_t)_mm256_movemask_epi8(lo) | (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}
__attribute__((target("avx2"))) static inline __m256i tc_in_range_avx2(__m256i v, char lo, char span) {
    __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8(lo));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(span)), d);
}
__attribute__((target("avx2"))) static void tc_window_bytes_avx2(const uint8_t *s, tc_window_bytes *m) {
    __m256i a = _mm256_loadu_si256((const __m256i *)s), b = _mm256_loadu_si256((const __m256i *)(s + 32));
    __m256i f = _mm256_set1_epi8(0x20);
    m->let = tc_mask32_avx2(tc_in_range_avx2(_mm256_or_si256(a, f), 'a', 25), tc_in_range_avx2(_mm256_or_si256(b, f), 'a', 25));
    m->up = tc_mask32_avx2(tc_in_range_avx2(a, 'A', 25), tc_in_range_avx2(b, 'A', 25));
    m->digit = tc_mask32_avx2(tc_in_range_avx2(a, '0', 9), tc_in_range_avx2(b, '0', 9));
    m->print = tc_mask32_avx2(tc_in_range_avx2(a, 0x20, 0x5E), tc_in_range_avx2(b, 0x20, 0x5E));
#define TC_EQ2(c) tc_mask32_avx2(_mm256_cmpeq_epi8(a, _mm256_set1_epi8(c)), _mm256_cmpeq_epi8(b, _mm256_set1_epi8(c)))
    m->space = TC_EQ2(' ');
    m->newline = TC_EQ2('\n');
    m->slash = TC_EQ2('/');
    m->apos = TC_EQ2('\'');
#undef TC_EQ2
}
#endif

static void tc_init_windows(void) {
#ifdef TC_HAVE_AVX2_WINDOW
    tc_window_avx2 = __builtin_cpu_supports("avx2");
#endif
}

/* For tests: 0 makes the windows take their SSE2 masks on a CPU with AVX2, so that path is
 * checked too; 1 restores the CPU's choice. Returns whether AVX2 is now used. */
static int tc_window_use_avx2(int on) {
    tc_init_windows();
    if (!on) tc_window_avx2 = 0;
    return tc_window_avx2;
}

static inline __attribute__((always_inline)) void tc_window_at(const uint8_t *s, int rules, tc_window *w) {
    tc_window_bytes m;
#ifdef TC_HAVE_AVX2_WINDOW
    if (tc_window_avx2) tc_window_bytes_avx2(s, &m);
    else
#endif
    tc_window_bytes_at(s, rules & TC_RULES_CAMEL, &m);
    uint64_t L = m.let, U = m.up, D = m.digit, S = m.space, N = m.newline;
    uint64_t apos = rules & TC_RULES_DEEPSEEK ? 0 : m.apos;
    uint64_t P = m.print & ~(L | D | S | apos);
    uint64_t hard = ~(m.print | N) | apos | 1ull << 63;
    if (rules & TC_RULES_GPT2) {
        uint64_t W = S | N, runs = W & ~(1ull << 63);
        w->starts = (W & (~(W << 1) | ~(W >> 1))) | (L & (D | P | N) << 1) | (D & (L | P | N) << 1) |
                    (P & (L | D | N) << 1);
        w->hard = hard;
        w->prefix_word = 0;
        w->spaces = runs;
        /* Just above each run (the carry of adding each run's first bit runs through it). */
        w->bad_ends = (runs + (runs & ~(runs << 1))) & hard;
        return;
    }
    if (!(rules & TC_RULES_DEEPSEEK)) hard |= m.slash & N << 1;
    if (!(rules & TC_RULES_ONE_DIGIT)) hard |= D & D << 1 & D << 2 & D << 3;
    uint64_t spaces = S & ~(1ull << 63);
    uint64_t ends = spaces + (spaces & ~(spaces << 1));   /* just above each run of spaces */
    uint64_t b_let = L & ((D | N) << 1 | (P << 1 & (P << 2 | S << 2)));
    if (rules & TC_RULES_CAMEL) b_let |= U & (L & ~U) << 1;
    uint64_t b_digit = rules & TC_RULES_ONE_DIGIT ? D : D & (L | S | P | N) << 1;
    uint64_t gives_back = rules & TC_RULES_DEEPSEEK ? ~((S | D) >> 1) : ~(S >> 1);   /* c is not S (nor D) */
    w->starts = b_let | (S & ((L | D | P | N) << 1 | (S << 1 & gives_back))) | (P & (L | D | N) << 1) | b_digit |
                (N & (L | D) << 1);
    w->hard = hard;
    w->prefix_word = P & L >> 1;
    w->spaces = spaces;
    w->bad_ends = ends & (hard | N);
}

/* The piece starts after r (a piece start, r < 63) that window w decides, as bits. */
static inline uint64_t tc_window_found(const tc_window *w, unsigned r) {
    if (w->hard >> r & 1) return 0;
    uint64_t above = ~0ull << r << 1;
    unsigned cut = (unsigned)__builtin_ctzll(w->hard & above);   /* bit 63 is always hard */
    uint64_t bad = w->bad_ends & above;
    if (bad) {                                  /* a run of spaces that ends badly: cut at its start */
        uint64_t below = ~w->spaces & ((1ull << __builtin_ctzll(bad)) - 1);
        unsigned run = below ? 64 - (unsigned)__builtin_clzll(below) : 0;
        if (run < cut) cut = run;
    }
    if (cut <= r + 1) return 0;
    uint64_t found = w->starts & above & ((1ull << cut) - 1);
    return found & ~((w->prefix_word >> r & 1) << r << 1);
}

/* Devanagari words a window at a time (o200k's letter rules; round 14, r14-hindi). Most pieces of
 * Hindi are a space and a word of Devanagari letters and marks (" नमस्ते"), and each was a call of
 * the one-piece splitter (its tests, the block, the byte after it: about 85 instructions a piece).
 * Here the bytes from a piece start give the starts of every such piece up to the first byte that
 * is neither of:
 *   a letter: a byte of a character of tc_devanagari_run (E0, then A4 or A5, then a third byte that
 *             is not A4-B0 after an A5: U+0900 to U+097F but the dandas, digits and abbreviation
 *             sign);
 *   a prefix: a space right before such a character.
 * Each letter is in A and in B (checked at start-up, tc_devanagari_ok), so at a piece start the
 * word's letters run to the next byte that is not a letter (o200k_word's case 2), with the space
 * before them as its prefix; a space is in neither A nor B and is not an apostrophe, so a word that
 * reaches one ends there, and the space, before a letter, is the next word's prefix. So every
 * prefix before that first other byte (the cut) starts a piece, and the word that reaches the cut
 * ends there when the cut is an ASCII byte that is not a letter or an apostrophe (o200k_script_word's
 * test); otherwise its end is left to the splitter. The bytes are read 32 (AVX2) or 16 (SSE2) at a
 * time, up to 64 and two after them, and reading stops after the block where the cut is found. */
#define TC_DEVANAGARI_READ (TC_WINDOW + 2)   /* bytes tc_devanagari_window may read */

/* The starts after s[0] (a piece start) that the letters and spaces masks (bit j: a letter starts
 * at s[j], s[j] is a space) decide, up to the first cut below bit `known` (bits up to it are final;
 * 63 at most). 0 when s[0] starts no such word; ~0 when no cut is below `known`. */
static inline uint64_t tc_devanagari_found(const uint8_t *s, uint64_t letters, uint64_t spaces, unsigned known) {
    uint64_t prefix = spaces & letters >> 1;
    uint64_t ok = letters | letters << 1 | letters << 2 | prefix;
    if (!(ok & 1)) return 0;
    uint64_t cuts = ~ok & ((1ull << known) - 1);
    if (!cuts && known < 63) return ~0ull;
    unsigned cut = cuts ? (unsigned)__builtin_ctzll(cuts) : known;
    uint64_t found = prefix & ((1ull << cut) - 1) & ~1ull;
    uint8_t c = s[cut];
    if (c < 0x80 && !(tc_kind[c] & (K_UP | K_LO)) && c != '\'') found |= 1ull << cut;
    return found;
}

#ifdef __SSE2__
/* Bit j of the result: a Devanagari letter starts at v0's byte j (v1, v2: the same bytes from one
 * and two further on). */
static inline unsigned tc_devanagari_letters16(__m128i v0, __m128i v1, __m128i v2) {
    __m128i lead = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8((char)0xE0)),
                                 _mm_cmpeq_epi8(_mm_and_si128(v1, _mm_set1_epi8((char)0xFE)), _mm_set1_epi8((char)0xA4)));
    __m128i d = _mm_sub_epi8(v2, _mm_set1_epi8((char)0xA4));   /* third byte A4-B0 after A5: not a letter */
    __m128i other = _mm_and_si128(_mm_cmpeq_epi8(v1, _mm_set1_epi8((char)0xA5)),
                                  _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(0x0C)), d));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(other, lead));
}
#endif

#ifdef TC_HAVE_AVX2_WINDOW
/* The window's byte constants as vectors in memory: GCC builds each _mm256_set1_epi8 from a general
 * register (three instructions, a fifth of the window, which is not inlined into its AVX2-less
 * caller), where a load folds into the instruction that uses it. */
enum { TC_DEV_LEAD, TC_DEV_EVEN, TC_DEV_BLOCK, TC_DEV_A5, TC_DEV_FROM_A4, TC_DEV_SPAN, TC_DEV_SPACE };
static const uint8_t tc_devanagari_bytes[7][32] __attribute__((aligned(32))) = {
    [TC_DEV_LEAD] = {[0 ... 31] = 0xE0},     /* the lead byte of U+0800-U+0FFF */
    [TC_DEV_EVEN] = {[0 ... 31] = 0xFE},     /* A4 or A5: U+0900-U+097F */
    [TC_DEV_BLOCK] = {[0 ... 31] = 0xA4},
    [TC_DEV_A5] = {[0 ... 31] = 0xA5},
    [TC_DEV_FROM_A4] = {[0 ... 31] = 0x5C},  /* -0xA4: a third byte of A4-B0 after A5 is not a letter */
    [TC_DEV_SPAN] = {[0 ... 31] = 0x0C},
    [TC_DEV_SPACE] = {[0 ... 31] = ' '},
};

__attribute__((target("avx2"))) static uint64_t tc_devanagari_window_avx2(const uint8_t *s) {
    const __m256i *k = (const __m256i *)tc_devanagari_bytes;
    __asm__("" : "+r"(k));   /* hides what k points to, which GCC would fold back into broadcasts */
    uint64_t letters = 0, spaces = 0, found = 0;
    for (unsigned b = 0; b < 2; b++) {
        const uint8_t *at = s + 32 * b;
        __m256i v0 = _mm256_loadu_si256((const __m256i *)at), v1 = _mm256_loadu_si256((const __m256i *)(at + 1));
        __m256i v2 = _mm256_add_epi8(_mm256_loadu_si256((const __m256i *)(at + 2)), k[TC_DEV_FROM_A4]);
        __m256i lead = _mm256_and_si256(_mm256_cmpeq_epi8(v0, k[TC_DEV_LEAD]),
                                        _mm256_cmpeq_epi8(_mm256_and_si256(v1, k[TC_DEV_EVEN]), k[TC_DEV_BLOCK]));
        __m256i other = _mm256_and_si256(_mm256_cmpeq_epi8(v1, k[TC_DEV_A5]),
                                         _mm256_cmpeq_epi8(_mm256_min_epu8(v2, k[TC_DEV_SPAN]), v2));
        letters |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_andnot_si256(other, lead)) << 32 * b;
        spaces |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, k[TC_DEV_SPACE])) << 32 * b;
        found = tc_devanagari_found(s, letters, spaces, 32 * b + 31);
        if (found != ~0ull) break;
    }
    return found;
}
#endif

/* The starts after s[0] (a piece start) that the Devanagari words from s[0] decide, as bits (0:
 * none). TC_DEVANAGARI_READ bytes must be there to read. */
static inline uint64_t tc_devanagari_window(const uint8_t *s) {
#ifdef TC_HAVE_AVX2_WINDOW
    if (tc_window_avx2) return tc_devanagari_window_avx2(s);
#endif
    uint64_t letters = 0, spaces = 0, found = 0;
    for (unsigned b = 0; b < 4; b++) {
        const uint8_t *at = s + 16 * b;
#ifdef __SSE2__
        __m128i v0 = _mm_loadu_si128((const __m128i *)at);
        letters |= (uint64_t)tc_devanagari_letters16(v0, _mm_loadu_si128((const __m128i *)(at + 1)),
                                                     _mm_loadu_si128((const __m128i *)(at + 2))) << 16 * b;
        spaces |= (uint64_t)tc_is_byte(v0, ' ') << 16 * b;
#else
        for (unsigned j = 0; j < 16; j++) {
            letters |= (uint64_t)(at[j] == 0xE0 && (at[j + 1] & 0xFE) == 0xA4 &&
                                  !(at[j + 1] == 0xA5 && (uint8_t)(at[j + 2] - 0xA4) <= 0x0C)) << (16 * b + j);
            spaces |= (uint64_t)(at[j] == ' ') << (16 * b + j);
        }
#endif
        found = tc_devanagari_found(s, letters, spaces, 16 * b + 15);
        if (found != ~0ull) break;
    }
    return found;
}

/* What the text loop keeps between groups of pieces (one per text, tc_split_begin first): the
 * window, and the starts it decided after the last one handed out. */
typedef struct {
    tc_window w;
    size_t base;            /* the window's first byte */
    uint64_t found;         /* decided starts after the current piece, bits from base */
    int have;               /* w is a window of this text */
} tc_split_state;

static inline void tc_split_begin(tc_split_state *st) {
    st->base = 0;
    st->have = 0;
    st->found = 0;
}

/* The splitter's piece at i in a group of other scripts. With `other` (o200k's
 * o200k_next_other), a piece that starts with such a byte, or a space before one, goes straight
 * there: those bytes have no kind (tc_kind), so every ASCII test of the front function fails on
 * them and it would call `other` itself, after about thirty instructions of tests. */
static inline __attribute__((always_inline)) size_t tc_split_one(tc_split_fn next, tc_split_fn other, const uint8_t *s,
                                                                 size_t i, size_t end) {
    if (other && (s[i] >= 0x80 || (s[i] == ' ' && i + 1 < end && s[i + 1] >= 0x80))) return other(s, i, end);
    return next(s, i, end);
}

static inline __attribute__((always_inline)) size_t tc_split_window(int rules, tc_split_fn next, tc_split_fn other,
                                                                    const uint8_t *s, size_t i, size_t end,
                                                                    size_t *starts, size_t max, tc_split_state *st) {
    size_t k = 0, base = st->base;
    uint64_t found = st->found;
    if (!found && (i + TC_WINDOW > end || (tc_load64(s + i) & 0x8080808080808080ull))) {
        /* A group that starts with a byte of 0x80 or more in its first eight (text of other
         * scripts, where a window would find nothing), or in the text's last 64 bytes: the
         * splitter's pieces, one call each. */
        while (k < max && i < end) {
            starts[k++] = i;
            if (!(rules & TC_RULES_DEVANAGARI)) {
                i = tc_split_one(next, other, s, i, end);
                continue;
            }
            if (!(s[i] >= 0x80 || (s[i] == ' ' && i + 1 < end && s[i + 1] >= 0x80))) {   /* tc_split_one's test */
                i = next(s, i, end);
                continue;
            }
            /* A Devanagari word, or a space before one: its window, when it decides a piece. The
             * first test is o200k_script_word's own (the same load), so other scripts pay one compare. */
            size_t p = i + (s[i] == ' ');
            uint64_t words;
            if (tc_block_lead[s[p]] && s[p] == 0xE0 && i + TC_DEVANAGARI_READ <= end && (s[p + 1] & 0xFE) == 0xA4 &&
                    (words = tc_devanagari_window(s + i))) {
                size_t from = i;
                for (;;) {
                    i = from + (size_t)__builtin_ctzll(words);
                    words &= words - 1;
                    if (!words || k == max) break;
                    starts[k++] = i;
                }
                continue;
            }
            i = other(s, i, end);
        }
        starts[k] = i;
        return k;
    }
    while (k < max && i < end) {
        if (found) {                              /* the pieces the window decided */
            do {
                starts[k++] = i;
                i = base + (size_t)__builtin_ctzll(found);
                found &= found - 1;
            } while (found && k < max);
            continue;
        }
        if (i + TC_WINDOW <= end && !(tc_load64(s + i) & 0x8080808080808080ull)) {
            if (!st->have || i - base > TC_WINDOW - 16) {
                tc_window_at(s + i, rules, &st->w);
                base = i;
                st->have = 1;
            }
            found = tc_window_found(&st->w, (unsigned)(i - base));
            if (found) continue;
            starts[k++] = i;                      /* the splitter's piece at i */
            i = next(s, i, end);
            continue;
        }
        starts[k++] = i;                          /* likewise, a piece of other scripts */
        i = next(s, i, end);
    }
    st->base = base;
    st->found = found;
    starts[k] = i;
    return k;
}

static __attribute__((noinline)) size_t o200k_many(const uint8_t *s, size_t i, size_t end, size_t *starts, size_t max,
                                                   tc_split_state *st) {
    return tc_split_window(TC_RULES_CAMEL | TC_RULES_DEVANAGARI, o200k_next, o200k_next_script, s, i, end, starts, max,
                           st);
}

static __attribute__((noinline)) size_t cl100k_many(const uint8_t *s, size_t i, size_t end, size_t *starts, size_t max,
                                                    tc_split_state *st) {
    return tc_split_window(0, cl100k_next, NULL, s, i, end, starts, max, st);
}

static __attribute__((noinline)) size_t gpt2_many(const uint8_t *s, size_t i, size_t end, size_t *starts, size_t max,
                                                  tc_split_state *st) {
    return tc_split_window(TC_RULES_GPT2, gpt2_next, NULL, s, i, end, starts, max, st);
}
