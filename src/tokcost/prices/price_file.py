"""Prices files: the user's own (``--prices``) and tokcost's corrections, one schema, one loader.

A file holds ``[[price]]`` tables; several for one model make a dated history.
An entry replaces the whole bundled history of the names it gives::

    [[price]]
    model = "gpt-4o"                 # required; also answers to `aliases`
    input = 2.50                     # USD per 1M prompt tokens (required)
    output = 10                      # USD per 1M output tokens (required)
    cached_input = 1.25              # optional; default: cached tokens bill as input
    cache_write_5m = 3.75            # optional: Anthropic 5-minute cache writes (1.25 x input); default: as input
    cache_write_1h = 6               # optional: Anthropic 1-hour cache writes (2 x input); default: as 5m writes
    input_audio = 40                 # optional: audio prompt tokens; default: as input
    output_audio = 80                # optional: audio output tokens; default: as output
    request_fee = 0.005              # optional: USD per request, on top of tokens
    batch_discount = 0.5             # optional; batch rates = standard x this (long-context tiers too)
    long_context = [{above = 200000, input = 6, output = 22.5}]
                                     # optional: once a prompt exceeds `above` tokens the WHOLE request pays
                                     # these rates; cache and audio rates omitted here scale with input
    flex = {input = 1.25, output = 5, cached_input = 0.125}       # optional: OpenAI flex processing
    priority = {input = 4.25, output = 17, cached_input = 2.125}  # optional: priority processing
    effective = 2025-01-01           # optional; the date the price took effect
    provider = "openai"              # optional
    source = "enterprise contract"   # optional; shown beside every figure
    aliases = ["my-4o"]              # optional

    [batch_api.openai]               # optional: when batch rates of this provider start
    launched = 2024-04-15
    source = "OpenAI Batch API launch"
    discount = 0.5                   # optional, with `models`: batch rates for the provider's models
    models = ["gpt-4"]               #   (name prefixes) that have none from any other source

JSON files hold the same: ``{"price": [{"model": "gpt-4o", "input": 2.5, ...}]}``.
Errors read ``FILE:LINE: field 'input': ...; fix``. tokcost's own corrections
(``data/price_corrections.toml``) are read by ``load_price_file(..., origin="tokcost")``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Dict, List, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from tokcost.errors import PriceFileError
from tokcost.file_schema import FieldProblem, Issue, error_at, line_of, parse, text_value, unknown_key, validate
from tokcost.files import read_user_text
from tokcost.prices.model import RATE_FIELDS, LongContext, ModelPrices, Price, Rates, Variant

# ---------------------------------------------------------------- the schema


def _usd(value: Any) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FieldProblem(f"{value!r} is not a number", "write USD per million tokens, e.g. {field} = 2.50") from None
    if not number.is_finite():
        raise FieldProblem(f"{value!r} is not a finite number", "write USD per million tokens, e.g. {field} = 2.50")
    if number < 0:
        raise FieldProblem(f"{value!r} is negative", "prices are USD per million tokens, zero or more")
    return number


def _fraction(value: Any) -> Decimal:
    number = _usd(value)
    if number > 1:
        raise FieldProblem(f"{value!r} is above 1", "write the fraction of standard rates batch costs, e.g. 0.5")
    return number


def _day(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise FieldProblem(f"{value!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-01") from None


def _model_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldProblem(f"{value!r} is not a model name", 'write it as a string, e.g. model = "gpt-4o"')
    return value


def _names(value: Any) -> list:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise FieldProblem(f"{value!r} is not a list of names", 'write it as aliases = ["name", ...]')
    return value


Usd = Annotated[Decimal, BeforeValidator(_usd)]
Fraction = Annotated[Decimal, BeforeValidator(_fraction)]
Day = Annotated[_dt.date, BeforeValidator(_day)]
Text = Annotated[str, BeforeValidator(text_value)]


def _threshold(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FieldProblem(f"{value!r} is not a token count", "write the prompt size the tier starts above, "
                           "e.g. above = 200000")
    return value


class TierRates(BaseModel):
    """``flex = {...}`` or ``priority = {...}``: a service tier's rates."""

    model_config = ConfigDict(extra="forbid")

    input: Usd
    output: Usd
    cached_input: Optional[Usd] = None
    cache_write_5m: Optional[Usd] = None
    cache_write_1h: Optional[Usd] = None


