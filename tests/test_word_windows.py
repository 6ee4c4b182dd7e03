"""ASCII words found from 64-byte masks (tc_split_many) against the regex engine and the references.

The text loop asks every splitter for a group of pieces at a time (o200k, cl100k, GPT-2, Llama 3,
Tekken, Qwen, Qwen 3.5 and DeepSeek V4), and finds ASCII words from bit masks over a window of 64 bytes that starts at a piece. A word that
runs past the window, or that a byte of 0x80 or more follows, is left to the one-piece splitter.
These texts put words of every length, case pattern and ending at every offset of a window
(after fillers of every length), so each edge is met: a word ending on the window's last byte
or just past it, a prefix on the last byte, a contraction or a letter of 0x80 and up right after
the window's last letter. ``split_text`` goes through tc_split_many, so the pieces are the text
loop's pieces, compared with the regex engine running each pattern (DeepSeek's three split steps
through ``patterns.IsolatedSplits``). Ids are compared with tiktoken and with each open model's own
tokenizer.
"""

from __future__ import annotations

import functools
import os

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_open_models import _installed, _reference
from test_whitespace_runs import PATTERNS

import tokcost
from tokcost import _core
from tokcost.patterns import DEEPSEEK_SPLITS, IsolatedSplits
# Each splitter's reference pieces: the regex engine running its pattern, or DeepSeek's steps.
REFERENCE_SPLIT = {name: regex.compile(pattern).findall for name, pattern in PATTERNS.items()}
REFERENCE_SPLIT["deepseek_v4"] = IsolatedSplits(DEEPSEEK_SPLITS).findall
ENCODINGS = ["o200k_base", "cl100k_base", "r50k_base"]
# Open models whose splitters take windows, against their own tokenizers (test_open_models).
OPEN_FAMILIES = ["llama3", "tekken", "qwen", "qwen3_5", "deepseek_v4"]

# Words and what can follow or precede one: case patterns, contractions (o200k keeps them on the
# word, including the long s), letters and marks of 0x80 and up that extend a word, prefixes.
WORDS = ["a", "I", "the", "The", "THE", "fooBar", "HTTPServer", "getHTTPResponseCode", "xY", "Xy", "aB",
         "it's", "IT'S", "don't", "they're", "we'VE", "I'll", "you'd", "I'm", "x'", "'s", "'sam", "'ll",
         "o'clock", "a'b", "Rock'n'roll", "it\u017f", "it'\u017f", "caf\u00e9", "na\u00efve", "a\u0301b",
         "A\u0301", "foo\u0411", "Stra\u00dfe", "a\u4e2d", "ab\U0001f600", "word\u00a0", "x\u2019s"]
AROUND = ["", " ", "  ", "\t", "\n", ".", "..", ",", "(", "'", "\"", "_", "1", "123", "\u00e9", "\u2014", "/", "\r\n",
          "   ", "\n    ", ":\n", "):\n        ", "\n\n", " \n", "  \n ", "\n/", ".\n/", "./\n", "1234", "12345",
          " 1", "  1", "\n1", "\n.", ". ", " .", "  .", "\n \u00a0", " \u00a0", "  \u00a0x", "\n\n\n  ", "\x7f", "\x1f",
          "\x0b", "\x0c", " \t", "\t ", "*/", "//", "\n  \n", "\n \r\n", "   1", "\n   12", "' ", "a'", ".'b", "''"]
FILLERS = ["a", " ", "ab ", ". ", "x", "\n", "1", "  ", "\n  ", "a\n", ".\n", "12", "x = 1\n"]


@functools.cache
def _byte_level(splitter):
    return _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, splitter)


def _window_texts():
    """Each word, with neighbours, after fillers of the lengths that move it over a window's end."""
    befores = AROUND[:6] + AROUND[18:26]
    for f, filler in enumerate(FILLERS):
        for pad in range(0, 72) if f < 3 else range(44, 72):
            head = (filler * 72)[:pad]
            for w, word in enumerate(WORDS):
                before = befores[(pad + w + f) % len(befores)]
                after = AROUND[(pad * 7 + w) % len(AROUND)]
                yield head + before + word + after + " tail" + " x" * 30
    for n in (1, 2, 15, 16, 17, 31, 32, 33, 62, 63, 64, 65, 66, 127, 128, 129, 200):
        for x, before in enumerate(AROUND):
            for after in AROUND[(n + x) % 4::4]:
                for letter in ("a", "A", "aB"):
                    word = (letter * n)[:n]
                    yield before + word + after + " end" * 20
                    yield "x " * 10 + before + word + after + " end" * 20
    for a in AROUND:
        for b in AROUND:
            for pad in range(56, 66):
                yield "y" * pad + a + "z" + b + "w" * 10 + " v" * 30


TEXTS = list(_window_texts())


@pytest.fixture(params=["cpu", "sse2"])
def simd(request):
    """Both mask paths on this machine: AVX2 where the CPU has it, and the SSE2 one any x86-64
    takes (lists of ids too: their AVX2 loop is switched off with it)."""
    assert _core.use_avx2(request.param == "cpu") == (request.param == "cpu" and _cpu_has_avx2())
    yield request.param
    _core.use_avx2(True)


def _cpu_has_avx2():
    try:
        with open("/proc/cpuinfo") as f:
            return " avx2" in f.read()
    except OSError:
        return False


@pytest.mark.parametrize("splitter", REFERENCE_SPLIT)
def test_pieces_equal_the_regex_engine(splitter, simd):
    core, reference = _byte_level(splitter), REFERENCE_SPLIT[splitter]
    for text in TEXTS:
        assert core.split_text(text) == reference(text), repr(text)


@pytest.fixture(scope="module", params=ENCODINGS)
def encodings(request):
    import tiktoken

    import tokcost

    return tokcost.get_encoding(request.param), tiktoken.get_encoding(request.param)


def test_ids_equal_tiktoken(encodings, simd):
    ours, ref = encodings
    for text in TEXTS[::7]:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
    whole = "".join(TEXTS[::3])
    assert ours.encode_ordinary(whole) == ref.encode_ordinary(whole)
    assert ours.count(whole) == len(ref.encode_ordinary(whole))


@pytest.mark.parametrize("name", OPEN_FAMILIES)
def test_open_model_ids_equal_their_reference(name, simd):
    if not _installed(name):
        pytest.skip(f"{name}'s package is not installed")
    ours, ref = tokcost.get_encoding(name), _reference(name)[0]
    for text in TEXTS[::7]:
        assert ours.encode_ordinary(text) == ref(text), repr(text)
    # Under 400,000 characters: Llama 3's tokenizer encodes longer texts in slices of that size.
    whole = "".join(TEXTS[::59])
    assert ours.encode_ordinary(whole) == ref(whole)


EXAMPLES = int(os.environ.get("TOKCOST_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
fragments = st.lists(st.sampled_from(WORDS + AROUND + FILLERS + ["a" * 40, "B" * 30, "cD" * 20]), min_size=10,
                     max_size=80).map("".join)


@SETTINGS
@given(text=fragments)
def test_hypothesis_pieces(text):
    for splitter, reference in REFERENCE_SPLIT.items():
        assert _byte_level(splitter).split_text(text) == reference(text), splitter


@SETTINGS
@given(text=fragments)
def test_hypothesis_ids(encodings, text):
    ours, ref = encodings
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
