"""Building a named encoding: rank file, verified -> native tables, cached -> ``Encoding``.

An encoding is data (``EncodingSpec``): a name, a split pattern, the rank file
it uses (bundled, or a ``vocab.PackageVocabulary`` in an installed package)
with the sha256 of its ranks, and its special tokens. ``load_encoding``
turns one into an ``Encoding``: the rank file is found and checked by
``vocab``, the native tables are built from it once and then read back from
the table cache (see ``vocab.load_cached_tables``).

>>> from tokcost.registry import ENCODINGS
>>> load_encoding(ENCODINGS["o200k_base"]).encode("hello world")
[24912, 2375]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional, Union

import tokcost._core as _core
import tokcost.vocab as vocab
from tokcost.core import Encoding
from tokcost.patterns import IsolatedSplits, native_splitter


@dataclass(frozen=True)
class EncodingSpec:
    name: str
    pat_str: str
    vocabulary: Union[str, vocab.PackageVocabulary]  # a bundled rank file's name (no ".tiktoken"), or a package's file
    sha256: str
    special_tokens: Mapping[str, int] = field(default_factory=dict)
    explicit_n_vocab: Optional[int] = None
    # Hugging Face "Split ... Isolated" steps that replace pat_str's single regex.
    splits: tuple[str, ...] = ()
    # Unicode normalisation the family's tokenizer applies first ("NFC" for Qwen).
    normalize: Optional[str] = None

    @property
    def splitter(self) -> Optional[str]:
        """The native splitter, or None for the general path (the ``regex`` package)."""
        if self.splits or self.normalize:
            return None
        return native_splitter(self.pat_str)

    def general_split(self) -> Optional[IsolatedSplits]:
        """What splits text on the general path when ``pat_str``'s regex alone would be wrong."""
        if self.splits or self.normalize:
            return IsolatedSplits(self.splits or (self.pat_str,), self.normalize)
        return None


def load_encoding(spec: EncodingSpec, path: Optional[os.PathLike] = None) -> Encoding:
    """The ``Encoding`` that ``spec`` describes, its rank file read from ``path``
    when given (else as ``vocab.find_rank_file`` finds it)."""
    if isinstance(spec.vocabulary, vocab.PackageVocabulary):
        data, specials = vocab.read_package_vocabulary(spec.name, spec.vocabulary, spec.sha256, path)
    else:
        data, specials = vocab.read_rank_file(spec.vocabulary, spec.sha256, path), {}
    specials.update(spec.special_tokens)
    splitter = spec.splitter
    key = f"{spec.name}-{spec.sha256[:16]}-{_core.TABLES_VERSION_TAG}"

    def build() -> bytes:
        return _core.CoreBPE(data, specials, splitter).export_tables()

    core = vocab.load_cached_tables(key, build, lambda blob: _core.CoreBPE(blob, specials, splitter))
    return Encoding._from_core(spec.name, spec.pat_str, core, specials, split=spec.general_split())
