"""The dated price catalog: genai-prices' snapshot, our corrections, the user's overrides.

A model's prices are a history of ``Price`` points, each with the date it took
effect and its source; a question is always asked "as of" a date. Lookup order
for a name: the user's prices files, then tokcost's corrections
(``data/price_corrections.toml``, read like a user's file), then genai-prices
(which also resolves dated snapshot names to their model).

>>> catalog = Catalog()
>>> catalog.price("gpt-4o", at="2024-06-01").standard.input
Decimal('5')
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from functools import cached_property
from typing import Dict, Iterable, Optional

from tokcost.bundled import PRICE_CORRECTIONS
from tokcost.errors import PriceError, UnknownModelError, did_you_mean
from tokcost.prices.billing import Usage, bill
from tokcost.prices.model import (DateLike, LongContext, ModelPrices, Price, Rates, Variant, check_tokens,
                                  tier_name)
from tokcost.prices.price_file import BatchLaunch, PriceFile, load_price_file

# Providers listed by `tokcost models` unless --provider asks for another one.
LEADING_PROVIDERS = ("openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere")


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
        """A new catalog that also holds the prices in a TOML/JSON file (see ``price_file``)."""
        return Catalog(list(self._override_entries()) + load_price_file(path).histories)

    def _override_entries(self):
        seen = set()
        for entry in self.overrides.values():
            if id(entry) not in seen:
                seen.add(id(entry))
                yield entry

    @cached_property
    def genai_version(self) -> str:
        """genai-prices' version, or the day its data was fetched (``tokcost prices update``)."""
        if self.downloaded is not None:
            return f"data of {self.downloaded.fetched.date().isoformat()}"
        return _genai_version()

    @cached_property
    def downloaded(self):
        """genai-prices data fetched by ``tokcost prices update`` (``prices.update.Downloaded``), or None."""
        from tokcost.prices.update import downloaded

        return downloaded()

    @cached_property
    def _correction_file(self) -> PriceFile:
        return _bundled_corrections()

    @cached_property
    def _corrections(self) -> dict:
        return {name.lower(): entry for entry in self._correction_file.histories for name in entry.names}

    @cached_property
    def _snapshot(self):
        from genai_prices import data_snapshot

        return self.downloaded.snapshot if self.downloaded is not None else data_snapshot.get_snapshot()

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
        return _genai_entry(provider, info, self.genai_version, self._correction_file.batch_launches)

    def price(self, model: str, at: DateLike = None) -> Price:
        """The price of ``model`` in effect on ``at`` (default today)."""
        return self.lookup(model).at(at)

    def estimate_cost(self, model: str, input_tokens=0, output_tokens=0, cached_input_tokens=0,
                      batch: bool = False, at: DateLike = None, requests: int = 1) -> Decimal:
        """Cost of token totals over ``requests`` requests of equal size (long-context tiers go by request)."""
        return self.estimate(model, input_tokens, output_tokens, cached_input_tokens, batch, at, requests).total

    def estimate(self, model: str, input_tokens=0, output_tokens=0, cached_input_tokens=0, tier="standard",
                 at: DateLike = None, requests: int = 1):
        """The itemised ``Bill`` of token totals over ``requests`` equal requests on a service tier."""
        from tokcost.prices.billing import Usage, bill
        
        check_tokens(input_tokens, output_tokens, cached_input_tokens)
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
            raise PriceError(f"requests={requests!r} must be a whole number of requests, 1 or more")
        usage = Usage(input_tokens=_count(input_tokens, requests), output_tokens=_count(output_tokens, requests),
                      cache_read_tokens=_count(cached_input_tokens, requests), requests=requests,
                      tier=tier_name(tier))
        return bill(self.price(model, at), usage, at)

    def context_window(self, model: str) -> Optional[int]:
        """``model``'s context window in tokens (None: not on record).

        Corrections and the user's files carry prices only, so their models take
        the window genai-prices records for the same name.
        """
        entry = self.lookup(model)
        if entry.context_window is None and entry.origin != "genai-prices":
            for name in entry.names:
                genai = self._genai_lookup(name.lower())
                if genai is not None and genai.context_window:
                    return genai.context_window
        return entry.context_window

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
                entry = _genai_entry(prov, info, self.genai_version, self._correction_file.batch_launches)
                if entry is not None:
                    add(entry)
        if provider and not entries:
            known = sorted({p.id for p in self._snapshot.providers})
            raise UnknownModelError(f"no provider {provider!r}.{did_you_mean(provider.lower(), known)} "
                                    f"Known providers include {', '.join(LEADING_PROVIDERS)}")
        return entries


# genai-prices' price keys -> our rate fields (USD per million tokens).
_GENAI_KEYS = {"input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cached_input",
               "cache_write_mtok": "cache_write_5m", "cache_write_1h_mtok": "cache_write_1h",
               "input_audio_mtok": "input_audio", "output_audio_mtok": "output_audio"}


def _genai_rates(model_price, fallback=None, factor: Decimal = Decimal(1)) -> Optional[Rates]:
    """A rate card from a genai-prices ``ModelPrice``, its ``TieredPrices`` as long-context tiers.

    genai-prices tiers each price key on its own thresholds, with the same
    cliff rule as ours (a prompt above ``start`` moves all tokens to the
    tier's rate); the card at each threshold reads every key just above it.
    For a variant, ``fallback`` (the standard ``ModelPrice``) times ``factor``
    fills the keys it omits.
    """
    from genai_prices.types import TieredPrices

    values = {ours: getattr(model_price, key, None) for key, ours in _GENAI_KEYS.items()}
    if fallback is not None:
        values = {ours: values[ours] if values[ours] is not None else _scaled(getattr(fallback, key, None), factor)
                  for key, ours in _GENAI_KEYS.items()}
    if values["input"] is None or values["output"] is None:
        return None
    thresholds = sorted({tier.start for value in values.values() if isinstance(value, TieredPrices)
                         for tier in value.tiers})

    def card(prompt: int, tiers=()) -> Rates:
        return Rates(**{name: _at_prompt(value, prompt) for name, value in values.items()},
                     request=(getattr(model_price, "requests_kcount", None)
                              or getattr(fallback, "requests_kcount", None) or Decimal(0)) / 1000,
                     long_context=tiers)

    return card(0, tuple(LongContext(start, card(start + 1)) for start in thresholds))


