/* Small plain files counted in one native call: opened, read, checked and
 * counted without the GIL, so threads counting a corpus run side by side.
 *
 * Only the plain case is done here: a file shorter than the caller's limit,
 * with no NUL byte at its start, that is strict UTF-8. Anything else (a read
 * error, invalid UTF-8, a large file) is handed back for Python's reader,
 * which knows the error messages and the U+FFFD rules; so this path can make
 * a run faster but never count differently.
 */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "encoder.h"

/* How many bytes of s[0:n] are UTF-8 as Python's strict decoder takes it (shortest forms only, no
 * surrogates, nothing above U+10FFFF; Unicode table 3-7): where its first invalid sequence starts
 * (UnicodeDecodeError.start, Rust's valid_up_to), n when there is none. A whole character is
 * valid or not, so the count always ends on a character boundary. (Here, not in utf8.h, as the
 * file reader was its first user; encode_bytes uses it too.) */
static size_t tc_utf8_valid_up_to(const uint8_t *s, size_t n) {
    size_t i = 0;
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

#ifdef TC_HAVE_AVX2_WINDOW
/* Whether s[0:n] is all strict UTF-8, 32 bytes a step: the lookup check of Keiser and Lemire
 * ("Validating UTF-8 in less than one instruction per byte", 2021, as simdjson has it). Each byte
 * is judged with the one before it by three 16-entry tables, the high and low nibble of the
 * earlier byte and the high nibble of this one, whose bits name the errors a pair can show (a lead
 * too short, a continuation too many, overlong forms, surrogates, above U+10FFFF); a byte two or
 * three after a three- or four-byte lead must be a continuation. The tail is checked in a block
 * padded with zeros, so a sequence cut by the end meets an ASCII byte and fails as too short. The
 * scalar tc_utf8_valid_up_to took 7 instructions a byte on the bench's mixed-script files. */
__attribute__((target("avx2"))) static inline __m256i tc_utf8_block_errors(__m256i in, __m256i prev_in) {
    enum { SHORT = 1, LONG = 2, OVERLONG_3 = 4, LARGE = 8, SURROGATE = 16, OVERLONG_2 = 32,
           LARGE_1000 = 64, OVERLONG_4 = 64, TWO_CONTS = 128, CARRY = SHORT | LONG | TWO_CONTS };
    const __m256i byte_1_high = _mm256_setr_epi8(
        LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG, TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
        SHORT | OVERLONG_2, SHORT, SHORT | OVERLONG_3 | SURROGATE, SHORT | LARGE | LARGE_1000 | OVERLONG_4,
        LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG, TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
        SHORT | OVERLONG_2, SHORT, SHORT | OVERLONG_3 | SURROGATE, SHORT | LARGE | LARGE_1000 | OVERLONG_4);
#define TC_LOW_NIBBLE_ERRORS                                                                              \
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY, CARRY | LARGE,         \
    CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000,                   \
    CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000,                   \
    CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000 | SURROGATE,       \
    CARRY | LARGE | LARGE_1000, CARRY | LARGE | LARGE_1000
    const __m256i byte_1_low = _mm256_setr_epi8(TC_LOW_NIBBLE_ERRORS, TC_LOW_NIBBLE_ERRORS);
#undef TC_LOW_NIBBLE_ERRORS
#define TC_SECOND_HIGH_ERRORS                                                                             \
    SHORT, SHORT, SHORT, SHORT, SHORT, SHORT, SHORT, SHORT,                                               \
    LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | LARGE_1000 | OVERLONG_4,                                \
    LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | LARGE, LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | LARGE, \
    LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | LARGE, SHORT, SHORT, SHORT, SHORT
    const __m256i byte_2_high = _mm256_setr_epi8(TC_SECOND_HIGH_ERRORS, TC_SECOND_HIGH_ERRORS);
#undef TC_SECOND_HIGH_ERRORS
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i joined = _mm256_permute2x128_si256(prev_in, in, 0x21);  /* prev_in's high lane, in's low */
    __m256i prev1 = _mm256_alignr_epi8(in, joined, 15), prev2 = _mm256_alignr_epi8(in, joined, 14),
            prev3 = _mm256_alignr_epi8(in, joined, 13);
    __m256i special = _mm256_and_si256(
        _mm256_and_si256(_mm256_shuffle_epi8(byte_1_high, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble)),
                         _mm256_shuffle_epi8(byte_1_low, _mm256_and_si256(prev1, nibble))),
        _mm256_shuffle_epi8(byte_2_high, _mm256_and_si256(_mm256_srli_epi16(in, 4), nibble)));
    /* 0x80 where the byte two back is a lead of three or more, or three back one of four */
    __m256i must_continue = _mm256_or_si256(_mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
                                            _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
    return _mm256_xor_si256(_mm256_and_si256(must_continue, _mm256_set1_epi8((char)0x80)), special);
}

__attribute__((target("avx2"))) static int tc_is_strict_utf8_avx2(const uint8_t *s, size_t n) {
    __m256i prev_in = _mm256_setzero_si256(), errors = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(s + i));
        errors = _mm256_or_si256(errors, tc_utf8_block_errors(in, prev_in));
        prev_in = in;
    }
    uint8_t tail[32] = {0};
    memcpy(tail, s + i, n - i);
    errors = _mm256_or_si256(errors, tc_utf8_block_errors(_mm256_loadu_si256((const __m256i *)tail), prev_in));
    return _mm256_testz_si256(errors, errors);
}
#endif