class LongContextTier(TierRates):
    """One ``long_context`` tier: the rates of every request whose prompt exceeds ``above`` tokens."""

    above: Annotated[int, BeforeValidator(_threshold)]
    input_audio: Optional[Usd] = None
    output_audio: Optional[Usd] = None


class PriceEntry(BaseModel):
    """One ``[[price]]`` table: a model's price from ``effective`` on."""

    model_config = ConfigDict(extra="forbid")

    model: Annotated[str, BeforeValidator(_model_name)]
    input: Usd
    output: Usd
    cached_input: Optional[Usd] = None
    cache_write_5m: Optional[Usd] = None
    cache_write_1h: Optional[Usd] = None
    input_audio: Optional[Usd] = None
    output_audio: Optional[Usd] = None
    request_fee: Optional[Usd] = None
    long_context: List[LongContextTier] = []
    flex: Optional[TierRates] = None
    priority: Optional[TierRates] = None
    batch_discount: Optional[Fraction] = None
    effective: Optional[Day] = None
    provider: Text = "custom"
    source: Optional[Text] = None
    aliases: Annotated[List[str], BeforeValidator(_names)] = []


class BatchApi(BaseModel):
    """``[batch_api.<provider>]``: the day a provider's Batch API started, and where that is written."""

    model_config = ConfigDict(extra="forbid")

    launched: Day
    source: Text
    discount: Optional[Fraction] = None
    models: Annotated[List[str], BeforeValidator(_names)] = []


