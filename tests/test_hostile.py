"""Hostile input: bytes that are not UTF-8, lone surrogates, huge texts and
batches, bad token ids, special-token look-alikes, NUL bytes, long lines, and
whitespace runs on which tiktoken itself panics.

tiktoken is the oracle wherever it answers; where it does not, the expected
ids come from tokcost._reference, from an exact peer (quicktok) when it is
installed, and from the structure of the answer.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap

import pytest

from tokcost import _reference


def _outcome(fn, *args, **kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return "error", type(exc)


def _run_python(code: str, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh interpreter (for clean RSS figures) and return
    the JSON object it prints last."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- invalid UTF-8

INVALID_UTF8 = [
    b"\xff", b"\xfe\xff", b"abc\xff", b"\x80", b"\x80" * 200, b"hello \xe2\x82", b"\xe2\x82 hello",
    b"\xc0\x80", b"\xc1\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
    b"a\x00\xfe\x00", b"  \x80\x80\x80  x", b"hello world\xf0\x9f", b"\xf0\x9f\x98", b"x" * 300 + b"\xff",
    b"<|endoftext|>\xff", b"\xff<|endoftext|>", "日本語".encode() + b"\xe6\x97", b"\n\n\xff\n\n",
]


@pytest.mark.parametrize("raw", INVALID_UTF8, ids=range(len(INVALID_UTF8)))
def test_encode_bytes_invalid_utf8_matches_tiktoken(pair, raw):
    ours, theirs = pair
    ids = ours.encode_bytes(raw)
    assert ids == theirs._encode_bytes(raw)
    assert ours.decode_bytes(ids) == raw


def test_decode_invalid_utf8_errors(pair):
    ours, theirs = pair
    raw = b"ok \xe2\x82 then \xff end"
    ids = ours.encode_bytes(raw)
    assert ours.decode(ids) == theirs.decode(ids) == raw.decode("utf-8", "replace")
    assert ours.decode(ids, errors="ignore") == raw.decode("utf-8", "ignore")
    with pytest.raises(UnicodeDecodeError) as caught:
        ours.decode(ids, errors="strict")
    assert caught.value.start == 3  # the byte offset of the first bad sequence
    with pytest.raises(UnicodeDecodeError):
        ours.decode_with_offsets(ids)


# ---------------------------------------------------------------- lone surrogates

SURROGATE_TEXTS = ["\ud800", "a\udc00b", "\ud83d\ude00", "x\ud83d", "\udfff\ud800", "\ud800\udc00\ud800",
                   " \ud800 hello", "<|endoftext|>\ud800", "\ud800<|endoftext|>", "\udcff" * 50]


@pytest.mark.parametrize("text", SURROGATE_TEXTS, ids=range(len(SURROGATE_TEXTS)))
def test_lone_surrogates_like_tiktoken(pair, text):
    ours, theirs = pair
    ordinary = theirs.encode_ordinary(text)
    assert ours.encode_ordinary(text) == ordinary
    assert ours.count(text) == len(ordinary)
    assert ours.count_batch([text] * 40) == [len(ordinary)] * 40
    assert ours.encode_ordinary_batch([text, "a"]) == theirs.encode_ordinary_batch([text, "a"])
    for kwargs in ({}, {"allowed_special": "all"}, {"disallowed_special": ()}):
        assert _outcome(ours.encode, text, **kwargs) == _outcome(theirs.encode, text, **kwargs)
        assert _outcome(ours.encode_batch, [text, "b"], **kwargs) == _outcome(theirs.encode_batch, [text, "b"], **kwargs)


def test_lone_surrogates_encode_to_numpy_like_tiktoken(pair):
    ours, theirs = pair
    for text in ["\ud800", "a\udc00b", "\ud800<|endoftext|>"]:
        expected = _outcome(lambda: list(theirs.encode_to_numpy(text, allowed_special="all")))
        assert _outcome(lambda: list(ours.encode_to_numpy(text, allowed_special="all"))) == expected, text


def test_lone_surrogates_encode_with_unstable_like_tiktoken(pair):
    ours, theirs = pair
    assert _outcome(ours.encode_with_unstable, "a\udc00b")[0] == _outcome(theirs.encode_with_unstable, "a\udc00b")[0]


# ---------------------------------------------------------------- bad token ids

BAD_IDS = [-1, -2, -(2**31), -(2**63), -(2**64), 2**31, 2**32 - 1, 2**32, 2**32 + 5, 2**63, 2**64, 2**100, 10**6]


@pytest.mark.parametrize("token", BAD_IDS)
def test_decode_bad_token_is_a_clear_value_error(pair, token):
    ours, theirs = pair
    for call in (lambda: ours.decode([5, token]), lambda: ours.decode_bytes([token]),
                 lambda: ours.decode_single_token_bytes(token), lambda: ours.decode_tokens_bytes([1, token]),
                 lambda: ours.decode_batch([[1], [token]]), lambda: ours.decode_with_offsets([token])):
        with pytest.raises(ValueError, match="Invalid token") as caught:
            call()
        assert str(token) in str(caught.value)
        # ...and the classes tiktoken raises, so `except KeyError/OverflowError` code keeps working.
        assert isinstance(caught.value, (KeyError, OverflowError))
    with pytest.raises((KeyError, OverflowError)):
        theirs.decode([5, token])


def test_decode_ids_between_ranks_and_past_specials(pair):
    ours, theirs = pair
    top = theirs.max_token_value
    used = set(theirs._mergeable_ranks.values()) | set(theirs._special_tokens.values())
    gaps = [r for r in range(theirs.n_vocab) if r not in used]  # p50k's ranks go on past <|endoftext|>
    for token in gaps[:20] + [top + 1, top + 1000]:
        with pytest.raises(ValueError):
            ours.decode([token])
        with pytest.raises(KeyError):
            theirs.decode([token])


def test_decode_numpy_and_bool_ids(pair):
    np = pytest.importorskip("numpy")
    ours, theirs = pair
    ids = np.array(ours.encode("hello world"), dtype=np.uint32)
    assert ours.decode(ids) == theirs.decode(ids) == "hello world"
    assert ours.decode([True, False]) == theirs.decode([True, False])
    with pytest.raises(ValueError):
        ours.decode(np.array([1, -2, 3], dtype=np.int64))
    with pytest.raises(ValueError):
        ours.decode(np.array([2**63], dtype=np.uint64))


@pytest.mark.parametrize("token", [None, "5", b"5", [5]], ids=repr)
def test_decode_non_integer_ids_raise_type_error(pair, token):
    ours, theirs = pair
    with pytest.raises(TypeError):
        theirs.decode([token])
    with pytest.raises(TypeError):
        ours.decode([token])


@pytest.mark.parametrize("token", [2.0, 2.5, float("nan")], ids=repr)
def test_decode_float_ids_raise_type_error(pair, token):
    ours, theirs = pair
    with pytest.raises(TypeError):
        theirs.decode([1, token])
    with pytest.raises(TypeError):
        ours.decode([1, token])
    with pytest.raises(TypeError):
        ours.decode_single_token_bytes(token)


# ---------------------------------------------------------------- special-token look-alikes

LOOK_ALIKES = [
    "<|endoftext|>", "<|endoftext|", "|endoftext|>", "<|endoftext", "<| endoftext |>", "<|ENDOFTEXT|>",
    "<|end of text|>", "<<|endoftext|>>", "<|endoftext|><|endoftext|>", "<|<|endoftext|>|>",
    "\uff1c|endoftext|\uff1e", "<\u200b|endoftext|>", "<|endo\x00ftext|>", "<|endoftext|>\x00",
    "<|fim_prefix|><|fim_middle|><|fim_suffix|>", "<|fim_prefix", "<|endofprompt|>", "<|im_start|>",
    "<|start|>", "<|endoftext|x", "x<|endoftext|>x", "<" * 50 + "|" * 50 + ">" * 50,
]


@pytest.mark.parametrize("text", LOOK_ALIKES, ids=range(len(LOOK_ALIKES)))
def test_special_token_look_alikes(pair, text):
    ours, theirs = pair
    for kwargs in ({}, {"allowed_special": "all"}, {"disallowed_special": ()},
                   {"allowed_special": {"<|endoftext|>"}}, {"allowed_special": set(), "disallowed_special": {"<|endoftext|>"}}):
        kwargs = {k: (v & theirs.special_tokens_set if isinstance(v, set) else v) for k, v in kwargs.items()}
        assert _outcome(ours.encode, text, **kwargs) == _outcome(theirs.encode, text, **kwargs), kwargs
    assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)


# ---------------------------------------------------------------- NUL bytes and long lines

NUL_TEXTS = ["\x00", "\x00" * 10_000, "a\x00b", "\x00 \x00\n\x00", "hello\x00world" * 500, " \x00" * 3000,
             "\x00<|endoftext|>\x00"]


@pytest.mark.parametrize("text", NUL_TEXTS, ids=range(len(NUL_TEXTS)))
def test_nul_bytes(pair, text):
    ours, theirs = pair
    ids = theirs.encode(text, disallowed_special=())
    assert ours.encode(text, disallowed_special=()) == ids
    assert ours.count(text) == len(theirs.encode_ordinary(text))
    assert ours.decode(ids) == text
    raw = text.encode() + b"\x00\xff\x00"
    assert ours.encode_bytes(raw) == theirs._encode_bytes(raw)


LONG_LINES = {
    "words": "Lorem ipsum dolor sit amet, consectetur 123456 é中文 " * 20_000,
    "one-letter-run": "a" * 200_000,
    "mixed-case-run": "aB" * 100_000,
    "digits": "1234567890" * 50_000,
    "punctuation": "!@#$%^&*()" * 50_000,
    "emoji": "\U0001f600\U0001f44d\U0001f3fd" * 30_000,
    "combining": "e" + "\u0301" * 100_000,
    "cjk": "中文日本語한국어" * 30_000,
    "no-newline-code": "x=1;" * 200_000,
}


@pytest.mark.parametrize("name", sorted(LONG_LINES))
def test_extremely_long_lines(pair, name):
    ours, theirs = pair
    text = LONG_LINES[name]
    ids = theirs.encode_ordinary(text)
    assert ours.encode_ordinary(text) == ids
    assert ours.count(text) == len(ids)
    assert ours.count_batch([text, text]) == [len(ids)] * 2


# ---------------------------------------------------------------- whitespace runs where tiktoken panics


def _run_ids(enc, ch: str, n: int, base: int = 64) -> list[int]:
    """Ids of ``ch * n`` as one BPE piece, for n far beyond what the O(n^2)
    reference can do in a test.

    BPE merges the lowest-ranked pair, leftmost first. On a run of one
    character that fills the run from the left with a fixed block of tokens
    spelling L characters (mostly the longest token that is ``ch`` repeated; in
    r50k/p50k, which have no token for U+3000, the bytes of one character), so for n >= base: ids(n + L) == block + ids(n). The
    recurrence is checked against the reference on small n; the remainder is
    encoded by the reference itself."""
    length, block = _run_structure(enc.name, ch, base)
    q = max(0, (n - base) // length)
    return list(block) * q + _ref_run(enc.name, ch, n - q * length)


@functools.lru_cache(maxsize=None)
def _ref_run(name: str, ch: str, k: int) -> list[int]:
    import tokcost

    return _reference.byte_pair_encode((ch * k).encode(), tokcost.get_encoding(name)._mergeable_ranks) if k else []


@functools.lru_cache(maxsize=None)
def _run_structure(name: str, ch: str, base: int) -> tuple[int, tuple[int, ...]]:
    """(L, block) with ids(ch * (n + L)) == block + ids(ch * n), checked on n in [base, base + 2L)."""
    import tokcost

    ranks = tokcost.get_encoding(name)._mergeable_ranks
    whole = [k for k in range(1, 400) if (ch * k).encode() in ranks]
    # p50k's space tokens (2-25) merge in pairs, so its space runs repeat every 16, not 25.
    for length in ([max(whole)] if whole else []) + list(range(1, 65)):
        shorter, longer = _ref_run(name, ch, base), _ref_run(name, ch, base + length)
        block = tuple(longer[: len(longer) - len(shorter)])
        if all(_ref_run(name, ch, k + length) == list(block) + _ref_run(name, ch, k)
               for k in range(base, base + 2 * length)):
            return length, block
    raise AssertionError(f"no run structure for {ch!r} in {name}")


@pytest.fixture(scope="module")
def quicktok_peer():
    return pytest.importorskip("quicktok", reason="exact peer quicktok-v1 not installed")


WHITESPACE_RUNS = [(" ", 1_000_000, ""), (" ", 1_000_000, "x"), ("\n", 1_000_000, ""), ("\u3000", 1_000_000, "a"),
                   (" ", 1_048_576 + 77, "")]


@pytest.mark.parametrize("ch,n,tail", WHITESPACE_RUNS, ids=lambda v: repr(v)[:10])
def test_megabyte_whitespace_runs(pair, ch, n, tail):
    """tiktoken panics (stack overflow, a BaseException) on these; tokcost must
    not, and must give the ids the structure of BPE demands."""
    ours, _ = pair
    text = ch * n + tail
    ids = ours.encode_ordinary(text)
    assert ours.decode(ids) == text
    assert ours.count(text) == len(ids)
    assert ours.count_batch([text, tail]) == [len(ids), ours.count(tail)]
    # Pretokenize with the reference's pattern, then each piece by BPE; the
    # megabyte piece by the run structure.
    import regex

    expected = []
    for piece in regex.findall(ours._pat_str, text):
        if len(piece) > 1000:
            assert piece == ch * len(piece)
            expected.extend(_run_ids(ours, ch, len(piece)))
        else:
            expected.extend(_reference.encode_ordinary(piece, ours._pat_str, ours._mergeable_ranks))
    assert ids == expected


@pytest.mark.parametrize("ch,n,tail", WHITESPACE_RUNS[:3], ids=lambda v: repr(v)[:10])
def test_megabyte_whitespace_runs_match_quicktok(pair, quicktok_peer, ch, n, tail):
    ours, _ = pair
    try:
        peer = quicktok_peer.get_encoding(ours.name)
    except RuntimeError:
        pytest.skip(f"quicktok has no built-in {ours.name}")
    text = ch * n + tail
    assert ours.encode_ordinary(text) == peer.encode(text)


def test_tiktoken_panics_where_tokcost_does_not():
    """Documents the reference's failure (in a subprocess: the panic is a
    BaseException and may abort)."""
    code = """
        import json, tiktoken
        enc = tiktoken.get_encoding("o200k_base")
        try:
            enc.encode_ordinary(" " * 1_000_000 + "x")
            print(json.dumps({"raised": None}))
        except BaseException as exc:
            print(json.dumps({"raised": type(exc).__name__, "is_exception": isinstance(exc, Exception)}))
    """
    result = _run_python(code)
    if result["raised"] is None:
        pytest.skip("this tiktoken no longer panics on a 1M whitespace run")
    assert result == {"raised": "PanicException", "is_exception": False}


# ---------------------------------------------------------------- huge texts and batches

_RSS_PROBE = """
    import json, resource, time
    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import tokcost
    enc = tokcost.get_encoding("o200k_base")
    enc.count("warm up")
