"""Encodings are data: a name, a split pattern, a rank file and special tokens.

Adding an encoding is adding an ``EncodingSpec`` to ``ENCODINGS``. Patterns
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

import threading

from tokcost.core import Encoding
from tokcost.errors import UnknownEncodingError, UnknownModelError, did_you_mean
from tokcost.load import EncodingSpec, load_encoding
from tokcost.patterns import CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN

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
    raise UnknownModelError(
        f"Cannot map model {model_name!r} to an encoding.{did_you_mean(model_name, MODEL_TO_ENCODING)} "
        "Use tokcost.get_encoding(name) to choose one explicitly."
    )


def encoding_for_model(model_name: str) -> Encoding:
    """The ``Encoding`` that ``model_name`` uses."""
    return get_encoding(encoding_name_for_model(model_name))
