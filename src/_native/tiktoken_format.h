/* Parse the `.tiktoken` rank file format: one "<base64 token> <rank>" per line.
 * Parsing natively takes milliseconds; base64-decoding 200k lines in Python
 * takes most of a second. */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tables.h"

static int tc_b64_value(uint8_t c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode base64 p[0:n] into out; the decoded length, or -1 if malformed. */
static long tc_b64_decode(const uint8_t *p, size_t n, uint8_t *out) {
    if (n == 0 || n % 4) return -1;
    size_t pad = (p[n - 1] == '=') + (n >= 2 && p[n - 2] == '=');
    long len = 0;
    for (size_t i = 0; i < n; i += 4) {
        int a = tc_b64_value(p[i]), b = tc_b64_value(p[i + 1]);
        int c = p[i + 2] == '=' && i + 4 == n ? 0 : tc_b64_value(p[i + 2]);
        int d = p[i + 3] == '=' && i + 4 == n ? 0 : tc_b64_value(p[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0) return -1;
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        size_t take = (i + 4 == n) ? 3 - pad : 3;
        if (out) {
            if (take > 0) out[len] = (uint8_t)(w >> 16);
            if (take > 1) out[len + 1] = (uint8_t)(w >> 8);
            if (take > 2) out[len + 2] = (uint8_t)w;
        }
        len += (long)take;
    }
    return len;
}

/* Split line number `line` of data into its token and rank fields. */
typedef struct { const uint8_t *tok; size_t tok_len; uint64_t rank; } tc_line;

static int tc_parse_line(const uint8_t *p, size_t n, tc_line *out) {
    const uint8_t *sp = memchr(p, ' ', n);
    if (!sp || sp == p || sp + 1 == p + n) return -1;
    out->tok = p;
    out->tok_len = (size_t)(sp - p);
    uint64_t r = 0;
    for (const uint8_t *q = sp + 1; q < p + n; q++) {
        if (*q == '\r' && q + 1 == p + n) break;
        if (*q < '0' || *q > '9' || r > TC_MAX_RANKS) return -1;
        r = r * 10 + (uint64_t)(*q - '0');
    }
    out->rank = r;
    return 0;
}

/* Fill v->dec_off / v->bytes from a rank file, leaving room for ranks up to
 * `min_ranks` (special tokens). Returns 0, or the 1-based number of the first
 * bad line (malformed, rank too large, duplicate rank), or -1 when out of memory. */
static long tc_parse_tiktoken(const uint8_t *data, size_t n, uint32_t min_ranks, tc_vocab *v) {
    uint64_t max_rank = 0, total = 0;
    long line_no = 0;
    tc_line ln;
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 0;
        line_no = 0;
        if (pass == 1) {
            v->n_ranks = (uint32_t)(max_rank + 1 > min_ranks ? max_rank + 1 : min_ranks);
            v->dec_off = calloc(v->n_ranks, sizeof(uint64_t));
            v->bytes = malloc(total ? total : 1);
            if (!v->dec_off || !v->bytes) return -1;
            v->n_bytes = 0;
        }
        while (pos < n) {
            const uint8_t *nl = memchr(data + pos, '\n', n - pos);
            size_t len = nl ? (size_t)(nl - (data + pos)) : n - pos;
            line_no++;
            if (len) {
                if (tc_parse_line(data + pos, len, &ln) || ln.rank >= TC_MAX_RANKS - 1) return line_no;
                if (pass == 0) {
                    long k = tc_b64_decode(ln.tok, ln.tok_len, NULL);
                    if (k <= 0 || k > 0xFFFF) return line_no;
                    total += (uint64_t)k;
                    if (ln.rank > max_rank) max_rank = ln.rank;
                } else {
                    if (v->dec_off[ln.rank]) return line_no;
                    long k = tc_b64_decode(ln.tok, ln.tok_len, v->bytes + v->n_bytes);
                    v->dec_off[ln.rank] = v->n_bytes << 16 | (uint64_t)k;
                    v->n_bytes += (uint64_t)k;
                }
            }
            pos += len + 1;
        }
    }
    return 0;
}
