"""How tokcost writes numbers for people: money, ratios, counts.

Every table, chart, report and CLI command formats through these, so the same
figure reads the same everywhere. Money stays ``Decimal`` until here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional, Union

Number = Union[int, float, Decimal]


def money(value: Number, places: Optional[int] = None) -> str:
    """US dollars.

    With ``places``, exactly that many decimals ($0.150). Without, as people
    read a total: $0, $0.12, $12.50, $278, $1,063 (cents dropped from $100 up).
    """
    if places is not None:
        return f"${Decimal(value):,.{places}f}"
    if value == 0:
        return "$0"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    return f"${value:,.2f}"


def exact_decimal(value: Optional[Decimal]) -> str:
    """A Decimal without exponent or trailing zeros (2.5, 0.075); '' for None."""
    return "" if value is None else f"{value.normalize():f}"


def ratio(value: float) -> str:
    """A multiplier: 1.27×."""
    return f"{value:.2f}×"


def window_size(tokens: int) -> str:
    """A context window as people name it: 128000 and 131072 -> ``128K``, 1048576 -> ``1M``, else in full.

    >>> window_size(131072), window_size(16385)
    ('128K', '16,385')
    """
    for unit, decimal, binary in (("M", 1_000_000, 1 << 20), ("K", 1000, 1 << 10)):
        for step in (decimal, binary):
            if tokens >= step and tokens % step == 0:
                return f"{tokens // step}{unit}"
    return f"{tokens:,}"
