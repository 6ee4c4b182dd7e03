"""Exact token accounting of real requests: chat overhead, tools, schemas, images, output.

Chat messages follow OpenAI's published counting recipe (the cookbook's
``num_tokens_from_messages``): 3 tokens per message (4 for gpt-3.5-turbo-0301),
the tokens of every field's value, 1 per ``name`` (-1 on 0301), and 3 that
prime the reply (``<|start|>assistant<|message|>``). Tool definitions follow
the cookbook's ``num_tokens_for_tools``. Images follow OpenAI's vision pricing
guide, with each model's own base and per-tile tokens; Claude's and Gemini's
follow their vendors' vision pages (see ``IMAGE_RULES``).

>>> count_messages([{"role": "user", "content": "hello world"}], model="gpt-4o").total
9
>>> image_tokens(1024, 1024, model="gpt-4o")
765
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping, NamedTuple, Optional, Sequence

from tokcost.errors import TokcostError
from tokcost.model_tokenizers import STAND_IN, ModelTokenizer, tokenizer_for_model
from tokcost.vocab import OPEN_MODELS_EXTRA

# Image token rules per model family, longest prefix wins (None: no rule known):
# ("tile", base, per_tile) or ("patch", multiplier): OpenAI vision guide, "Calculating costs"
#   (platform.openai.com/docs/guides/images-vision);
# ("area",): Anthropic, tokens = width x height / 750 after scaling to a long edge of at most 1568 px and
#   about 1,600 tokens (docs.anthropic.com/en/docs/build-with-claude/vision, "Calculate image costs");
#   Claude Opus 4.7 and later read larger images by another rule, not modelled here;
# ("gemini-tiles", 258): Google, 258 tokens when both sides are <= 384 px, else 258 per 768x768 tile;
# ("fixed", 258): Gemini 1.5, 258 tokens per image (ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens").
IMAGE_RULES = {
    "gpt-4o-mini": ("tile", 2833, 5667),
    "gpt-4o": ("tile", 85, 170),
    "chatgpt-4o": ("tile", 85, 170),
    "gpt-4-turbo": ("tile", 85, 170),
    "gpt-4-vision": ("tile", 85, 170),
    "gpt-4.1": ("tile", 85, 170),
    "gpt-4.5": ("tile", 85, 170),
    "gpt-4.1-mini": ("patch", 1.62),
    "gpt-4.1-nano": ("patch", 2.46),
    "o4-mini": ("patch", 1.72),
    "o1": ("tile", 75, 150),
    "o3": ("tile", 75, 150),
    "gpt-5": ("tile", 70, 140),
    "gpt-5-mini": ("patch", 1.62),
    "gpt-5-nano": ("patch", 2.46),
    "computer-use": ("tile", 65, 129),
    "claude-3": ("area",),
    "claude-4": ("area",),
    "claude-sonnet-4": ("area",),
    "claude-opus-4": ("area",),
    "claude-haiku-4": ("area",),
    "claude-opus-4-7": None,
    "claude-opus-4-8": None,
    "gemini-1.5": ("fixed", 258),
    "gemini-2": ("gemini-tiles", 258),
}
CLAUDE_PIXELS_PER_TOKEN = 750
CLAUDE_MAX_EDGE = 1568
CLAUDE_MAX_TOKENS = 1600  # "more than ~1,600 tokens ... it will first be scaled down"
GEMINI_SMALL = 384
GEMINI_TILE = 768
PATCH = 32
PATCH_CAP = 1536

# Tool-definition constants of the cookbook recipe, by model family.
_TOOL_CONSTANTS = {
    "o200k": dict(func_init=7, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
    "cl100k": dict(func_init=10, prop_init=3, prop_key=3, enum_init=-3, enum_item=3, func_end=12),
}
TOOL_CALL_OVERHEAD = 3  # per call in an assistant message; an estimate, the recipe has none
SCHEMA_OVERHEAD = 8  # response_format wrapper; an estimate, the recipe has none


def counting_encoding(model: str):
    """The encoding a model counts with: its own, or a stand-in (see ``model_tokenizers``)."""
    return counting_tokenizer(model).load()


@functools.lru_cache(maxsize=None)
def counting_tokenizer(model: str) -> ModelTokenizer:
    """``tokenizer_for_model(model)``, loadable here: a family whose package is missing falls back to the
    labelled stand-in, its basis naming what would make it exact (so no count stops for an optional extra).

    >>> counting_tokenizer("gpt-4o-mini").label
    'o200k_base'
    """
    choice = tokenizer_for_model(model)
    try:
        choice.load()
    except (TokcostError, ImportError, OSError) as exc:
        if choice.encoding == STAND_IN:
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "pip install" not in reason:
            reason += f"; pip install 'tokcost[{OPEN_MODELS_EXTRA}]' makes it exact"
        return ModelTokenizer(model, STAND_IN, False,
                              f"estimate: {model}'s tokenizer {choice.encoding} is not available ({reason}); "
                              f"counted with {STAND_IN}")
    return choice


def _rule(model: str, table: dict):
    name = model.lower().rsplit("/", 1)[-1]  # "anthropic/claude-..." as "claude-..."
    best = max((key for key in table if name.startswith(key)), key=len, default=None)
    return table[best] if best else None


def supports_images(model: str) -> bool:
    """Whether tokcost knows how ``model`` counts image tokens (a vision model)."""
    return _rule(model, IMAGE_RULES) is not None


def image_tokens(width: int, height: int, detail: str = "high", model: str = "gpt-4o") -> int:
    """Prompt tokens of one image input, by the rule of ``model``'s family (``IMAGE_RULES``).

    ``detail`` applies to OpenAI's tile rule only.

    >>> image_tokens(2048, 4096, model="gpt-4o")   # 768x1536: 6 tiles
    1105
    >>> image_tokens(4096, 8192, detail="low", model="gpt-4o")
    85
    >>> image_tokens(1000, 1000, model="claude-sonnet-4")   # 1,000,000 / 750
    1334
    >>> image_tokens(1024, 1024, model="gemini-2.0-flash")  # 2 x 2 tiles of 768
    1032
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size {width}x{height} must be positive; give width and height in pixels")
    if detail not in ("low", "high", "auto"):
        raise ValueError(f"detail {detail!r} must be 'low', 'high' or 'auto'")
    rule = _rule(model, IMAGE_RULES)
    if rule is None:
        raise ValueError(f"no image token rule for model {model!r}; use a vision model such as gpt-4o")
    if rule[0] == "patch":
        return math.ceil(_patches(width, height) * rule[1])
    if rule[0] == "area":
        return _claude_tokens(width, height)
    if rule[0] == "fixed":
        return rule[1]
    if rule[0] == "gemini-tiles":
        if width <= GEMINI_SMALL and height <= GEMINI_SMALL:
            return rule[1]
        return math.ceil(width / GEMINI_TILE) * math.ceil(height / GEMINI_TILE) * rule[1]
    _, base, per_tile = rule
    if detail == "low":
        return base
    w, h = float(width), float(height)
    if max(w, h) > 2048:  # fit within 2048 x 2048
        scale = 2048 / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:  # then shortest side to 768 (never upscaled)
        scale = 768 / min(w, h)
        w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return base + per_tile * tiles


