"""tokcost: exact, fast token counting and LLM cost analytics.

A drop-in for tiktoken's encodings (``o200k_base``, ``cl100k_base``) with a
native core, plus analyzers and cost projection built on it.

>>> import tokcost
>>> enc = tokcost.get_encoding("o200k_base")
>>> enc.encode("hello world")
[24912, 2375]
>>> tokcost.encoding_for_model("gpt-4o-mini").count("hello world")
2
"""

from tokcost.core import Encoding
from tokcost.errors import (
    InvalidTokenError,
    TokcostError,
    UnknownEncodingError,
    UnknownModelError,
    VocabularyError,
)
from tokcost.registry import (
    encoding_for_model,
    encoding_name_for_model,
    get_encoding,
    list_encoding_names,
)

from tokcost._version import __version__  # noqa: E402

# Heavier parts load on first use, so `import tokcost` stays fast.
_LAZY = {
    "estimate_cost": "tokcost.prices",
    "patch_tiktoken": "tokcost.tiktoken_patch",
    "unpatch_tiktoken": "tokcost.tiktoken_patch",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tokcost' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "Encoding",
    "get_encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "list_encoding_names",
    "TokcostError",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabularyError",
    "InvalidTokenError",
    "estimate_cost",
    "patch_tiktoken",
    "unpatch_tiktoken",
]
