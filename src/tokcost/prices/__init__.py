"""Model prices: a dated catalog, and the cost of tokens on a given day.

Prices come from genai-prices' bundled snapshot (offline, Decimal, dated),
corrected where it is wrong or has no history (``data/price_corrections.toml``),
and overridden by the user's own files (``--prices``; ``TOKCOST_PRICES`` names
them, separated by the path separator); ``price_file.py`` reads both kinds.
Money is ``Decimal``, USD, unrounded. ``model.py`` says what a price is,
``catalog.py`` puts the sources together.

>>> estimate_cost("gpt-4o-mini", input_tokens=1_000_000, output_tokens=200_000, at="2024-08-01")
Decimal('0.27')
>>> get_price("gpt-4o", at="2024-06-01").snapshot.split(" (")[0]
'gpt-4o price of 2024-05-13'
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Optional

from tokcost.errors import PriceError, PriceFileError
from tokcost.prices.catalog import Catalog
from tokcost.prices.model import DateLike, ModelPrices, Price, Rates, parse_date
from tokcost.prices.price_file import load_price_file

__all__ = ["estimate_cost", "get_price", "default_catalog", "set_default_catalog", "Catalog", "Price",
           "ModelPrices", "Rates", "PriceError", "PriceFileError", "parse_date", "load_price_file"]

_default: Optional[Catalog] = None


def default_catalog() -> Catalog:
    """The catalog ``estimate_cost`` uses: bundled prices plus files named in ``TOKCOST_PRICES``."""
    global _default
    if _default is None:
        catalog = Catalog()
        for path in filter(None, os.environ.get("TOKCOST_PRICES", "").split(os.pathsep)):
            catalog = catalog.with_overrides(path)
        _default = catalog
    return _default


def set_default_catalog(catalog: Optional[Catalog]) -> None:
    """Make ``catalog`` the default (None: rebuild from the environment on next use)."""
    global _default
    _default = catalog


def get_price(model: str, at: DateLike = None) -> Price:
    """The price of ``model`` in effect on ``at`` (a date, ISO string, or None for today)."""
    return default_catalog().price(model, at)


def estimate_cost(model: str, input_tokens=0, output_tokens=0, cached_input_tokens=0, batch: bool = False,
                  at: DateLike = None, requests: int = 1) -> Decimal:
    """USD cost of a request (or many) for ``model`` at the prices in effect on ``at``.

    ``input_tokens`` counts all prompt tokens; ``cached_input_tokens`` is the part
    of them served from the prompt cache, as in OpenAI's usage reports.
    ``batch=True`` prices at the Batch API rates. The tokens are totals over
    ``requests`` requests of equal size; a long-context tier (a cliff: above
    its threshold the whole request pays more) applies per request. Unknown
    models raise ``tokcost.UnknownModelError`` with "did you mean".

    >>> estimate_cost("gpt-4o", input_tokens=1000, output_tokens=1000, at="2024-05-13")
    Decimal('0.02')
    """
    return default_catalog().estimate_cost(model, input_tokens, output_tokens, cached_input_tokens, batch, at,
                                           requests)
