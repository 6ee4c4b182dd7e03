"""What the same requests would have cost on another model, tier or cache TTL, and the break-even points.

Tokens move between models by their tokenizers. When the log has a request's
text it is re-counted with both tokenizers (exact when both are the models'
own); when it has none, counts scale by the two encodings' ratio on the
bundled FLORES sentences of one language, and the figure is an estimate. Two
models with the same exact tokenizer need no scaling. Reasoning tokens stay as
logged: another model reasons differently, and no ratio predicts by how much.

>>> from tokcost.usage.readers import read_usage
>>> from tokcost.usage.replay import replay
>>> from tokcost.bundled import SAMPLE_USAGE_DIR
>>> base = replay(read_usage([SAMPLE_USAGE_DIR / "openai_chat.jsonl"]))
>>> what = reprice(base, as_model="gpt-4.1-mini")
>>> what.estimated <= len(base.priced)
True
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Optional, Sequence

from tokcost.bundled import ENGLISH
from tokcost.errors import PriceError, UnknownModelError
from tokcost.model_tokenizers import tokenizer_for_model
from tokcost.prices import Catalog
from tokcost.prices.billing import TIERS, Usage, bill
from tokcost.usage.readers import Problem
from tokcost.usage.replay import PriceBook, Replay, group_key

CACHE_TTLS = ("5m", "1h")


@dataclass(frozen=True)
class Scaling:
    """How tokens moved to the other model: input and visible-output ratios, and on what basis."""

    input: Decimal
    output: Decimal
    estimate: bool
    basis: str


@dataclass
class WhatIf:
    """The replayed records repriced: cost per record (None: could not be priced), estimates marked."""

    label: str
    model: Optional[str]
    tier: Optional[str]
    cache_ttl: Optional[str]
    costs: list  # per Replay.priced record: Decimal or None
    scalings: list  # per record: Scaling
    problems: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c for c in self.costs if c is not None), Decimal(0))

    @property
    def estimated(self) -> int:
        return sum(1 for s in self.scalings if s.estimate)

    @property
    def bases(self) -> list:
        return sorted({s.basis for s in self.scalings})

    def group_totals(self, base: Replay, by: Sequence[str]) -> dict:
        """Cost per group key (as ``Replay.groups`` keys them), and whether any record in it is an estimate."""
        totals: dict = {}
        for priced, cost, scaling in zip(base.priced, self.costs, self.scalings):
            key = tuple(group_key(priced, name) for name in by)
            cost_so_far, estimate, missing = totals.get(key, (Decimal(0), False, 0))
            totals[key] = (cost_so_far + (cost or Decimal(0)), estimate or scaling.estimate, missing + (cost is None))
        return totals


def reprice(base: Replay, as_model: Optional[str] = None, tier: Optional[str] = None,
            cache_ttl: Optional[str] = None, language: str = ENGLISH,
            catalog: Optional[Catalog] = None) -> WhatIf:
    """``base``'s records on ``as_model`` (None: each its own), at ``tier`` and ``cache_ttl`` where given."""
    if tier is not None and tier not in TIERS:
        raise PriceError(f"tier {tier!r} is not a service tier; use one of {', '.join(TIERS)}")
    if cache_ttl is not None and cache_ttl not in CACHE_TTLS:
        raise PriceError(f"cache TTL {cache_ttl!r} is not one Anthropic sells; use 5m or 1h")
    book = PriceBook(catalog)
    label = " ".join(filter(None, (as_model, tier, f"cache {cache_ttl}" if cache_ttl else None))) or "as logged"
    result = WhatIf(label, as_model, tier, cache_ttl, [], [])
    for priced in base.priced:
        record = priced.record
        model = as_model or record.model
        scaling = scaling_for(record, model, language)
        usage = moved_usage(record.usage, scaling, tier, cache_ttl)
        result.scalings.append(scaling)
        try:
            price, day = _price(book, model, priced.day)
            result.costs.append(bill(price, usage, day).total)
        except (UnknownModelError, PriceError) as exc:
            result.costs.append(None)
            result.problems.append(Problem(record.where, f"as {label}: {exc}"))
    return result


def _price(book: PriceBook, model: str, day: _dt.date) -> tuple:
    """The price on ``day``; for a model launched later, its launch price (a what-if asks about the model)."""
    try:
        return book.price(model, day), day
    except PriceError:
        first = book.catalog.lookup(model).points[0].effective
        if first is None or first <= day:
            raise
        return book.price(model, first), first


def moved_usage(usage: Usage, scaling: Scaling, tier: Optional[str], cache_ttl: Optional[str]) -> Usage:
    """``usage`` with text tokens scaled, at another tier, with cache writes moved to another TTL."""
    def scaled(tokens, ratio):
        if ratio == 1:
            return tokens
        return int((Decimal(tokens) * ratio).to_integral_value(ROUND_HALF_EVEN))

    writes_5m = scaled(usage.cache_write_5m_tokens, scaling.input)
    writes_1h = scaled(usage.cache_write_1h_tokens, scaling.input)
    if cache_ttl == "5m":
        writes_5m, writes_1h = writes_5m + writes_1h, 0
    elif cache_ttl == "1h":
        writes_5m, writes_1h = 0, writes_5m + writes_1h
    visible = usage.output_tokens - usage.reasoning_tokens
    return replace(usage, input_tokens=scaled(usage.input_tokens, scaling.input),
                   cache_read_tokens=scaled(usage.cache_read_tokens, scaling.input),
                   cache_write_5m_tokens=writes_5m, cache_write_1h_tokens=writes_1h,
                   output_tokens=scaled(visible, scaling.output) + usage.reasoning_tokens,
                   tier=tier or usage.tier)