class PriceFileSchema(BaseModel):
    """A whole prices file. Other top-level keys are ignored (a title, notes)."""

    price: List[PriceEntry]
    batch_api: Dict[str, BatchApi] = {}

    @field_validator("price", mode="before")
    @classmethod
    def _has_entries(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise _NO_ENTRIES
        for entry in value:
            if not isinstance(entry, dict):
                raise FieldProblem("a price entry must be a table",
                                   "write it as [[price]] with model, input and output")
        return value


_NO_ENTRIES = FieldProblem("no price entries", "add one or more [[price]] tables "
                           "(JSON: {\"price\": [...]}) with model, input and output")


def _describe(issue: Issue):
    """Words for an issue of a prices file, and the location whose line to report."""
    loc = issue.loc
    if issue.kind == "missing" and loc == ("price",):
        issue.problem, issue.fix = _NO_ENTRIES.problem, _NO_ENTRIES.fix
        return "", ()
    model = PriceEntry if loc[0] == "price" else BatchApi
    nested = [str(part) for part in loc[2:-1] if isinstance(part, str)]
    if nested:  # inside long_context = [...] or flex/priority = {...}
        model = LongContextTier if nested[0] == "long_context" else TierRates
    fields = list(model.model_fields)
    name = ".".join(nested + [str(loc[-1])])
    if issue.kind == "unknown":
        issue.problem, issue.fix = unknown_key(str(loc[-1]), fields), f"use one of {', '.join(fields)}"
    elif issue.kind == "missing":
        table = "[[price]] entry" if loc[0] == "price" else f"[batch_api.{loc[1]}] table"
        table = f"{nested[0]} table" if nested else table
        issue.problem, issue.fix = f"missing field '{name}'", f"add {loc[-1]} = ... to this {table}"
        return "", loc[:-1]
    if len(loc) < 3:  # the file's list of entries, or one entry as a whole
        return "", loc
    return f"field '{name}': ", loc


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class BatchLaunch:
    """A provider's Batch API launch; with ``discount``, batch rates for its ``models`` (name prefixes) lacking one."""

    launched: _dt.date
    source: str
    discount: Optional[Decimal] = None
    models: tuple = ()

    def fills(self, model: str) -> bool:
        return self.discount is not None and model.lower().startswith(tuple(m.lower() for m in self.models))


@dataclass
class PriceFile:
    """What a prices file holds: price histories (in file order) and Batch API launch dates."""

    histories: List[ModelPrices]
    batch_launches: Dict[str, BatchLaunch] = field(default_factory=dict)


def load_price_file(path, origin: str = "user") -> PriceFile:
    """The prices in a TOML (.toml) or JSON (.json) file, validated.

    ``origin`` "user" (a user's file: sources name file and line) or "tokcost"
    (the bundled corrections: sources read "tokcost correction: ...").
    """
    path = Path(path)
    name = str(path)
    text = read_user_text(path, PriceFileError, "prices file", "check the path", "save it as UTF-8 text")
    document = parse(text, name, PriceFileError, "fix the syntax, e.g. input = 2.50")
    if not isinstance(document, dict):
        document = {}
    schema = validate(PriceFileSchema, document, text=text, name=name, error=PriceFileError, describe=_describe,
                      fix="write it as in the README's prices example")
    launches = {provider: BatchLaunch(api.launched, api.source, api.discount, tuple(api.models))
                for provider, api in schema.batch_api.items()}
    histories: Dict[str, ModelPrices] = {}
    for index, entry in enumerate(schema.price):
        history = histories.setdefault(entry.model, ModelPrices(entry.model, entry.provider, [entry.model], [],
                                                                origin=origin))
        history.names.extend(alias for alias in entry.aliases if alias not in history.names)
        if any(p.effective == entry.effective for p in history.points):
            raise error_at(text, name, PriceFileError, ("price", index, "effective"),
                         f"field 'effective': {entry.model} already has a price effective "
                         f"{entry.effective or 'undated'}; give each [[price]] of one model its own effective date")
        line = line_of(text, ("price", index), name.lower().endswith(".json"))
        source = _source_label(entry, origin, name, line)
        history.points.append(_price(entry, source, launches.get(entry.provider)))
    for history in histories.values():
        history.points.sort(key=lambda p: p.effective or _dt.date.min)
    return PriceFile(list(histories.values()), launches)


def _source_label(entry: PriceEntry, origin: str, name: str, line: int) -> str:
    if origin == "tokcost":
        return f"tokcost correction: {entry.source}"
    return f"{entry.source or 'user prices'} ({name}:{line})"


def _rates(entry, base: Optional[Rates] = None) -> Rates:
    """A rate card from an entry; a long-context tier's omitted cache and audio rates scale with its input.

    Scaling follows Anthropic's rule that prompt-caching multipliers apply on
    top of long-context rates (docs.anthropic.com/en/docs/about-claude/pricing).
    """
    values = {name: getattr(entry, name, None) for name in RATE_FIELDS}
    if base is not None and base.input:
        factor = entry.input / base.input
        for name in ("cached_input", "cache_write_5m", "cache_write_1h", "input_audio"):
            if values[name] is None and getattr(base, name) is not None:
                values[name] = getattr(base, name) * factor
        if values["output_audio"] is None and base.output_audio is not None and base.output:
            values["output_audio"] = base.output_audio * entry.output / base.output
    return Rates(**values)


def _price(entry: PriceEntry, source: str, launch: Optional[BatchLaunch]) -> Price:
    """One price point; batch rates from the provider's Batch API launch (if the file dates it) or the entry."""
    base = _rates(entry)
    tiers = tuple(LongContext(tier.above, replace(_rates(tier, base), request=entry.request_fee or Decimal(0)))
                  for tier in sorted(entry.long_context, key=lambda t: t.above))
    standard = replace(base, request=entry.request_fee or Decimal(0), long_context=tiers)
    flex, priority = (None if tier is None else Variant(_rates(tier), source) for tier in (entry.flex, entry.priority))
    if entry.batch_discount is None:
        return Price(entry.model, entry.provider, entry.effective, standard, source, flex=flex, priority=priority)
    batch_from, batch_source = entry.effective, source
    if launch is not None:
        batch_from = max(launch.launched, entry.effective) if entry.effective else launch.launched
        batch_source = launch.source
    return Price(entry.model, entry.provider, entry.effective, standard, source,
                 standard.scaled(entry.batch_discount), batch_from, batch_source, flex=flex, priority=priority)
