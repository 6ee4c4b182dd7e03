"""Reading a provider's fields: token counts, timestamps, message text; each problem names its field.

>>> count({"usage": {"prompt_tokens": "12"}}, "usage.prompt_tokens")
12
>>> timestamp("2026-11-02T09:30:00.123456789Z", "start_time").isoformat()
'2026-11-02T09:30:00.123456+00:00'
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Optional

from tokcost.usage.record import RecordProblem

_ISO = re.compile(r"(\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?)?)(\.\d+)?(Z|z|[+-]\d\d:?\d\d)?$")


def count(container: Any, path: str, default: int = 0) -> int:
    """The token count at ``path`` (dotted) in ``container``; ``default`` when absent or null."""
    value: Any = container
    for key in path.split("."):
        if not isinstance(value, dict) or value.get(key) is None:
            return default
        value = value[key]
    return as_count(value, path)


def as_count(value: Any, field_name: str) -> int:
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value)  # OTLP JSON writes int64 values as strings
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise RecordProblem(field_name, f"{value!r} is not a token count",
                            "a count is a whole number of tokens, 0 or more")
    return value


def timestamp(value: Any, field_name: str) -> Optional[_dt.datetime]:
    """A UTC datetime from epoch seconds/milliseconds/nanoseconds or an ISO 8601 string."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
        while seconds > 1e11:  # milliseconds, microseconds or nanoseconds since the epoch
            seconds /= 1000
        return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
    if isinstance(value, str):
        match = _ISO.match(value.strip())
        if match:  # fromisoformat before 3.11 takes neither "Z" nor nanoseconds
            fraction = "." + match.group(2)[1:7].ljust(6, "0") if match.group(2) else ""
            zone = (match.group(3) or "").replace("Z", "+00:00").replace("z", "+00:00")
            try:
                parsed = _dt.datetime.fromisoformat(match.group(1) + fraction + zone)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)
    raise RecordProblem(field_name, f"{value!r} is not a timestamp",
                        "write epoch seconds (as OpenAI's created) or ISO 8601, e.g. 2026-11-02T09:30:00Z")


def text_of(value: Any) -> str:
    """Every string under ``text``/``content``/``input``/``parts`` of a message structure, joined by newlines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(filter(None, (text_of(item) for item in value)))
    if isinstance(value, dict):
        parts = [text_of(value[key]) for key in ("system", "instructions", "text", "thinking", "content",
                                                 "messages", "input", "contents", "parts") if key in value]
        return "\n".join(filter(None, parts))
    return ""



def json_text(value: Any) -> Any:
    """A JSON string column (Parquet, span attributes) as its value; anything else unchanged."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
