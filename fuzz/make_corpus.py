"""Write the seed corpus under fuzz/corpus/<target>/ (run once; files are committed).

Each seed is named by the sha1 of its contents, as libFuzzer names what it adds.
The first byte of a seed picks the encoding (harness.ENCODING_NAMES[byte % 4]:
o200k_base, cl100k_base, r50k_base, p50k_edit).
"""

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

TEXTS = [
    "hello world", "Hello WORLD HeLLo wORLD", "I'm you're he's WE'VE THEY'LL", "it'\u017f rock'n'roll",
    "a  b   c    d\n", "  \n\n \t\r\n  x", "   ", "\n\n\n\n", "\u3000\u00a0 \u2003x", "1234567890 3.14",
    "\u0663\u0664\u0665 \u00bd\u00be", "\U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467", "e\u0301 \u0301start",
    "\u0915\u094d\u0937 \u0e2a\u0e30\u0e1a\u0e32\u0e22", "\u4e2d\u6587\u65e5\u672c\u8a9e\ud55c\uad6d\uc5b4", "ǅungla Ⴀ",
    "\ue000\U0010fffd\ufdd0\uffff", "a\x00b\x00\x00", "def f(x):\n    return x  # ok\n", "<|endoftext|>",
    "x<|endofprompt|>y<|fim_prefix|>", "<|endoftext", "<| endoftext |>", "\uff1c|endoftext|\uff1e",
    " " * 300 + "x", "a" * 200, "!" * 100 + "\n/", "ab" * 90,
]
RAW = [b"\xff", b"abc\xff", b"hello \xe2\x82", b"\xe2\x82 hello", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
       b"a\x00\xfe\x00", b"  \x80\x80\x80  x", b"hello world\xf0\x9f", b"\x80" * 130, b"x" * 100 + b"\xff"]


