"""allowed_special / disallowed_special behave exactly as in tiktoken."""

from __future__ import annotations

import pytest

TEXTS = [
    "hello <|endoftext|> world",
    "<|endoftext|>",
    "a<|endofprompt|>b<|endoftext|>",
    "<|endoftext|><|endoftext|>  ",
    "trailing spaces  <|endoftext|>  x",
    "no special here",
    "<|fim_prefix|>x<|fim_suffix|>",
    "<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>c<|endoftext|>",
    "<|endoftext",
    "<<|endoftext|>|>",
    "a lone \ud800 surrogate <|endoftext|>",
    "a lone \udfff surrogate, no token",
    "words " * 3000,  # long texts take the native call; one holds a token at its end
    "words " * 3000 + "<|endofprompt|>",
    "<|endofprompt|>日本語<|endoftext|>тест<|endofprompt|><|endoftext|>",  # UTF-8 made natively
    "\ud83d<|endoftext|>x\udc00",
    ("chat " * 5000 + "<|endoftext|>") * 3 + "日本",   # each segment long enough to release the GIL
]

ARGS = [
    {},
    {"allowed_special": "all"},
    {"disallowed_special": ()},
    {"allowed_special": {"<|endoftext|>"}},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
    {"disallowed_special": {"<|endofprompt|>"}},
    {"allowed_special": "all", "disallowed_special": ()},
    # encode's fast path takes a set of the encoding's own tokens and "all" (disallowed "all"),
    # and empty sets on both sides; the rest must fall through to the checks.
    {"allowed_special": set()},
    {"allowed_special": frozenset({"<|endoftext|>"})},
    {"allowed_special": {"<|endoftext|>", "<|endofprompt|>"}},
    {"allowed_special": {"foo"}},
    {"allowed_special": {"<|endoftext|>", "foo"}},
    {"allowed_special": set(), "disallowed_special": ()},
    {"allowed_special": frozenset(), "disallowed_special": set()},
    {"allowed_special": set(), "disallowed_special": ""},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": "all"},
]


def _outcome(fn):
    try:
        return fn()
    except ValueError:
        return ValueError


@pytest.mark.parametrize("kwargs", ARGS, ids=str)
def test_encode_same_results_and_errors(pair, kwargs):
    ours, ref = pair
    for text in TEXTS:
        want = _outcome(lambda: ref.encode(text, **kwargs))
        assert _outcome(lambda: ours.encode(text, **kwargs)) == want, text
        # tiktoken's encode_to_numpy raises on a lone surrogate where its encode replaces it
        assert _outcome(lambda: ours.encode_to_numpy(text, **kwargs).tolist()) == _outcome(
            lambda: ref.encode_to_numpy(text, **kwargs).tolist()), text
    batch_want = _outcome(lambda: ref.encode_batch(TEXTS, **kwargs))
    assert _outcome(lambda: ours.encode_batch(TEXTS, **kwargs)) == batch_want


def test_special_token_properties(pair):
    ours, ref = pair
    assert ours.special_tokens_set == ref.special_tokens_set
    assert ours.eot_token == ref.eot_token
    assert ours.n_vocab == ref.n_vocab
    assert ours.max_token_value == ref.max_token_value
    for token in ref.special_tokens_set:
        assert ours.encode_single_token(token) == ref.encode_single_token(token)
        value = ref.encode_single_token(token)
        assert ours.is_special_token(value) and ours.decode_single_token_bytes(value) == token.encode()


SPECIAL_SETS = [{}, {"<|a|>": 60000, "<|b|>": 60001}, {"<x>": 60000, "[y]": 60001}, {"ab": 60000},
                {"\xabx\xbb": 60000, "\xaby\xbb": 60001},
                # Sharing only "<", as Qwen 3.5's: the fast path then looks for each token itself.
                {"<|im_start|>": 60000, "<think>": 60001, "</think>": 60002, "<tool_call>": 60003, "<\xe9>": 60004}]
# Strings of every width (the probe is looked for in their UTF-8): latin-1, UCS-2, UCS-4.
WIDE_TEXTS = ["caf\xe9 <|a|> \u2603", "\U0001f600<|b|>", "\u201c<|a|>\u201d", "\xe9 <| x", "a \xabx\xbb b",
              "\xab", "\u4e2d\xaby\xbb\U0001f600", "\xab\xbb<\xab|"]
