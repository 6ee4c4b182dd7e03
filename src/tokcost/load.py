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
import unicodedata
from collections import namedtuple
from types import MappingProxyType

import tokcost._core as _core
import tokcost.vocab as vocab
from tokcost.core import Encoding
from tokcost.patterns import IsolatedSplits, native_splitter, native_step_splitter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Optional

_SPEC_FIELDS = "name pat_str vocabulary sha256 special_tokens explicit_n_vocab splits normalize"


class EncodingSpec(namedtuple("EncodingSpec", _SPEC_FIELDS, defaults=(MappingProxyType({}), None, (), None))):
    """How one encoding loads (immutable; ``spec._replace(field=...)`` is a changed copy):

    - ``name``, ``pat_str`` (str); ``sha256`` (str) of the vocabulary file;
    - ``vocabulary``: a bundled rank file's name (no ".tiktoken", str), or a package's file
      (``vocab.PackageVocabulary``);
    - ``special_tokens`` (Mapping[str, int]); ``explicit_n_vocab`` (Optional[int]);
    - ``splits`` (tuple[str, ...]): Hugging Face "Split ... Isolated" steps that replace
      ``pat_str``'s single regex;
    - ``normalize`` (Optional[str]): Unicode normalisation the family's tokenizer applies first
      ("NFC" for Qwen).

    A named tuple rather than a dataclass: ``dataclasses`` (and the ``inspect`` it imports) was
    a fifth of the instructions of ``import tokcost``, which every script pays once.
    """

    __slots__ = ()

    @property
    def splitter(self) -> Optional[str]:
        """The native splitter, or None for the general path (the ``regex`` package)."""
        if self.splits:
            return native_step_splitter(self.splits)
        return native_splitter(self.pat_str)

    def general_split(self) -> Optional[IsolatedSplits]:
        """What splits text on the general path when ``pat_str``'s regex alone would be wrong."""
        if self.splits:
            return IsolatedSplits(self.splits)
        return None


def load_encoding(spec: EncodingSpec, path: Optional[os.PathLike] = None) -> Encoding:
    """The ``Encoding`` that ``spec`` describes, its rank file read from ``path``
    when given (else as ``vocab.find_rank_file`` finds it)."""
    if isinstance(spec.vocabulary, vocab.PackageVocabulary):
        ranks, specials = vocab.package_vocabulary_reader(spec.name, spec.vocabulary, spec.sha256, path)
    else:
        ranks, specials = vocab.rank_file_reader(spec.vocabulary, spec.sha256, path), {}
    specials.update(spec.special_tokens)
    splitter = spec.splitter
    key = f"{spec.name}-{spec.sha256[:16]}-{_core.TABLES_VERSION_TAG}"

    def build() -> tuple[bytes, _core.CoreBPE]:
        built = _core.CoreBPE(ranks(), specials, splitter)
        vocab.save_long_tables(key, built.export_long_tables)
        return built.export_tables(), built

    core = vocab.load_cached_tables(key, build, lambda blob, fd: _core.CoreBPE(blob, specials, splitter, fd))
    long_tables = vocab.long_tables_path(key)
    if long_tables is not None:
        if not long_tables.exists():  # removed as damaged (or by the user): saved again
            vocab.save_long_tables(key, core.export_long_tables)
        core.use_long_tables_file(str(long_tables))
    cls = Encoding
    if spec.normalize:
        if spec.normalize != "NFC":
            raise ValueError(f"{spec.name}: only NFC normalisation is supported, not {spec.normalize!r}")
        cls = NFCEncoding
    return cls._from_core(spec.name, spec.pat_str, core, specials, split=spec.general_split())


# _core.nfc's tables come from the unicodedata of the Python the core was built for; another
# version (a core built elsewhere) could disagree with the normalize Qwen calls.
_NFC_TABLE_FITS = _core.NFC_UNICODE_VERSION == unicodedata.unidata_version


def _nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``, natively (``_core.nfc``): ``text`` itself when it
    is NFC. NFC's quick check passes most text at a few instructions a character and only the
    parts it doubts are normalised, with no Python call per part (Indic scripts have one per word).
    """
    if not isinstance(text, str) or not _NFC_TABLE_FITS:
        return unicodedata.normalize("NFC", text)  # a TypeError for what is no str
    return _core.nfc(text)


class NFCEncoding(Encoding):
    """An ``Encoding`` whose family normalises text to NFC before anything else
    (Qwen: ``QwenTokenizer.encode`` does it before tiktoken sees the text, so a
    special token is looked for in the normalised text too). Each entry point
    that takes text normalises it, then does what ``Encoding`` does.

    >>> from tokcost.registry import ENCODINGS
    >>> enc = load_encoding(ENCODINGS["qwen"])  # doctest: +SKIP
    >>> enc.encode_ordinary("e\u0301") == enc.encode_ordinary("\u00e9")  # doctest: +SKIP
    True
    """

    # A file's bytes are not counted as read (natively, skipping NFC): the caller decodes them and calls count.
    _counts_bytes_as_read = False

    def encode_ordinary(self, text: str) -> list[int]:
        return super().encode_ordinary(_nfc(text))

    def encode(self, text: str, **kwargs) -> list[int]:
        return super().encode(_nfc(text), **kwargs)

    def encode_to_numpy(self, text: str, **kwargs):
        return super().encode_to_numpy(_nfc(text), **kwargs)

    def encode_ordinary_batch(self, text: list[str], *, num_threads: int = 8) -> list[list[int]]:
        return super().encode_ordinary_batch([_nfc(t) for t in text], num_threads=num_threads)

    def encode_ordinary_batch_to_numpy(self, text: list[str], *, num_threads: int = 8):
        return super().encode_ordinary_batch_to_numpy([_nfc(t) for t in text], num_threads=num_threads)

    def encode_batch(self, text: list[str], **kwargs) -> list[list[int]]:
        return super().encode_batch([_nfc(t) for t in text], **kwargs)

    def encode_with_unstable(self, text: str, **kwargs):
        return super().encode_with_unstable(_nfc(text), **kwargs)

    def count(self, text: str) -> int:
        return super().count(_nfc(text))

    def count_batch(self, texts, *, num_threads: int = 8) -> list[int]:
        return super().count_batch([_nfc(t) for t in texts], num_threads=num_threads)
