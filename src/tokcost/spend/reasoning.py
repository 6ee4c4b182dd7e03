"""Hidden reasoning tokens per request: what a workload states, or a labelled default per model family.

Reasoning models bill their chain of thought as output tokens the user never
sees. A workload's ``[reasoning]`` table states them per model family (longest
name prefix wins), as a token count or an effort; ``default`` covers the
reasoning models it does not list::

    [reasoning]
    default = "medium"      # effort for reasoning models not listed below
    o4-mini = 1500          # tokens per request, e.g. measured by `tokcost usage`
    "claude-sonnet-4" = 4000  # extended thinking, which Claude does only when asked

Effort levels become tokens by ``EFFORT_TOKENS``, an estimate (see there).
Families that reason unless told otherwise are in ``DEFAULT_EFFORT``; every
other model reasons only where the workload says so.

>>> reasoning_for({}, "o4-mini").tokens, reasoning_for({}, "gpt-4.1-nano").tokens
(1024, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

# Tokens per request at each effort. "medium" is OpenAI's own example: o4-mini at effort medium used 1,024
# reasoning tokens of 1,186 output (platform.openai.com/docs/guides/reasoning, the usage example). The other
# levels keep OpenRouter's published effort ratios (about 10/20/50/80% of the token budget for minimal, low,
# medium, high: openrouter.ai/docs/use-cases/reasoning-tokens) relative to it. An estimate: measure your own
# with `tokcost usage` and state it in the workload.
EFFORT_TOKENS = {"none": 0, "minimal": 205, "low": 410, "medium": 1024, "high": 1638}
EFFORT_SOURCE = "OpenAI reasoning guide example (medium = 1,024) scaled by OpenRouter's effort ratios; an estimate"

# Model families that reason by default, and the effort their API uses when the request names none.
DEFAULT_EFFORT = {
    "o1": "medium", "o3": "medium", "o4": "medium",  # OpenAI: reasoning_effort defaults to medium
    "gpt-5": "medium",
    "gpt-5.": "none",  # gpt-5.1 and later default to no reasoning (reasoning_effort "none")
    "gpt-5-chat": "none",
    "gemini-2.5-pro": "medium", "gemini-2.5-flash": "medium",  # Gemini 2.5 thinks by default (dynamic budget)
    "gemini-2.5-flash-lite": "none",  # thinking off by default
    "gemini-3": "medium",
}
DEFAULT_SOURCE = ("API default effort of the model family (OpenAI: medium before gpt-5.1, none from it; "
                  "Gemini 2.5 Pro/Flash and 3 think by default; Claude only when asked)")

Setting = Union[int, str]


@dataclass(frozen=True)
class Reasoning:
    """Reasoning tokens per request for one model, and where the figure comes from."""

    tokens: int
    basis: str  # words for reports: "1,024 (effort medium, family default; estimate)"

    @property
    def note(self) -> str:
        return f"reasoning {self.basis}" if self.tokens else ""


def _family(table: Mapping[str, Setting], model: str):
    name = model.lower().rsplit("/", 1)[-1]
    best = max((key for key in table if name.startswith(key.lower())), key=len, default=None)
    return best


def _tokens(setting: Setting) -> int:
    return setting if isinstance(setting, int) else EFFORT_TOKENS[setting]


def reasoning_for(stated: Mapping[str, Setting], model: str) -> Reasoning:
    """The reasoning tokens ``model`` bills per request under the workload's ``[reasoning]`` table ``stated``."""
    family = _family({k: v for k, v in stated.items() if k != "default"}, model)
    if family is not None:
        setting = stated[family]
        how = f"effort {setting}, " if isinstance(setting, str) else ""
        estimate = "; estimate" if isinstance(setting, str) and setting != "none" else ""
        return Reasoning(_tokens(setting), f"{_tokens(setting):,} tokens/request ({how}stated for {family}{estimate})")
    built_in = _family(DEFAULT_EFFORT, model)
    if built_in is None or DEFAULT_EFFORT[built_in] == "none":
        return Reasoning(0, "none")
    if "default" in stated:
        setting = stated["default"]
        how = f"effort {setting}, " if isinstance(setting, str) else ""
        estimate = "; estimate" if isinstance(setting, str) else ""
        return Reasoning(_tokens(setting), f"{_tokens(setting):,} tokens/request ({how}workload default{estimate})")
    effort = DEFAULT_EFFORT[built_in]
    return Reasoning(EFFORT_TOKENS[effort],
                     f"{EFFORT_TOKENS[effort]:,} tokens/request (effort {effort}, the API default; "
                     "estimate; state it in the workload's reasoning table)")