DEFAULT_TEXTS = ["plain", "a <| b", "x <|a|> y", "[y] and <x>", "cab", "lone \ud800 surrogate", "<|a", "ab"]
# The start "<" everywhere, each token whole or cut short, first, last, after another "<", in every width.
PROBE_TEXTS = [f"{a}{t}{b}" for t in ("<think>", "</think>", "<tool_call>", "<|im_start|>", "<\xe9>", "<thin", "</",
                                      "<tool_call", "<|im_start", "<\xe9", "<", "<<think>", "<think>>")
               for a, b in (("", ""), ("a < b ", ""), ("", " x<y"), ("\u4e2d<", "\U0001f600<"), ("<" * 20, "<" * 9))]


@pytest.mark.parametrize("specials", SPECIAL_SETS, ids=str)
def test_default_call_matches_tiktoken_for_any_special_tokens(specials):
    """encode's fast path for the default arguments (no special token can be in text without the
    start they all share) gives tiktoken's ids and errors, whatever the special tokens are."""
    import tiktoken

    import tokcost

    base = tiktoken.get_encoding("r50k_base")
    parts = dict(pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials)
    ours, ref = tokcost.Encoding("t", **parts), tiktoken.Encoding("t", **parts)
    for text in DEFAULT_TEXTS + WIDE_TEXTS + PROBE_TEXTS:
        assert _outcome(lambda: ours.encode(text)) == _outcome(lambda: ref.encode(text)), text
    for kwargs in ARGS[:3]:
        for text in DEFAULT_TEXTS[:-3]:
            assert _outcome(lambda: ours.encode(text, **kwargs)) == _outcome(lambda: ref.encode(text, **kwargs))
        texts = DEFAULT_TEXTS[:5]
        assert _outcome(lambda: ours.encode_batch(texts, **kwargs)) == _outcome(lambda: ref.encode_batch(texts, **kwargs))


@pytest.mark.parametrize("disallowed", [{"<|endofprompt|>"}, {"foo"}, {"foo", "<|endoftext|>"}], ids=str)
def test_disallowed_strings_that_are_no_special_token_of_the_encoding(pair, disallowed):
    # tiktoken raises on any disallowed string in the text, whether or not the encoding has it
    # as a special token (p50k_base and r50k_base have no <|endofprompt|>; no encoding has foo).
    ours, ref = pair
    texts = ["a <|endofprompt|> b", "a foo b", "plain", "é foo 🙂"]
    for text in texts:
        want = _outcome(lambda: ref.encode(text, disallowed_special=disallowed))
        assert _outcome(lambda: ours.encode(text, disallowed_special=disallowed)) == want, text
        for threads in (1, 2):
            got = _outcome(lambda: ours.encode_batch([text, "x"], num_threads=threads, disallowed_special=disallowed))
            assert got == _outcome(lambda: ref.encode_batch([text, "x"], disallowed_special=disallowed)), text



@pytest.mark.parametrize("disallowed", [{""}, {"", "<|endoftext|>"}, {"", "foo", "<|endofprompt|>"}], ids=str)
def test_the_empty_string_disallowed_raises_on_every_text(pair, disallowed):
    # tiktoken's screen finds "" at the start of any text. tokcost's looked for the other tokens'
    # first characters with str.find in texts of 64 characters and up, and let one without them
    # through (found by fuzz_special_sets.py).
    ours, ref = pair
    for text in ["", "plain", "a" * 64, "lorem ipsum " * 20, "x" * 100 + "<|endoftext|>"]:
        want = _outcome(lambda: ref.encode(text, disallowed_special=disallowed))
        assert _outcome(lambda: ours.encode(text, disallowed_special=disallowed)) == want, text
        got = _outcome(lambda: ours.encode_to_numpy(text, disallowed_special=disallowed).tolist())
        assert got == _outcome(lambda: ref.encode_to_numpy(text, disallowed_special=disallowed).tolist()), text
        for threads in (1, 2):
            got = _outcome(lambda: ours.encode_batch(["x", text], num_threads=threads, disallowed_special=disallowed))
            assert got == _outcome(lambda: ref.encode_batch(["x", text], disallowed_special=disallowed)), text


