"""A workload file (TOML): its schema, checked by pydantic, and the ``Workload`` it loads into.

The bundled ``sample_workload.toml`` shows every field. Errors name the file,
the line, the field and the fix::

    w.toml:4: field 'workload.requests_per_day': 'lots' is not a number; write a number, e.g. requests_per_day = 1

>>> load_workload().requests_per_day
Decimal('40000')
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Dict, List, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator

from tokcost.bundled import SAMPLE_WORKLOAD
from tokcost.errors import WorkloadError, did_you_mean
from tokcost.file_schema import FieldProblem, Issue, parse, text_value, unknown_key, validate
from tokcost.files import read_user_text
from tokcost.spend.reasoning import EFFORT_TOKENS
from tokcost.spend.samples import available_languages, has_sample


@dataclass
class Workload:
    """A typical request, its volume and its language mix."""

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
    reasoning: dict = field(default_factory=dict)  # model family (or "default") -> tokens or effort


# ---------------------------------------------------------------- field types


def _number(low=0, high=None, *, whole: bool = False, example=1):
    """A number from ``low`` to ``high``: Decimal (as written, 0.1 stays 0.1) or, ``whole``, int."""

    def check(value: Any):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FieldProblem(f"{value!r} is not a number", f"write a number, e.g. {{field}} = {example}")
        if not math.isfinite(value):
            raise FieldProblem(f"{value!r} is not a finite number", f"write a number, e.g. {{field}} = {example}")
        if whole and int(value) != value:
            raise FieldProblem(f"{value!r} is not a whole number",
                               f"write a whole number, e.g. {{field}} = {int(value)}")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise FieldProblem(f"{value!r} is out of range", f"use a value {bounds}")
        return int(value) if whole else Decimal(str(value))

    return Annotated[int if whole else Decimal, BeforeValidator(check)]


def _table(value: Any, fix: str) -> dict:
    if not isinstance(value, dict):
        raise FieldProblem(f"{value!r} is not a table", fix)
    return value


def _section(value: Any) -> dict:
    return _table(value, "write it as a table: a [section] header followed by its fields")


def _response_format(value: Any) -> dict:
    return _table(value, "write it as [request.response_format] holding the JSON schema")


def _system_prompt(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldProblem("not text", 'write it as a string: system_prompt = """..."""')
    return value


def _models(value: Any) -> list:
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise FieldProblem(f"{value!r} is not a list of names", 'write models = ["gpt-4o-mini", "gpt-4o"]')
    return list(value)


def _tools(value: Any) -> list:
    def named(tool) -> bool:
        function = tool.get("function", tool) if isinstance(tool, dict) else None
        return isinstance(function, dict) and "name" in function

    if not isinstance(value, list) or not all(named(tool) for tool in value):
        raise FieldProblem("each tool needs a name", "write [[request.tools]] with name, description, parameters")
    return value


def _images(value: Any) -> list:
    """Images as {"width", "height", "detail", "share"}; detail "high" and share 1 unless given."""
    if not isinstance(value, list):
        raise FieldProblem("not a list", "write images = [{width = 1024, height = 768, share = 0.1}]")
    for image in value:
        sized = isinstance(image, dict) and all(isinstance(image.get(k), int) and image.get(k) > 0
                                                for k in ("width", "height"))
        share = image.get("share", 1) if isinstance(image, dict) else None
        if not sized or isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1 \
                or image.get("detail", "high") not in ("low", "high", "auto"):
            raise FieldProblem(f"bad image {image!r}", 'each image needs width and height in pixels, '
                               'detail "low"/"high" and a share from 0 to 1')
    return [{"detail": "high", "share": 1, **image} for image in value]


NonNegative = _number(0)
Share = _number(0, 1)
Growth = _number(-1)
DaysPerMonth = _number(1, 31, example=30)
Count = _number(0, whole=True)
AtLeastOne = _number(1, whole=True)
OutputTokens = _number(0, whole=True, example=200)
Sentences = _number(0, whole=True, example=2)

# ---------------------------------------------------------------- the schema


class WorkloadSection(BaseModel):
    """[workload]: volume, growth, reply length, caching, batch, the models to price."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Optional[str], BeforeValidator(text_value)] = None
    requests_per_day: NonNegative
    days_per_month: DaysPerMonth = Decimal(30)
    monthly_growth: Growth = Decimal(0)
    output_tokens: OutputTokens = 200
    cache_hit_rate: Share = Decimal(0)
    batch_share: Share = Decimal(0)
    models: Annotated[List[str], BeforeValidator(_models)] = []


class RequestSection(BaseModel):
    """[request]: what one typical request sends."""

    model_config = ConfigDict(extra="forbid")

    system_prompt: Annotated[str, BeforeValidator(_system_prompt)] = ""
    history_turns: Count = 0
    user_sentences: AtLeastOne = 1
    assistant_sentences: Sentences = 2
    tools: Annotated[list, BeforeValidator(_tools)] = []
    images: Annotated[list, BeforeValidator(_images)] = []
    response_format: Annotated[Optional[dict], BeforeValidator(_response_format)] = None


SECTIONS = ("workload", "request", "languages", "examples", "reasoning")


