"""Chat logs in the OpenAI messages format: tokens per message, conversation and day.

A record is one conversation: ``{"messages": [{"role", "content", "name"?}, ...]}``
plus optional metadata (``id``, ``created`` as Unix seconds, ``created_at`` /
``timestamp`` / ``date`` as Unix seconds or ISO 8601). A bare list of messages
is a conversation too.

Per-message overhead (the tokens a chat format wraps around each message)
is ``tokcost.accounting.count_messages``'s, for the chat model that goes with
the encoding (``tokcost.bundled.DEFAULT_MODEL_BY_ENCODING``) unless one is named.

>>> import tokcost
>>> enc = tokcost.get_encoding("o200k_base")
>>> conversation_tokens(enc, {"messages": [{"role": "user", "content": "hi"}]}).total
8
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import tokcost.accounting as accounting
from tokcost.bundled import DEFAULT_MODEL_BY_ENCODING
from tokcost.errors import CorpusError

REPLY_PRIMING = 3  # every conversation primes the reply with <|start|>assistant<|message|>

DATE_KEYS = ("created", "created_at", "timestamp", "date", "time")


def content_text(content: Any) -> str:
    """The text of a message's ``content``: a string, or the text parts of a list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    if isinstance(content, Mapping) and isinstance(content.get("text"), str):
        return content["text"]
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


@functools.lru_cache(maxsize=None)
def chat_model(encoding: str, model: Optional[str] = None) -> str:
    """The model whose chat format counts messages in ``encoding``: ``model``, or the encoding's default.

    >>> chat_model("cl100k_base")
    'gpt-4'
    """
    chosen = model or DEFAULT_MODEL_BY_ENCODING.get(encoding)
    if chosen is None:
        raise CorpusError(f"chat logs are counted in a chat model's format, and no chat model uses {encoding}; "
                          f"count them with --encoding {' or '.join(DEFAULT_MODEL_BY_ENCODING)}, or name the model")
    counts_with = accounting.counting_encoding(chosen).name
    if counts_with != encoding:
        raise CorpusError(f"{chosen} counts chat messages with {counts_with}, not {encoding}; "
                          f"drop the encoding, or name a model that uses {encoding}")
    return chosen


def message_tokens(enc, message: Mapping[str, Any], model: Optional[str] = None) -> int:
    """Tokens one message costs in a chat request, overhead included (reply priming excluded).

    >>> import tokcost
    >>> message_tokens(tokcost.get_encoding("o200k_base"), {"role": "user", "content": "hi"})
    5
    """
    model = chat_model(enc.name, model)
    return accounting.count_messages([dict(message)], model=model).total - REPLY_PRIMING


@dataclass
class ConversationCount:
    per_message: list = field(default_factory=list)
    total: int = 0
    day: Optional[str] = None


def conversation_tokens(enc, record: Any, model: Optional[str] = None) -> ConversationCount:
    """Per-message tokens and the total (with reply priming) of one conversation record."""
    if isinstance(record, Mapping):
        messages = record.get("messages")
        day = day_of(record)
    else:
        messages, day = record, None
    if not isinstance(messages, (list, tuple)) or not all(isinstance(m, Mapping) for m in messages):
        raise ValueError("expected an object with a 'messages' list of message objects")
    per_message = [message_tokens(enc, m, model) for m in messages]
    if day is None:
        day = next((d for d in map(day_of, messages) if d), None)
    return ConversationCount(per_message, sum(per_message) + (REPLY_PRIMING if messages else 0), day)


def day_of(record: Mapping[str, Any]) -> Optional[str]:
    """The UTC day (``YYYY-MM-DD``) of a record's first date-like field, or None."""
    for key in DATE_KEYS:
        value = record.get(key)
        if value is None or isinstance(value, bool):
            continue
        day = _to_day(value)
        if day:
            return day
    return None


def _to_day(value: Any) -> Optional[str]:
    if isinstance(value, _dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc).date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000.0
        try:
            return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return _to_day(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
        try:
            return _to_day(float(text))
        except ValueError:
            return None
    return None