def _scaled(value, factor: Decimal):
    from genai_prices.types import Tier, TieredPrices

    if value is None or factor == 1:
        return value
    if isinstance(value, TieredPrices):
        return TieredPrices(value.base * factor, [Tier(t.start, t.price * factor) for t in value.tiers])
    return value * factor


def _at_prompt(value, prompt: int):
    """A genai-prices price (plain or tiered) for a request whose prompt has ``prompt`` tokens."""
    from genai_prices.types import TieredPrices

    if not isinstance(value, TieredPrices):
        return value
    rate = value.base
    for tier in value.tiers:
        if prompt > tier.start:
            rate = tier.price
    return rate


_CORRECTIONS: Optional[PriceFile] = None


def _bundled_corrections() -> PriceFile:
    """tokcost's corrections, read once per process (every Catalog shares them)."""
    global _CORRECTIONS
    if _CORRECTIONS is None:
        _CORRECTIONS = load_price_file(PRICE_CORRECTIONS, origin="tokcost")
    return _CORRECTIONS


def _genai_entry(provider, info, version: str, launches: Dict[str, BatchLaunch]) -> Optional[ModelPrices]:
    from genai_prices.types import ModelPrice

    source = f"genai-prices {version}"
    conditional = [(None, info.prices)] if isinstance(info.prices, ModelPrice) else [
        (getattr(c.constraint, "start_date", None), c.prices) for c in info.prices]
    launch = launches.get(provider.id)
    points = []
    for index, (effective, model_price) in enumerate(conditional):
        standard = _genai_rates(model_price)
        if standard is None:
            continue
        until = conditional[index + 1][0] if index + 1 < len(conditional) else None
        batch, batch_from, batch_source = _genai_batch(info, model_price, standard, until, launch, source)
        if batch is not None and effective and batch_from:
            batch_from = max(batch_from, effective)
        flex, priority = (_genai_variant(info, {"service_tier": tier}, model_price, standard, until, source)
                          for tier in ("flex", "priority"))
        notes = "; ".join(filter(None, [
            f"long-context rates above {', '.join(f'{t.above:,}' for t in standard.long_context)} prompt tokens"
            if standard.long_context else "",
            "batch rates filled by tokcost" if batch is not None and batch_source == (launch and launch.source)
            and not _variants(info, {"processing": "batch"}) else ""]))
        points.append(Price(info.id, provider.id, effective, standard, source, batch, batch_from, batch_source,
                            notes, flex, priority))
    if not points:
        return None
    points.sort(key=lambda p: p.effective or _dt.date.min)
    names = [info.id]
    return ModelPrices(info.id, provider.id, names, points, context_window=info.context_window)


def _variants(info, when: dict) -> list:
    return [v for v in info.price_variants or () if v.when == when]


def _pick_variant(info, when: dict, until: Optional[_dt.date]):
    """The variant for a price point in force until ``until``: the latest starting before it, else the first.

    genai-prices dates most variants to when it began modelling them
    (2026-10), not to the tier's launch; tokcost dates batch from the
    provider's launch (``[batch_api.*]`` in the corrections) and treats the
    dates of flex and priority as those of their price, not of availability.
    """
    variants = sorted(_variants(info, when), key=lambda v: getattr(v.constraint, "start_date", None) or _dt.date.min)
    if not variants:
        return None
    before = [v for v in variants if until is None or (getattr(v.constraint, "start_date", None) or _dt.date.min)
              < until]
    return (before or variants)[-1]


def _genai_batch(info, model_price, standard: Rates, until, launch: Optional[BatchLaunch], source: str):
    """Batch rates, their start and source: genai-prices' batch variant, or tokcost's provider-wide fill."""
    variant = _pick_variant(info, {"processing": "batch"}, until)
    if variant is not None and getattr(variant.prices, "input_mtok", None) is not None:
        factor = _at_prompt(variant.prices.input_mtok, 0) / standard.input if standard.input else Decimal(1)
        # keys the variant omits (often cache reads) get the variant's discount, not the standard rate
        batch = _genai_rates(variant.prices, model_price, factor)
        start = launch.launched if launch else getattr(variant.constraint, "start_date", None)
        return batch, start, launch.source if launch else source
    if launch is not None and launch.fills(info.id):
        return standard.scaled(launch.discount), launch.launched, launch.source
    return None, None, ""


def _genai_variant(info, when: dict, model_price, standard: Rates, until, source: str) -> Optional[Variant]:
    variant = _pick_variant(info, when, until)
    if variant is None or getattr(variant.prices, "input_mtok", None) is None:
        return None
    factor = _at_prompt(variant.prices.input_mtok, 0) / standard.input if standard.input else Decimal(1)
    rates = _genai_rates(variant.prices, model_price, factor)
    return None if rates is None else Variant(rates, source)


def _count(value, requests: int = 1):
    """Tokens per request as ``Usage`` takes them: int, or Decimal for fractional averages."""
    number = (value if isinstance(value, Decimal) else Decimal(str(value))) / requests
    return int(number) if number == number.to_integral_value() else number