def _reasoning(value: Any) -> dict:
    """[reasoning]: per model family (or ``default``), reasoning tokens per request or an effort level."""
    _table(value, 'write reasoning per model family, e.g. [reasoning] default = "medium", o4-mini = 1500')
    for family, setting in value.items():
        if isinstance(setting, bool) or not (isinstance(setting, int) and setting >= 0 or setting in EFFORT_TOKENS):
            raise FieldProblem(f"{setting!r} is neither a token count nor an effort",
                               f"write tokens per request (e.g. {family} = 1500) or one of "
                               f"{', '.join(repr(e) for e in EFFORT_TOKENS)}", at=family)
    return dict(value)


class WorkloadFile(BaseModel):
    """The whole file. Checked in this order, so [examples] can refer to [languages]."""

    model_config = ConfigDict(extra="forbid")

    workload: Annotated[WorkloadSection, BeforeValidator(_section)]
    languages: Dict[str, Decimal]
    request: Annotated[RequestSection, BeforeValidator(_section)] = RequestSection()
    examples: Dict[str, str] = {}
    reasoning: Annotated[dict, BeforeValidator(_reasoning)] = {}

    @field_validator("languages", mode="before")
    @classmethod
    def _shares(cls, value: Any) -> dict:
        _table(value, "write the share of requests per FLORES code, e.g. eng_Latn = 0.5")
        shares = {}
        for code, share in value.items():
            if not has_sample(code):
                raise FieldProblem(f"no sample text for language{_hint(code, available_languages())}",
                                   "use a FLORES code such as hin_Deva (`tokcost languages` lists them)", at=code)
            if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
                raise FieldProblem(f"{share!r} is not a share", "write the share of requests, e.g. 0.25", at=code)
            shares[code] = Decimal(str(share))
        total = sum(shares.values(), Decimal(0))
        if not shares or abs(total - 1) > Decimal("0.001"):
            raise FieldProblem(f"shares sum to {total}, not 1", "make the language shares add up to 1")
        return shares

    @field_validator("examples", mode="before")
    @classmethod
    def _examples(cls, value: Any, info: ValidationInfo) -> dict:
        _table(value, 'write the user\'s message per language, e.g. eng_Latn = "Where is my order?"')
        if "languages" not in info.data:
            return value  # [languages] has its own error
        languages = info.data["languages"]
        for code, example in value.items():
            if code not in languages:
                raise FieldProblem("not a language of the mix", "give a text for a language listed in [languages]",
                                   at=code)
            if not isinstance(example, str):
                raise FieldProblem(f"{example!r} is not text",
                                   f'write the user\'s message in quotes, e.g. {code} = "Where is my order?"', at=code)
        return value


def _hint(name: str, candidates) -> str:
    hint = did_you_mean(name, candidates).strip()
    return f" ({hint})" if hint else ""


def _describe(issue: Issue):
    """Words for an issue of a workload file, and the location whose line to report."""
    loc = issue.loc
    section = str(loc[0])
    if len(loc) == 1:
        if issue.kind == "missing":
            issue.problem, issue.fix = f"missing section [{section}]", "see the bundled sample_workload.toml"
            return "", ()
        if issue.kind == "unknown":
            issue.problem = f"unknown section{_hint(section, SECTIONS)}"
            issue.fix = "use [workload], [request], [languages], [examples] and [reasoning]"
        return f"section [{section}]: ", loc
    key = str(loc[1])
    if issue.kind == "missing":
        issue.problem, issue.fix = "missing", f"add {key} = ... to [{section}]"
    elif issue.kind == "unknown":
        allowed = list((WorkloadSection if section == "workload" else RequestSection).model_fields)
        issue.problem, issue.fix = unknown_key(key, allowed), f"use one of {', '.join(allowed)}"
    return f"field '{section}.{key}': ", loc[:2]


# ---------------------------------------------------------------- loading


def load_workload(path=None) -> Workload:
    """A workload from a TOML file; the bundled sample when ``path`` is None."""
    path = Path(path) if path is not None else SAMPLE_WORKLOAD
    name = str(path)
    text = read_user_text(path, WorkloadError, "workload file",
                          "check the path, or omit --workload for the sample", "save it as UTF-8 TOML")
    document = parse(text, name, WorkloadError, "fix the syntax")
    checked = validate(WorkloadFile, document, text=text, name=name, error=WorkloadError, describe=_describe,
                       fix="see the bundled sample_workload.toml")
    work, request = checked.workload, checked.request
    return Workload(
        name=work.name if work.name is not None else path.stem,
        requests_per_day=work.requests_per_day,
        languages=checked.languages,
        system_prompt=request.system_prompt,
        history_turns=request.history_turns,
        user_sentences=request.user_sentences,
        assistant_sentences=request.assistant_sentences,
        tools=request.tools,
        images=request.images,
        response_format=request.response_format,
        output_tokens=work.output_tokens,
        cache_hit_rate=work.cache_hit_rate,
        batch_share=work.batch_share,
        monthly_growth=work.monthly_growth,
        days_per_month=work.days_per_month,
        models=list(work.models),
        examples=dict(checked.examples),
        path=name,
        reasoning=dict(checked.reasoning),
    )
