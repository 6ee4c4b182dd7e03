"""What a price is: rates per million tokens, a dated price point, a model's price history.

Plain dataclasses and date parsing, with no knowledge of where prices come
from; the price-file loader and the catalog build on them.

>>> Rates(Decimal("0.15"), Decimal("0.60")).cost(1_000_000, 200_000, 0)
Decimal('0.27')
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Union

from tokcost.errors import PriceError

MILLION = Decimal(1_000_000)
DateLike = Union[None, str, _dt.date, _dt.datetime]


def parse_date(at: DateLike) -> _dt.date:
    """A date from None (today), an ISO string, a date or a datetime."""
    if at is None:
        return _dt.date.today()
    if isinstance(at, _dt.datetime):
        return at.date()
    if isinstance(at, _dt.date):
        return at
    try:
        return _dt.date.fromisoformat(str(at).strip()[:10])
    except ValueError:
        raise PriceError(f"{at!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-07-18") from None


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Rates:
    """USD per million tokens. ``cached_input`` None: cached tokens bill as input."""

    input: Decimal
    output: Decimal
    cached_input: Optional[Decimal] = None

    def cost(self, input_tokens, output_tokens, cached_input_tokens) -> Decimal:
        cached_rate = self.input if self.cached_input is None else self.cached_input
        uncached = _dec(input_tokens) - _dec(cached_input_tokens)
        return (uncached * self.input + _dec(cached_input_tokens) * cached_rate
                + _dec(output_tokens) * self.output) / MILLION

    def scaled(self, factor: Decimal) -> "Rates":
        cached = None if self.cached_input is None else self.cached_input * factor
        return Rates(self.input * factor, self.output * factor, cached)


@dataclass(frozen=True)
class Price:
    """One model's prices from ``effective`` (None: undated) until the next point."""

    model: str
    provider: str
    effective: Optional[_dt.date]
    standard: Rates
    source: str
    batch: Optional[Rates] = None
    batch_from: Optional[_dt.date] = None
    batch_source: str = ""
    notes: str = ""

    @property
    def snapshot(self) -> str:
        """Which price this is: model, date it took effect, source."""
        when = self.effective.isoformat() if self.effective else "undated"
        return f"{self.model} price of {when} ({self.source})"

    @property
    def short_snapshot(self) -> str:
        """Date and origin only, for tables: '2024-07-18 tokcost correction'."""
        when = self.effective.isoformat() if self.effective else "undated"
        return f"{when} {self.source.split(':')[0].split(' (')[0]}"

    def rates(self, batch: bool = False, at: DateLike = None) -> Rates:
        if not batch:
            return self.standard
        if self.batch is None:
            raise PriceError(f"{self.model} has no Batch API price; drop batch=True (--batch-share 0)")
        day = parse_date(at)
        if self.batch_from and day < self.batch_from:
            raise PriceError(f"{self.model} had no Batch API before {self.batch_from}; use a later date or batch=False")
        return self.batch

    def to_dict(self) -> dict:
        def rates(r: Optional[Rates]):
            if r is None:
                return None
            return {"input": str(r.input), "cached_input": None if r.cached_input is None else str(r.cached_input),
                    "output": str(r.output)}

        return {"model": self.model, "provider": self.provider,
                "effective": self.effective.isoformat() if self.effective else None,
                "per_million_tokens_usd": rates(self.standard), "batch": rates(self.batch),
                "batch_from": self.batch_from.isoformat() if self.batch_from else None,
                "source": self.source, "notes": self.notes}


@dataclass
class ModelPrices:
    """The price history of one model, oldest first."""

    model: str
    provider: str
    names: list
    points: list
    origin: str = "genai-prices"
    context_window: Optional[int] = None  # tokens, as genai-prices records it

    def at(self, at: DateLike = None) -> Price:
        day = parse_date(at)
        first = self.points[0]
        if first.effective and day < first.effective:
            raise PriceError(f"{self.model} had no price before {first.effective} (its launch); "
                             f"ask as of {first.effective} or later")
        current = first
        for point in self.points:
            if point.effective is None or point.effective <= day:
                current = point
        return current


def check_tokens(input_tokens, output_tokens, cached_input_tokens) -> None:
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens),
                        ("cached_input_tokens", cached_input_tokens)):
        try:
            number = _dec(value)
        except Exception:
            raise PriceError(f"{name}={value!r} is not a number; pass a token count such as 1000") from None
        if not number.is_finite() or number < 0:
            raise PriceError(f"{name}={value!r} must be a non-negative token count")
    if _dec(cached_input_tokens) > _dec(input_tokens):
        raise PriceError(f"cached_input_tokens ({cached_input_tokens}) exceeds input_tokens ({input_tokens}); "
                         "input_tokens counts all prompt tokens, cached ones included")
