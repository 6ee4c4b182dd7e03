"""Price replayed usage: each request at the price in effect on its own day and tier, through ``bill``.

The one billing engine (``tokcost.prices.billing.bill``) prices every record;
this module only finds the price point (model and day), collects what could
not be priced as problems with their FILE:LINE, and adds up by any grouping.

>>> from tokcost.usage.readers import read_usage
>>> from tokcost.bundled import SAMPLE_USAGE_DIR
>>> result = replay(read_usage([SAMPLE_USAGE_DIR / "openai_chat.jsonl"]))
>>> result.total > 0, result.problems
(True, [])
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Sequence

from tokcost.errors import PriceError, UnknownModelError
from tokcost.prices import Catalog, default_catalog, parse_date
from tokcost.prices.billing import Bill, bill
from tokcost.usage.readers import Problem, UsageLog
from tokcost.usage.record import UsageRecord

# --by names that are not tags of the log
_PER_RECORD = re.compile(r" \([\d,.]+ [^()]*\)$")  # a note's own figure, e.g. "(250,000 prompt tokens)"
BUILT_IN_KEYS = ("model", "day", "month", "tier", "provider", "format", "file")
NO_TAG = "(none)"


@dataclass(frozen=True)
class PricedRecord:
    """A record with the day it was priced at and its itemised bill."""

    record: UsageRecord
    day: _dt.date
    bill: Bill

    @property
    def cost(self) -> Decimal:
        return self.bill.total


@dataclass
class Replay:
    """Every priced record, the problems (unpriced records, with where and the fix), and the counts around them."""

    priced: list
    problems: list
    skipped: dict = field(default_factory=dict)  # reason -> records, e.g. errored batch requests
    undated: int = 0
    default_day: Optional[_dt.date] = None
    files: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.cost for p in self.priced), Decimal(0))

    @property
    def snapshots(self) -> list:
        return sorted({p.bill.snapshot for p in self.priced})

    def extras(self) -> dict:
        """Per-use charges the engine did not price (web searches, ...), counted."""
        totals: dict = defaultdict(int)
        for p in self.priced:
            for name, value in p.record.extras.items():
                totals[name] += value
        return dict(totals)

    def notes(self) -> dict:
        """The notes on the records and their bills (unknown usage fields, long-context tiers, ...), with counts.

        A note's trailing per-record figure is left out, so notes that differ only in it group together.
        """
        counts: dict = defaultdict(int)
        for p in self.priced:
            for note in (*p.record.notes, *p.bill.notes):
                counts[_PER_RECORD.sub("", note)] += 1
        return dict(counts)

    def monthly(self) -> dict:
        """Replayed cost per calendar month, 'YYYY-MM' → Decimal."""
        months: dict = defaultdict(Decimal)
        for p in self.priced:
            months[p.day.strftime("%Y-%m")] += p.cost
        return dict(sorted(months.items()))

    def groups(self, by: Sequence[str] = ("model",)) -> list:
        """One row per value of the ``by`` keys: requests, tokens, cost; most expensive first."""
        rows: dict = {}
        for p in self.priced:
            key = tuple(group_key(p, name) for name in by)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {**dict(zip(by, key)), "requests": 0, "input_tokens": 0, "cache_read_tokens": 0,
                                   "cache_write_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0,
                                   "cost_usd": Decimal(0)}
            u = p.record.usage
            row["requests"] += u.requests
            row["input_tokens"] += u.input_tokens
            row["cache_read_tokens"] += u.cache_read_tokens
            row["cache_write_tokens"] += u.cache_write_5m_tokens + u.cache_write_1h_tokens
            row["output_tokens"] += u.output_tokens
            row["reasoning_tokens"] += u.reasoning_tokens
            row["cost_usd"] += p.cost
        return sorted(rows.values(), key=lambda r: (-r["cost_usd"], tuple(str(r[k]) for k in by)))


def group_key(priced: PricedRecord, name: str) -> str:
    record = priced.record
    if name == "model":
        return record.model
    if name == "day":
        return priced.day.isoformat()
    if name == "month":
        return priced.day.strftime("%Y-%m")
    if name == "tier":
        return record.usage.tier
    if name in ("provider", "format"):
        return getattr(record, name) or NO_TAG
    if name == "file":
        return record.where.rsplit(":", 1)[0]
    return record.tags.get(name, NO_TAG)


class PriceBook:
    """Price points by (model, day), looked up once each."""

    def __init__(self, catalog: Optional[Catalog] = None):
        self.catalog = catalog or default_catalog()
        self._cache: dict = {}

    def price(self, model: str, day: _dt.date):
        key = (model, day)
        if key not in self._cache:
            try:
                self._cache[key] = self.catalog.price(model, day)
            except (UnknownModelError, PriceError) as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, Exception):
            raise found
        return found


def replay(log: UsageLog, catalog: Optional[Catalog] = None, at=None) -> Replay:
    """Price every record of ``log`` at its own day (records without a timestamp: ``at``, default today)."""
    book = PriceBook(catalog)
    default_day = parse_date(at)
    result = Replay([], list(log.problems), dict(log.skipped), default_day=default_day, files=list(log.files))
    for record in log.records:
        day = record.day or default_day
        result.undated += record.day is None
        try:
            priced = PricedRecord(record, day, bill(book.price(record.model, day), record.usage, day))
        except (UnknownModelError, PriceError) as exc:
            result.problems.append(Problem(record.where, f"{record.model} on {day}: {exc}"))
            continue
        result.priced.append(priced)
    return result