def seeds():
    for k, text in enumerate(TEXTS):
        data = text.encode("utf-8")
        yield "encode", bytes([k % 2]) + data
        yield "specials", bytes([k % 2, (k * 37) % 256]) + bytes(b % 29 for b in data[:64])
    for k, raw in enumerate(RAW):
        yield "encode", bytes([k % 2]) + raw          # surrogateescape: lone surrogates
        yield "encode_bytes", bytes([k % 2]) + raw
    for k, text in enumerate(TEXTS[:10]):
        yield "encode_bytes", bytes([k % 2]) + text.encode("utf-8")
    yield "decode", b"\x00" + bytes([10, 1, 2, 170, 0, 1, 210, 0, 0, 230, 255, 255, 245, 0, 0, 255, 0, 1])
    yield "decode", b"\x01" + bytes([10, 1, 2, 171, 0, 1, 171, 0, 7, 100, 0, 0])
    yield "decode", b"\x00" + bytes(range(256))
    for k, text in enumerate(TEXTS):  # the GPT-2 family: r50k_base, p50k_edit
        data = text.encode("utf-8")
        yield "encode", bytes([2 + k % 2]) + data
        yield "specials", bytes([2 + k % 2, (k * 37) % 256]) + bytes(b % 29 for b in data[:64])

    # special_sets: encoding, allowed and disallowed member masks (16 bits each), modes (allowed
    # "all"/set()/set/frozenset, disallowed "all"/()/frozenset/tuple, threads - 1), then texts split at
    # 0xff (parts of harness._SET_TEXT_PARTS). Disallowed sets with the empty string, with strings
    # that are no special token, subsets; long texts without "<".
    for k, (allowed, disallowed, modes, text) in enumerate([
        (0, 0b1, 0b1000, bytes([0, 30, 255, 1, 255, 30, 0])), (0, 1 << 5, 0b1000, bytes([30, 0])),
        (0b11, 0b110, 0b011011, bytes([0, 2, 3, 255, 31, 255, 5])), (1, 0, 0b0110, bytes([0, 1, 22, 0])),
        (0, 0xFFFF, 0b111000, bytes([23, 255, 24, 255, 29, 28, 255, 30, 31])), (0b10, 0b1, 0b0010, bytes([1, 0, 14])),
    ]):
        header = allowed.to_bytes(2, "little") + disallowed.to_bytes(2, "little") + bytes([modes])
        yield "special_sets", bytes([k % 4]) + header + text

    # open: the first byte picks the family (harness.OPEN_NAMES[byte % 6]); every text on each family.
    for k, text in enumerate(TEXTS + [raw.decode("latin-1") for raw in RAW[:4]]):
        for family in range(6):
            yield "open", bytes([family]) + text.encode("utf-8")

    # tables: the encoding (harness.TABLE_ENCODINGS[byte % 2]), edits - 1, then 8-byte edits
    # (operation, position scaled to the blob, value), then a text. One of each operation and
    # value variant, and a header word of each index.
    for k in range(16):
        op, variant = k % 8, k // 2 % 8
        edit = bytes([op]) + ((k * 0x9E3779B9) % 2**32).to_bytes(4, "little") + (variant << 21 | 77).to_bytes(3, "little")
        yield "tables", bytes([k % 2, 0]) + edit + b"hello world"
    for word in range(8):
        edit = bytes([0, word, 0, 0, 0]) + (word << 21 | 3).to_bytes(3, "little")
        yield "tables", bytes([word % 2, 0]) + edit

    # long: flags, unit length - 1, two size bytes, the unit (indexes into harness._LONG_CHARS), head/tail.
    chars = "azqeZXM09!-=*#/.,'_"
    letters = bytes(chars.index(c) for c in "azqe")
    for k, (flags, unit, size, rest) in enumerate([
        (0, b"\x00", 2000, b""), (0, bytes([chars.index("!")]), 3100, b"\x03hi there"), (0, bytes([19]), 5000, b"\x01x"),
        (0, bytes([26]), 4000, b""), (0, bytes([28]), 6000, b"\x02 ok"), (0, bytes([0, 1]), 8000, b""),
        (1, letters, 6000, b""), (5, letters, 6000, b"\x02ab"), (2, bytes([21]), 3000, b"\x05\x00\x00\x00\x00\x07"),
        (4, bytes([chars.index("-"), chars.index("=")]), 2100, b""), (1, bytes([31, 32]), 9000, b""),
        (0, bytes([0, 33, 34]), 4500, b"\x01 "), (0, bytes([20, 22]), 3000, b""),
    ]):
        yield "long", bytes([k % 4, flags, len(unit) - 1, (size - 1024) >> 8, (size - 1024) & 255]) + unit + rest

    # encode, o200k_base: words of the scripts the text loop answers inline (o200k_script_word: Arabic,
    # Devanagari and Hangul blocks, Cyrillic after at most one capital), with and without a space
    # before them, ended by every ASCII byte, 32 to a seed.
    for word in ("\u0643\u062a\u0627\u0628", "\u0928\u092e\u0938\u094d\u0924\u0947", "\ud55c\uad6d\uc5b4",
                 "\u041c\u043e\u0441\u043a\u0432\u0430"):
        for low in range(0, 128, 32):
            text = "".join(" " * (b % 2) + word + chr(b) + word[1:] for b in range(low, low + 32))
            yield "encode", b"\x00" + text.encode("utf-8")

    # open, Qwen and Qwen 3.5 (their NFC step): the characters at and just past each edge of the
    # blocks where NFC's quick-check classes change (_core.nfc), bare and before marks that compose
    # with what precedes them.
    import unicodedata

    marks = ["", "\u0301", "\u0308", "\u0653", "\u093c", "\u3099", "\u1161", "\u11a8", "\u0327"]
    edges = [cp for cp in range(0x80, 0x3100) if unicodedata.combining(chr(cp)) != unicodedata.combining(chr(cp - 1))]
    for start in range(0, len(edges), 26):
        text = " ".join(chr(cp) + marks[k % len(marks)] + chr(cp) for k, cp in enumerate(edges[start : start + 26]))
        for family in (3, 4):
            yield "open", bytes([family]) + text.encode("utf-8")
    composed = "\u1100\u1161\u11a8 \uac00\u11a8 \ud7a3\u11a8 \u304b\u3099 \u0627\u0653 \u0928\u093c e\u0301 \u0415\u0308"
    for family in (3, 4):
        yield "open", bytes([family]) + composed.encode("utf-8")


    yield from round14_seeds()
    yield from round15_seeds()
    yield from round16_seeds()
    yield from round17_seeds()
    yield from round18_seeds()
    yield from round19_seeds()
    yield from round23_seeds()
    yield from round25_seeds()
    yield from round26_seeds()
    yield from round31_seeds()


