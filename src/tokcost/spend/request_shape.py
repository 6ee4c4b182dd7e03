"""Tokens of one typical request of a workload, in one language, for one model.

Every part is counted with the model's own encoding: the system prompt and
tool definitions (the cacheable prefix), the response schema, earlier turns,
the user's message (FLORES sentences of that language, or the user's own
example), images, and the reply (English reply length scaled by the
language's token ratio).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import tokcost.accounting as accounting
from tokcost.bundled import ENGLISH
from tokcost.spend.samples import tokens_per_sentence
from tokcost.spend.workload import Workload

CACHE_MIN_TOKENS = 1024  # OpenAI caches prompt prefixes from 1024 tokens, in 128-token steps
CACHE_STEP = 128
PER_MESSAGE = 3 + 1  # the chat recipe's 3 per message + the role, one token for system/user/assistant
REPLY_PRIMING = 3


@dataclass
class RequestShape:
    """Tokens of one typical request in one language, for one model."""

    language: str
    input_tokens: Decimal
    cached_input_tokens: Decimal
    output_tokens: Decimal
    parts: dict
    cacheable_tokens: int = 0  # the prefix (tools + system prompt) a cache hit serves
    largest_request_tokens: int = 0  # in + out of this language's largest request (with its largest image)


def request_shape(workload: Workload, model: str, language: str) -> RequestShape:
    """The tokens of ``workload``'s typical request in ``language`` on ``model``."""
    enc = accounting.counting_encoding(model)
    tps = tokens_per_sentence(language, enc.name)
    ratio = tps / tokens_per_sentence(ENGLISH, enc.name)
    user = workload.examples.get(language)
    user_tokens = enc.count(user) if user is not None else round(tps * workload.user_sentences)
    assistant_tokens = round(tps * workload.assistant_sentences)
    system = PER_MESSAGE + enc.count(workload.system_prompt) if workload.system_prompt else 0
    tools = accounting.tool_tokens(workload.tools, model) if workload.tools else 0
    schema = accounting.schema_tokens(workload.response_format, model) if workload.response_format else 0
    history = workload.history_turns * (2 * PER_MESSAGE + user_tokens + assistant_tokens)
    current = PER_MESSAGE + user_tokens + REPLY_PRIMING
    images = _image_tokens(workload, model)
    prefix = tools + system
    cacheable = (prefix // CACHE_STEP) * CACHE_STEP if prefix >= CACHE_MIN_TOKENS else 0
    total = Decimal(prefix + schema + history + current) + images
    parts = {"system": system, "tools": tools, "response_format": schema, "history": history, "user": current,
             "images": images}
    output = Decimal(round(workload.output_tokens * ratio))
    largest = prefix + schema + history + current + _largest_image(workload, model) + int(output)
    return RequestShape(language, total, workload.cache_hit_rate * cacheable, output, parts, cacheable, largest)


def _largest_image(workload: Workload, model: str) -> int:
    """Tokens of the largest image a request may carry (what a context window must hold), 0 without images."""
    if not accounting.supports_images(model):
        return 0
    return max((accounting.image_tokens(image["width"], image["height"], image["detail"], model)
                for image in workload.images if image["share"]), default=0)


def _image_tokens(workload: Workload, model: str) -> Decimal:
    """Image tokens per request: each image's tokens times the share of requests that carry it."""
    if not accounting.supports_images(model):
        return Decimal(0)  # a model without vision: its image share is not priced (the projection notes it)
    return sum((Decimal(str(image["share"])) * accounting.image_tokens(image["width"], image["height"],
                                                                       image["detail"], model)
                for image in workload.images), Decimal(0))
