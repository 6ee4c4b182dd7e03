"""Monthly spend of a workload across models: requests, languages, caching, batch, growth.

Each model is priced at the prices in effect on one day; each language of the
mix with its own request shape; batch and cached traffic at their own rates.

>>> from tokcost.spend import load_workload
>>> result = project(load_workload(), models=["gpt-4o-mini"], months=3, at="2026-11-25")
>>> len(result.models[0].monthly), result.cheapest.model
(3, 'gpt-4o-mini')
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Optional, Sequence

import tokcost.accounting as accounting
from tokcost.errors import WorkloadError
from tokcost.model_tokenizers import ModelTokenizer
from tokcost.prices import Catalog, Price, default_catalog, parse_date
from tokcost.prices.billing import Usage, bill
from tokcost.spend.reasoning import reasoning_for
from tokcost.spend.request_shape import RequestShape, request_shape
from tokcost.spend.workload import Workload

# Priced when neither the caller nor the workload file names models: cheap-to-mid models of six vendors,
# Llama on a host the catalog prices. Each is counted with its own tokenizer, or a labelled stand-in.
DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4.1-nano", "gpt-5-mini", "gpt-4o", "claude-haiku-4-5", "gemini-2.5-flash",
                  "cerebras/llama-3.3-70b", "mistral-small-2603", "deepseek-v4-flash"]


@dataclass
class ModelSpend:
    """One model's spend: per request (mix of languages, batch and cache), per month, and the extremes."""

    model: str
    snapshot: str
    short_snapshot: str
    cost_per_request: Decimal
    per_language: list
    monthly: list
    batch_cost_per_request: Decimal  # all traffic on batch
    standard_cost_per_request: Decimal  # no traffic on batch
    no_cache_cost_per_request: Decimal
    full_cache_cost_per_request: Decimal
    notes: list
    reasoning_tokens: int = 0  # hidden reasoning tokens per request, billed as output
    reasoning_basis: str = "none"  # where that figure comes from (stated, workload default, API default)

    @property
    def cost_per_1k(self) -> Decimal:
        return self.cost_per_request * 1000

    # Its limits, set by project(): what counted its tokens, its context window, the requests that do not fit.
    tokenizer: Optional[ModelTokenizer] = None
    context_window: Optional[int] = None
    overflows: tuple = ()  # {language, tokens, window, overflow} per language whose largest request does not fit

    @property
    def exact(self) -> bool:
        """Whether its token counts are its own tokenizer's (else a labelled stand-in's: an estimate)."""
        return self.tokenizer is None or self.tokenizer.exact


@dataclass
class SpendProjection:
    """Every model's spend on one workload over ``months``, with savings and break-even points."""

    workload: Workload
    at: _dt.date
    months: int
    requests: list  # per month
    models: list  # ModelSpend, in the order asked

    @property
    def cheapest(self) -> ModelSpend:
        """The cheapest model whose every request fits its context window (of all models, if none does)."""
        fitting = [m for m in self.models if not m.overflows]
        return min(fitting or self.models, key=lambda m: m.cost_per_request)

    def savings(self, current: Optional[str] = None) -> list:
        """Per model: monthly (first month) and horizon savings of switching from ``current`` (the first model)."""
        base = next((m for m in self.models if m.model == current), self.models[0])
        rows = []
        for spend in self.models:
            month = (base.monthly[0] - spend.monthly[0]) if self.months else Decimal(0)
            rows.append({"from": base.model, "to": spend.model, "monthly_usd": month,
                         "horizon_usd": sum(base.monthly, Decimal(0)) - sum(spend.monthly, Decimal(0)),
                         "percent": (1 - spend.cost_per_request / base.cost_per_request) * 100
                         if base.cost_per_request else Decimal(0)})
        return rows

    def break_even(self) -> list:
        """Batch share and cache hit rate at which each model costs as much as the cheapest (None: never)."""
        target = self.cheapest.cost_per_request
        rows = []
        for spend in self.models:
            w = self.workload

            def solve(at0, at1):
                slope = at1 - at0
                if spend.cost_per_request <= target:
                    return Decimal(0)  # already the cheapest
                if slope >= 0:
                    return None
                share = (target - at0) / slope
                return share if 0 <= share <= 1 else None

            # cost is linear in batch share and in cache hit rate; endpoints give the line
            batch = solve(spend.standard_cost_per_request, spend.batch_cost_per_request)
            cache = solve(spend.no_cache_cost_per_request, spend.full_cache_cost_per_request)
            requests = self.requests[0] if self.requests else Decimal(0)
            rows.append({
                "model": spend.model,
                "batch_saving_per_10pct_usd_month": (spend.standard_cost_per_request - spend.batch_cost_per_request)
                * requests / 10,
                "cache_saving_per_10pct_usd_month": (spend.no_cache_cost_per_request - spend.full_cache_cost_per_request)
                * requests / 10,
                "batch_share_to_match_cheapest": batch,
                "cache_hit_to_match_cheapest": cache,
                "current_batch_share": w.batch_share, "current_cache_hit_rate": w.cache_hit_rate,
            })
        return rows

    def to_dict(self) -> dict:
        """Plain data (Decimals as strings, unrounded), for JSON and reports."""
        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value

        w = self.workload
        data = plain({
            "workload": {"name": w.name, "path": w.path, "requests_per_day": w.requests_per_day,
                         "days_per_month": w.days_per_month, "monthly_growth": w.monthly_growth,
                         "cache_hit_rate": w.cache_hit_rate, "batch_share": w.batch_share,
                         "output_tokens": w.output_tokens},
            "at": self.at.isoformat(),
            "months": self.months,
            "requests_per_month": self.requests,
            "languages": w.languages,
            "models": [{"model": m.model, "price_snapshot": m.snapshot, "cost_per_request_usd": m.cost_per_request,
                        "cost_per_1k_requests_usd": m.cost_per_1k, "monthly_usd": m.monthly,
                        "total_usd": sum(m.monthly, Decimal(0)), "per_language": m.per_language, "notes": m.notes,
                        "reasoning_tokens_per_request": m.reasoning_tokens, "reasoning_basis": m.reasoning_basis}
                       for m in self.models],
            "cheapest": self.cheapest.model,
            "savings": self.savings(),
            "break_even": self.break_even(),
        })
        for entry, spend in zip(data["models"], self.models):
            entry.update(plain(_tokenizer_dict(spend)))
        return data


