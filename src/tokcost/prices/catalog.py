"""The dated price catalog: genai-prices' snapshot, our corrections, the user's overrides.

A model's prices are a history of ``Price`` points, each with the date it took
effect and its source; a question is always asked "as of" a date. Lookup order
for a name: the user's override files, then ``corrections.CORRECTIONS``, then
genai-prices (which also resolves dated snapshot names to their model).

>>> catalog = Catalog()
>>> catalog.price("gpt-4o", at="2024-06-01").standard.input
Decimal('5')
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Iterable, Optional, Union

from tokcost.errors import PriceError, TokcostError, UnknownModelError, did_you_mean
from tokcost.prices import corrections

MILLION = Decimal(1_000_000)
DateLike = Union[None, str, _dt.date, _dt.datetime]
# Providers listed by `tokcost models` unless --provider asks for another one.
LEADING_PROVIDERS = ("openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere")


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
    retired: Optional[_dt.date] = None
    origin: str = "genai-prices"

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


def _genai_version() -> str:
    try:
        from importlib.metadata import version

        return version("genai-prices")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "unknown"


class Catalog:
    """Prices for every model genai-prices knows, with our corrections and the user's overrides."""

    def __init__(self, overrides: Iterable[ModelPrices] = ()):
        self.overrides = {}
        for entry in overrides:
            for name in entry.names:
                self.overrides[name.lower()] = entry

    def with_overrides(self, path) -> "Catalog":
        """A new catalog that also holds the prices in a TOML/JSON file (see ``overrides``)."""
        from tokcost.prices.overrides import load_overrides

        return Catalog(list(self._override_entries()) + load_overrides(path))

    def _override_entries(self):
        seen = set()
        for entry in self.overrides.values():
            if id(entry) not in seen:
                seen.add(id(entry))
                yield entry

    @cached_property
    def genai_version(self) -> str:
        return _genai_version()

    @cached_property
    def _corrections(self) -> dict:
        table = {}
        for model, spec in corrections.CORRECTIONS.items():
            entry = _correction_entry(model, spec)
            for name in spec["names"]:
                table[name.lower()] = entry
        return table

    @cached_property
    def _snapshot(self):
        from genai_prices import data_snapshot

        return data_snapshot.get_snapshot()

    def lookup(self, model: str) -> ModelPrices:
        """The price history for a model name, alias or dated snapshot name."""
        key = model.strip().lower()
        if key in self.overrides:
            return self.overrides[key]
        if key in self._corrections:
            return self._corrections[key]
        entry = self._genai_lookup(key)
        if entry is None:
            raise UnknownModelError(
                f"no price for model {model!r}.{did_you_mean(key, self.names())} "
                "See `tokcost models`, or add it in a prices file (--prices FILE)")
        return entry

    def _genai_lookup(self, key: str) -> Optional[ModelPrices]:
        provider_id = None
        ref = key
        if "/" in key:
            head, _, tail = key.partition("/")
            if any(p.id == head for p in self._snapshot.providers):
                provider_id, ref = head, tail
        try:
            provider, info = self._snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            return None
        return _genai_entry(provider, info, self.genai_version)

    def price(self, model: str, at: DateLike = None) -> Price:
        """The price of ``model`` in effect on ``at`` (default today)."""
        return self.lookup(model).at(at)

    def estimate_cost(self, model: str, input_tokens=0, output_tokens=0, cached_input_tokens=0,
                      batch: bool = False, at: DateLike = None) -> Decimal:
        check_tokens(input_tokens, output_tokens, cached_input_tokens)
        price = self.price(model, at)
        return price.rates(batch, at).cost(input_tokens, output_tokens, cached_input_tokens)

    def names(self) -> list:
        """Every name we can price (for did-you-mean and listings)."""
        names = set(self.overrides) | set(self._corrections)
        for provider in self._snapshot.providers:
            if provider.id in LEADING_PROVIDERS:
                names.update(model.id.lower() for model in provider.models)
        return sorted(names)

    def models(self, provider: Optional[str] = None) -> list:
        """Price histories to list: overrides, corrections, then genai-prices' models of a provider."""
        providers = (provider.lower(),) if provider else LEADING_PROVIDERS
        entries, taken = [], set()

        def add(entry):
            if id(entry) in taken or entry.provider not in providers and provider is not None:
                return
            if provider is None and entry.provider not in LEADING_PROVIDERS and entry.origin == "genai-prices":
                return
            taken.add(id(entry))
            entries.append(entry)

        for entry in self._override_entries():
            add(entry)
        for entry in self._corrections.values():
            add(entry)
        covered = set(self.overrides) | set(self._corrections)
        for prov in self._snapshot.providers:
            if prov.id not in providers:
                continue
            for info in prov.models:
                if info.id.lower() in covered:
                    continue
                entry = _genai_entry(prov, info, self.genai_version)
                if entry is not None:
                    add(entry)
        if provider and not entries:
            known = sorted({p.id for p in self._snapshot.providers})
            raise UnknownModelError(f"no provider {provider!r}.{did_you_mean(provider.lower(), known)} "
                                    f"Known providers include {', '.join(LEADING_PROVIDERS)}")
        return entries


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


