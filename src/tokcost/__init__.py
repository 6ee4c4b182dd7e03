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
Threads: ``text_threads`` and ``long_piece_threads`` say whether one long text, or one long piece, may take a
second core (both on by default).
"""

from tokcost._lazy import LazyFunction
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
from tokcost.threads import long_piece_threads, text_threads

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:  # what the stand-ins below resolve to, for type checkers and editors
    from tokcost.accounting import count_messages, image_tokens, tool_tokens
    from tokcost.analysis import analyze_corpus
    from tokcost.corpus import count_corpus
    from tokcost.prices import estimate_cost, get_price
    from tokcost.spend import load_workload, project
    from tokcost.tiktoken_patch import patch_tiktoken, unpatch_tiktoken
else:  # The analyses load on first use, so `import tokcost` stays as fast as tiktoken's.
    count_messages = LazyFunction("tokcost.accounting", "count_messages")
    tool_tokens = LazyFunction("tokcost.accounting", "tool_tokens")
    image_tokens = LazyFunction("tokcost.accounting", "image_tokens")
    get_price = LazyFunction("tokcost.prices", "get_price")
    estimate_cost = LazyFunction("tokcost.prices", "estimate_cost")
    load_workload = LazyFunction("tokcost.spend", "load_workload")
    project = LazyFunction("tokcost.spend", "project")
    analyze_corpus = LazyFunction("tokcost.analysis", "analyze_corpus")
    count_corpus = LazyFunction("tokcost.corpus", "count_corpus")
    patch_tiktoken = LazyFunction("tokcost.tiktoken_patch", "patch_tiktoken")
    unpatch_tiktoken = LazyFunction("tokcost.tiktoken_patch", "unpatch_tiktoken")

__all__ = [
    "__version__",
    "Encoding",
    "get_encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "list_encoding_names",
    "long_piece_threads",
    "text_threads",
    "count_messages",
    "tool_tokens",
    "image_tokens",
    "get_price",
    "estimate_cost",
    "load_workload",
    "project",
    "analyze_corpus",
    "count_corpus",
    "patch_tiktoken",
    "unpatch_tiktoken",
    "TokcostError",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabularyError",
    "InvalidTokenError",
]
