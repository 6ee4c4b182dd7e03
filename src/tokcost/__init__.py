"""tokcost: exact, fast token counting and LLM cost analytics.

A drop-in for tiktoken's encodings with a native core, plus the analyses and
cost projection built on it. Everything a user needs is importable from here:

>>> import tokcost
>>> enc = tokcost.get_encoding("o200k_base")
>>> enc.encode("hello world")
[24912, 2375]
>>> tokcost.encoding_for_model("gpt-4o-mini").count("hello world")
2
>>> tokcost.count_messages([{"role": "user", "content": "hello world"}], model="gpt-4o").total
9
>>> tokcost.estimate_cost("gpt-4o-mini", input_tokens=1_000_000, output_tokens=200_000)
Decimal('0.27')

Encodings: ``get_encoding``, ``encoding_for_model``, ``Encoding``.
Requests: ``count_messages``, ``tool_tokens``, ``image_tokens``.
Money: ``get_price``, ``estimate_cost``; workloads: ``load_workload``, ``project``.
Text: ``analyze_corpus`` (the language premium), ``count_corpus`` (files and folders).
Other libraries: ``patch_tiktoken`` serves their ``import tiktoken`` with tokcost.
"""

from tokcost._version import __version__
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

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and editors
    from tokcost.accounting import count_messages, image_tokens, tool_tokens
    from tokcost.analysis import analyze_corpus
    from tokcost.corpus import count_corpus
    from tokcost.prices import estimate_cost, get_price
    from tokcost.spend import load_workload, project
    from tokcost.tiktoken_patch import patch_tiktoken, unpatch_tiktoken

# The analyses load on first use, so `import tokcost` stays as fast as tiktoken's.
_LAZY = {
    "count_messages": "tokcost.accounting",
    "tool_tokens": "tokcost.accounting",
    "image_tokens": "tokcost.accounting",
    "get_price": "tokcost.prices",
    "estimate_cost": "tokcost.prices",
    "load_workload": "tokcost.spend",
    "project": "tokcost.spend",
    "analyze_corpus": "tokcost.analysis",
    "count_corpus": "tokcost.corpus",
    "patch_tiktoken": "tokcost.tiktoken_patch",
    "unpatch_tiktoken": "tokcost.tiktoken_patch",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tokcost' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "Encoding",
    "get_encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "list_encoding_names",
    *_LAZY,
    "TokcostError",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabularyError",
    "InvalidTokenError",
]