def _claude_tokens(width: int, height: int) -> int:
    """Anthropic's rule: scale down (aspect kept) to the size limits, then width x height / 750, rounded up."""
    scale = min(1.0, CLAUDE_MAX_EDGE / max(width, height),
                math.sqrt(CLAUDE_MAX_TOKENS * CLAUDE_PIXELS_PER_TOKEN / (width * height)))
    if scale < 1:
        width, height = math.floor(width * scale), math.floor(height * scale)
    return math.ceil(width * height / CLAUDE_PIXELS_PER_TOKEN)


def _patches(width: int, height: int) -> int:
    patches = math.ceil(width / PATCH) * math.ceil(height / PATCH)
    if patches <= PATCH_CAP:
        return patches
    # Shrink to fit the cap, then so that a whole number of patches fits the width or height.
    shrink = math.sqrt(PATCH * PATCH * PATCH_CAP / (width * height))
    shrink *= min(math.floor(width * shrink / PATCH) / (width * shrink / PATCH),
                  math.floor(height * shrink / PATCH) / (height * shrink / PATCH))
    return min(PATCH_CAP, math.ceil(width * shrink / PATCH) * math.ceil(height * shrink / PATCH))


@dataclass
class RequestTokens:
    """Prompt tokens of one request, by part. ``total`` is what the API bills as input."""

    messages: int = 0
    tools: int = 0
    images: int = 0
    response_format: int = 0

    @property
    def total(self) -> int:
        return self.messages + self.tools + self.images + self.response_format

    def to_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


def _message_constants(model: str):
    if model.startswith("gpt-3.5-turbo-0301"):
        return 4, -1
    return 3, 1


