"""Property tests against tiktoken on generated Unicode text.

TOKCOST_HYPOTHESIS_EXAMPLES raises the example count for deep runs
(the default keeps CI quick).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("TOKCOST_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

# Characters that steer the split patterns: whitespace of every kind, digits of
# several scripts, apostrophes and contraction letters, case pairs, marks,
# emoji and joiners, and a scattering of scripts.
INTERESTING = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2028\u3000\x1c\u200b"
    "0123456789٣๓²½Ⅻ"
    "'’sStTdDmMlLrReEvVſ"
    "aAzZéÉǅǈßʰˇ\u0301\u0308\u093f\u0e31"
    "!?.,;:/\\|()[]{}<>-_@#$%^&*+=~`\""
    "😀👍🏽\u200d\ufe0f🇺🇸"
    "中文日本한국Ελληνικάрусскийעבריתالعربيةहिन्दीதமிழ்ไทย"
)

interesting_text = st.text(alphabet=st.sampled_from(INTERESTING), max_size=80)
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
mixed = st.lists(st.one_of(interesting_text, any_text, st.sampled_from(["'s", "'LL", "  \n", "123456", "<|endoftext|>"])), max_size=6).map("".join)


@SETTINGS
@given(text=mixed)
def test_encode_ordinary_matches_tiktoken(pair, text):
    ours, ref = pair
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.count(text) == len(want)


@SETTINGS
@given(text=mixed)
def test_encode_with_specials_matches_tiktoken(pair, text):
    ours, ref = pair
    assert ours.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")


@SETTINGS
@given(text=st.text(max_size=60))
def test_decode_round_trip(pair, text):
    ours, _ = pair
    safe = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert ours.decode(ours.encode_ordinary(text)) == safe


@SETTINGS
@given(data=st.binary(max_size=40))
def test_encode_bytes_matches_tiktoken(pair, data):
    ours, ref = pair
    assert ours.encode_bytes(data) == ref._encode_bytes(data)
    assert ours.decode_bytes(ours.encode_bytes(data)) == data


@SETTINGS
@given(texts=st.lists(mixed, max_size=40))
def test_batches_match_tiktoken(pair, texts):
    ours, ref = pair
    want = [ref.encode_ordinary(t) for t in texts]
    assert ours.encode_ordinary_batch(texts, num_threads=2) == want
    assert ours.count_batch(texts) == [len(w) for w in want]