def _correction_entry(model: str, spec: dict) -> ModelPrices:
    provider = spec["provider"]
    launch = corrections.BATCH_LAUNCH.get(provider)
    points = []
    for effective, inp, cached, out, source in spec["points"]:
        standard = Rates(Decimal(inp), Decimal(out), None if cached is None else Decimal(cached))
        batch = batch_from = None
        batch_source = ""
        if spec.get("batch") and launch:
            batch = standard.scaled(Decimal(corrections.OPENAI_BATCH_DISCOUNT))
            batch_from = max(launch[0], effective)
            batch_source = launch[1]
        points.append(Price(model, provider, effective, standard, f"tokcost correction: {source}",
                            batch, batch_from, batch_source))
    return ModelPrices(model, provider, list(spec["names"]), points, spec.get("retired"), origin="tokcost")


def _genai_rates(model_price) -> tuple:
    from genai_prices.types import TieredPrices

    notes = []

    def base(key):
        value = getattr(model_price, key, None)
        if isinstance(value, TieredPrices):
            notes.append(f"{key.replace('_mtok', '')} has long-context tiers above "
                         f"{value.tiers[0].start:,} prompt tokens; base rate used")
            return value.base
        return value

    inp, out, cached = base("input_mtok"), base("output_mtok"), base("cache_read_mtok")
    if inp is None or out is None:
        return None, ""
    return Rates(inp, out, cached), "; ".join(notes)


def _genai_entry(provider, info, version: str) -> Optional[ModelPrices]:
    from genai_prices.types import ModelPrice

    source = f"genai-prices {version}"
    conditional = [(None, info.prices)] if isinstance(info.prices, ModelPrice) else [
        (getattr(c.constraint, "start_date", None), c.prices) for c in info.prices]
    batch_variant = next((v for v in info.price_variants or () if v.when == {"processing": "batch"}), None)
    launch = corrections.BATCH_LAUNCH.get(provider.id)
    points = []
    for effective, model_price in conditional:
        standard, notes = _genai_rates(model_price)
        if standard is None:
            continue
        batch = batch_from = None
        batch_source = ""
        if batch_variant is not None and getattr(batch_variant.prices, "input_mtok", None) is not None:
            batch_in = batch_variant.prices.input_mtok
            batch_in = getattr(batch_in, "base", batch_in)
            factor = batch_in / standard.input if standard.input else Decimal(1)
            batch = standard.scaled(factor)
            batch_from = launch[0] if launch else getattr(batch_variant.constraint, "start_date", None)
            if effective and batch_from:
                batch_from = max(batch_from, effective)
            batch_source = launch[1] if launch else source
        points.append(Price(info.id, provider.id, effective, standard, source, batch, batch_from, batch_source,
                            notes))
    if not points:
        return None
    points.sort(key=lambda p: p.effective or _dt.date.min)
    names = [info.id]
    return ModelPrices(info.id, provider.id, names, points)
