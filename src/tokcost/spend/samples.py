"""Tokens of aligned FLORES sentences: how long a sentence is in each language, for each encoding.

The bundled sample holds the same 200 sentences translated into each language,
so tokens per sentence compare languages like for like.

>>> tokens_per_sentence("eng_Latn", "o200k_base") < tokens_per_sentence("hin_Deva", "cl100k_base")
True
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from tokcost.bundled import ENGLISH, FLORES_SAMPLE_DIR
from tokcost.registry import get_encoding

WORDS_PER_PAGE = 500  # a printed page of English prose


def available_languages() -> list:
    """FLORES codes of the bundled sample, sorted."""
    return sorted(p.stem for p in FLORES_SAMPLE_DIR.glob("*.txt"))


def has_sample(code: str) -> bool:
    return (FLORES_SAMPLE_DIR / f"{code}.txt").exists()


@lru_cache(maxsize=None)
def _sentences(code: str) -> tuple:
    text = (FLORES_SAMPLE_DIR / f"{code}.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


@lru_cache(maxsize=None)
def tokens_per_sentence(code: str, encoding_name: str) -> Decimal:
    """Mean tokens of one FLORES sentence in ``code`` (aligned, so languages compare like for like)."""
    enc = get_encoding(encoding_name)
    sentences = _sentences(code)
    return Decimal(sum(enc.count_batch(list(sentences)))) / len(sentences)


def pages_per_million(code: str, encoding_name: str = "o200k_base") -> Decimal:
    """Pages per 1M tokens: a page is the translation of 500 English words of the same FLORES text."""
    english_words = Decimal(sum(len(s.split()) for s in _sentences(ENGLISH))) / len(_sentences(ENGLISH))
    tokens_per_page = tokens_per_sentence(code, encoding_name) * WORDS_PER_PAGE / english_words
    return Decimal(1_000_000) / tokens_per_page
