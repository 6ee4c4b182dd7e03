"""One long text cut over threads (encoder.h, tc_run_text_threads): cut only just after a newline
that a letter follows (and, for GPT-2's pattern, that follows a character other than whitespace),
where no piece can cross, so the ids are the reference's: tiktoken's for OpenAI's encodings, each
family's own tokenizer for Llama 3, Tekken, Qwen and DeepSeek V4. Most tests shrink the sizes
(``_core.text_threads_sizes``) so that short texts are cut at almost every cut, every code point
among them."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
from tokcost import _core

import tiktoken

import test_open_models  # the open families' references (pytest puts tests/ on the path)

CUT_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base")
# Open models whose splitters are cut too (llama4 shares o200k_base's), against their own tokenizers.
OPEN_CUT = ("llama3", "tekken", "qwen", "qwen3_5", "deepseek_v4")
DEFAULT_MIN_TEXT = 64 << 10


@pytest.fixture
def cut_everywhere():
    """Texts of 64 bytes and more cut, into segments as short as a byte (at most 32 a text)."""
    before = tokcost.text_threads(True)
    _core.text_threads_sizes(64, 1)
    try:
        yield
    finally:
        _core.text_threads_sizes(DEFAULT_MIN_TEXT, 16 << 10)
        tokcost.text_threads(before)


def _reference(name):
    return tiktoken.get_encoding(name)  # from the cache conftest seeds


def _open_family(name):
    """(tokcost's encoding, the family's own ordinary encode), or a skip naming the extra."""
    if not test_open_models._installed(name):
        pytest.skip(f"{name}'s package is not installed (pip install 'tokcost[open-models]')")
    if name == "deepseek_v4":
        pytest.importorskip("tokenizers", reason="Hugging Face tokenizers is the DeepSeek reference")
    return tokcost.get_encoding(name), test_open_models._reference(name)[0]


def _ordinary(enc):
    """tokcost's call that means the family's ordinary encode (DeepSeek's reads added tokens)."""
    return test_open_models._ordinary(enc.name, enc)


def _check_open(enc, reference, text):
    """The ordinary entry points that may cut a text, against the family's own tokenizer (which
    for DeepSeek reads its added tokens in text: ``allowed_special="all"`` here)."""
    expected = reference(text)
    if enc.name == "deepseek_v4":
        assert enc.encode(text, allowed_special="all") == expected
        assert enc.encode_to_numpy(text, allowed_special="all").tolist() == expected
        return
    assert enc.encode_ordinary(text) == expected
    assert enc.count(text) == len(expected)
    assert enc.encode_to_numpy(text, disallowed_special=()).tolist() == expected


def _check(enc, ref, text):
    """Every one-text entry point that may cut a text, against tiktoken: the ordinary ones, and
    those that look for special tokens (the default encode, allowed_special="all", encode_to_numpy)."""
    expected = ref.encode_ordinary(text)
    assert enc.encode_ordinary(text) == expected
    assert enc.encode(text, disallowed_special=()) == expected
    assert enc.count(text) == len(expected)
    assert enc.encode_to_numpy(text, disallowed_special=()).tolist() == expected
    special = ref.encode(text, allowed_special="all")
    assert enc.encode(text, allowed_special="all") == special
    assert enc.encode_to_numpy(text, allowed_special="all").tolist() == special
    if special == expected:  # no special token in it: the default screen passes it
        assert enc.encode(text) == expected
        assert enc.encode_to_numpy(text).tolist() == expected


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one processor: a text is never cut")
@pytest.mark.parametrize("name", CUT_ENCODINGS)
def test_a_file_counted_alone_is_cut_and_files_counted_together_are_not(tmp_path, name, parallel_corpus_dir):
    """count_plain_files (files.h) with one path counts it as ``count`` counts one text, cut over
    threads from 64 KB; with several, each file stays on the thread that reads it (the caller's
    threads share the files)."""
    enc = tokcost.get_encoding(name)
    data = b"".join(p.read_bytes() for p in sorted(parallel_corpus_dir.glob("*.txt"))[:8])[: 300 << 10]
    data = data[: len(data.decode("utf-8", "ignore").encode())]
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_bytes(data)
    small.write_bytes(data[:1000].decode("utf-8", "ignore").encode())
    want = len(_reference(name).encode_ordinary(data.decode()))
    before = tokcost.text_threads(True)
    try:
        cut = _core.texts_cut()
        assert enc.count_plain_files([str(big)], limit=4 << 20, sniff=8192) == [(0, want, len(data))]
        assert _core.texts_cut() == cut + 1
        counted = enc.count_plain_files([str(big), str(small)], limit=4 << 20, sniff=8192)
        assert counted[0] == (0, want, len(data)) and _core.texts_cut() == cut + 1
        tokcost.text_threads(False)
        assert enc.count_plain_files([str(big)], limit=4 << 20, sniff=8192) == [(0, want, len(data))]
        assert _core.texts_cut() == cut + 1
    finally:
        tokcost.text_threads(before)


def _check_batch(enc, ref, texts, cuts, num_threads=2):
    """Every batch entry point against tiktoken's ids of each text, each call cutting ``cuts`` texts."""
    expected = [ref.encode_ordinary(text) for text in texts]
    calls = [
        lambda: enc.encode_ordinary_batch(texts, num_threads=num_threads),
        lambda: enc.count_batch(texts, num_threads=num_threads),
        lambda: _flat_lists(*enc.encode_ordinary_batch_to_numpy(texts, num_threads=num_threads)),
        lambda: enc.encode_batch(texts, num_threads=num_threads, disallowed_special=()),
    ]
    if not any("<|" in text for text in texts):  # the default screen passes them
        calls.append(lambda: enc.encode_batch(texts, num_threads=num_threads))
    for call in calls:
        cut = _core.texts_cut()
        got = call()
        assert got == (expected if isinstance(got[0], list) else [len(ids) for ids in expected])
        assert _core.texts_cut() == cut + cuts


def _flat_lists(ids, offsets):
    return [ids[offsets[k]:offsets[k + 1]].tolist() for k in range(len(offsets) - 1)]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one processor: a text is never cut")
@pytest.mark.parametrize("name", CUT_ENCODINGS)
def test_a_batchs_long_texts_are_cut_as_one_long_text_is(name, parallel_corpus_dir):
    """A text of 64 KB or more that holds half a thread's share of its batch is cut over the threads
    (encoder.h, tc_batch_alone), before the batch's other texts, which the threads share as before:
    a batch of one long text ran on one thread. Only with text_threads on and more than one thread
    asked for; the ids are tiktoken's either way."""
    enc, ref = tokcost.get_encoding(name), _reference(name)
    flores = "".join(p.read_text(encoding="utf-8") for p in sorted(parallel_corpus_dir.glob("*_*.txt"))[:8])
    big = flores[:300_000]
    ascii_big = "Line of words, and more words\n" * 10_000  # 300 KB
    short = [line for line in flores.splitlines()[:40]]
    before = tokcost.text_threads(True)
    try:
        _check_batch(enc, ref, [ascii_big], 1)
        _check_batch(enc, ref, [big], 1)
        _check_batch(enc, ref, short[:20] + [ascii_big] + short[20:], 1)
        _check_batch(enc, ref, [ascii_big, ascii_big[:250_000], "", "x"], 2)
        _check_batch(enc, ref, [ascii_big] * 8, 0)  # each a sixteenth of the batch: chunks, as before
        _check_batch(enc, ref, [ascii_big] + short, 0, num_threads=1)
        # Special tokens encoded as such: the text before the token is cut, the 1 KB after it is not.
        text = ascii_big + "<|endoftext|>" + ascii_big[:1000]
        cut = _core.texts_cut()
        got = enc.encode_batch([text, "a"], allowed_special="all")
        assert got == [ref.encode(text, allowed_special="all"), ref.encode("a")]
        assert _core.texts_cut() == cut + 1
        with pytest.raises(ValueError, match="endoftext"):
            enc.encode_batch(["x", text])
        # A lone surrogate in a long text: replaced, as tiktoken replaces it.
        broken = ascii_big[:150_000] + "\ud800" + ascii_big[:150_000]
        assert enc.encode_ordinary_batch([broken, "y"]) == [ref.encode_ordinary(broken), ref.encode_ordinary("y")]
        assert enc.count_batch([broken]) == [len(ref.encode_ordinary(broken))]
        tokcost.text_threads(False)
        _check_batch(enc, ref, [ascii_big] + short, 0)
    finally:
        tokcost.text_threads(before)


@pytest.mark.parametrize("name", CUT_ENCODINGS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(0, 3000), min_size=1, max_size=12), start=st.integers(0, 10**6))
def test_hypothesis_batches_of_long_and_short_texts(name, sizes, start, cut_everywhere, parallel_corpus_dir):
    """Batches of texts of any sizes from the FLORES files, cut from 64 bytes (whichever texts hold
    half a thread's share), against tiktoken's ids of each."""
    enc, ref = tokcost.get_encoding(name), _reference(name)
    flores = _flores_text(parallel_corpus_dir)
    texts, at = [], start % len(flores)
    for size in sizes:
        texts.append((flores[at:] + flores)[:size])
        at = (at + size) % len(flores)
    expected = [ref.encode_ordinary(text) for text in texts]
    assert enc.encode_ordinary_batch(texts, num_threads=2) == expected
    assert enc.count_batch(texts, num_threads=2) == [len(ids) for ids in expected]
    assert _flat_lists(*enc.encode_ordinary_batch_to_numpy(texts, num_threads=2)) == expected
    assert enc.encode_batch(texts, num_threads=2, disallowed_special=()) == expected
    eot = "<|endoftext|>"
    special = [text[: len(text) // 2] + eot + text[len(text) // 2:] for text in texts]
    assert enc.encode_batch(special, num_threads=2, allowed_special={eot}) == [
        ref.encode(text, allowed_special={eot}) for text in special]


_FLORES_TEXT = {}


def _flores_text(directory) -> str:
    """Twelve FLORES files' lines, interleaved a line of each in turn: a mix of scripts in every stretch."""
    if directory not in _FLORES_TEXT:
        files = [p.read_text(encoding="utf-8").splitlines() for p in sorted(directory.glob("*_*.txt"))[::4]]
        _FLORES_TEXT[directory] = "\n".join(line for lines in zip(*files) for line in lines)[:400_000]
    return _FLORES_TEXT[directory]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one processor: a text is never cut")
def test_the_plan_gives_a_long_text_a_chunk_of_its_own():
    """With text_threads on, the long text is a chunk of its own and the threads are planned for the
    rest (one for a few short texts); with it off, the plan is as it was."""
    big = "Line of words\n" * 20_000  # 280 KB
    plan = tokcost.get_encoding("o200k_base")._core._batch_plan
    before = tokcost.text_threads(True)
    try:
        assert plan(["a" * 100, "b" * 100, big, "c" * 100], 2) == (1, [0, 2, 3, 4])
        assert plan([big, "x" * 40_000, "y" * 40_000], 2) == (2, [0, 1, 2, 3])
        assert plan([big] * 8, 2)[1] == list(range(9))
        tokcost.text_threads(False)
        assert plan(["a" * 100, "b" * 100, big, "c" * 100], 2) == (2, [0, 3, 4])
    finally:
        tokcost.text_threads(before)


def test_the_default_sizes_cut_a_long_text_and_only_with_the_setting_on():
    """A text of 64 KB or more is cut with the setting on (the native counter moves), never with it
    off, never below 64 KB; GPT-2's pattern only where no whitespace comes before the newline."""
    assert _core.text_threads_sizes() == DEFAULT_MIN_TEXT
    text = "Line of words\n" * 6000  # 84 KB
    enc = tokcost.get_encoding("o200k_base")
    before = tokcost.text_threads(True)
    try:
        expected = _reference("o200k_base").encode_ordinary(text)
        cut = _core.texts_cut()
        assert enc.encode_ordinary(text) == expected
        assert _core.texts_cut() == cut + 1
        ids = enc.encode(text + "<|endoftext|>" + text, allowed_special="all")
        assert _core.texts_cut() == cut + 3  # the text before the special token and the text after it
        assert ids == expected + [enc.eot_token] + expected
        cut += 2
        short = text[: DEFAULT_MIN_TEXT - 1000]
        enc.count(short)
        assert _core.texts_cut() == cut + 1
        gpt2 = tokcost.get_encoding("r50k_base")
        gpt2.count(text.replace("\n", " \n"))  # GPT-2's pattern: whitespace before every newline
        assert _core.texts_cut() == cut + 1
        assert gpt2.encode_ordinary(text) == _reference("r50k_base").encode_ordinary(text)
        assert _core.texts_cut() == cut + 2
        cut += 1
        tokcost.text_threads(False)
        assert enc.count(text) == len(enc.encode_ordinary(text))
        assert _core.texts_cut() == cut + 1
    finally:
        tokcost.text_threads(before)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one processor: a text is never cut")
def test_a_text_of_newlines_is_cut_at_its_one_newline_a_letter_follows(cut_everywhere):
    """The search for cuts passes over newlines that no letter can follow 16 bytes at a step, then
    byte by byte near the end (tc_newline_before_high): a text of newlines whose one cut is a
    newline before a letter (ASCII letters at their ranges' ends, letters of two, three and four
    bytes), anywhere from its 41st byte to its end, is cut there and encodes as tiktoken's; the same
    newline before a character that is no letter leaves it whole. (Round 31: a search from each of
    the 32 segments' goals to the end, a call a newline, had made 1 MB of newlines take 0.11 s.)"""
    enc = tokcost.get_encoding("o200k_base")
    ref = _reference("o200k_base")
    length = 140
    for after, letter in [("A", True), ("Z", True), ("a", True), ("z", True), ("\u00e9", True), ("\u0416", True),
                          ("\u4e2d", True), ("\U0001d400", True), ("@", False), ("[", False), ("`", False),
                          ("{", False), ("\u20ac", False), ("1", False), (" ", False)]:
        for at in range(40, length - 1 - len(after.encode())):
            text = "\n" * at + after + "\n" * (length - at - len(after.encode()))
            cut = _core.texts_cut()
            assert enc.encode_ordinary(text) == ref.encode_ordinary(text), (after, at)
            assert _core.texts_cut() == cut + letter, (after, at)


@pytest.mark.parametrize("name", CUT_ENCODINGS)
def test_flores_and_code_whole_files_at_the_default_sizes(name, parallel_corpus_dir):
    """Each FLORES-200 file (240-710 KB; the bundled sample's where ../shared lacks them) and 1 MB
    of Python source as one text, cut as a user's would be, equal tiktoken's ids."""
    import sysconfig
    from pathlib import Path

    texts = [path.read_text(encoding="utf-8") for path in sorted(parallel_corpus_dir.glob("*_*.txt"))]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    code = "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(stdlib.glob("*.py"))[:60])
    texts += [code[: 1 << 20], "\n".join(texts[:8])]
    enc, ref = tokcost.get_encoding(name), _reference(name)
    before = tokcost.text_threads(True)
    try:
        for text in texts:
            _check(enc, ref, text)
    finally:
        tokcost.text_threads(before)


# What comes before a cut's newline and after its letter: every piece that can end at a newline.
BEFORE = ["a", " ", "  ", "!", "\r", "/", "1", "'", "\t", ".\r", "é", "中", " \u3000"]
AFTER = ["", "b", " x", "'s", "\n", "1", "/", "\u0301"]


CODE_POINTS = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]


def _code_point_texts(per_text: int, line) -> list[str]:
    """Every code point (surrogates aside) in a line of its own, ``per_text`` lines a text after an
    "x": ``line(k, c)`` is the line of code point ``c``, the k-th of all."""
    return ["x" + "".join(line(start + k, c) for k, c in enumerate(CODE_POINTS[start:start + per_text]))
            for start in range(0, len(CODE_POINTS), per_text)]


def _after_a_newline(per_text: int) -> list[str]:
    """Each code point just after a newline, between varied neighbours (BEFORE, AFTER)."""
    return _code_point_texts(per_text, lambda k, c: BEFORE[k % len(BEFORE)] + "\n" + chr(c)
                             + AFTER[(k // per_text + k % per_text) % len(AFTER)])


@pytest.mark.parametrize("name", CUT_ENCODINGS)
def test_every_code_point_after_a_newline(name, cut_everywhere):
    """Each code point (surrogates aside) just after a newline, in lines short enough that nearly
    every line start is a cut where the code point is a letter, between varied neighbours."""
    enc, ref = tokcost.get_encoding(name), _reference(name)
    mismatches = [text for text in _after_a_newline(16) if enc.encode_ordinary(text) != ref.encode_ordinary(text)
                  or enc.count(text) != len(ref.encode_ordinary(text))]
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("name", CUT_ENCODINGS)
def test_every_code_point_before_a_newline(name, cut_everywhere):
    """Each code point just before a newline that a letter follows: GPT-2's cut depends on it (no
    whitespace there), and no pattern's piece before a cut may look past the newline."""
    enc, ref = tokcost.get_encoding(name), _reference(name)
    texts = _code_point_texts(64, lambda k, c: BEFORE[k % len(BEFORE)] + chr(c) + "\n" + "ab"[k % 2])
    mismatches = [text for text in texts if enc.encode_ordinary(text) != ref.encode_ordinary(text)]
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("name", OPEN_CUT)
def test_every_code_point_after_a_newline_open_models(name, cut_everywhere):
    """As above, against Llama 3's, Tekken's, Qwen's and DeepSeek V4's own tokenizers."""
    enc, reference = _open_family(name)
    mismatches = [text for text in _after_a_newline(64) if _ordinary(enc)(text) != reference(text)]
    assert not mismatches, mismatches[:3]


LINE_PARTS = st.sampled_from(["<|endoftext|>", "<|fim_prefix|>", "\n", "\r\n", "\n\n", " ", "  ", "\t", "a", "Word", "THE", "é", "Ж", "ж", "中文", "ひら",
                              "한", "ب", "ह", "ก", "1", "123", "!", "/", "'s", "'S", "\u0301", "\u200d", "😀", "<|", "x"])


@pytest.mark.parametrize("name", CUT_ENCODINGS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(LINE_PARTS, min_size=20, max_size=400))
def test_hypothesis_texts_of_lines(name, parts, cut_everywhere):
    text = "".join(parts)
    _check(tokcost.get_encoding(name), _reference(name), text)


@pytest.mark.parametrize("name", OPEN_CUT)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(LINE_PARTS, min_size=20, max_size=400))
def test_hypothesis_texts_of_lines_open_models(name, parts, cut_everywhere):
    _check_open(*_open_family(name), "".join(parts))


@pytest.mark.parametrize("name", OPEN_CUT)
def test_flores_whole_files_open_models(name, parallel_corpus_dir):
    """FLORES-200 files as single texts at the default sizes, against each family's tokenizer. Each
    text stays under 400,000 characters, where llama-models' Tokenizer.encode starts cutting text
    into chunks of its own (README, Open models)."""
    enc, reference = _open_family(name)
    texts = [path.read_text(encoding="utf-8")[:390_000] for path in sorted(parallel_corpus_dir.glob("*_*.txt"))[:12]]
    before = tokcost.text_threads(True)
    try:
        cut = _core.texts_cut()
        for text in texts + ["\n".join(texts)[:390_000]]:
            _check_open(enc, reference, text)
        assert _core.texts_cut() > cut or len(os.sched_getaffinity(0)) < 2
    finally:
        tokcost.text_threads(before)


def test_a_lone_surrogate_in_a_long_text_is_replaced_as_tiktoken_does(cut_everywhere):
    enc, ref = tokcost.get_encoding("o200k_base"), _reference("o200k_base")
    text = "Line one\nLine two \ud800 and more\nThird line\n" * 20
    assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
    assert enc.count(text) == len(ref.encode_ordinary(text))


def test_the_benchmark_suites_time_one_thread_per_text(monkeypatch):
    """Every row of `tokcost bench` compares one thread with one: the suites turn text_threads off
    while they time tokcost (and give it back after), and a first-call child's load code does too."""
    from tokcost.bench import contenders, suite, system

    seen = []
    monkeypatch.setattr(suite, "run", lambda *args, **kwargs: seen.append(tokcost.text_threads()) or [])
    monkeypatch.setattr(system, "run_task", lambda *args, **kwargs: seen.append(tokcost.text_threads()) or [])
    before = tokcost.text_threads(True)
    try:
        suite.benchmark("o200k_base", sections=("encode",), contenders=("tokcost", "tiktoken"))
        plan = system.SystemPlan.quick()
        plan.verify = False
        system.benchmark_system("o200k_base", plan, sections=("fresh",), contenders=("tokcost", "tiktoken"))
        assert tokcost.text_threads() is True
    finally:
        tokcost.text_threads(before)
    assert seen and not any(seen)
    assert "tokcost.text_threads(False)" in contenders._tokcost("o200k_base").load_code