def count_messages(messages: Sequence[dict], model: str = "gpt-4o", tools: Optional[Sequence[dict]] = None,
                   response_format: Optional[dict] = None) -> RequestTokens:
    """Prompt tokens of a chat request, per OpenAI's counting recipe.

    Message content may be a string or a list of parts (``text`` and
    ``image_url`` with ``width``/``height``/``detail``); assistant ``tool_calls``
    count their names and arguments.
    """
    enc = counting_encoding(model)
    result = RequestTokens()
    for message in messages:
        parts = message_parts(message, model)
        result.messages += parts.fixed + sum(map(enc.count, parts.texts))
        result.images += parts.images
    result.messages += 3  # every reply is primed with <|start|>assistant<|message|>
    if tools:
        result.tools = tool_tokens(tools, model)
    if response_format:
        result.response_format = schema_tokens(response_format, model)
    return result


class MessageParts(NamedTuple):
    """One message of a chat request, as ``count_messages`` counts it: ``fixed`` tokens of the format
    around it (per message, per name, per tool call), ``images`` tokens, and the ``texts`` whose tokens
    make the rest. Counters of many messages count all their texts in one batch (``corpus.chat``)."""

    fixed: int
    images: int
    texts: list


def message_parts(message: Mapping[str, Any], model: str = "gpt-4o") -> MessageParts:
    """``message``'s parts (``MessageParts``); ``model`` decides the format's overhead and image rules.

    >>> message_parts({"role": "user", "content": "hello world"})
    MessageParts(fixed=3, images=0, texts=['user', 'hello world'])
    """
    per_message, per_name = _message_constants(model)
    if len(message) == 2:  # most messages: a role and a text
        role, content = message.get("role"), message.get("content")
        if type(role) is str and type(content) is str:
            return MessageParts(per_message, 0, [role, content])
    fixed, images, texts = per_message, 0, []
    for key, value in message.items():
        if key == "content" and isinstance(value, list):
            for part in value:
                if part.get("type") == "text":
                    texts.append(part["text"])
                elif part.get("type") == "image_url":
                    image = part.get("image_url", part)
                    images += image_tokens(int(image["width"]), int(image["height"]), image.get("detail", "high"), model)
        elif key == "tool_calls":
            for call in value:
                function = call.get("function", call)
                arguments = function.get("arguments", "")
                fixed += TOOL_CALL_OVERHEAD
                texts += (function["name"], arguments if isinstance(arguments, str) else json.dumps(arguments))
        elif value is not None:
            texts.append(value if isinstance(value, str) else json.dumps(value))
        if key == "name":
            fixed += per_name
    return MessageParts(fixed, images, texts)


def tool_tokens(tools: Sequence[dict], model: str = "gpt-4o") -> int:
    """Tokens of tool (function) definitions, per the cookbook's ``num_tokens_for_tools``.

    The recipe covers flat parameters; a nested object or array property also
    counts the compact JSON of its schema (an estimate).
    """
    enc = counting_encoding(model)
    c = _TOOL_CONSTANTS["o200k" if enc.name.startswith("o200k") else "cl100k"]
    total = 0
    for tool in tools:
        function = tool.get("function", tool)
        total += c["func_init"]
        description = (function.get("description") or "").removesuffix(".")
        total += enc.count(f"{function['name']}:{description}")
        properties = (function.get("parameters") or {}).get("properties") or {}
        if properties:
            total += c["prop_init"]
            for key, spec in properties.items():
                total += c["prop_key"]
                if "enum" in spec:
                    total += c["enum_init"]
                    for item in spec["enum"]:
                        total += c["enum_item"] + enc.count(str(item))
                p_desc = (spec.get("description") or "").removesuffix(".")
                total += enc.count(f"{key}:{spec.get('type', '')}:{p_desc}")
                nested = {k: v for k, v in spec.items() if k in ("properties", "items")}
                if nested:
                    total += enc.count(json.dumps(nested, separators=(",", ":")))
    if tools:
        total += c["func_end"]
    return total


def schema_tokens(response_format: dict, model: str = "gpt-4o") -> int:
    """Tokens of a structured-output schema: its compact JSON plus a small wrapper (an estimate)."""
    enc = counting_encoding(model)
    schema = response_format.get("json_schema", response_format)
    return SCHEMA_OVERHEAD + enc.count(json.dumps(schema, separators=(",", ":"), ensure_ascii=False))


def estimate_output_tokens(expected: Optional[int] = None, ratio: Optional[float] = None,
                           input_tokens: int = 0, text: Optional[str] = None, model: str = "gpt-4o") -> int:
    """Expected output tokens: a given count, a typical reply's text, or ``ratio`` x input tokens.

    >>> estimate_output_tokens(ratio=0.25, input_tokens=1000)
    250
    """
    if expected is not None:
        return int(expected)
    if text is not None:
        return counting_encoding(model).count(text)
    if ratio is not None:
        return round(ratio * input_tokens)
    raise ValueError("give expected output tokens, a typical reply's text, or a ratio to input tokens")
