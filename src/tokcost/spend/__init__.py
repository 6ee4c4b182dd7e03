"""Spend of a workload across models, and the GPT-4o mini launch claims.

A workload file (TOML) describes a typical request; every language in its mix
is priced with its own tokens, measured on aligned FLORES sentences (or the
user's own examples), with each model's own encoding.

- ``workload.py``: the file's schema and ``load_workload``
- ``samples.py``: tokens per FLORES sentence, pages per million tokens
- ``request_shape.py``: the tokens of one typical request
- ``projection.py``: monthly spend per model, savings, break-even
- ``claims.py``: the GPT-4o mini launch claims (OpenAI, 2024-07-18), checked

>>> result = project(load_workload(), models=["gpt-4o-mini"], months=3, at="2026-11-25")
>>> result.models[0].model
'gpt-4o-mini'
"""

from tokcost.bundled import SAMPLE_WORKLOAD
from tokcost.errors import WorkloadError
from tokcost.spend.claims import claims
from tokcost.spend.projection import DEFAULT_MODELS, ModelSpend, SpendProjection, project
from tokcost.spend.request_shape import CACHE_MIN_TOKENS, CACHE_STEP, RequestShape, request_shape
from tokcost.spend.samples import WORDS_PER_PAGE, available_languages, pages_per_million, tokens_per_sentence
from tokcost.spend.workload import Workload, load_workload

__all__ = [
    "SAMPLE_WORKLOAD", "WorkloadError", "Workload", "load_workload", "DEFAULT_MODELS", "ModelSpend",
    "SpendProjection", "project", "RequestShape", "request_shape", "CACHE_MIN_TOKENS", "CACHE_STEP", "claims",
    "WORDS_PER_PAGE", "available_languages", "pages_per_million", "tokens_per_sentence",
]