# Round 14: seeds for round 13's code. Non-ASCII digits (Arabic-Indic, Extended Arabic-Indic, NKo,
# Devanagari, Bengali, fullwidth, mathematical bold), other numbers (superscript two, one half) and
# characters from U+0080 up that are no number: the end of an ASCII digit run (tc_digit_pieces_end).
DIGIT_NEIGHBOURS = ("\u0663", "\u06f4", "\u07c1", "\u0969", "\u09e7", "\uff13", "\U0001d7cf", "\u00b2", "\u00bd",
                    "\u00e9", "\u00a0", "\u0300", "\u4e2d", "\U0001f600", "\u0430", "a", " ", "")
# Words of letters below U+0800 (the per-vocabulary table v->script_chars): Latin-1, Latin Extended,
# IPA, Greek, Cyrillic, Armenian, Hebrew, Syriac, Thaana, NKo, in both cases where there are two.
LOW_WORDS = ("\u00c9cole\u00e9t\u00e9", "\u0141\u00f3d\u017a\u017b\u00f3\u0142\u0107", "\u0250\u0251\u0252\u02b0",
             "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u04c1\u04c2\u0497\u04d9", "\u0540\u0561\u0575\u0565\u0580\u0565\u0576",
             "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u072b\u0720\u0721\u0710", "\u078b\u07a8\u0788\u07ac\u0780\u07a8",
             "\u07d2\u07de\u07cf", "\u00dfSTRA\u00dfE\u00e6\u00f8")
# What ends such a word: letters of the other case or script, marks, digits, punctuation and spaces
# from U+0080 to U+07FF, then characters past the table (U+0800 and up), ASCII, and a lone surrogate.
LOW_ENDS = ("\u0080", "\u00a0", "\u00b7", "\u00bf", "\u00d7", "\u00c0", "\u00ff", "\u0100", "\u01c5", "\u02bc", "\u0300",
            "\u0345", "\u0375", "\u037e", "\u0386", "\u0387", "\u0483", "\u0488", "\u055a", "\u0589", "\u05be", "\u05c3",
            "\u05f3", "\u060c", "\u061f", "\u0640", "\u0660", "\u066b", "\u06d4", "\u06dd", "\u0700", "\u0711", "\u07b1",
            "\u07c0", "\u07f4", "\u07fa", "\u07ff", "\u0800", "\u0964", "\u2019", "\u3000", "\U0001f600", "'", "'s", "'S",
            "1", "\n", "\udc80")


