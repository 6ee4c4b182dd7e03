"""Monthly spend of a workload across models: requests, languages, caching, batch, growth.

A workload file (TOML) describes a typical request; every language in its mix
is priced with its own tokens, measured on aligned FLORES sentences (or the
user's own examples), with each model's own encoding.

>>> result = project(load_workload(), models=["gpt-4o-mini"], months=3, at="2026-11-25")
>>> sorted(result.to_dict())[:3]
['at', 'cheapest', 'languages']
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from tokcost import accounting
from tokcost.errors import TokcostError, WorkloadError, did_you_mean
from tokcost.files import read_user_text
from tokcost.prices import Catalog, default_catalog, parse_date

DATA = Path(__file__).parent / "data"
SAMPLE_WORKLOAD = DATA / "sample_workload.toml"
FLORES = DATA / "flores_sample"
ENGLISH = "eng_Latn"
CACHE_MIN_TOKENS = 1024  # OpenAI caches prompt prefixes from 1024 tokens, in 128-token steps
CACHE_STEP = 128
WORDS_PER_PAGE = 500  # a printed page of English prose
DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini", "o4-mini",
                  "gpt-3.5-turbo-0125"]

WORKLOAD_FIELDS = {
    "workload": ("name", "requests_per_day", "days_per_month", "monthly_growth", "output_tokens",
                 "cache_hit_rate", "batch_share", "models"),
    "request": ("system_prompt", "history_turns", "user_sentences", "assistant_sentences", "tools", "images",
                "response_format"),
}


@dataclass
class Workload:
    name: str
    requests_per_day: Decimal
    languages: dict  # FLORES code -> share of requests (Decimal, sums to 1)
    system_prompt: str = ""
    history_turns: int = 0
    user_sentences: int = 1
    assistant_sentences: int = 2
    tools: list = field(default_factory=list)
    images: list = field(default_factory=list)  # {"width", "height", "detail", "share"}
    response_format: Optional[dict] = None
    output_tokens: int = 200  # per reply in English; other languages scale by their token ratio
    cache_hit_rate: Decimal = Decimal(0)
    batch_share: Decimal = Decimal(0)
    monthly_growth: Decimal = Decimal(0)
    days_per_month: Decimal = Decimal(30)
    models: list = field(default_factory=list)
    examples: dict = field(default_factory=dict)  # FLORES code -> the user's own message text
    path: str = "<memory>"


# ---------------------------------------------------------------- loading

def load_workload(path=None) -> Workload:
    """A workload from a TOML file; the bundled sample when ``path`` is None."""
    path = Path(path) if path is not None else SAMPLE_WORKLOAD
    name = str(path)
    text = read_user_text(path, WorkloadError, "workload file",
                          "check the path, or omit --workload for the sample", "save it as UTF-8 TOML")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise WorkloadError(f"{name}:{match.group(1) if match else 1}: invalid TOML "
                            f"({str(exc).split(' (at')[0]}); fix the syntax") from None
    return _parse(doc, text, name)


def _line(text: str, section: str, key: Optional[str]) -> int:
    lines = text.splitlines()
    start = 0
    for number, line in enumerate(lines):
        if re.match(rf"\s*\[+\s*{re.escape(section)}[\].]", line):
            start = number
            break
    if key is None:
        return start + 1
    for number in range(start, len(lines)):
        if re.match(rf'\s*"?{re.escape(key)}"?\s*=', lines[number]):
            return number + 1
    return start + 1


def _parse(doc: dict, text: str, name: str) -> Workload:
    def fail(section, key, problem, fix):
        where = f"field '{section}.{key}'" if key else f"section [{section}]"
        raise WorkloadError(f"{name}:{_line(text, section, key)}: {where}: {problem}; {fix}")

    for section in doc:
        if section not in ("workload", "request", "languages", "examples"):
            fail(section, None, f"unknown section{did_you_mean(section, ['workload', 'request', 'languages', 'examples'])}",
                 "use [workload], [request], [languages] and [examples]")
    for section in ("workload", "languages"):
        if not isinstance(doc.get(section), dict):
            raise WorkloadError(f"{name}:1: missing section [{section}]; see the bundled sample_workload.toml")
    for section, allowed in WORKLOAD_FIELDS.items():
        for key in doc.get(section, {}):
            if key not in allowed:
                fail(section, key, f"unknown field{did_you_mean(key, allowed)}", f"use one of {', '.join(allowed)}")
    work, req = doc["workload"], doc.get("request", {})

    def number(section, key, default=None, *, low=0, high=None, integer=False):
        table = work if section == "workload" else req
        if key not in table:
            if default is None:
                fail(section, key, "missing", f"add {key} = ... to [{section}]")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(section, key, f"{value!r} is not a number", f"write a number, e.g. {key} = {default or 1}")
        if integer and int(value) != value:
            fail(section, key, f"{value!r} is not a whole number", f"write a whole number, e.g. {key} = {int(value)}")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
            fail(section, key, f"{value!r} is out of range", f"use a value {bounds}")
        return int(value) if integer else Decimal(str(value))

    shares = {}
    for code, share in doc["languages"].items():
        if not (FLORES / f"{code}.txt").exists():
            fail("languages", code, f"no sample text for language{did_you_mean(code, available_languages())}",
                 "use a FLORES code such as hin_Deva (`tokcost languages` lists them)")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            fail("languages", code, f"{share!r} is not a share", "write the share of requests, e.g. 0.25")
        shares[code] = Decimal(str(share))
    total = sum(shares.values(), Decimal(0))
    if not shares or abs(total - 1) > Decimal("0.001"):
        fail("languages", None, f"shares sum to {total}, not 1", "make the language shares add up to 1")
    examples = doc.get("examples", {})
    for code, example in examples.items():
        if code not in shares or not isinstance(example, str):
            fail("examples", code, "not a language of the mix, or not text",
                 "give a text for a language listed in [languages]")
    images = req.get("images", [])
    if not isinstance(images, list):
        fail("request", "images", "not a list", 'write images = [{width = 1024, height = 768, share = 0.1}]')
    for image in images:
        ok = isinstance(image, dict) and all(isinstance(image.get(k), int) and image.get(k) > 0
                                             for k in ("width", "height"))
        share = image.get("share", 1) if isinstance(image, dict) else None
        if not ok or not isinstance(share, (int, float)) or not 0 <= share <= 1 \
                or image.get("detail", "high") not in ("low", "high", "auto"):
            fail("request", "images", f"bad image {image!r}",
                 'each image needs width and height in pixels, detail "low"/"high" and a share from 0 to 1')
    tools = req.get("tools", [])
    if not isinstance(tools, list) or not all(isinstance(t, dict) and "name" in t.get("function", t) for t in tools):
        fail("request", "tools", "each tool needs a name", 'write [[request.tools]] with name, description, parameters')
    models = work.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        fail("workload", "models", f"{models!r} is not a list of names", 'write models = ["gpt-4o-mini", "gpt-4o"]')
    system_prompt = req.get("system_prompt", "")
    if not isinstance(system_prompt, str):
        fail("request", "system_prompt", "not text", 'write it as a string: system_prompt = """..."""')
    return Workload(
        name=str(work.get("name", Path(name).stem)),
        requests_per_day=number("workload", "requests_per_day"),
        languages=shares,
        system_prompt=system_prompt,
        history_turns=number("request", "history_turns", 0, integer=True),
        user_sentences=number("request", "user_sentences", 1, integer=True, low=1),
        assistant_sentences=number("request", "assistant_sentences", 2, integer=True),
        tools=tools,
        images=[{"detail": "high", "share": 1, **image} for image in images],
        response_format=req.get("response_format"),
        output_tokens=number("workload", "output_tokens", 200, integer=True),
        cache_hit_rate=number("workload", "cache_hit_rate", Decimal(0), high=1),
        batch_share=number("workload", "batch_share", Decimal(0), high=1),
        monthly_growth=number("workload", "monthly_growth", Decimal(0), low=-1),
        days_per_month=number("workload", "days_per_month", Decimal(30), low=1, high=31),
        models=list(models),
        examples=dict(examples),
        path=name,
    )


# ---------------------------------------------------------------- token shapes

def available_languages() -> list:
    return sorted(p.stem for p in FLORES.glob("*.txt"))


@lru_cache(maxsize=None)
def _sentences(code: str) -> tuple:
    return tuple(line for line in (FLORES / f"{code}.txt").read_text(encoding="utf-8").splitlines() if line)


@lru_cache(maxsize=None)
def tokens_per_sentence(code: str, encoding_name: str) -> Decimal:
    """Mean tokens of one FLORES sentence in ``code`` (aligned, so languages compare like for like)."""
    import tokcost

    enc = tokcost.get_encoding(encoding_name)
    sentences = _sentences(code)
    return Decimal(sum(enc.count_batch(list(sentences)))) / len(sentences)


def pages_per_million(code: str, encoding_name: str = "o200k_base") -> Decimal:
    """Pages per 1M tokens: a page is the translation of 500 English words of the same FLORES text."""
    english_words = Decimal(sum(len(s.split()) for s in _sentences(ENGLISH))) / len(_sentences(ENGLISH))
    tokens_per_page = tokens_per_sentence(code, encoding_name) * WORDS_PER_PAGE / english_words
    return Decimal(1_000_000) / tokens_per_page


@dataclass
class RequestShape:
    """Tokens of one typical request in one language, for one model."""

    language: str
    input_tokens: Decimal
    cached_input_tokens: Decimal
    output_tokens: Decimal
    parts: dict
    cacheable_tokens: int = 0  # the prefix (tools + system prompt) a cache hit serves


def request_shape(workload: Workload, model: str, language: str) -> RequestShape:
    enc = accounting.counting_encoding(model)
    tps = tokens_per_sentence(language, enc.name)
    ratio = tps / tokens_per_sentence(ENGLISH, enc.name)
    user = workload.examples.get(language)
    user_tokens = enc.count(user) if user is not None else round(tps * workload.user_sentences)
    assistant_tokens = round(tps * workload.assistant_sentences)
    per_message = 3 + 1  # the recipe's 3 per message + the role, one token for system/user/assistant
    system = per_message + enc.count(workload.system_prompt) if workload.system_prompt else 0
    tools = accounting.tool_tokens(workload.tools, model) if workload.tools else 0
    schema = accounting.schema_tokens(workload.response_format, model) if workload.response_format else 0
    history = workload.history_turns * (2 * per_message + user_tokens + assistant_tokens)
    current = per_message + user_tokens + 3  # + reply priming
    images = Decimal(0)
    for image in workload.images:
        try:
            images += Decimal(str(image["share"])) * accounting.image_tokens(
                image["width"], image["height"], image["detail"], model)
        except ValueError:
            pass  # a model without vision: its image share is not priced (noted by the caller)
    prefix = tools + system
    cacheable = (prefix // CACHE_STEP) * CACHE_STEP if prefix >= CACHE_MIN_TOKENS else 0
    total = Decimal(prefix + schema + history + current) + images
    parts = {"system": system, "tools": tools, "response_format": schema, "history": history, "user": current,
             "images": images}
    output = Decimal(round(workload.output_tokens * ratio))
    return RequestShape(language, total, workload.cache_hit_rate * cacheable, output, parts, cacheable)


# ---------------------------------------------------------------- projection

@dataclass
class ModelSpend:
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

    @property
    def cost_per_1k(self) -> Decimal:
        return self.cost_per_request * 1000


@dataclass
class SpendProjection:
    workload: Workload
    at: _dt.date
    months: int
    requests: list  # per month
    models: list  # ModelSpend, in the order asked

    @property
    def cheapest(self) -> ModelSpend:
        return min(self.models, key=lambda m: m.cost_per_request)

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
        return plain({
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
                        "total_usd": sum(m.monthly, Decimal(0)), "per_language": m.per_language, "notes": m.notes}
                       for m in self.models],
            "cheapest": self.cheapest.model,
            "savings": self.savings(),
            "break_even": self.break_even(),
        })


def _cost(price, shape: RequestShape, batch: bool, at, hit_scale: Optional[Decimal] = None) -> Decimal:
    cached = shape.cached_input_tokens
    if hit_scale is not None:  # re-price at another cache hit rate (0 or 1)
        cached = shape.cacheable_tokens * hit_scale
    return price.rates(batch, at).cost(shape.input_tokens, shape.output_tokens, cached)


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
    results = []
    for model in models:
        price = catalog.price(model, day)
        notes = [price.notes] if price.notes else []
        has_batch = price.batch is not None and (price.batch_from is None or day >= price.batch_from)
        if workload.batch_share and not has_batch:
            notes.append("no Batch API price: batch share billed at standard rates")
        per_language = []
        totals = {"mix": Decimal(0), "std": Decimal(0), "batch": Decimal(0), "nocache": Decimal(0), "full": Decimal(0)}
        for code, share in workload.languages.items():
            shape = request_shape(workload, model, code)
            std = _cost(price, shape, False, day)
            bat = _cost(price, shape, True, day) if has_batch else std
            mix = (1 - workload.batch_share) * std + workload.batch_share * bat
            nocache = (1 - workload.batch_share) * _cost(price, shape, False, day, Decimal(0)) + \
                workload.batch_share * (_cost(price, shape, True, day, Decimal(0)) if has_batch else
                                        _cost(price, shape, False, day, Decimal(0)))
            full = (1 - workload.batch_share) * _cost(price, shape, False, day, Decimal(1)) + \
                workload.batch_share * (_cost(price, shape, True, day, Decimal(1)) if has_batch else
                                        _cost(price, shape, False, day, Decimal(1)))
            for key, value in (("mix", mix), ("std", std), ("batch", bat), ("nocache", nocache), ("full", full)):
                totals[key] += share * value
            per_language.append({"language": code, "share": share, "input_tokens": shape.input_tokens,
                                 "cached_input_tokens": shape.cached_input_tokens,
                                 "output_tokens": shape.output_tokens, "cost_per_request_usd": mix,
                                 "cost_per_1k_requests_usd": mix * 1000,
                                 "monthly_usd": mix * share * requests[0] if requests else Decimal(0)})
        if any(img for img in workload.images) and accounting._rule(model, accounting.IMAGE_RULES) is None:
            notes.append("no image token rule for this model: images not priced")
        results.append(ModelSpend(model, price.snapshot, price.short_snapshot, totals["mix"], per_language,
                                  [totals["mix"] * r for r in requests], totals["batch"], totals["std"],
                                  totals["nocache"], totals["full"], notes))
    return SpendProjection(workload, day, months, requests, results)


# ---------------------------------------------------------------- the seed's claims

def claims(at_now=None, at_2022: str = "2022-12-01", catalog: Optional[Catalog] = None) -> dict:
    """The seed's claims as tokcost computes them, with their conditions."""
    catalog = catalog or default_catalog()
    now = parse_date(at_now)
    mini = catalog.price("gpt-4o-mini", now)
    turbo = catalog.price("gpt-3.5-turbo-0125", now)
    davinci = catalog.price("text-davinci-003", at_2022)
    mix = []
    for percent in range(0, 101, 10):
        x = Decimal(percent) / 100
        m = x * mini.standard.input + (1 - x) * mini.standard.output
        t = x * turbo.standard.input + (1 - x) * turbo.standard.output
        d = x * davinci.standard.input + (1 - x) * davinci.standard.output
        mix.append({"input_share_percent": percent, "gpt-4o-mini_usd_per_m": m, "gpt-3.5-turbo-0125_usd_per_m": t,
                    "saving_vs_gpt-3.5_percent": (1 - m / t) * 100, "text-davinci-003_usd_per_m": d,
                    "times_cheaper_than_davinci": d / m})
    # d / m >= 100  <=>  x >= (100 * out_m - d) / (100 * (out_m - in_m)) with d flat
    d = davinci.standard.input
    threshold = (100 * mini.standard.output - d) / (100 * (mini.standard.output - mini.standard.input))
    pages = [{"language": code,
              "pages_per_million_o200k": pages_per_million(code, "o200k_base"),
              "pages_per_million_cl100k": pages_per_million(code, "cl100k_base")}
             for code in available_languages()]
    return {"snapshots": [mini.snapshot, turbo.snapshot, davinci.snapshot],
            "mix": mix, "hundred_x_from_input_share_percent": threshold * 100,
            "pages": pages,
            "conditions": "equal token counts across models; standard (non-batch, uncached) rates; a page is the "
                          f"translation of {WORDS_PER_PAGE} English words of FLORES-200 dev text"}