def project(workload: Workload, models: Optional[Sequence[str]] = None, months: int = 12, at=None,
            catalog: Optional[Catalog] = None) -> SpendProjection:
    """Monthly spend of ``workload`` on each model at the prices in effect on ``at`` (default today)."""
    catalog = catalog or default_catalog()
    day = parse_date(at)
    if months < 0:
        raise WorkloadError(f"months={months} must be 0 or more")
    models = list(models or workload.models or DEFAULT_MODELS)
    requests = [workload.requests_per_day * workload.days_per_month * (1 + workload.monthly_growth) ** i
                for i in range(months)]
    results = [_with_limits(_model_spend(workload, model, catalog.price(model, day), day, requests), workload,
                            catalog.context_window(model)) for model in models]
    return SpendProjection(workload, day, months, requests, results)


def _tokenizer_dict(spend: ModelSpend) -> dict:
    """How a model's tokens were counted, and whether every request fits its context window."""
    choice = spend.tokenizer
    return {"tokenizer": choice.label if choice else None, "counts": "exact" if spend.exact else "estimate",
            "tokenizer_basis": choice.basis if choice else None, "context_window": spend.context_window,
            "overflows": spend.overflows}


def _with_limits(spend: ModelSpend, workload: Workload, window: Optional[int]) -> ModelSpend:
    """``spend`` with its tokenizer, context window, and the languages whose largest request overflows it.

    The largest request of a language: system prompt, tools, history, the user's message, the largest image
    and the reply, plus hidden reasoning tokens where the model spends them.
    """
    spend.tokenizer = accounting.counting_tokenizer(spend.model)
    spend.context_window = window
    overflows = []
    for row in spend.per_language:
        tokens = request_shape(workload, spend.model, row["language"]).largest_request_tokens
        row["largest_request_tokens"] = tokens = tokens + int(getattr(spend, "reasoning_tokens", 0))
        if window and tokens > window:
            overflows.append({"language": row["language"], "tokens": tokens, "window": window,
                              "overflow": tokens - window})
    spend.overflows = tuple(overflows)
    if overflows:
        worst = max(overflows, key=lambda o: o["overflow"])
        counted = "" if spend.tokenizer.exact else f", counted with {spend.tokenizer.label}"
        spend.notes.append(f"exceeds the {window:,}-token context window in {len(overflows)} language(s): "
                           f"a {worst['language']} request needs {worst['tokens']:,} tokens (+{worst['overflow']:,}"
                           f"{counted})")
    return spend


