"""Which tokenizer counts a model's tokens, and whether that count is exact.

OpenAI's models map to their tiktoken encoding (exact). A model whose vendor
has published no tokenizer is counted with a stand-in encoding and the count is
an estimate; every output that shows such a count says so.

>>> tokenizer_for_model("gpt-4o-mini").exact
True
>>> choice = tokenizer_for_model("claude-3-5-haiku")
>>> choice.encoding, choice.exact
('o200k_base', False)
"""

from __future__ import annotations

from dataclasses import dataclass

from tokcost.core import Encoding
from tokcost.errors import UnknownModelError
from tokcost.registry import encoding_name_for_model, get_encoding

STAND_IN = "o200k_base"


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
    """How tokcost counts ``model``'s tokens: its own tokenizer (exact) or a labelled stand-in."""
    try:
        return ModelTokenizer(model, encoding_name_for_model(model), True, "tiktoken's model map")
    except UnknownModelError:
        return ModelTokenizer(model, STAND_IN, False,
                              f"estimate: no public tokenizer of {model} in tokcost; counted with {STAND_IN}")