def scaling_for(record, model: str, language: str = ENGLISH) -> Scaling:
    """How ``record``'s tokens become ``model``'s: same tokenizer, re-counted text, or a language ratio (estimate)."""
    if model == record.model:
        return Scaling(Decimal(1), Decimal(1), False, "as logged")
    source, target = tokenizer_for_model(record.model), tokenizer_for_model(model)
    both_exact = source.exact and target.exact
    if source.encoding == target.encoding:
        basis = "same tokenizer" if both_exact else f"estimate: {source.label} and {target.label} counted alike"
        return Scaling(Decimal(1), Decimal(1), not both_exact, basis)
    fallback = language_ratio(language, source.encoding, target.encoding)
    ratios, from_text = [], []
    for text in (record.prompt_text, record.output_text):
        if text and count_text(text, source.encoding):
            ratios.append(Decimal(count_text(text, target.encoding)) / count_text(text, source.encoding))
            from_text.append(True)
        else:
            ratios.append(fallback)
            from_text.append(False)
    exact = both_exact and all(from_text)
    if all(from_text):
        how = f"logged text re-counted with {source.label} and {target.label}"
    elif any(from_text):
        how = (f"logged text re-counted where present, else {source.label}→{target.label} ratio "
               f"of {language} sentences")
    else:
        how = f"{source.label}→{target.label} ratio of {language} FLORES sentences"
    return Scaling(ratios[0], ratios[1], not exact, how if exact else f"estimate: {how}")


@lru_cache(maxsize=4096)
def count_text(text: str, encoding: str) -> int:
    return tokenizer_for_encoding(encoding).count(text)


@lru_cache(maxsize=None)
def tokenizer_for_encoding(encoding: str):
    from tokcost.registry import get_encoding

    return get_encoding(encoding)


@lru_cache(maxsize=None)
def language_ratio(language: str, source: str, target: str) -> Decimal:
    """Tokens of the same FLORES sentences under ``target`` per token under ``source``."""
    from tokcost.spend.samples import has_sample, tokens_per_sentence

    if not has_sample(language):
        raise PriceError(f"no bundled sentences for language {language!r} to scale tokens by; "
                         "name a FLORES code such as eng_Latn (see `tokcost languages`)")
    return tokens_per_sentence(language, target) / tokens_per_sentence(language, source)


def break_even(base: Replay, alternatives: Sequence[WhatIf], catalog: Optional[Catalog] = None) -> list:
    """Per logged model: the cache hit rate and batch share at which it costs as much as the cheapest alternative.

    Cost is linear in both (each request's cached share of input, its chance of
    going through batch), so two repricings give the line: all input uncached
    and all of it read from cache; everything standard and everything batch.
    None: never (the line stays above the alternative, or the model has no batch price).
    """
    book = PriceBook(catalog)
    rows = []
    for model in sorted({p.record.model for p in base.priced}):
        indices = [i for i, p in enumerate(base.priced) if p.record.model == model]
        current = sum((base.priced[i].cost for i in indices), Decimal(0))
        options = [(alt.label, sum((alt.costs[i] or Decimal(0) for i in indices), Decimal(0)),
                    any(alt.scalings[i].estimate for i in indices))
                   for alt in alternatives if all(alt.costs[i] is not None for i in indices)]
        if not options:
            continue
        label, target, estimate = min(options, key=lambda option: option[1])
        records = [base.priced[i] for i in indices]
        usages = [p.record.usage for p in records]
        inputs = sum(u.input_tokens for u in usages)
        rows.append({"model": model, "cost_usd": current, "cheapest_alternative": label,
                     "alternative_cost_usd": target, "alternative_is_estimate": estimate,
                     "cache_hit_rate": Decimal(sum(u.cache_read_tokens for u in usages)) / inputs if inputs else None,
                     "cache_hit_to_match": _solve(current, target, *_line(book, records, _cache_ends)),
                     "batch_share": Decimal(sum(u.requests for u in usages if u.tier == "batch"))
                     / sum(u.requests for u in usages),
                     "batch_share_to_match": _solve(current, target, *_line(book, records, _batch_ends))})
    return rows


def _cache_ends(usage: Usage) -> tuple:
    readable = usage.input_tokens - usage.cache_write_5m_tokens - usage.cache_write_1h_tokens
    return replace(usage, cache_read_tokens=0), replace(usage, cache_read_tokens=readable)


def _batch_ends(usage: Usage) -> tuple:
    return replace(usage, tier="standard"), replace(usage, tier="batch")


def _line(book: PriceBook, records, ends) -> tuple:
    """The cost of ``records`` at both ends of a linear change (None, None: an end cannot be priced)."""
    low = high = Decimal(0)
    try:
        for p in records:
            start, end = ends(p.record.usage)
            price = book.price(p.record.model, p.day)
            low += bill(price, start, p.day).total
            high += bill(price, end, p.day).total
    except PriceError:
        return None, None
    return low, high


def _solve(current: Decimal, target: Decimal, at0: Optional[Decimal], at1: Optional[Decimal]) -> Optional[Decimal]:
    if current <= target:
        return Decimal(0)  # already no dearer than the alternative
    if at0 is None or at1 is None or at1 >= at0:
        return None
    share = (target - at0) / (at1 - at0)
    return share if 0 <= share <= 1 else None