def _model_spend(workload: Workload, model: str, price: Price, day: _dt.date, requests: list) -> ModelSpend:
    """One model's cost per request (the language mix), month by month, and at the batch and cache extremes."""
    notes = [price.notes] if price.notes else []
    has_batch = price.has_tier("batch", day)
    if workload.batch_share and not has_batch:
        notes.append("no Batch API price: batch share billed at standard rates")
    if any(img for img in workload.images) and not accounting.supports_images(model):
        notes.append("no image token rule for this model: images not priced")
    thinking = reasoning_for(workload.reasoning, model)
    notes += [thinking.note] if thinking.note else []
    writes = _cache_write_share(workload, price)
    if writes and workload.cache_hit_rate:
        notes.append(f"cache writes: prefix written once per 5-minute cache lifetime, by {float(writes):.2%} "
                     "of caching requests (even traffic assumed)")
    per_language = []
    totals = {"mix": Decimal(0), "std": Decimal(0), "batch": Decimal(0), "nocache": Decimal(0), "full": Decimal(0)}
    for code, share in workload.languages.items():
        shape = request_shape(workload, model, code)
        costs = _shape_costs(workload, price, shape, day, has_batch, Decimal(thinking.tokens), writes)
        for key, value in costs.items():
            totals[key] += share * value
        per_language.append({"language": code, "share": share, "input_tokens": shape.input_tokens,
                             "cached_input_tokens": shape.cached_input_tokens,
                             "output_tokens": shape.output_tokens, "reasoning_tokens": thinking.tokens,
                             "cost_per_request_usd": costs["mix"],
                             "cost_per_1k_requests_usd": costs["mix"] * 1000,
                             "monthly_usd": costs["mix"] * share * requests[0] if requests else Decimal(0)})
    long = [row["language"] for row in per_language
            if price.standard.for_prompt(row["input_tokens"]) is not price.standard]
    if long:
        notes.append(f"long-context rates (prompt above {price.standard.long_context[0].above:,} tokens) for "
                     f"{', '.join(long)}")
    return ModelSpend(model, price.snapshot, price.short_snapshot, totals["mix"], per_language,
                      [totals["mix"] * r for r in requests], totals["batch"], totals["std"],
                      totals["nocache"], totals["full"], notes, thinking.tokens, thinking.basis)


# Anthropic's default prompt-cache lifetime: 5 minutes, refreshed by each hit
# (docs.anthropic.com/en/docs/build-with-claude/prompt-caching).
CACHE_LIFETIMES_PER_DAY = Decimal(24 * 60 // 5)


def _cache_write_share(workload: Workload, price: Price) -> Decimal:
    """Share of caching requests that write the prefix, where the price charges for cache writes (else 0).

    Assumes traffic spread evenly over the day: the first request of each
    5-minute lifetime writes the prefix, the others read it.
    """
    if price.standard.cache_write_5m is None or not workload.requests_per_day:
        return Decimal(0)
    return min(Decimal(1), CACHE_LIFETIMES_PER_DAY / workload.requests_per_day)


def _shape_costs(workload: Workload, price: Price, shape: RequestShape, day: _dt.date, has_batch: bool,
                 reasoning: Decimal = Decimal(0), writes: Decimal = Decimal(0)) -> dict:
    """Cost of one request: the workload's batch/standard mix, all standard, all batch, no cache hits, all hits."""
    def mixed(hit_scale: Optional[Decimal]) -> Decimal:
        standard = request_usage(shape, "standard", reasoning, writes, hit_scale)
        standard_cost = bill(price, standard, day).total
        batch_cost = bill(price, replace(standard, tier="batch"), day).total if has_batch else standard_cost
        return (1 - workload.batch_share) * standard_cost + workload.batch_share * batch_cost

    std = bill(price, request_usage(shape, "standard", reasoning, writes), day).total
    bat = bill(price, request_usage(shape, "batch", reasoning, writes), day).total if has_batch else std
    return {"mix": (1 - workload.batch_share) * std + workload.batch_share * bat, "std": std, "batch": bat,
            "nocache": mixed(Decimal(0)), "full": mixed(Decimal(1))}


def request_usage(shape: RequestShape, tier: str = "standard", reasoning: Decimal = Decimal(0),
                  writes: Decimal = Decimal(0), hit_scale: Optional[Decimal] = None) -> Usage:
    """The ``Usage`` of one average request of ``shape``: what the projection hands to ``bill``.

    Of the cacheable prefix, the caching share (the workload's hit rate, or
    ``hit_scale``) is read from cache, except the share ``writes`` of it that
    writes the cache instead (only where the price charges for writes).
    Reasoning tokens are output the user never sees.
    """
    caching = shape.cached_input_tokens if hit_scale is None else shape.cacheable_tokens * hit_scale
    return Usage(input_tokens=shape.input_tokens, output_tokens=shape.output_tokens + reasoning,
                 reasoning_tokens=reasoning, cache_read_tokens=caching * (1 - writes),
                 cache_write_5m_tokens=caching * writes, tier=tier)
