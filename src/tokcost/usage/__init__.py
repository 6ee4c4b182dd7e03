"""Usage replay: what providers reported, priced as billed, and repriced as "what if".

Read provider usage records (OpenAI Chat Completions and Responses, Anthropic
Messages, Gemini, OpenTelemetry GenAI spans) from JSONL, JSON or Parquet
(``readers``), normalise each to a ``Usage`` (``formats``, ``spans``), price
each at its own day and tier through the one billing engine (``replay``),
reprice on another model, tier or cache TTL (``whatif``), and export FinOps
FOCUS rows (``focus``).

>>> from tokcost.bundled import SAMPLE_USAGE_DIR
>>> result = replay(read_usage(sorted(SAMPLE_USAGE_DIR.iterdir())))
>>> result.problems, len(result.priced) > 10
([], True)
"""

from tokcost.usage.focus import focus_csv, focus_rows
from tokcost.usage.readers import Problem, UsageLog, read_usage
from tokcost.usage.record import FORMATS, UsageRecord
from tokcost.usage.replay import PricedRecord, Replay, replay
from tokcost.usage.whatif import WhatIf, break_even, reprice

__all__ = ["FORMATS", "Problem", "PricedRecord", "Replay", "UsageLog", "UsageRecord", "WhatIf", "break_even",
           "focus_csv", "focus_rows", "read_usage", "replay", "reprice"]
