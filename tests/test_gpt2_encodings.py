"""The GPT-2 family (r50k_base, gpt2, p50k_base, p50k_edit): bundled, verified, mapped and split natively.

The differential tests against tiktoken (FLORES, code, hypothesis Unicode,
every code point, special tokens) run for these encodings through the
``pair`` fixture of conftest; this file checks what is particular to them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest
import regex
import tiktoken
import tiktoken.model
import tiktoken_ext.openai_public as openai_public

import tokcost
from tokcost import registry, vocab
from tokcost.bundled import VOCAB_DIR
from tokcost.patterns import R50K_PATTERN

GPT2_FAMILY = ["r50k_base", "gpt2", "p50k_base", "p50k_edit"]
# tiktoken's expected_hash of each file (tiktoken_ext/openai_public.py), written out so the test can fail.
OFFICIAL_SHA256 = {
    "r50k_base": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    "p50k_base": "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
}
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bundle_gpt2_vocabularies.py"


def _reference(name):
    # tiktoken's gpt2 loads GPT-2's original vocab.bpe/encoder.json, not shipped
    # here; it holds r50k_base's ranks (test_gpt2_is_tiktokens_gpt2 below).
    return tiktoken.get_encoding("r50k_base" if name == "gpt2" else name)


@pytest.mark.parametrize("name", sorted(OFFICIAL_SHA256))
def test_bundled_rank_files_are_the_official_ones(name):
    assert (VOCAB_DIR / f"{name}.tiktoken.gz").is_file()
    data = vocab.read_rank_file(name, None)
    assert hashlib.sha256(data).hexdigest() == OFFICIAL_SHA256[name]
    assert vocab.find_rank_file(name) == VOCAB_DIR / f"{name}.tiktoken.gz"


def test_p50k_base_is_derived_from_r50k_base_by_the_committed_script():
    spec = importlib.util.spec_from_file_location("bundle_gpt2_vocabularies", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    r50k = vocab.read_rank_file("r50k_base", OFFICIAL_SHA256["r50k_base"])
    p50k = script.p50k_from_r50k(r50k)
    assert hashlib.sha256(p50k).hexdigest() == OFFICIAL_SHA256["p50k_base"]
    added = p50k[len(r50k):].decode().split("\n")[:-1]
    assert [line.split(" ")[1] for line in added] == [str(r) for r in range(50257, 50281)]


@pytest.mark.parametrize("name", GPT2_FAMILY)
def test_specs_equal_tiktokens_constructors(name):
    ours = tokcost.get_encoding(name)
    theirs = _reference(name)
    assert ours._pat_str == theirs._pat_str == R50K_PATTERN
    assert ours._special_tokens == theirs._special_tokens
    assert ours.n_vocab == theirs.n_vocab
    assert ours.max_token_value == theirs.max_token_value


def test_gpt2_is_tiktokens_gpt2():
    """tiktoken's gpt2 constructor, its two GPT-2 files swapped for r50k's ranks:
    every field but the ranks must already be r50k_base's."""
    gpt2, r50k = openai_public.gpt2, openai_public.r50k_base
    original = openai_public.data_gym_to_mergeable_bpe_ranks
    openai_public.data_gym_to_mergeable_bpe_ranks = lambda **_: "ranks"
    try:
        constructed = gpt2()
    finally:
        openai_public.data_gym_to_mergeable_bpe_ranks = original
    reference = r50k()
    assert {k: v for k, v in constructed.items() if k not in ("name", "mergeable_ranks")} == {
        k: v for k, v in reference.items() if k not in ("name", "mergeable_ranks")
    }
    assert registry.ENCODINGS["gpt2"].vocabulary == "r50k_base"
    assert "gpt2" in tiktoken.list_encoding_names()


@pytest.mark.parametrize("name", GPT2_FAMILY)
def test_native_splitter_is_used(name):
    enc = tokcost.get_encoding(name)
    assert enc._core.splitter == "gpt2"
    assert enc._split_regex is None  # no regex engine on the encode path
    text = "I'll say 'S it's   x\u00a0\u00a0 y 123456 ab\u0301c \n\n "
    assert enc._core.split_text(text) == regex.findall(R50K_PATTERN, text)


def test_every_tiktoken_model_maps_to_the_same_encoding():
    mismatches = {}
    for model, encoding in tiktoken.model.MODEL_TO_ENCODING.items():
        if tokcost.encoding_name_for_model(model) != encoding:
            mismatches[model] = (tokcost.encoding_name_for_model(model), encoding)
    for prefix, encoding in tiktoken.model.MODEL_PREFIX_TO_ENCODING.items():
        model = prefix + "x-2099"
        if tokcost.encoding_name_for_model(model) != tiktoken.encoding_name_for_model(model):
            mismatches[model] = (tokcost.encoding_name_for_model(model), encoding)
    assert mismatches == {}


@pytest.mark.parametrize("model, encoding", [
    ("davinci", "r50k_base"), ("curie", "r50k_base"), ("babbage", "r50k_base"), ("ada", "r50k_base"),
    ("text-davinci-003", "p50k_base"), ("text-davinci-002", "p50k_base"), ("code-davinci-002", "p50k_base"),
    ("text-davinci-edit-001", "p50k_edit"), ("code-davinci-edit-001", "p50k_edit"),
    ("gpt-3.5-turbo-instruct", "cl100k_base"), ("gpt2", "gpt2"), ("gpt-2", "gpt2"),
])
def test_legacy_models(model, encoding):
    assert tokcost.encoding_for_model(model).name == encoding


# Where the GPT-2 pattern differs from cl100k's: case-sensitive ASCII contractions,
# number runs of any length, a single space before letters/numbers/punctuation,
# and p50k's whitespace tokens of 2-25 spaces.
TEXTS = [
    "it's I'LL we'Re they've 'S 'll 'd 'm 'x ''s \u017f's'",
    "'S IT'S I'M WE'D X'T x'S 'Sam don'T\u00e9's we'LL they'VE",
    "1234567890123 x12345 3.14159 \u0661\u0662\u0663\u0664",
    "\t\tif x:\n" + "".join(" " * n + f"line{n}\n" for n in range(0, 60)),
    " " * 30 + "end", "a" + " " * 26 + "b", "  \n  \n\n   ", "\u3000\u3000word \u00a0x",
    "def f():\n    return {'a': [1, 2]}  # comment\r\n",
]


@pytest.mark.parametrize("name", GPT2_FAMILY)
def test_pattern_corners(name):
    ours, ref = tokcost.get_encoding(name), _reference(name)
    for text in TEXTS:
        # The pieces too: BPE can hide a wrong split ("'S" and "'", "S" give the same ids).
        assert ours._core.split_text(text) == regex.findall(R50K_PATTERN, text), text
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), text
        for cut in range(len(text) + 1):  # every prefix ends the text somewhere new (\s++$)
            assert ours.encode_ordinary(text[:cut]) == ref.encode_ordinary(text[:cut]), (text, cut)
