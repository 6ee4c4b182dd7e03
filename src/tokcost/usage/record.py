"""What one replayed request is: where it was read, which model, when, its normalised tokens and tags.

``Usage`` (``tokcost.prices.billing``) holds the tokens; a ``UsageRecord`` adds
what the bill and the groupings need around them. ``RecordProblem`` is how a
reader says a record cannot be used: the field, what is wrong, and the fix;
the file reader puts FILE:LINE in front.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Mapping, Optional

from tokcost.prices.billing import Usage

# The formats tokcost reads, as --format names them.
FORMATS = ("openai_chat", "openai_responses", "anthropic", "gemini", "otel")
PROVIDER_OF_FORMAT = {"openai_chat": "openai", "openai_responses": "openai", "anthropic": "anthropic",
                      "gemini": "google", "otel": ""}


class RecordProblem(ValueError):
    """A record that cannot be priced: ``field`` (a dotted path), what is wrong, and how to fix it."""

    def __init__(self, field_name: str, problem: str, fix: str):
        super().__init__(f"{field_name}: {problem}; {fix}" if field_name else f"{problem}; {fix}")
        self.field, self.problem, self.fix = field_name, problem, fix


class Skipped(Exception):
    """A record that is not a billed request (an errored or expired batch request, a stream chunk without
    usage); counted by its reason, not priced."""


@dataclass(frozen=True)
class UsageRecord:
    """One request as the provider reported it, normalised.

    ``tier`` in ``usage`` is what the log says (``tier_stated`` False: the log
    does not say, so standard was assumed). ``prompt_text``/``output_text`` hold
    the request's text when the log has it, for re-counting under another
    tokenizer. ``extras`` counts what is billed per use rather than per token
    (Anthropic's ``web_search_requests``).
    """

    where: str
    format: str
    provider: str
    model: str
    usage: Usage
    at: Optional[_dt.datetime] = None
    tier_stated: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    prompt_text: Optional[str] = None
    output_text: Optional[str] = None
    extras: Mapping[str, int] = field(default_factory=dict)
    notes: tuple = ()

    @property
    def day(self) -> Optional[_dt.date]:
        return self.at.date() if self.at else None
