"""Hand-picked inputs where tokenizers go wrong, each against tiktoken."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

CASES = [
    "",
    "a",
    " ",
    "\n",
    "\x00",
    "a\x00b\x00\x00",
    "hello world",
    "Hello WORLD HeLLo wORLD",
    # whitespace runs, tabs, CRLF, trailing spaces before newlines
    "a  b   c    d",
    "   leading",
    "trailing   ",
    "x \n y",
    "line  \nnext\t\t\n",
    "a\r\nb\r\n\r\n  c",
    "\r\r\n\n\r",
    " \t \t\n \t",
    "\n\n\n   \n\n",
    "end with spaces and newline  \n  ",
    "\u3000\u00a0 \u2003x",
    # numbers of every length
    *("1234567890"[:n] for n in range(1, 11)),
    "3.14159 2,718,281 1e10 0x1F 100%",
    "٣٤٥ ١٢٣٤ ๑๒๓๔ ½¾ ²³",
    # contractions and apostrophes in all cases
    "I'm you're he's we've they'll she'd don't",
    "I'M YOU'RE HE'S WE'VE THEY'LL SHE'D DON'T",
    "'s 'S 'll 'LL 're 'Re 've 'VE 'm 'M 'd 'D 't 'T",
    "it'ſ rock'n'roll ''' 'x '",
    "l'été aujourd'hui Jack's",
    # emoji, ZWJ sequences, flags, skin tones
    "👍 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇫🇷 ❤️‍🔥",
    "😀😃😄😁😆😅😂🤣" * 20,
    # combining marks
    "e\u0301 a\u0300\u0301\u0302 \u0301start Z\u0351\u0352\u0353",
    "क्षत्रिय ন্দ্র ສະບາຍດີ",
    # scripts
    "Ελληνικά Русский עברית العربية हिन्दी தமிழ் ไทย 中文 日本語 한국어 ქართული Ⴀ ǅungla",
    # private use, unassigned, noncharacters
    "\ue000\uf8ff\U000f0000\U0010fffd \U000e0001 \ufdd0\uffff \U0001fbff",
    # long words and runs
    "a" * 5000,
    "ab" * 3000,
    "Supercalifragilisticexpialidocious" * 50,
    "!" * 3000,
    "1" * 3001,
    " " * 4000 + "x",
    "\n" * 3000,
    "x" + " \t" * 1500 + "y",
    # special-token look-alikes (encoded as ordinary text here)
    "<|endoftext|> <|endofprompt|> <|fim_prefix|> <|im_start|> <|endoftext",
]


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_case(pair, text):
    ours, ref = pair
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.encode(text, disallowed_special=()) == ref.encode(text, disallowed_special=())
    assert ours.count(text) == len(want)
    assert ours.decode(want) == ref.decode(want)


def test_lone_surrogates(pair):
    ours, ref = pair
    for text in ["\ud800", "a\udfffb", "\ud83d\ude00", "x\ud83d", "\udc00\ud800 z"]:
        assert ours.encode(text) == ref.encode(text)
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
        assert ours.count(text) == len(ref.encode_ordinary(text))
        assert ours.encode_ordinary_batch([text, "ok"]) == [ref.encode_ordinary(text), ref.encode_ordinary("ok")]


def _stdlib_sources(limit):
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.glob("*.py"))[:limit]
    assert files
    return files


def test_python_standard_library(pair):
    ours, ref = pair
    for path in _stdlib_sources(200):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        assert ours.encode(text, disallowed_special=()) == ref.encode(text, disallowed_special=()), path.name


def test_batch_matches_single(pair):
    ours, ref = pair
    texts = CASES * 3
    assert ours.encode_ordinary_batch(texts, num_threads=4) == [ref.encode_ordinary(t) for t in texts]
    assert ours.encode_batch(texts, disallowed_special=()) == ref.encode_batch(texts, disallowed_special=())
    assert ours.count_batch(texts, num_threads=3) == [len(ref.encode_ordinary(t)) for t in texts]


# Runs of letters and of spaces are scanned sixteen bytes at a time while
# sixteen bytes remain, then byte by byte: every run length around those
# block edges, at the end of the text and before each kind of terminator.
_RUN_BODIES = ["a", "Z", "aB", " "]
_RUN_TAILS = ["", " ", "\n", "é", "'s", "9", ".", "x", "  y", "\t"]


@pytest.mark.parametrize("body", _RUN_BODIES)
def test_runs_across_block_edges(pair, body):
    ours, theirs = pair
    texts = [prefix + body * length + tail
             for length in range(0, 40)
             for prefix in ("", "x", " q")
             for tail in _RUN_TAILS]
    assert ours.encode_ordinary_batch(texts, num_threads=1) == [theirs.encode_ordinary(t) for t in texts]
    assert [ours.encode_ordinary(t) for t in texts] == [theirs.encode_ordinary(t) for t in texts]
