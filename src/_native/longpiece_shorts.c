/* The long-piece search with the short pairs' table, and the table's fill,
 * in a translation unit of its own (see longpiece.h, "Short pairs"): the
 * plain search in _core.c then keeps its machine code. The search is
 * longpiece_search.h's, compiled here with the table's lines; every static
 * helper of that header is compiled here again, and only what these two
 * functions use is emitted. longpiece.h, which calls both, declares them
 * (this unit does not include it: no circle). */
#define _GNU_SOURCE   /* as Python.h does for _core.c: MAP_ANONYMOUS, O_CLOEXEC */
#pragma GCC diagnostic ignored "-Wunused-function"
#define TC_LONG_SEARCH_SHORTS 1   /* longpiece_search.h's loop as tc_long_search_shorts */
#include "longpiece_search.h"

/* The rank of the token with short id `id`, its bytes written to b (*len of them), or TC_NONE. */
static uint32_t tc_long_short_token(const tc_longpiece *t, const tc_vocab *v, uint32_t id, uint8_t *b, uint32_t *len) {
    if (id < 26) { b[0] = (uint8_t)('a' + id); *len = 1; return v->byte_rank[b[0]]; }
    b[0] = (uint8_t)('a' + (id - 26) / 26); b[1] = (uint8_t)('a' + (id - 26) % 26); *len = 2;
    uint32_t q = t->d2[(unsigned)b[0] << 8 | b[1]];
    return q ? t->node[q].token - 1 : TC_NONE;   /* token 0 - 1 = TC_NONE */
}

/* bits (room for TC_LONG_SHORT_BYTES): the valid-pair check's answer for
 * every two short tokens, each asked over the two tokens' bytes as a piece,
 * as the search would ask it (ranks from the trie: only when pairs_by_trie).
 * Sets t->short_valid, before t is published; leaves it NULL when a check
 * meets a token that breaks the encoder's assumptions. */
__attribute__((visibility("hidden"))) void tc_long_fill_short(tc_longpiece *t, const tc_vocab *v, uint8_t *bits) {
    uint8_t buf[4];
    tc_long_path paths[TC_LONG_PATHS];
    if (!t->pairs_by_trie) return;
    memset(bits, 0, TC_LONG_SHORT_BYTES);
    for (uint32_t i = 0; i < TC_LONG_SHORT_IDS; i++) {
        uint32_t la, lb, a = tc_long_short_token(t, v, i, buf, &la);
        if (a == TC_NONE) continue;
        for (uint32_t j = 0; j < TC_LONG_SHORT_IDS; j++) {
            uint32_t b = tc_long_short_token(t, v, j, buf + la, &lb);
            if (b == TC_NONE) continue;
            for (size_t k = 0; k < 4; k++) paths[k].at = UINT64_MAX;   /* other bytes at the same places */
            int ok = tc_long_valid_pair(t, v, NULL, a, b, buf, la, paths);
            if (ok < 0) return;
            size_t bit = (size_t)i * TC_LONG_SHORT_IDS + j;
            bits[bit >> 3] |= (uint8_t)(ok << (bit & 7));
        }
    }
    t->short_valid = bits;
}
