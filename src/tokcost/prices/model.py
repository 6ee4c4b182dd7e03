"""What a price is: rate cards per million tokens, a dated price point, a model's price history.

Plain dataclasses and date parsing, with no knowledge of where prices come
from; the price-file loader and the catalog build on them.

>>> card = Rates(Decimal(3), Decimal(15), long_context=(LongContext(200_000, Rates(Decimal(6), Decimal("22.5"))),))
>>> card.for_prompt(200_000).input, card.for_prompt(200_001).input
(Decimal('3'), Decimal('6'))
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


RATE_FIELDS = ("input", "output", "cached_input", "cache_write_5m", "cache_write_1h", "input_audio", "output_audio")


@dataclass(frozen=True)
class LongContext:
    """A long-context tier: once a request's prompt exceeds ``above`` tokens, the whole request pays ``rates``."""

    above: int
    rates: "Rates"


@dataclass(frozen=True)
class Rates:
    """USD per million tokens of one rate card.

    ``cached_input`` None: cache reads bill as input. ``cache_write_5m`` and
    ``cache_write_1h`` (Anthropic's 5-minute and 1-hour cache writes) None:
    writes bill as input (OpenAI and Google charge no write premium).
    ``input_audio``/``output_audio`` None: audio bills as text. ``request``:
    USD per request on top of tokens. ``long_context``: tiers, ascending, with
    cliff semantics (see ``for_prompt``).
    """

    input: Decimal
    output: Decimal
    cached_input: Optional[Decimal] = None
    cache_write_5m: Optional[Decimal] = None
    cache_write_1h: Optional[Decimal] = None
    input_audio: Optional[Decimal] = None
    output_audio: Optional[Decimal] = None
    request: Decimal = Decimal(0)
    long_context: tuple = ()

    def for_prompt(self, prompt_tokens) -> "Rates":
        """The rates a request with ``prompt_tokens`` prompt tokens pays: the highest tier it exceeds, or these.

        A cliff, not a bracket: crossing the threshold moves every token of the
        request (input, output, cache reads and writes) to the tier's rates.
        """
        chosen = self
        for tier in self.long_context:
            if prompt_tokens > tier.above:
                chosen = tier.rates
        return chosen

    def scaled(self, factor: Decimal) -> "Rates":
        """Every token rate times ``factor`` (long-context tiers too); the per-request fee unchanged."""
        values = {name: None if getattr(self, name) is None else getattr(self, name) * factor
                  for name in RATE_FIELDS}
        tiers = tuple(LongContext(t.above, t.rates.scaled(factor)) for t in self.long_context)
        return Rates(**values, request=self.request, long_context=tiers)

    def to_dict(self) -> dict:
        out = {name: None if getattr(self, name) is None else str(getattr(self, name)) for name in RATE_FIELDS}
        if self.request:
            out["request"] = str(self.request)
        if self.long_context:
            out["long_context"] = [{"above": t.above, **t.rates.to_dict()} for t in self.long_context]
        return out


@dataclass(frozen=True)
class Variant:
    """A service tier's rates (flex, priority) and where they come from."""

    rates: Rates
    source: str


def tier_name(tier) -> str:
    """A service tier's name (standard, batch, flex, priority) from a name or the old ``batch`` flag."""
    if isinstance(tier, bool):
        return "batch" if tier else "standard"
    return tier


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
    flex: Optional[Variant] = None
    priority: Optional[Variant] = None

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

    def has_tier(self, tier, at: DateLike = None) -> bool:
        """Whether this price has rates for ``tier`` on ``at``."""
        try:
            self.rates(tier, at)
        except PriceError:
            return False
        return True

    def rates(self, tier="standard", at: DateLike = None) -> Rates:
        """The rate card of a service tier ("standard", "batch", "flex", "priority"; True means batch)."""
        tier = tier_name(tier)
        if tier == "standard":
            return self.standard
        if tier == "batch":
            if self.batch is None:
                raise PriceError(f"{self.model} has no Batch API price in the catalog; price it at standard rates "
                                 "(drop --batch, or batch=False), or give batch_discount in a prices file (--prices)")
            day = parse_date(at)
            if self.batch_from and day < self.batch_from:
                raise PriceError(f"{self.model} had no Batch API before {self.batch_from}; "
                                 "use a later date (--at) or standard rates (drop --batch)")
            return self.batch
        variant = getattr(self, tier, None) if tier in ("flex", "priority") else None
        if variant is None:
            raise PriceError(f"{self.model} has no {tier} price in the catalog; price it as standard or batch, "
                             f"or give [price.{tier}] rates in a prices file (--prices)")
        return variant.rates

    def to_dict(self) -> dict:
        def rates(r: Optional[Rates]):
            return None if r is None else r.to_dict()

        return {"model": self.model, "provider": self.provider,
                "effective": self.effective.isoformat() if self.effective else None,
                "per_million_tokens_usd": rates(self.standard), "batch": rates(self.batch),
                "batch_from": self.batch_from.isoformat() if self.batch_from else None,
                "flex": rates(self.flex.rates) if self.flex else None,
                "priority": rates(self.priority.rates) if self.priority else None,
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