# tiktoken's Rust side takes allowed_special as UTF-8, so a string in it with a lone surrogate raises
# UnicodeEncodeError (a ValueError) whatever the text, after the disallowed check: tokcost returned
# ids. A batch raises what its first text raises; an empty batch returns []. Since round 22 the error's
# arguments are tiktoken's too (CPython's own, which pyo3 raises: "surrogates not allowed").
SURROGATE_SETS = [{"\ud800"}, {"\ud800", "<|endoftext|>"}, frozenset({"\udfff"}), {"\ud83d\ude00"},
                  {"a\ud800", "\udfffb\udc00", "<|endoftext|>", "x"}]  # two: the first in the set's order


def _error_or_ids(fn):
    try:
        ids = fn()
    except ValueError as error:
        return type(error), error.args
    return ids.tolist() if hasattr(ids, "tolist") else ids


@pytest.mark.parametrize("allowed", SURROGATE_SETS, ids=ascii)
def test_a_lone_surrogate_in_allowed_special_raises_as_in_tiktoken(pair, allowed):
    ours, ref = pair
    for text in ["x", "", "<|endoftext|>", "a\ud800b", "hello world " * 10]:
        for disallowed in ("all", ()):
            kwargs = {"allowed_special": allowed, "disallowed_special": disallowed}
            for method in ("encode", "encode_to_numpy", "encode_with_unstable"):
                want = _error_or_ids(lambda: getattr(ref, method)(text, **kwargs))
                assert _error_or_ids(lambda: getattr(ours, method)(text, **kwargs)) == want, (method, text, kwargs)
            for batch in ([], [text], ["x", text], [text, "<|endoftext|>"]):
                for threads in (1, 2):
                    want = _error_or_ids(lambda: ref.encode_batch(batch, num_threads=threads, **kwargs))
                    got = _error_or_ids(lambda: ours.encode_batch(batch, num_threads=threads, **kwargs))
                    assert got == want, (batch, threads, kwargs)
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
        ours.encode("x", allowed_special=allowed)

# Special tokens that are prefixes of one another, and a thousand that share a start, as
# Tekken's <SPECIAL_n> do (their regex is a trie; the longest token at a place wins).
TRIE_SETS = [
    frozenset({"<a", "<ab", "<abc>", "[x]", "<b", "a"}),
    frozenset({"<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>", "<|end"}),
    frozenset({f"<SPECIAL_{i}>" for i in range(1000)} | {"[INST]", "[/INST]", "<s>", "</s>", "<unk>"}),
]

# Sets whose trie would nest deeper than re's parser recurses (round 15, fuzz_mark_sets.py found
# the first: a disallowed string of 500 characters raised RecursionError where tiktoken raises
# ValueError): one long token (now one literal), tokens each a prefix of the next (a flat
# alternation), and tokens that branch at every other character (a flat alternation too).
DEEP_SETS = [
    frozenset({"1" + "ab" * 300 + "|" + "<" * 200}),
    frozenset({"a" * k for k in range(1, 1000)}),
    frozenset({"<" + "ab" * k + ">" for k in range(600)}),
]


@pytest.mark.parametrize("tokens", TRIE_SETS + DEEP_SETS, ids=lambda t: f"{len(t)} tokens of {len(max(t, key=len))}")
def test_special_tokens_found_as_a_longest_first_alternation_finds_them(tokens):
    import random
    import re

    from tokcost.special_tokens import first_special_token, special_token_regex

    flat = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
    ours = special_token_regex(tokens)
    rng, pool = random.Random(7), sorted(tokens)
    for _ in range(2000):
        parts = []
        for _ in range(rng.randrange(1, 7)):
            token = rng.choice(pool)
            parts.append(rng.choice([token, token[: rng.randrange(len(token) + 1)], "x ", "<", "[", "é"]))
        text = "".join(parts)
        want = [(m.start(), m.group()) for m in flat.finditer(text)]
        assert [(m.start(), m.group()) for m in ours.finditer(text)] == want, text
        # The first one as the disallowed check finds it: by str.find where first characters are
        # rare (filler), by re's search where they are not, and from where str.find gave up.
        filler = "x" * rng.randrange(64, 400)
        for padded in (text, filler.join(parts), filler + text, filler * 8 + text):
            first = flat.search(padded)
            assert first_special_token(padded, tokens) == (first.group() if first else None), padded


