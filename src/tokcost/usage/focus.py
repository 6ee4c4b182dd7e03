"""Replayed usage as FinOps FOCUS rows: one charge per day, model, tier and billed item.

FOCUS (the FinOps Open Cost and Usage Specification, focus.finops.org) names
the columns cost tools exchange. tokcost fills those a token bill has: the
charge period is the UTC day, the SKU and resource are the model, the
pricing unit is a million tokens (ListUnitPrice is the catalog's USD per
million, so PricingQuantity x ListUnitPrice = ListCost), and the consumed unit
is tokens; a per-request fee is priced and consumed in requests. Billed, effective, contracted and list cost are equal: tokcost
knows list prices only, no negotiated discounts or credits. Columns starting
``x_`` are tokcost's own (the price snapshot, the tier, the billed item).

>>> FOCUS_COLUMNS[:3]
('BilledCost', 'BillingAccountId', 'BillingAccountName')
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections import defaultdict
from decimal import Decimal

from tokcost.prices.model import MILLION
from tokcost.usage.replay import Replay

FOCUS_VERSION = "1.2"
FOCUS_COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
    "ServiceSubcategory", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
    "x_PriceSnapshot", "x_ServiceTier", "x_TokenType",
)
_PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "mistral": "Mistral AI",
                   "deepseek": "DeepSeek", "x-ai": "xAI", "cohere": "Cohere", "aws": "Amazon Web Services"}
REQUEST_FEE = "request fee"  # the bill line of a per-request price
_SERVICE_NAMES = {"openai": "OpenAI API", "anthropic": "Claude API", "google": "Gemini API"}


def _iso(day: _dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _month_bounds(day: _dt.date) -> tuple:
    start = day.replace(day=1)
    end = (start + _dt.timedelta(days=32)).replace(day=1)
    return start, end


def focus_rows(result: Replay) -> list:
    """FOCUS rows of ``result``, one per (day, model, tier, item, rate, snapshot), sorted by day and model."""
    charges: dict = defaultdict(lambda: [0, Decimal(0)])
    providers: dict = {}
    for priced in result.priced:
        record = priced.record
        providers[record.model] = record.provider
        for line in priced.bill.lines:
            key = (priced.day, record.model, priced.bill.tier, line.item, line.rate, priced.bill.snapshot)
            charges[key][0] += line.tokens
            charges[key][1] += line.cost
    rows = []
    for (day, model, tier, item, rate, snapshot), (tokens, cost) in sorted(charges.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2], kv[0][3], kv[0][4])):
        provider = providers[model] or ""
        name = _PROVIDER_NAMES.get(provider, provider or "unknown")
        start, end = _month_bounds(day)
        money = str(cost)
        per_request = item == REQUEST_FEE  # ``tokens`` counts requests and ``rate`` is USD per request
        unit = "Requests" if per_request else "Tokens"
        quantity = Decimal(tokens) if per_request else Decimal(tokens) / MILLION
        rows.append({
            "BilledCost": money, "BillingAccountId": "", "BillingAccountName": "", "BillingCurrency": "USD",
            "BillingPeriodEnd": _iso(end), "BillingPeriodStart": _iso(start), "ChargeCategory": "Usage",
            "ChargeClass": "", "ChargeDescription": f"{model} {item}{'' if per_request else ' tokens'} ({tier})",
            "ChargeFrequency": "Usage-Based", "ChargePeriodEnd": _iso(day + _dt.timedelta(days=1)),
            "ChargePeriodStart": _iso(day), "ConsumedQuantity": str(tokens), "ConsumedUnit": unit,
            "ContractedCost": money, "ContractedUnitPrice": str(rate), "EffectiveCost": money,
            "InvoiceIssuerName": name, "ListCost": money, "ListUnitPrice": str(rate),
            "PricingCategory": "Standard", "PricingQuantity": str(quantity),
            "PricingUnit": unit if per_request else "1000000 Tokens", "ProviderName": name, "PublisherName": name, "RegionId": "",
            "RegionName": "", "ResourceId": model, "ResourceName": model, "ResourceType": "Model",
            "ServiceCategory": "AI and Machine Learning", "ServiceName": _SERVICE_NAMES.get(provider, f"{name} API"),
            "ServiceSubcategory": "Generative AI", "SkuId": model, "SkuPriceId": f"{model}:{tier}:{item}",
            "SubAccountId": "", "SubAccountName": "", "Tags": "{}", "x_PriceSnapshot": snapshot,
            "x_ServiceTier": tier, "x_TokenType": item,
        })
    return rows


def focus_csv(result: Replay) -> str:
    """The FOCUS rows as CSV text, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FOCUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(focus_rows(result))
    return buffer.getvalue()
