"""encode's per-call entries against tiktoken at every text length from 0 to 2,048 characters.

The entries keep the text's UTF-8 and the ids on the stack and free them on every way out, and
one chooser (``SpecialPolicy.screened``) picks the native screen for encode and encode_to_numpy: each
length is tried plain, with a special token in the middle, with "<|" that starts none, and with a
lone surrogate, under each common form of the special-token arguments. Results, or the exception's
type and message, must be tiktoken's. Bounded: 2,049 lengths, four texts, a fixed list of calls.
"""

from __future__ import annotations

import pytest
import tiktoken

import tokcost

# Latin, Cyrillic, CJK, Devanagari, emoji, digits, runs of spaces and newlines: pieces of every width.
BASE = ("The quick brown fox, 1234567 times!  Съешь же ещё этих мягких французских булок.\n\n"
        "東京都の天気は晴れ。 हिन्दी पाठ 👍🏽 don't   x\t<b>tags</b> ")
TEXT = (BASE * (2100 // len(BASE) + 1))[:2048]
LENGTHS = range(0, 2049)

CALLS = [
    ("encode", {}),
    ("encode", {"allowed_special": "all"}),
    ("encode", {"disallowed_special": ()}),
    ("encode", {"allowed_special": {"<|endoftext|>"}}),
    ("encode", {"allowed_special": set(), "disallowed_special": {"<|endoftext|>"}}),
    ("encode", {"allowed_special": set(), "disallowed_special": {"<|endofprompt|>"}}),
    ("encode_to_numpy", {}),
    ("encode_to_numpy", {"allowed_special": "all"}),
    ("encode_to_numpy", {"allowed_special": {"<|endoftext|>"}}),
    ("encode_to_numpy", {"allowed_special": set(), "disallowed_special": {"<|endofprompt|>"}}),
    ("encode_ordinary", {}),
]


def _outcome(fn):
    try:
        out = fn()
    except (ValueError, TypeError) as error:  # UnicodeEncodeError is a ValueError
        return type(error), str(error)
    return out.tolist() if hasattr(out, "tolist") else out


def _variants(length: int) -> list[str]:
    head, tail = TEXT[:length // 2], TEXT[length // 2:length]
    special = "<|endofprompt|>" if length % 2 else "<|endoftext|>"  # one allowed above, one not
    return [TEXT[:length], head + special + tail, head + "<|endof" + tail, head + "\ud800" + tail]


def test_every_length_every_form_as_tiktoken():
    # o200k_base only: the chooser and the entries do not depend on the vocabulary (test_special_tokens
    # runs the forms on every encoding), and a second one would double the ~25 s this takes.
    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    failures = []
    for length in LENGTHS:
        for text in _variants(length):
            for method, kwargs in CALLS:
                want = _outcome(lambda: getattr(ref, method)(text, **kwargs))
                got = _outcome(lambda: getattr(ours, method)(text, **kwargs))
                if got != want:
                    failures.append((length, text[length // 2:length // 2 + 8], method, kwargs))
            assert ours.count(text) == len(ref.encode_ordinary(text)), length
    assert not failures, f"{len(failures)} calls differ from tiktoken, first: {failures[:3]}"


# Round 19 (r19-harden): the native entries typed ``MarkSet`` take None, as Cython allows by default,
# and read its fields: encode_ordinary_unless(text, probe, None) dies with SIGSEGV (_first_mark reads
# marks.at), encode_special(text, None) reads None's memory as a MarkSet's ids (undefined behaviour; it
# happened to raise ValueError). The Encoding never passes None; the private core now refuses it as it
# refuses other wrong types (``MarkSet marks not None``). Each call runs in a child: a crash is a signal.
NONE_MARKS = [
    'core.encode_ordinary_unless("abc", b"", None)',
    'core.encode_ordinary_unless("abc <|endoftext|>", b"<|", None)',
    'core.encode_special("abc", None)',
    'core.encode_special("abc", None, None, True)',
]


def test_native_entries_refuse_none_for_a_mark_set():
    import subprocess
    import sys

    outcomes = {}
    for call in NONE_MARKS:
        code = ("import tokcost\ncore = tokcost.get_encoding('o200k_base')._core\n"
                f"try:\n    {call}\nexcept TypeError:\n    print('TypeError')")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        outcomes[call] = proc.stdout.strip() if proc.returncode == 0 else f"exit {proc.returncode}"
    assert all(got == "TypeError" for got in outcomes.values()), outcomes
