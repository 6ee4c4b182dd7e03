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
from tokcost.errors import UnknownModelError, did_you_mean
from tokcost.prices.model import DateLike, ModelPrices, Price, Rates, check_tokens
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
                      batch: bool = False, at: DateLike = None) -> Decimal:
        check_tokens(input_tokens, output_tokens, cached_input_tokens)
        price = self.price(model, at)
        return price.rates(batch, at).cost(input_tokens, output_tokens, cached_input_tokens)

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
    batch_variant = next((v for v in info.price_variants or () if v.when == {"processing": "batch"}), None)
    launch = launches.get(provider.id)
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
            batch_from = launch.launched if launch else getattr(batch_variant.constraint, "start_date", None)
            if effective and batch_from:
                batch_from = max(batch_from, effective)
            batch_source = launch.source if launch else source
        points.append(Price(info.id, provider.id, effective, standard, source, batch, batch_from, batch_source,
                            notes))
    if not points:
        return None
    points.sort(key=lambda p: p.effective or _dt.date.min)
    names = [info.id]
    return ModelPrices(info.id, provider.id, names, points, context_window=info.context_window)
