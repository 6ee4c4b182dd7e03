/* CRC-32 (zlib's: polynomial 0x04C11DB7 reflected, value inverted before and after), the
 * checksum of the table cache file, which every load verifies over the whole file (23 MB for
 * o200k_base). zlib's own crc32 took 90 M instructions of a fresh process's
 * `import tokcost; get_encoding("o200k_base")` (313 M, callgrind), about 9 ms of CPU.
 *
 * This computes the same value by carry-less multiplication (PCLMULQDQ): the data is folded
 * 64 bytes at a time into four 128-bit remainders, those into one, and that one reduced to 32
 * bits (Barrett reduction), the method of Gopal et al., "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ Instruction" (Intel, 2009). The constants are powers of x modulo
 * the polynomial, bit-reflected: x^(4*128+32), x^(4*128-32) fold 512 bits; x^(128+32),
 * x^(128-32) fold 128 bits; x^64 folds 64 to 32; mu = floor(x^64 / P) and P itself reduce.
 * Bytes before the first 16-aligned... are not needed: unaligned loads; the tail of fewer than
 * 16 bytes and inputs under 64 bytes go bit by bit (at most 63 bytes per call).
 * tests/test_checksum.py compares every result with zlib.crc32. Without PCLMULQDQ (or off
 * x86-64) tc_crc32_fast returns 0 and the caller uses zlib. */
#ifndef TOKCOST_CHECKSUM_H
#define TOKCOST_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

static uint32_t tc_crc32_bits(uint32_t crc, const uint8_t *p, size_t n)
{
    /* crc without the inversions */
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("pclmul,sse4.1")))
static uint32_t tc_crc32_clmul(uint32_t crc, const uint8_t *p, size_t n)
{
    /* n >= 64 and a multiple of 16; crc without the inversions */
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124LL);
    const __m128i poly_mu = _mm_set_epi64x(0x1f7011641LL, 0x1db710641LL);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_loadu_si128((const __m128i *)p);
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    p += 64;
    n -= 64;
#define TC_FOLD(x, k, next) \
    x = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next)
    while (n >= 64) {
        TC_FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)p));
        TC_FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(p + 16)));
        TC_FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(p + 32)));
        TC_FOLD(x4, k1k2, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        n -= 64;
    }
    TC_FOLD(x1, k3k4, x2);
    TC_FOLD(x1, k3k4, x3);
    TC_FOLD(x1, k3k4, x4);
    while (n >= 16) {
        TC_FOLD(x1, k3k4, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }
#undef TC_FOLD
    /* 128 -> 64 bits */
    x2 = _mm_srli_si128(x1, 8);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x10), x2);
    /* 64 -> 32 bits */
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00), x2);
    /* Barrett reduction */
    x2 = x1;
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly_mu, 0x10);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly_mu, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

/* zlib.crc32(data, crc) into *out; 0 when this CPU cannot (the caller then asks zlib). */
static int tc_crc32_fast(uint32_t crc, const uint8_t *p, size_t n, uint32_t *out)
{
    if (!__builtin_cpu_supports("pclmul") || !__builtin_cpu_supports("sse4.1"))
        return 0;
    crc = ~crc;
    if (n >= 64) {
        size_t body = n & ~(size_t)15;
        crc = tc_crc32_clmul(crc, p, body);
        p += body;
        n -= body;
    }
    *out = ~tc_crc32_bits(crc, p, n);
    return 1;
}
#else
static int tc_crc32_fast(uint32_t crc, const uint8_t *p, size_t n, uint32_t *out)
{
    (void)crc; (void)p; (void)n; (void)out;
    (void)tc_crc32_bits;
    return 0;
}
#endif

#endif
