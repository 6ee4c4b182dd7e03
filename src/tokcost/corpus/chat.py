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
    parts = accounting.message_parts(message, chat_model(enc.name, model))
    return parts.fixed + parts.images + sum(map(enc.count, _strings(parts.texts)))


@dataclass
class ConversationCount:
    per_message: list = field(default_factory=list)
    total: int = 0
    day: Optional[str] = None


@dataclass
class ConversationParts:
    """A conversation read and checked, its texts not counted yet (``count_conversations``)."""

    messages: list  # accounting.MessageParts, one a message
    day: Optional[str] = None


def conversation_parts(encoding: str, record: Any, model: Optional[str] = None) -> ConversationParts:
    """One conversation record's messages as ``accounting.message_parts`` (in ``model``'s format, or the
    encoding's default chat model's), and its day. ValueError, TypeError or AttributeError when the
    record is not a conversation."""
    if _is_mapping(record):
        messages = record.get("messages")
        day = day_of(record)
    else:
        messages, day = record, None
    if not isinstance(messages, (list, tuple)) or not all(map(_is_mapping, messages)):
        raise ValueError("expected an object with a 'messages' list of message objects")
    model = chat_model(encoding, model)
    parts = [accounting.message_parts(m, model) for m in messages]
    for message in parts:
        _strings(message.texts)
    if day is None:
        day = next((d for d in map(day_of, messages) if d), None)
    return ConversationParts(parts, day)


def count_conversations(enc, conversations: list) -> list:
    """A ``ConversationCount`` (tokens per message, and the total with reply priming) of each of
    ``conversations`` (``ConversationParts``), every text of them counted in one ``count_batch``:
    a call a text cost a chat log more than the counting (round 33)."""
    texts = [text for conversation in conversations for message in conversation.messages for text in message.texts]
    counts = enc.count_batch(texts, num_threads=1) if texts else []
    out, at = [], 0
    for conversation in conversations:
        per_message = []
        for message in conversation.messages:
            n = len(message.texts)
            per_message.append(message.fixed + message.images + sum(counts[at:at + n]))
            at += n
        out.append(ConversationCount(per_message, sum(per_message) + (REPLY_PRIMING if per_message else 0),
                                     conversation.day))
    return out


def conversation_tokens(enc, record: Any, model: Optional[str] = None) -> ConversationCount:
    """Per-message tokens and the total (with reply priming) of one conversation record."""
    return count_conversations(enc, [conversation_parts(enc.name, record, model)])[0]


def _is_mapping(value: Any) -> bool:
    # A dict first: typing's Mapping check goes through its ABC machinery, 2 us a message.
    return isinstance(value, dict) or isinstance(value, Mapping)


def _strings(texts: list) -> list:
    """``texts``, or TypeError naming the first that is no string (a batch of texts fails whole)."""
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"expected a string in a message, got {type(text).__name__}: {text!r:.60}")
    return texts


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
