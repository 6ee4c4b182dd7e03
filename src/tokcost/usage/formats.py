"""Each provider's usage report, read into one ``UsageRecord``: what its numbers include, and its tier.

What the fields include differs by provider, and getting it wrong bills cached
tokens twice or never:

* OpenAI Chat Completions: ``prompt_tokens`` includes
  ``prompt_tokens_details.cached_tokens``; ``completion_tokens`` includes
  ``completion_tokens_details.reasoning_tokens``.
* OpenAI Responses: ``input_tokens`` includes ``input_tokens_details.cached_tokens``;
  ``output_tokens`` includes ``output_tokens_details.reasoning_tokens``.
* Anthropic Messages: ``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens``; writes split by TTL in ``cache_creation``
  (no split: the default 5-minute TTL); thinking is inside ``output_tokens``.
* Gemini: ``promptTokenCount`` includes ``cachedContentTokenCount``;
  ``toolUsePromptTokenCount`` and ``thoughtsTokenCount`` come on top of the
  prompt and candidates counts, and bill as input and output.
* OpenTelemetry GenAI spans: ``gen_ai.usage.input_tokens`` includes cache reads
  and writes (``gen_ai.usage.cache_read.input_tokens``,
  ``gen_ai.usage.cache_creation.input_tokens``), as the semantic conventions ask.

``parse(obj, fmt)`` reads a provider's response object (a bare one, or wrapped
in a batch result or a log line with ``request``/``response``); ``detect`` names
the format of a record.

>>> record = parse({"model": "gpt-4o-mini", "created": 1762000000,
...                 "usage": {"prompt_tokens": 2000, "completion_tokens": 300,
...                           "prompt_tokens_details": {"cached_tokens": 1024}}}, None, "log:1")
>>> record.format, record.usage.input_tokens, record.usage.cache_read_tokens
('openai_chat', 2000, 1024)
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

from tokcost.errors import PriceError
from tokcost.prices.billing import Usage
from tokcost.usage.fields import as_count, count, text_of, timestamp
from tokcost.usage.record import PROVIDER_OF_FORMAT, RecordProblem, Skipped, UsageRecord
from tokcost.usage.spans import span_fields

_OPENAI_TIERS = {"default": "standard", "auto": "standard", "standard": "standard", "flex": "flex",
                 "priority": "priority", "batch": "batch"}
_ANTHROPIC_TIERS = {"standard": "standard", "priority": "priority", "batch": "batch"}
# Every numeric usage field each format is known to report; any other is noted as not in the cost.
_KNOWN = {
    "openai_chat": {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details.cached_tokens",
                    "prompt_tokens_details.audio_tokens", "completion_tokens_details.reasoning_tokens",
                    "completion_tokens_details.audio_tokens", "completion_tokens_details.accepted_prediction_tokens",
                    "completion_tokens_details.rejected_prediction_tokens"},
    "openai_responses": {"input_tokens", "output_tokens", "total_tokens", "input_tokens_details.cached_tokens",
                         "output_tokens_details.reasoning_tokens"},
    "anthropic": {"input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
                  "cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
                  "server_tool_use.web_search_requests"},
    "gemini": {"promptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount",
               "toolUsePromptTokenCount", "totalTokenCount"},
}
_TIMESTAMP_KEYS = ("created", "created_at", "createTime", "create_time", "timestamp", "time", "start_time",
                   "startTime", "ts")
_OPENAI_MODEL_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-", "codex-", "computer-use")
FORMAT_FIX = "name the format with --format openai_chat|openai_responses|anthropic|gemini|otel"


def detect(response: dict) -> str:
    """The format of a provider response object (already unwrapped), or RecordProblem."""
    if isinstance(response.get("usageMetadata"), dict) or isinstance(response.get("usage_metadata"), dict):
        return "gemini"
    attributes = response.get("attributes")
    if isinstance(attributes, (dict, list)) and _has_gen_ai(attributes):
        return "otel"
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise RecordProblem("", "not a usage record (no usage, usageMetadata or gen_ai.usage.* attributes)",
                            "give provider responses or log lines that hold them, or " + FORMAT_FIX)
    if "prompt_tokens" in usage or response.get("object") == "chat.completion":
        return "openai_chat"
    if response.get("type") == "message" or any(key.startswith("cache_") for key in usage) \
            or str(response.get("model", "")).startswith("claude"):
        return "anthropic"
    if response.get("object") == "response" or "input_tokens_details" in usage or "output_tokens_details" in usage \
            or str(response.get("model", "")).startswith(_OPENAI_MODEL_PREFIXES):
        return "openai_responses"
    raise RecordProblem("usage", "has input_tokens/output_tokens but nothing says whose API reported them",
                        FORMAT_FIX)


def _has_gen_ai(attributes) -> bool:
    keys = attributes.keys() if isinstance(attributes, dict) else (a.get("key", "") for a in attributes
                                                                   if isinstance(a, dict))
    return any(str(key).startswith("gen_ai.") for key in keys)


def unwrap(obj: dict) -> tuple:
    """(response object, request object or None, tier from a batch-file marker or None) of a log record."""
    if not isinstance(obj, dict):
        raise RecordProblem("", f"a record must be a JSON object, not {type(obj).__name__}",
                            "write one response object per line (JSONL) or a list of them (JSON)")
    if "custom_id" in obj and ("response" in obj or "error" in obj):  # OpenAI Batch API output line
        body = (obj.get("response") or {}).get("body") if isinstance(obj.get("response"), dict) else None
        if not isinstance(body, dict) or obj.get("error"):
            raise Skipped("errored batch requests (not billed)")
        return body, None, "batch"
    if "custom_id" in obj and isinstance(obj.get("result"), dict):  # Anthropic Message Batches result
        result = obj["result"]
        if result.get("type") != "succeeded" or not isinstance(result.get("message"), dict):
            raise Skipped(f"{result.get('type', 'unknown')} batch requests (not billed)")
        return result["message"], None, "batch"
    if set(obj) <= {"key", "response", "error", "status"} and "key" in obj:  # Gemini batch output line
        if not isinstance(obj.get("response"), dict):
            raise Skipped("errored batch requests (not billed)")
        return obj["response"], None, "batch"
    if obj.get("object") == "chat.completion.chunk" and not obj.get("usage"):
        raise Skipped("stream chunks without usage (a streamed request reports usage in its last chunk)")
    if isinstance(obj.get("response"), dict) and "usage" not in obj and "usageMetadata" not in obj:
        request = obj.get("request") if isinstance(obj.get("request"), dict) else None
        return obj["response"], request, None
    return obj, (obj.get("request") if isinstance(obj.get("request"), dict) else None), None


def parse(obj: Any, fmt: Optional[str], where: str, tier: Optional[str] = None, text: bool = True) -> UsageRecord:
    """One ``UsageRecord`` from a log record; ``fmt`` None detects it; ``tier`` applies when the log has none.

    ``text`` False leaves the messages' text out (only a what-if on another tokenizer needs it).
    """
    response, request, marked_tier = unwrap(obj)
    fmt = fmt or detect(response)
    reader = _READERS[fmt]
    fields = reader(response)
    logged_tier = fields.pop("tier", None)
    stated = marked_tier or logged_tier  # a batch result's body may still say service_tier "default"
    fields["tier"] = stated or tier or "standard"
    model = fields.pop("model") or _model_from(obj)
    if not model:
        raise RecordProblem("model", "no model named", "log the response's model field, or the span's "
                            "gen_ai.response.model attribute")
    at = fields.pop("at") or _timestamp_from(obj)
    prompt = fields.pop("prompt_text", None)
    output = fields.pop("output_text", None)
    if text:
        prompt = text_of(prompt) if prompt is not None else _request_text(request) if request is not None else None
        output = text_of(output)
    else:
        prompt = output = None
    extras = fields.pop("extras", {})
    provider = fields.pop("provider", "") or PROVIDER_OF_FORMAT[fmt]
    notes = tuple(fields.pop("notes", ())) + _unknown_fields(fmt, response)
    tags = {**_tags(obj), **fields.pop("tags", {})}
    try:
        usage = Usage(**fields)
    except PriceError as exc:
        raise RecordProblem("usage", str(exc), "the counts contradict each other; check the log") from None
    return UsageRecord(where=where, format=fmt, provider=provider, model=str(model).removeprefix("models/"),
                       usage=usage, at=at, tier_stated=bool(stated), tags=tags, prompt_text=prompt or None,
                       output_text=output or None, extras=extras, notes=notes)


def _unknown_fields(fmt: str, response: dict) -> tuple:
    """Notes for numeric usage fields this format is not known to report (a new charge would hide there)."""
    known = _KNOWN.get(fmt)
    usage = response.get("usageMetadata") or response.get("usage_metadata") or response.get("usage")
    if known is None or not isinstance(usage, dict):
        return ()
    if "usage_metadata" in response:
        known = {_snake(name) for name in known}
    return tuple(f"usage field {name} is unknown to tokcost and not in the cost"
                 for name, value in _numbers(usage) if name not in known and value)


def _numbers(container: dict, prefix: str = "") -> list:
    found = []
    for key, value in container.items():
        if isinstance(value, dict):
            found += _numbers(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append((f"{prefix}{key}", value))
    return found


def _timestamp_from(obj: dict) -> Optional[_dt.datetime]:
    for key in _TIMESTAMP_KEYS:
        if obj.get(key) is not None:
            return timestamp(obj[key], key)
    return None


def _model_from(obj: dict) -> Optional[str]:
    for holder in (obj, obj.get("request") if isinstance(obj.get("request"), dict) else {}):
        if isinstance(holder.get("model"), str):
            return holder["model"]
    return None


def _tags(obj: dict, prefix: str = "") -> dict:
    """Scalar fields of the log record by dotted path (metadata.user, ...), for --by."""
    tags = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key not in ("usage", "usageMetadata"):
            tags.update(_tags(value, name + "."))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(str(value)) <= 200:
            tags[name] = str(value)
    return tags


def _tier(value: Any, table: dict, field_name: str) -> Optional[str]:
    if value is None:
        return None
    tier = table.get(str(value).lower())
    if tier is None:
        raise RecordProblem(field_name, f"service tier {value!r} is not one tokcost prices "
                            f"({', '.join(sorted(table))})",
                            "replay it as another with --billed-tier standard|batch|flex|priority")
    return tier


def _request_text(request: dict) -> Optional[str]:
    return text_of({key: request[key] for key in ("system", "instructions", "messages", "input", "contents",
                                                  "prompt") if key in request}) or None


# --- the readers ---------------------------------------------------------------------------------------

def _openai_chat(response: dict) -> dict:
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise RecordProblem("usage", "missing", "log the whole chat.completion response, usage included")
    output = count(usage, "completion_tokens")
    choices = response.get("choices") if isinstance(response.get("choices"), list) else []
    return {"model": response.get("model"), "at": timestamp(response.get("created"), "created"),
            "tier": _tier(response.get("service_tier"), _OPENAI_TIERS, "service_tier"),
            "input_tokens": count(usage, "prompt_tokens"), "output_tokens": output,
            "cache_read_tokens": count(usage, "prompt_tokens_details.cached_tokens"),
            "input_audio_tokens": count(usage, "prompt_tokens_details.audio_tokens"),
            "reasoning_tokens": count(usage, "completion_tokens_details.reasoning_tokens"),
            "output_audio_tokens": count(usage, "completion_tokens_details.audio_tokens"),
            "output_text": [c.get("message") for c in choices if isinstance(c, dict)]}


def _openai_responses(response: dict) -> dict:
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise RecordProblem("usage", "missing", "log the whole response object, usage included")
    output_items = response.get("output") if isinstance(response.get("output"), list) else []
    return {"model": response.get("model"), "at": timestamp(response.get("created_at"), "created_at"),
            "tier": _tier(response.get("service_tier"), _OPENAI_TIERS, "service_tier"),
            "input_tokens": count(usage, "input_tokens"), "output_tokens": count(usage, "output_tokens"),
            "cache_read_tokens": count(usage, "input_tokens_details.cached_tokens"),
            "reasoning_tokens": count(usage, "output_tokens_details.reasoning_tokens"),
            "output_text": [item.get("content") for item in output_items if isinstance(item, dict)]
            + [response.get("output_text")]}


def _anthropic(response: dict) -> dict:
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise RecordProblem("usage", "missing", "log the whole Messages response, usage included")
    reads = count(usage, "cache_read_input_tokens")
    writes = count(usage, "cache_creation_input_tokens")
    split = usage.get("cache_creation")
    write_5m, write_1h = writes, 0
    if isinstance(split, dict):
        write_5m = count(usage, "cache_creation.ephemeral_5m_input_tokens")
        write_1h = count(usage, "cache_creation.ephemeral_1h_input_tokens")
        if writes and write_5m + write_1h != writes:
            raise RecordProblem("usage.cache_creation", f"5m + 1h writes ({write_5m} + {write_1h}) differ from "
                                f"cache_creation_input_tokens ({writes})", "log the usage object unchanged")
    searches = count(usage, "server_tool_use.web_search_requests")
    content = response.get("content")
    return {"model": response.get("model"), "at": None,
            "tier": _tier(usage.get("service_tier"), _ANTHROPIC_TIERS, "usage.service_tier"),
            # Anthropic's input_tokens leaves out cache reads and writes; Usage.input_tokens counts them.
            "input_tokens": count(usage, "input_tokens") + reads + write_5m + write_1h,
            "cache_read_tokens": reads, "cache_write_5m_tokens": write_5m, "cache_write_1h_tokens": write_1h,
            "output_tokens": count(usage, "output_tokens"),
            "extras": {"web_search_requests": searches} if searches else {},
            "output_text": content}


def _gemini(response: dict) -> dict:
    meta = response.get("usageMetadata") or response.get("usage_metadata")
    if not isinstance(meta, dict):
        raise RecordProblem("usageMetadata", "missing", "log the whole generateContent response, usageMetadata included")
    snake = "usageMetadata" not in response
    key = (lambda camel: _snake(camel)) if snake else (lambda camel: camel)
    prompt = count(meta, key("promptTokenCount"))
    tool_prompt = count(meta, key("toolUsePromptTokenCount"))
    thoughts = count(meta, key("thoughtsTokenCount"))
    modality = _modalities(meta.get(key("promptTokensDetails")), key("promptTokensDetails"))
    out_modality = _modalities(meta.get(key("candidatesTokensDetails")), key("candidatesTokensDetails"))
    candidates = response.get("candidates") if isinstance(response.get("candidates"), list) else []
    return {"model": response.get("modelVersion") or response.get("model_version") or response.get("model"),
            "at": timestamp(response.get("createTime") or response.get("create_time"), "createTime"),
            "input_tokens": prompt + tool_prompt,
            "cache_read_tokens": count(meta, key("cachedContentTokenCount")),
            "input_audio_tokens": modality.get("AUDIO", 0), "input_image_tokens": modality.get("IMAGE", 0),
            # thoughts are billed as output but not counted in candidatesTokenCount
            "output_tokens": count(meta, key("candidatesTokenCount")) + thoughts, "reasoning_tokens": thoughts,
            "output_audio_tokens": out_modality.get("AUDIO", 0),
            "output_text": [c.get("content") for c in candidates if isinstance(c, dict)]}


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def _modalities(details: Any, field_name: str) -> dict:
    if details is None:
        return {}
    if not isinstance(details, list):
        raise RecordProblem(field_name, "is not a list of {modality, tokenCount}", "log usageMetadata unchanged")
    tokens: dict = {}
    for item in details:
        if isinstance(item, dict):
            name = str(item.get("modality", "")).upper()
            tokens[name] = tokens.get(name, 0) + as_count(item.get("tokenCount", item.get("token_count", 0)),
                                                          f"{field_name}.tokenCount")
    return tokens


_READERS = {"openai_chat": _openai_chat, "openai_responses": _openai_responses, "anthropic": _anthropic,
            "gemini": _gemini, "otel": span_fields}