def digits(length: int) -> str:
    return ("1234567890" * (length // 10 + 1))[:length]


def round14_seeds():
    # encode (o200k_base, cl100k_base, r50k_base): ASCII digit runs of every length 1-40, and of
    # 332-334 and 998-1001, before and after each neighbour; encode_bytes: the same runs before
    # invalid and cut UTF-8.
    for k, near in enumerate(DIGIT_NEIGHBOURS):
        after = "".join(digits(n) + near + " " * (n % 2) for n in range(1, 41))
        before = "".join(near + digits(n) + "x" * (n % 3 == 0) for n in range(1, 41))
        for encoding in (0, 1, 2):
            yield "encode", bytes([encoding]) + after.encode("utf-8")
            yield "encode", bytes([encoding]) + before.encode("utf-8")
        if k % 3 == 0:
            for n in (332, 333, 334, 998, 999, 1000, 1001):
                yield "encode", bytes([k // 3 % 2]) + (digits(n) + near + digits(n % 7)).encode("utf-8")
    for k, tail in enumerate((b"\x80", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xd9\xa3", b"\xf0\x9f\x98")):
        yield "encode", bytes([k % 2]) + b"".join(digits(n).encode() + tail for n in range(1, 41))
        yield "encode_bytes", bytes([k % 2]) + b"".join(digits(n).encode() + tail for n in range(1, 41))

    # encode (o200k_base, cl100k_base) and open (llama3, tekken, deepseek_v4): words of letters below
    # U+0800, with and without a space before them, ended by each of LOW_ENDS and continued.
    for word in LOW_WORDS:
        text = "".join(" " * (k % 2) + word + end + word[1:] + word.upper()[:2] for k, end in enumerate(LOW_ENDS))
        data = text.encode("utf-8", "surrogateescape")
        for encoding in (0, 1):
            yield "encode", bytes([encoding]) + data
        for family in (0, 5):
            yield "open", bytes([family]) + data

    # open, deepseek_v4 (DeepSeek's 64-byte windows, TC_RULES_DEEPSEEK): each edge pattern placed
    # so that it straddles the first window's end (prefixes of 58-68 bytes), and one text with the
    # pattern after prefixes of every third length 0-130.
    patterns = ("'s", " 's", "'S", "    123", " 1", "\t\t9", "  \n", "\r\n", " !!", "a.b", "\u00e9", "x\u4e2d", " \u0663")
    for pattern in patterns:
        for k in range(58, 70, 2):
            yield "open", b"\x05" + ("ab " * 30)[:k].encode() + pattern.encode("utf-8") + b" tail 42"
        text = "".join("q" * k + pattern for k in range(0, 131, 3))
        yield "open", b"\x05" + text.encode("utf-8")

    # open, Qwen and Qwen 3.5 (_core.nfc, 8 code units a step): one character NFC changes (a mark
    # that composes with the letter before it, a Hangul vowel after a leading consonant; U+0483,
    # a mark that does not, is no NFC change but leaves the ranges) at each offset mod 8 of a
    # two-byte-kind text, among ASCII and U+0400-U+047F (what the wide step passes), and in the
    # tail past the last full step, among ASCII and U+0482 (just past the wide step).
    for fill in ("a", "\u0436"):
        for mark in ("e\u0301", "\u0418\u0306", "\u1100\u1161", "\u0483"):
            for k in range(8):
                text = fill * k + mark + fill * (7 - k) + "\u0436" * 8
                yield "open", bytes([3 + k % 2]) + text.encode("utf-8")
    for fill in ("a", "\u0482"):
        for k in range(16):
            yield "open", bytes([3 + k % 2]) + ("\u0436" * 8 + fill * k + "e\u0301" + fill * (k % 3)).encode("utf-8")

    # special_starts (harness.START_SETS): every set, each policy, texts of its tokens, starts and
    # near misses, and long runs of the shared start.
    for k in range(8):
        for mode in (0, 1, 2, 7):
            text = bytes(range((k * 5) % 40, (k * 5) % 40 + 12)) + b"\xff" + bytes([37, 38, 0, 6, 39, 40, 8])
            yield "special_starts", bytes([k, mode]) + text

# Round 15: mark_sets (harness.check_mark_sets), random token sets for the MarkSet screen. Each set
# is spelled from harness._MARK_PARTS; texts name its tokens (0xc0 + k), pieces and long runs.
MARK_SETS = (
    ("<a>", "<b>"), ("<", "<<", "<a"), ("\u00e9", "\u00e8"), ("\U0001f600", "\U0001f601"), ("\u4e2d", "\u4e2b"),
    ("a", "ab", "abx"), ("", "<"), ("\x00",), ("<|", "|>"), ("\u07ff", "\u0800"), ("ab", "b<", "x|"),
    ("\u00ff\u0100", "\u00ff\u00ff", "\uffff"), ("\U0010ffff", "\x7f\u0080"), ("<a", "<a", "<b"), ("12", "21", " 1"),
)


def round15_seeds():
    import sys

    sys.path.insert(0, str(HERE))
    from harness import _MARK_PARTS, _MARK_TEXT_PARTS

    def spell(tokens):  # a token as indexes of _MARK_PARTS, greedily longest piece first
        out = []
        for token in tokens:
            k = 0
            while k < len(token):
                piece = max((p for p in _MARK_PARTS if token.startswith(p, k)), key=len)
                out.append(_MARK_PARTS.index(piece))
                k += len(piece)
            out.append(0xFE)
        return bytes(out[:-1])

    runs = bytes(range(len(_MARK_PARTS), len(_MARK_TEXT_PARTS)))  # the surrogate and the long runs
    for n, tokens in enumerate(MARK_SETS):
        near = spell(tokens[-1:])[:-1] or b"\x00"  # the last token less its last piece
        texts = (bytes([0xC0, 7, 0xC1, 3, 0xC0]), bytes(range(len(_MARK_PARTS))), runs[1:] + bytes([0xC0 + len(tokens) - 1]),
                 near + bytes([7]) + near + runs[:1])
        for mode in (n % 4, 4 + (n + 1) % 4, 0x20 * (n % 4) + (n + 2) % 4, 8 + n % 4):
            yield "mark_sets", bytes([mode]) + spell(tokens) + b"\xff" + b"\xff".join(texts)


# Round 16: scripts (harness.check_scripts), round 15's native paths: caseless runs (Thai, Lao, Khmer,
# Ethiopic, ... long enough for the AVX2 step), the characters they stop at, three-byte text of every
# width mix, special tokens among them under each allowed policy; decode, the ids of such texts (the
# native decode_with_offsets and decode_tokens_bytes), cut inside a character.
SCRIPT_TEXTS = (
    "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22" * 9 + "<|endoftext|>" + "\u0e1b\u0e23\u0e30\u0e40\u0e17\u0e28\u0e50 \u0e46",
    "\u1797\u17b6\u179f\u17b6\u1781\u17d2\u1798\u17c2\u179a\u17d4" * 6 + "\u12a2\u1275\u12ee\u1335\u12eb\u1361" * 6,
    "\u0e9e\u0eb2\u0eaa\u0eb2\u0ea5\u0eb2\u0ea7" * 7 + "\u1680" + "\u16a0\u16a2\u16a6" * 12 + "\u1e00",
    "<|fim_prefix|>\u1019\u103c\u1014\u103a\u1019\u102c\u1040<|fim_suffix|>\u0f56\u0f7c\u0f51\u0f0b<|fim_middle|>",
    "a\u4e2d\u00e9\U0001f600" * 20 + "\u10e5\u10d0\u1c90" * 10 + "<|endofprompt|>",
)


def round16_seeds():
    import sys

    sys.path.insert(0, str(HERE))
    from harness import _SCRIPT_PARTS

    caseless = [k for k, part in enumerate(_SCRIPT_PARTS) if "\u0800" <= part[0] <= "\u1fff" and len(part) > 1]
    specials = [k for k, part in enumerate(_SCRIPT_PARTS) if part.startswith("<|")]
    every = bytes(range(len(_SCRIPT_PARTS)))
    for n, k in enumerate(caseless):
        runs = bytes([0x80 | k, 30 + n, specials[n % len(specials)], 0x80 | caseless[(n + 1) % len(caseless)], 35,
                      len(_SCRIPT_PARTS) - 9 + n % 9, 0x80 | k, 36, k])
        yield "scripts", bytes([n % 4, n % 8]) + runs + b"\xff" + every[n % 7 :: 7] + b"\xff" + runs[::-1]
    # One caseless character 14, 25 or 36 times, then a character of another block: the first, second
    # or third AVX2 step of tc_caseless_run fails at its last lane (30). The byte after a repeated part
    # sets the count (5 + its number % 36) and is the part that follows.
    singles = [k for k, part in enumerate(_SCRIPT_PARTS) if part in ("\u0e2f", "\u0e46", "\u0e31", "\u0e47")]
    stops = [k for k in range(len(_SCRIPT_PARTS)) if (5 + k % 36) in (14, 25, 36) and len(_SCRIPT_PARTS[k]) > 1]
    for n, k in enumerate(singles):
        texts = [bytes([0x80 | k, stop, 0]) for stop in stops]
        for mode in (0, 3):
            yield "scripts", bytes([0, mode]) + b"\xff".join(texts[:4])  # o200k_base: its splitter takes the runs
            yield "scripts", bytes([0, mode]) + b"\xff".join(texts[4:])
    import tokcost

    for n, text in enumerate(SCRIPT_TEXTS):
        for index, name in enumerate(("o200k_base", "cl100k_base", "r50k_base", "p50k_edit")):
            ids = tokcost.get_encoding(name).encode(text, allowed_special="all")
            spelled = b"".join(bytes([i & 3, i >> 10, i >> 2 & 0xFF]) for i in ids)
            yield "decode", bytes([index]) + spelled
            yield "decode", bytes([index]) + spelled[3:-3]  # a token cut off at each end: invalid UTF-8 now and then


# Round 17: seeds for round 16's code. ASCII words that reach a byte of 0x80 or more (o200k_word_on's
# continue-from: capitals only, or lower case after capitals; tc_letters' run for cl100k and the GPT-2
# family), the ASCII part shorter and longer than a 16-byte step, then what the non-ASCII part is to
# o200k's two letter classes: upper (Lu, Lt), lower (Ll), both (Lm, Lo, marks), no letter at all.
LATIN_HEADS = ("hello", "HELLO", "Hello", "HeLLo", "X", "x", "abcdefghijklmnopqrstu", "ABCDEFGHIJKLMNOPQRSTU",
               "ABCDEFGHIJKLMNOPq", "QRSTUVWXYZABCDEFGhijklmnopqrstuvwxyz")
LATIN_TAILS = ("\u00e9", "\u00c9", "\u00aa", "\u02b0", "\u0301", "\u01c5", "\u00df", "\u00ad", "\u2019s", "\u4e2d",
               "\u00c9A", "\u00e9A", "\u00aaA", "\u00aaAb", "\u0301Ab", "\u00c9b", "\u00e9'S", "\u00c9's", "\u00e9\u0915",
               "\u00c9\u00c9\u00aa\u00e9\u00e9", "\u02b0\u02b0D", "\u0430\u0416", "\u0391\u03b1'll", "\u00e91", "\u00e9 ",
               "\u00c9\u00a0", "\U0001d400", "\U0001d41a", "\u2160", "\udc80")
# Capitals only, then characters in both of o200k's letter classes (Lo, Lm, marks), then a capital: A*
# stops at the capital and gives back to the last character in both (o200k_word_on's last_ab_end). Ids
# change only where a token spans that cut: in o200k_base three do (CJK then "A": " 亚洲AV", "无码AV").
CAPITAL_HEADS = ("HI", "X", "HELLO", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
BOTH_THEN_CAPITAL = ("\u00aaA", "\u02b0\u02b0D", "\u0301A", "\u4e2dA", "\u4e9a\u6d32AV", "\u65e0\u7801AV", "\u5f69\u7968APP",
                     "\u00aa\u00c9", "\u0301\u01c5", "\u00aaA\u00aaB", "\u00aaAb", "\u3042\u30a2X'S")
# Raw bytes for encode_bytes (tc_utf8_valid_up_to, then the last piece widened and merged with the rest).
RAW_TAILS = (b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xff", b"\x80", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90",
             b"\xc3\xa9\xc3", b"\xe0\x80\x80")


def round17_seeds():
    import random

    rng = random.Random(17)
    words = [h + t for h in LATIN_HEADS for t in LATIN_TAILS]
    rng.shuffle(words)
    for n in range(0, len(words), 6):
        text = "".join(rng.choice(("", " ", "!", "\n", "'", "-", " ")) + w for w in words[n : n + 6])
        yield "encode", bytes([n // 6 % 4]) + text.encode("utf-8", "surrogateescape")
    for n, tail in enumerate(RAW_TAILS * 4):
        head = rng.choice(words).encode("utf-8", "surrogateescape")
        space = rng.choice((b"", b" ", b"   ", b"\n\n", b"\t \n ", b" " * 20))
        yield "encode_bytes", bytes([n % 4]) + head + space + tail + rng.choice((b"", b"x", b"\xc3\xa9", tail))
    for n, head in enumerate(CAPITAL_HEADS):
        text = " ".join(head + tail for tail in BOTH_THEN_CAPITAL) + "\n" + "".join(head + tail for tail in BOTH_THEN_CAPITAL)
        for index in (0, 0, 1, 2)[n % 2 :]:
            yield "encode", bytes([index + 4 * n]) + text.encode("utf-8")
    # check_unstable: byte 1 the policy, the cut and the small vocabulary (0x40); byte 2 the end.
    bodies = ("hello world", "x ", "end of\t\t", "a\n\n", "\u65e5\u672c\u8a9e", "caf\u00e9 ", "   ", "def f():\n    ",
              "Hello there, how are you?", "\u041f\u0440\u0438\u0432\u0435\u0442 ", "tab\t", "\U0001f600 ok")
    for n in range(60):
        body = rng.choice(bodies) + rng.choice(words) * (n % 2)
        mode = n % 5 | (n // 5 % 4) << 3 | (n % 3 == 0) << 5 | (n % 4 == 1) << 6
        yield "unstable", bytes([n % 4, mode, rng.randrange(256)]) + body.encode("utf-8", "surrogateescape")
    for k in range(26):  # every one of _UNSTABLE_ENDS (byte 2 = 2k) after a word, on o200k_base and cl100k_base
        yield "unstable", bytes([k % 2, k % 5, 2 * (k // 2)]) + rng.choice(bodies).encode("utf-8")


def round18_seeds():
    # check_tables with byte 1's bit 3: the first edit on a long token's offset in its slot (format t13),
    # every value variant on r50k_base and o200k_base, loaded from bytes and from a file (bit 2), with a
    # second random edit now and then; the position bytes pick the slot.
    for k in range(16):
        variant, index = k % 8, k // 8
        edit = bytes([k]) + (k * 7919).to_bytes(4, "little") + (variant << 21 | 2000 + k).to_bytes(3, "little")
        mode = 8 | 4 * (k % 3 == 0) | (k % 4 == 3)
        second = bytes([k % 8]) + (k * 0x9E3779B9 % 2**32).to_bytes(4, "little") + (77).to_bytes(3, "little")
        yield "tables", bytes([index, mode]) + edit + second * (mode & 1) + " responsibilities 天".encode()



def round19_seeds():
    # decode_bytes checks fewer than 256 ids into a stack array and copies without the GIL from 8 KB
    # (round 19): 255 and 256 ids of the encoding's longest tokens, 8 KB and more, spelled as ids_of
    # reads them. Random ids average 6 bytes: 255 of them never reached 8 KB.
    import tokcost

    for index, name in enumerate(("o200k_base", "cl100k_base", "r50k_base", "p50k_edit")):
        enc = tokcost.get_encoding(name)
        lengths = {}
        for rank in range(enc.n_vocab):
            try:
                lengths[rank] = len(enc.decode_single_token_bytes(rank))
            except (KeyError, ValueError):  # a gap, or a special token's id
                continue
        longest = sorted(lengths, key=lambda rank: (-lengths[rank], rank))
        for n in (255, 256):
            for m in (n, 128, 64, 32, 16, 8, 1):  # the most different tokens that make 8 KB (r50k_base's 255: 4.9)
                ids = [longest[k % m] for k in range(n)]
                if sum(lengths[r] for r in ids) >= 8192:
                    break
            yield "decode", bytes([index]) + b"".join(bytes([i & 3, i >> 10, i >> 2 & 0xFF]) for i in ids)


def _nfc_items(text: str) -> bytes:
    """``text`` spelled as harness.nfc_text_of's items: each code point by number (kind 7)."""
    return b"".join(b"\xf0" + ord(c).to_bytes(2, "little") if ord(c) < 0x10000 else b"\xf8" + ord(c).to_bytes(3, "little")
                    for c in text)


def round23_seeds():
    # nfc (harness.check_nfc): the texts test_nfc.py names (compositions, Hangul L V T and LV T, exclusions,
    # singletons, non-starter decompositions, U+FA6C widening a 16-bit result, astral pairs), each after a
    # fill of every length 0-15 (the eight-unit steps), in each str kind (byte 0's bits 4-5); then runs
    # of marks in falling classes, repeated past the insertion sort's 32 (kind 7's repeat: 0xe4 | items - 1).
    texts = ["e\u0301", "a\u0323\u0302", "\u1100\u1161\u11a8", "\uac00\u11a8", "\u0958\u093c", "\u0f73\u0f72",
             "\u0344", "\u212b\u0301", "\u0418\u0306\u0334", "\u0483\u0334", "\ufa6c\u0958", "\U0001d15e\U0001d165",
             "\U00011099\U000110ba", "\U00011347\U0001133e", "\U0002f800", "o\u031b\u0323\u0301", "\u0f40\u0f74\u0f72\u0f71"]
    for k, text in enumerate(texts):
        for fill in range(16):
            yield "nfc", bytes([fill | (fill & 3) << 4 | (k & 1) << 6 | (fill & 4) << 5]) + _nfc_items(text * (1 + k % 3))
    for marks in ("\u0301\u0323\u0334", "\u0345\u0316\u05b0\u0334", "\u0302\u0327", "\u1161\u11a8"):
        for times in (20, 40):
            yield "nfc", b"\x00" + _nfc_items("a" + marks) + bytes([0xE4 | len(marks) - 1, times - 2 >> 3, 0]) + _nfc_items("e")
            yield "nfc", b"\x30" + _nfc_items("\u0436" + marks) + bytes([0xE0 | len(marks) - 1, times, 0])
    # A run sorted by counting that outgrows the work buffer's four units a code point (it grows, and may move):
    # a Greek letter of four units, then 16 or 40 marks that decompose into two each (test_nfc.py's
    # test_a_run_sorted_by_counting_that_outgrows_the_work_buffer).
    for first in ("\u1f82", "\u1faf"):
        for mark in ("\u0344", "\u0f73", "\u0f75", "\u0f81"):
            for times in (16, 40):
                yield "nfc", b"\x00" + _nfc_items(first + mark) + bytes([0xE0, times - 2, 0])


def round25_seeds():
    # latin (harness.check_latin): for each encoding and policy, words of ASCII letters with one
    # accented letter of C3 to C9 (sparse: the jobs), with accents back to back (dense: the character
    # path), with letters of C2 and combining marks, lead bytes' first and last letters,
    # and words repeated past TC_SMALL_PIECE; a special token among them.
    import sys

    sys.path.insert(0, str(HERE))
    from harness import _LATIN_PARTS

    index = {part: k for k, part in enumerate(_LATIN_PARTS)}

    def spell(*words):
        return b"".join(bytes(index[p] for p in word) + bytes([index[" "]]) for word in words)

    sparse = spell(("st", "\u0159", "e", "k"), ("\u00e9", "tion"), ("k", "o", "\u0142", "a"), ("Th", "\u00f6", "ing"),
                   ("z", "\u011b", "st"), ("W", "\u015f", "a"), ("e", "\u00df"), ("\u00c0", "st"), ("o", "\u017f"))
    dense = spell(("\u0159", "\u00e9", "\u016f"), ("\u0161", "\u017e", "a", "\u0107"), ("\u00ff", "\u0100", "\u013f", "\u0140"),
                  ("e", "\u0301", "o", "\u0323"), ("\u01a1", "\u1ec7", "\u0219"), ("a", "\u00b5", "\u00aa", "e"))
    other = spell(("\u0436", "\u00e9"), ("\u03b1", "a"), ("\u4e2d", "\u00e9"), ("1", "\u00e9", "2024"), ("'s", "\u00e9"))
    long_words = bytes([0x80 | index["st"], 20, index["\u00e9"], 0x80 | index["a"], 35, index["\u0159"],
                        0x80 | index["\u0159"], 30, index[" "]])
    special = bytes([index["<|endoftext|>"]])
    for n in range(8):
        yield "latin", bytes([n % 4, n]) + sparse + b"\xff" + dense + special + sparse[::-1] + b"\xff" + other + b"\xff" + long_words



def round26_seeds():
    # chains (harness.check_chains): for each encoding, pieces of every alphabet (random letters,
    # base64, punctuation, CJK, Thai, emoji, a mix, raw bytes) split near the start, the middle and
    # the end, the second chain looked at at once or late, first or on a pool worker (top bit).
    import random

    rng = random.Random(26)
    for n in range(16):
        kind = n % 8 | (0x80 if n & 8 else 0)
        split = (1, 300, 40000, 777)[n % 4]
        body = bytes(rng.randrange(256) for _ in range(rng.choice((40, 300, 900))))
        yield "chains", bytes([n % 4, kind, split >> 8 & 255, split & 255, (0, 90, 255, 30)[n // 4]]) + body


def round31_seeds():
    # utf8 (harness.check_utf8): after each script's prefix at lengths around the first blocks'
    # edges, every kind of bad sequence and a good one of each length, then more text.
    bad = [b"\x80", b"\xc0\xaf", b"\xc2", b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
           b"\xf5", b"\xff", b"\xe1\x80", b"\xc2\x80", b"\xef\xbf\xbf", b"\xf0\x9f\x98\x80"]
    for n, seq in enumerate(bad):
        yield "utf8", bytes([n % 5, (29, 31, 32, 61, 64, 200)[n % 6]]) + seq + "tail \u6570\u00e9".encode() * 8


def main() -> None:
    for target, data in seeds():
        folder = HERE / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


if __name__ == "__main__":
    main()
