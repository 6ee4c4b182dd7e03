"""OpenTelemetry GenAI spans: OTLP-JSON ``resourceSpans`` flattened, and a span's ``gen_ai.*`` usage read.

Two export shapes are read: OTLP JSON (``resourceSpans`` → ``scopeSpans`` →
``spans``, attributes as ``[{key, value: {intValue: "12"}}]``, as the collector's
file exporter writes it) and flat spans (``attributes`` as a plain object, as
the Python SDK's console exporter writes them). Attribute names follow the
GenAI semantic conventions; the older names some instrumentations still emit
(``gen_ai.usage.prompt_tokens``, ``gen_ai.usage.cache_read_input_tokens``) are
read too.

>>> doc = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [
...     {"spanId": "a1", "startTimeUnixNano": "1762000000000000000", "attributes": [
...         {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
...         {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}}]}]}]}]}
>>> span = next(otlp_spans(doc))
>>> span_fields(span)["input_tokens"], span_fields(span)["model"]
(1000, 'gpt-4o-mini')
"""

from __future__ import annotations

from typing import Any, Iterator

from tokcost.usage.fields import as_count, json_text, text_of, timestamp
from tokcost.usage.record import RecordProblem

_PROVIDERS = {"openai": "openai", "azure.ai.openai": "openai", "az.ai.openai": "openai", "anthropic": "anthropic",
              "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google", "gemini": "google",
              "google": "google", "vertex_ai": "google", "aws.bedrock": "aws", "mistral_ai": "mistral",
              "deepseek": "deepseek", "x_ai": "x-ai", "cohere": "cohere"}
_TIERS = {"default": "standard", "auto": "standard", "standard": "standard", "flex": "flex",
          "priority": "priority", "batch": "batch"}


def is_otlp(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("resourceSpans"), list)


def otlp_spans(doc: dict) -> Iterator[dict]:
    """Each span of an OTLP-JSON export as a flat span (attributes a dict, resource attributes merged under)."""
    for resource_spans in doc.get("resourceSpans") or []:
        resource = _attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or resource_spans.get("instrumentationLibrarySpans") or []:
            for span in scope_spans.get("spans") or []:
                flat = {key: value for key, value in span.items() if key != "attributes"}
                flat["attributes"] = {**resource, **_attributes(span.get("attributes"))}
                yield flat


def _attributes(items: Any) -> dict:
    if isinstance(items, dict):
        return items
    attributes = {}
    for item in items or []:
        if isinstance(item, dict) and "key" in item:
            attributes[item["key"]] = _value(item.get("value"))
    return attributes


def _value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    for kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if kind in value:
            return value[kind]
    if "arrayValue" in value:
        return [_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    return None


def _first(attributes: dict, *names: str) -> tuple:
    for name in names:
        if attributes.get(name) is not None:
            return name, attributes[name]
    return names[0], None


def _count(attributes: dict, *names: str) -> int:
    name, value = _first(attributes, *names)
    return 0 if value is None else as_count(value, name)


def span_fields(span: dict) -> dict:
    """The ``UsageRecord`` fields of one GenAI span (``gen_ai.usage.input_tokens`` includes cache reads and writes)."""
    attributes = _attributes(span.get("attributes"))
    if not any(key.startswith("gen_ai.usage.") for key in attributes):
        raise RecordProblem("attributes", "a span without gen_ai.usage.* attributes",
                            "export the spans of model calls (gen_ai.operation.name chat, ...), or drop this one")
    inp = _count(attributes, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
    reads = _count(attributes, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
    writes = _count(attributes, "gen_ai.usage.cache_creation.input_tokens",
                    "gen_ai.usage.cache_creation_input_tokens")
    notes = []
    if reads + writes > inp:
        # The conventions count cache tokens inside input_tokens; some Anthropic instrumentations copy
        # Anthropic's own input_tokens, which leaves them out.
        inp += reads + writes
        notes.append("gen_ai.usage.input_tokens smaller than its cache parts: read as excluding them")
    output = _count(attributes, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
    reasoning = _count(attributes, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")
    _, model = _first(attributes, "gen_ai.response.model", "gen_ai.request.model")
    _, system = _first(attributes, "gen_ai.provider.name", "gen_ai.system")
    tier_key, tier = _first(attributes, "openai.response.service_tier", "gen_ai.openai.response.service_tier")
    if tier is not None and str(tier).lower() not in _TIERS:
        raise RecordProblem(tier_key, f"service tier {tier!r} is not one tokcost prices",
                            "replay it as another with --billed-tier standard|batch|flex|priority")
    return {"model": model, "provider": _PROVIDERS.get(str(system or "").lower(), str(system or "")),
            "at": timestamp(_first(span, "startTimeUnixNano", "start_time", "startTime")[1], "start_time"),
            "tier": _TIERS.get(str(tier).lower()) if tier is not None else None,
            "input_tokens": inp, "cache_read_tokens": reads, "cache_write_5m_tokens": writes,
            "output_tokens": max(output, reasoning), "reasoning_tokens": reasoning,
            "prompt_text": _text(attributes, "gen_ai.input.messages", "gen_ai.prompt"),
            "output_text": _text(attributes, "gen_ai.output.messages", "gen_ai.completion"),
            "tags": {key: str(value) for key, value in attributes.items()
                     if isinstance(value, (str, int, float)) and len(str(value)) <= 200},
            "notes": notes}


def _text(attributes: dict, *prefixes: str) -> Any:
    """The messages' text: a JSON attribute (gen_ai.input.messages), or indexed ones (gen_ai.prompt.0.content)."""
    parts = [text_of(json_text(value)) for key, value in attributes.items()
             if any(key == p or (key.startswith(p + ".") and key.endswith("content")) for p in prefixes)]
    return "\n".join(filter(None, parts)) or None
