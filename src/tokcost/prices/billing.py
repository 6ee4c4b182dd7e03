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
* ``input_audio_tokens`` and ``input_image_tokens``: parts of the uncached
  input (audio pays the audio rate where the price has one; images bill as input).
* ``output_tokens``: every billed output token, reasoning and audio included;
  ``reasoning_tokens`` is the part of it the user never saw (billed at the
  output rate, on its own line), ``output_audio_tokens`` the spoken part.
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
from typing import Optional, Union

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
    """What ``usage`` costs at ``price`` (the price point in effect on the request's day).

    The rules, in order: the service tier picks a rate card (standard, batch,
    flex, priority); the request's prompt (``input_tokens``, cache reads and
    writes included) picks a long-context tier of that card, a cliff that moves
    every token of the request to the tier's rates; then each part of the usage
    pays its own rate of that card. Batch and long context therefore combine
    multiplicatively, and cache multipliers apply on top of the long-context
    rates, as Anthropic's pricing page states ("Long context pricing stacks with
    other pricing modifiers", docs.anthropic.com/en/docs/about-claude/pricing).
    """
    card = price.rates(usage.tier, at if at is not None else price.effective)
    rates = card.for_prompt(usage.input_tokens)
    notes = []
    if rates is not card:
        above = next(tier.above for tier in card.long_context if tier.rates is rates)
        notes.append(f"prompt above {above:,} tokens: the whole request pays long-context rates "
                     f"({usage.input_tokens:,} prompt tokens)")
    text_input = usage.uncached_input_tokens - usage.input_audio_tokens
    visible_output = usage.output_tokens - usage.reasoning_tokens - usage.output_audio_tokens
    if text_input < 0 or visible_output < 0:
        raise PriceError("input_audio_tokens must be uncached prompt tokens and output_audio_tokens plus "
                         "reasoning_tokens at most output_tokens; count audio inside input_tokens/output_tokens")
    write_5m = _rate(rates.cache_write_5m, rates.input, usage.cache_write_5m_tokens, "5-minute cache-write", notes)
    write_1h = _rate(rates.cache_write_1h, write_5m, usage.cache_write_1h_tokens, "1-hour cache-write", notes)
    items = [("input", text_input, rates.input),
             ("input audio", usage.input_audio_tokens, _or(rates.input_audio, rates.input)),
             ("cache read", usage.cache_read_tokens, _or(rates.cached_input, rates.input)),
             ("cache write 5m", usage.cache_write_5m_tokens, write_5m),
             ("cache write 1h", usage.cache_write_1h_tokens, write_1h),
             ("output", visible_output, rates.output),
             ("reasoning", usage.reasoning_tokens, rates.output),
             ("output audio", usage.output_audio_tokens, _or(rates.output_audio, rates.output))]
    lines = [BillLine(item, tokens * usage.requests, rate, tokens * usage.requests * rate / MILLION)
             for item, tokens, rate in items if tokens]
    if rates.request:  # a fee per request: ``tokens`` counts requests, ``rate`` is USD per request
        lines.append(BillLine("request fee", usage.requests, rates.request, usage.requests * rates.request))
    return Bill(price.model, price.snapshot, usage.tier, tuple(lines), tuple(notes))


def _or(rate: Optional[Decimal], fallback: Decimal) -> Decimal:
    return fallback if rate is None else rate


def _rate(rate: Optional[Decimal], fallback: Decimal, tokens, what: str, notes: list) -> Decimal:
    """``rate``, or ``fallback`` with a note when tokens need a rate the price lacks."""
    if rate is None and tokens:
        notes.append(f"no {what} price: those tokens billed at {fallback} per 1M")
    return _or(rate, fallback)