def test_a_thousand_special_tokens_match_tiktoken():
    import tiktoken

    import tokcost

    base = tiktoken.get_encoding("r50k_base")
    specials = {token: 60000 + i for i, token in enumerate(sorted(TRIE_SETS[2]))}
    parts = dict(pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials)
    ours, ref = tokcost.Encoding("t", **parts), tiktoken.Encoding("t", **parts)
    texts = ["a <b>bold</b> [i] <SPECIAL_7 x", "<SPECIAL_12><SPECIAL_1>[INST]hi[/INST]", "<s> [INST", "plain"]
    for text in texts:
        for kwargs in ({}, {"allowed_special": "all"}, {"allowed_special": {"<s>"}, "disallowed_special": ()}):
            assert _outcome(lambda: ours.encode(text, **kwargs)) == _outcome(lambda: ref.encode(text, **kwargs)), text


@pytest.mark.parametrize("tokens", [TRIE_SETS[0], TRIE_SETS[2]], ids=lambda t: f"{len(t)} tokens")
def test_allowed_tokens_in_long_texts_split_as_tiktoken(tokens):
    # Texts over 64 characters, so segments() finds tokens by str.find from where the last one
    # ended, and allowed sets that leave some out, so a disallowed one is stepped over a
    # character at a time (an allowed "a" inside a disallowed "<ab" is still found). tiktoken's
    # loop is the reference, with a longest-first alternation: tiktoken's own regex takes the
    # first alternative in its hash map's order where special tokens are prefixes of others.
    import random
    import re

    import tiktoken

    import tokcost

    base = tiktoken.get_encoding("r50k_base")
    specials = {token: 60000 + i for i, token in enumerate(sorted(tokens))}
    parts = dict(pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials)
    ours, ref = tokcost.Encoding("t", **parts), tiktoken.Encoding("t", **parts)
    flat = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))

    def tiktoken_loop(text, allowed):
        ids, start = [], 0
        while True:
            match = flat.search(text, start)
            while match and match.group() not in allowed:
                match = flat.search(text, match.start() + 1)
            ids += ref.encode_ordinary(text[start : match.start() if match else len(text)])
            if not match:
                return ids
            ids.append(specials[match.group()])
            start = match.end()

    def expected(text, allowed):
        # Disallowed "all" (the default): tiktoken raises on any other token anywhere in the text.
        disallowed = sorted(set(pool) - allowed, key=len, reverse=True)
        held = disallowed and re.search("|".join(map(re.escape, disallowed)), text)
        return ValueError if held else tiktoken_loop(text, allowed)

    rng, pool, batch = random.Random(11), sorted(specials), []
    allowed_sets = [set(rng.sample(pool, len(pool) // 3)), {"a", "<s>", "[INST]", "<SPECIAL_1>"}, set(pool)]
    for _ in range(300):
        pieces = [rng.choice([rng.choice(pool), "x" * rng.randrange(1, 90), " <", "[", "é words "])
                  for _ in range(rng.randrange(1, 12))]
        text = "".join(pieces)
        for allowed in allowed_sets:
            want = tiktoken_loop(text, allowed)
            assert ours.encode(text, allowed_special=allowed, disallowed_special=()) == want, (text, allowed)
            if tokens is TRIE_SETS[2]:   # no token is a prefix of another: tiktoken's own answer
                assert ref.encode(text, allowed_special=allowed, disallowed_special=()) == want, (text, allowed)
            want = expected(text, allowed)
            assert _outcome(lambda: ours.encode(text, allowed_special=allowed)) == want, (text, allowed)
            assert _outcome(lambda: ours.encode_to_numpy(text, allowed_special=allowed).tolist()) == want
        batch.append(text * 20)
        if len(batch) == 40:   # the same texts as batches on two threads (tc_encode_special per text)
            for allowed in allowed_sets:
                want = [expected(text, allowed) for text in batch]
                got = _outcome(lambda: ours.encode_batch(batch, num_threads=2, allowed_special=allowed))
                assert got == (ValueError if ValueError in want else want), allowed
            batch = []


@pytest.mark.parametrize("tokens", DEEP_SETS, ids=lambda t: f"{len(t)} tokens of {len(max(t, key=len))}")
def test_long_and_deeply_nested_special_strings_match_tiktoken(tokens):
    """The deep sets disallowed in a standard encoding (encode and encode_batch, whose screens ask
    the regex where the native one cannot), and as an encoding's own special tokens."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding("r50k_base"), tiktoken.get_encoding("r50k_base")
    longest, shortest = max(tokens, key=len), min(tokens, key=len)
    texts = [longest, "x " + longest + " y", longest[:-1], "no token here " * 50, "x" + shortest + "!", "plain"]
    for text in texts:
        for kwargs in ({"disallowed_special": tokens}, {"disallowed_special": set(tokens), "allowed_special": set()}):
            assert _outcome(lambda: ours.encode(text, **kwargs)) == _outcome(lambda: ref.encode(text, **kwargs)), text
        assert _outcome(lambda: ours.encode_batch([text, "plain"], disallowed_special=tokens)) == _outcome(
            lambda: ref.encode_batch([text, "plain"], disallowed_special=tokens)), text
    specials = {token: 60000 + i for i, token in enumerate(sorted(tokens))}
    parts = dict(pat_str=ref._pat_str, mergeable_ranks=ref._mergeable_ranks, special_tokens=specials)
    ours = tokcost.Encoding("deep", **parts)
    try:
        ref = tiktoken.Encoding("deep", **parts)
    except ValueError:  # 999 tokens of up to 999 characters: "error building NFA" in tiktoken's regex
        return
    kwargs_list = [{}, {"disallowed_special": ()}]
    if not any(b.startswith(a) for a, b in zip(sorted(tokens), sorted(tokens)[1:])):
        kwargs_list.append({"allowed_special": "all"})  # a prefix pair: tiktoken takes either
    for text in texts:
        for kwargs in kwargs_list:
            assert _outcome(lambda: ours.encode(text, **kwargs)) == _outcome(lambda: ref.encode(text, **kwargs)), text


# Round 16 (r16-api): the native screens name the disallowed token they find (MarkSet.first_in),
# and the ValueError is tiktoken's, word for word, from every method and argument form.
RAISING_TEXTS = [
    "x <|endoftext|>",
    "<|endofprompt|> then <|endoftext|>",
    "<|endoftext|> then <|endofprompt|>",
    "<<|endoftext|>|>",
    "<|endoftext<|endofprompt|> and <|fim_suffix|>",
    "日本 <|fim_middle|> x <|fim_prefix|> 😀<|endofprompt|>",
    "words " * 3000 + "<|endofprompt|>",   # long: the GIL released
    "<|endoftext|>",
    "no special token here",
]
RAISING_ARGS = [
    {},
    {"allowed_special": set()},
    {"allowed_special": frozenset(), "disallowed_special": "all"},
    {"disallowed_special": {"<|endoftext|>"}},
    {"disallowed_special": frozenset({"<|endofprompt|>", "<|endoftext|>"})},
    {"disallowed_special": {"<|endofprompt|>", "foo"}},
    {"allowed_special": {"<|endoftext|>"}},
    {"allowed_special": frozenset({"<|endofprompt|>"})},
    {"allowed_special": {"<|fim_prefix|>", "<|endoftext|>"}},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": {"<|fim_suffix|>"}},
]


def _result_or_error(fn):
    """A call's result (lists; completions sorted), or the type and text of its ValueError."""
    try:
        out = fn()
    except ValueError as exc:
        return type(exc), str(exc)
    if hasattr(out, "tolist"):
        return out.tolist()
    if isinstance(out, tuple):  # encode_with_unstable
        return out[0], sorted(map(tuple, out[1]))
    return out


@pytest.mark.parametrize("kwargs", RAISING_ARGS, ids=str)
def test_disallowed_errors_are_tiktokens_word_for_word(pair, kwargs):
    ours, ref = pair
    for text in RAISING_TEXTS:
        for method in ("encode", "encode_to_numpy", "encode_with_unstable"):
            want = _result_or_error(lambda: getattr(ref, method)(text, **kwargs))
            assert _result_or_error(lambda: getattr(ours, method)(text, **kwargs)) == want, (method, text)
        for batch in ([text], ["fine", text, "<|endoftext|> too"]):
            want = _result_or_error(lambda: ref.encode_batch(batch, **kwargs))
            assert _result_or_error(lambda: ours.encode_batch(batch, **kwargs)) == want, (batch, text)


def test_the_message_is_tiktokens_and_shows_both_ways_out(pair):
    ours, ref = pair
    with pytest.raises(ValueError) as info:
        ours.encode("x <|endoftext|>")
    with pytest.raises(ValueError) as want:
        ref.encode("x <|endoftext|>")
    message = str(info.value)
    assert message == str(want.value)
    assert "'<|endoftext|>'" in message and "allowed_special" in message and "disallowed_special=()" in message