/* Whether s[0:n] is all strict UTF-8 (tc_utf8_valid_up_to's rules). */
static inline int tc_is_strict_utf8(const uint8_t *s, size_t n) {
#ifdef TC_HAVE_AVX2_WINDOW
    if (tc_window_avx2) return tc_is_strict_utf8_avx2(s, n);
#endif
    return tc_utf8_valid_up_to(s, n) == n;
}

/* What a corpus's discovery asks of a path: lstat(2) (stat(2) when `follow`), its mode, size and
 * modification time as os.stat's st_mtime computes it (the seconds plus the nanoseconds times 1e-9,
 * in that order, so the float is the same). 0, or the errno. */
static int tc_stat_path(const char *path, int follow, unsigned *mode, int64_t *size, double *mtime) {
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) return errno;
    *mode = (unsigned)st.st_mode;
    *size = (int64_t)st.st_size;
    *mtime = (double)st.st_mtim.tv_sec + (unsigned long)st.st_mtim.tv_nsec * 1e-9;
    return 0;
}

enum { TC_FILE_COUNTED = 0, TC_FILE_BINARY = 1, TC_FILE_ASK_PYTHON = 2 };

typedef struct {
    int status;
    size_t tokens;
    size_t bytes;
} tc_file_count;

/* Bytes read before a file's size is asked: most files of a corpus are
 * shorter, and for them one fstat a file was a fifth of the system calls
 * (open, read, the read that finds the end, close are the rest). */
#define TC_FILE_PROBE ((size_t)1 << 16)

/* Read path into *buf (grown as needed, kept for the next file), up to
 * `limit` bytes. The length read, or (size_t)-1 on any failure or when the
 * file holds `limit` bytes or more. A file that reaches TC_FILE_PROBE bytes
 * is given up as soon as fstat says it is a regular file of `limit` bytes
 * or more, rather than read that far only to be handed back. */
static size_t tc_read_small_file(const char *path, size_t limit, uint8_t **buf, size_t *cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (size_t)-1;
    size_t n = 0;
    int sized = 0;
    for (;;) {
        if (!sized && n >= TC_FILE_PROBE) {
            sized = 1;
            struct stat st;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= limit) {
                n = (size_t)-1;                     /* large: not worth reading only to hand back */
                break;
            }
        }
        if (n == *cap) {
            size_t want = *cap ? *cap * 2 : TC_FILE_PROBE;
            if (want > limit) want = limit;
            if (want <= n) { n = (size_t)-1; break; }  /* the limit is reached: not small */
            uint8_t *grown = realloc(*buf, want);
            if (!grown) { n = (size_t)-1; break; }
            *buf = grown;
            *cap = want;
        }
        size_t room = *cap - n;
        if (!sized && room > TC_FILE_PROBE - n) room = TC_FILE_PROBE - n;
        ssize_t got = read(fd, *buf + n, room);
        if (got < 0) { n = (size_t)-1; break; }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    return n;
}

/* Count each of paths[0..n): out[k] says whether it was counted, found
 * binary (a NUL in its first `sniff` bytes), or is left to Python. */
static void tc_count_files(const tc_vocab *v, tc_split_fn split, const char *const *paths, size_t n, size_t limit,
                           size_t sniff, tc_file_count *out) {
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (size_t k = 0; k < n; k++) {
        tc_file_count r = {TC_FILE_ASK_PYTHON, 0, 0};
        size_t len = tc_read_small_file(paths[k], limit, &buf, &cap);
        if (len != (size_t)-1) {
            if (memchr(buf, 0, len < sniff ? len : sniff)) {
                r.status = TC_FILE_BINARY;
            } else if (tc_is_strict_utf8(buf, len)) {
                r.tokens = tc_count_text(v, split, buf, len);
                if (r.tokens != (size_t)-1) {
                    r.status = TC_FILE_COUNTED;
                    r.bytes = len;
                } else {
                    r.tokens = 0;
                }
            }
        }
        out[k] = r;
    }
    free(buf);
}
