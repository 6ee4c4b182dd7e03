"""Helpers for comparing tokcost with tiktoken offline (tests, benchmarks).

tiktoken downloads its rank files and caches them in ``TIKTOKEN_CACHE_DIR``
under the sha1 of their URL. tokcost bundles the same files (verified by
sha256), so we write them there and tiktoken never touches the network::

    from tokcost.testing import seed_tiktoken_cache
    seed_tiktoken_cache()              # before tiktoken.get_encoding(...)
    tiktoken.get_encoding("o200k_base")

tiktoken's ``gpt2`` reads GPT-2's original ``vocab.bpe``/``encoder.json``,
which tokcost does not ship; it holds the same ranks as ``r50k_base``, so
compare tokcost's ``gpt2`` with tiktoken's ``r50k_base``.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import string
import tempfile
from pathlib import Path
from typing import Iterable, Optional

import tokcost.registry as registry
import tokcost.vocab as vocab
from tokcost.errors import VocabularyError
from tokcost.files import write_atomically

# Alphabets of long pieces, for the tests and the fuzz harness of the long-piece search: random
# strings of each are one piece (no split inside) of the kind the search meets.
LONG_PIECE_ALPHABETS = {
    "lowercase": string.ascii_lowercase,
    "base64": string.ascii_letters + string.digits + "+/",
    "punctuation": string.punctuation,
    "cjk": "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400)),
    "thai": "".join(chr(c) for c in range(0x0E01, 0x0E3B)),
    "emoji": "😀😁😂🤣😃😄😅😆😉😊👍🏻🎉✨",
    "scripts": "aeiouéèàçñßøжщыกขあア中",
}

# Encodings whose rank files ship with tokcost.
BUNDLED_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base")
TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def space_word_tokens(enc) -> list[str]:
    """The tokens of ``enc`` (a tiktoken or tokcost encoding) that are a space and letters, in
    rank order: each is one piece, so texts joined from them have known pieces (the int-list
    tests and the memcheck subset make theirs so)."""
    words = []
    for rank in range(257, enc.n_vocab - 300):
        try:
            text = enc.decode_single_token_bytes(rank).decode()
        except (KeyError, UnicodeDecodeError):
            continue
        if text[:1] == " " and text[1:].isalpha():
            words.append(text)
    return words


def tiktoken_cache_key(name: str) -> str:
    """The file name tiktoken gives the cached rank file of encoding ``name``."""
    return hashlib.sha1(TIKTOKEN_URL.format(name).encode()).hexdigest()


def seed_tiktoken_cache(directory: Optional[os.PathLike] = None,
                        names: Iterable[str] = BUNDLED_ENCODINGS) -> Path:
    """Write tokcost's bundled rank files where tiktoken looks, and point
    ``TIKTOKEN_CACHE_DIR`` there. Returns the directory.

    Without ``directory`` a temporary one is made (removed at exit), so a
    user's own tiktoken cache is never touched. Names tokcost cannot supply
    are skipped; tiktoken then loads them its usual way.
    """
    if directory is None:
        path = Path(tempfile.mkdtemp(prefix="tokcost-tiktoken-cache-"))
        atexit.register(shutil.rmtree, path, True)
    else:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
    for name in names:
        spec = registry.ENCODINGS.get(name)
        if spec is None or isinstance(spec.vocabulary, vocab.PackageVocabulary):  # not tiktoken's
            continue
        target = path / tiktoken_cache_key(name)
        if target.is_file():
            continue
        try:
            data = vocab.read_rank_file(spec.vocabulary, spec.sha256)
        except VocabularyError:
            continue
        write_atomically(target, data)  # a concurrent reader never sees half a file
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path
