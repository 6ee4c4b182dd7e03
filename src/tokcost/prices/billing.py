"""One billing engine: the cost of provider-reported token usage at a dated price.

``Usage`` is a request's tokens normalised across providers; ``bill`` prices it
and itemises the result. Both the spend projection and usage replay call
``bill``, so the same tokens cost the same whichever way they arrive.

Normalisation (what each field includes):

* ``input_tokens``: every prompt token the model read, cache reads and cache
  writes included (OpenAI's ``prompt_tokens``; Anthropic's ``input_tokens +
  cache_read_input_tokens + cache_creation_input_tokens``).
* ``cache_read_tokens``, ``cache_write_5m_tokens``, ``cache_write_1h_tokens``:
  parts of ``input_tokens``.
* ``output_tokens``: every billed output token, reasoning included;
  ``reasoning_tokens`` is the part of it the user never saw.
* ``requests``: how many requests these tokens summarise.

Counts are whole numbers for real requests; a projection's average request
may carry ``Decimal`` counts.

>>> from tokcost.prices import get_price
>>> bill(get_price("gpt-4o-mini", at="2024-08-01"), Usage(input_tokens=1_000_000, output_tokens=200_000)).total
Decimal('0.27')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from tokcost.errors import PriceError
from tokcost.prices.model import MILLION, Price

TIERS = ("standard", "batch", "flex", "priority")
Count = Union[int, Decimal]


@dataclass(frozen=True)
class Usage:
    """Tokens of one request (or of ``requests`` alike), normalised across providers."""

    input_tokens: Count = 0
    output_tokens: Count = 0
    cache_read_tokens: Count = 0
    cache_write_5m_tokens: Count = 0
    cache_write_1h_tokens: Count = 0
    reasoning_tokens: Count = 0
    input_audio_tokens: Count = 0
    output_audio_tokens: Count = 0
    input_image_tokens: Count = 0
    requests: Count = 1
    tier: str = "standard"

    def __post_init__(self):
        for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_5m_tokens",
                     "cache_write_1h_tokens", "reasoning_tokens", "input_audio_tokens", "output_audio_tokens",
                     "input_image_tokens", "requests"):
            value = getattr(self, name)
            if not isinstance(value, (int, Decimal)) or isinstance(value, bool) or not value >= 0:
                raise PriceError(f"Usage.{name}={value!r} must be a non-negative token count (int or Decimal)")
        if self.tier not in TIERS:
            raise PriceError(f"Usage.tier={self.tier!r} is not a service tier; use one of {', '.join(TIERS)}")
        cached = self.cache_read_tokens + self.cache_write_5m_tokens + self.cache_write_1h_tokens
        if cached > self.input_tokens:
            raise PriceError(f"cache reads and writes ({cached}) exceed input_tokens ({self.input_tokens}); "
                             "input_tokens counts every prompt token, cached ones included")
        if self.reasoning_tokens > self.output_tokens:
            raise PriceError(f"reasoning_tokens ({self.reasoning_tokens}) exceed output_tokens "
                             f"({self.output_tokens}); output_tokens counts every billed output token")

    @property
    def uncached_input_tokens(self) -> Count:
        return self.input_tokens - self.cache_read_tokens - self.cache_write_5m_tokens - self.cache_write_1h_tokens


@dataclass(frozen=True)
class BillLine:
    """One item of a bill: what, how many tokens, the rate per million, and its cost."""

    item: str
    tokens: Count
    rate: Decimal
    cost: Decimal


@dataclass(frozen=True)
class Bill:
    """The cost of a ``Usage`` at one ``Price``, itemised."""

    model: str
    snapshot: str
    tier: str
    lines: tuple
    notes: tuple = field(default=())

    @property
    def total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))


def bill(price: Price, usage: Usage, at=None) -> Bill:
    """What ``usage`` costs at ``price`` (the price point in effect on the request's day)."""
    rates = price.rates(usage.tier == "batch", at if at is not None else price.effective)
    if usage.tier in ("flex", "priority"):
        raise PriceError(f"{price.model} has no {usage.tier} price in the catalog; price it as standard or batch")
    cache_rate = rates.input if rates.cached_input is None else rates.cached_input
    items = [("input", usage.uncached_input_tokens + usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
              rates.input),
             ("cache read", usage.cache_read_tokens, cache_rate),
             ("output", usage.output_tokens, rates.output)]
    lines = tuple(BillLine(item, tokens * usage.requests, rate, tokens * usage.requests * rate / MILLION)
                  for item, tokens, rate in items if tokens)
    return Bill(price.model, price.snapshot, usage.tier, lines)