"""


def test_count_100mb_string():
    """count() of a 100 MB text: right answer, and no memory beyond the text."""
    result = _run_python(_RSS_PROBE + """
    unit = "The quick brown fox jumps over the lazy dog 12345, naïve café 東京.\\n"
    reps = 100_000_000 // len(unit.encode()) + 1
    text = unit * reps
    text.encode("utf-8")  # nothing to cache for ASCII; for the rest Python keeps the UTF-8 copy with the str
    before = peak_mb()
    t = time.perf_counter()
    n = enc.count(text)
    seconds = time.perf_counter() - t
    print(json.dumps({"n": n, "unit": enc.count(unit), "reps": reps, "bytes": len(text.encode()),
                      "seconds": seconds, "extra_mb": peak_mb() - before}))
    """)
    assert result["bytes"] >= 100_000_000
    assert result["n"] == result["unit"] * result["reps"]  # the unit ends with "\n": pieces never span units
    assert result["extra_mb"] < 16, result
    print(f"count(100 MB): {result['seconds']:.2f} s, peak RSS +{result['extra_mb']:.1f} MB")


def test_unit_repetition_matches_tiktoken(pair):
    """The repetition argument of test_count_100mb_string, on a size tiktoken handles."""
    ours, theirs = pair
    unit = "The quick brown fox jumps over the lazy dog 12345, naïve café 東京.\n"
    assert ours.count(unit * 5000) == len(theirs.encode_ordinary(unit * 5000)) == 5000 * ours.count(unit)


def test_count_batch_ten_million_tiny_strings():
    result = _run_python(_RSS_PROBE + """
    words = ["a", "hi", " the", "", "12345", "é", "中", "\\U0001f600!"]
    texts = words * 1_250_000
    before = peak_mb()
    t = time.perf_counter()
    counts = enc.count_batch(texts)
    seconds = time.perf_counter() - t
    ok = counts == [enc.count(w) for w in words] * 1_250_000
    print(json.dumps({"ok": ok, "len": len(counts), "seconds": seconds, "extra_mb": peak_mb() - before}))
    """)
    assert result["ok"] and result["len"] == 10_000_000
    # Per text: a list slot (8 B), pointer and length (16 B), count (8 B), result slot (8 B).
    assert result["extra_mb"] < 10_000_000 * 64 / 2**20, result
    print(f"count_batch(10M): {result['seconds']:.2f} s, peak RSS +{result['extra_mb']:.0f} MB")


@pytest.mark.slow
def test_count_one_piece_of_100mb():  # about 20 s and 1.6 GB
    """A single 100 MB piece (no split point at all) goes through the linear
    long-piece encoder; memory is bounded per byte of the piece."""
    result = _run_python(_RSS_PROBE + """
    text = "a" * 100_000_000
    before = peak_mb()
    t = time.perf_counter()
    n = enc.count(text)
    print(json.dumps({"n": n, "seconds": time.perf_counter() - t, "extra_mb": peak_mb() - before}))
    """, timeout=600)
    import tokcost

    assert result["n"] == len(_run_ids(tokcost.get_encoding("o200k_base"), "a", 100_000_000))
    assert result["extra_mb"] < 100 * 40, result
    print(f"count(one 100 MB piece): {result['seconds']:.1f} s, peak RSS +{result['extra_mb']:.0f} MB")
