"""Our own dated prices, where genai-prices is wrong or has no history.

Each entry is data: the names it answers to, and a list of price points
(the date a price took effect, USD per million tokens, and where we read it).
An entry replaces genai-prices' prices for those exact names; every other
name still comes from genai-prices. ``tests/test_prices.py`` pins each one.

Batch API prices are derived: OpenAI's Batch API (launched 2024-04-15) bills
50% of the standard rates, cached input included.
"""

from __future__ import annotations

from datetime import date

# When a provider's batch API started; genai-prices dates its batch variants
# to when it started modelling them (2026-10), which is not real history.
BATCH_LAUNCH = {
    "openai": (date(2024, 4, 15), "OpenAI Batch API launch, 50% off (platform.openai.com/docs/guides/batch, 2024-04-15)"),
    "anthropic": (date(2024, 10, 8), "Anthropic Message Batches API launch, 50% off (anthropic.com/news/message-batches-api, 2024-10-08)"),
}
OPENAI_BATCH_DISCOUNT = "0.5"

_HELLO_4O = "OpenAI, 'Hello GPT-4o' (openai.com/index/hello-gpt-4o, 2024-05-13): $5 input / $15 output per 1M"
_DEVDAY_24 = ("OpenAI DevDay 2024 prompt caching, 50% off cached input (openai.com/index/api-prompt-caching, "
              "2024-10-01); gpt-4o alias moved to gpt-4o-2024-08-06 on 2024-10-02 (platform.openai.com/docs/models)")
_4O_MINI = ("OpenAI, 'GPT-4o mini: advancing cost-efficient intelligence' (openai.com/index/"
            "gpt-4o-mini-advancing-cost-efficient-intelligence, 2024-07-18): $0.15 / $0.60 per 1M")
_CHATGPT_API = "OpenAI, 'Introducing ChatGPT and Whisper APIs' (2023-03-01): gpt-3.5-turbo $0.002 per 1K tokens"
_FUNCTION_CALLING = ("OpenAI, 'Function calling and other API updates' (2023-06-13): gpt-3.5-turbo input -25% "
                     "to $0.0015 per 1K, output $0.002 per 1K")
_JAN_2024 = ("OpenAI, 'New embedding models and API updates' (2024-01-25): gpt-3.5-turbo-0125 $0.0005 / $0.0015 "
             "per 1K; the gpt-3.5-turbo alias moved to 0125 two weeks after its launch, 2024-02-16")

# name -> {"provider", "names", "batch", "points": [(effective, input, cached_input, output, source)]}
# cached_input None: no prompt-cache discount then (cached tokens bill as input).
CORRECTIONS = {
    "text-davinci-003": {
        "provider": "openai", "names": ["text-davinci-003"], "batch": False, "retired": date(2024, 1, 4),
        "points": [(date(2022, 11, 28), "20", None, "20",
                    "OpenAI pricing page, Davinci $0.0200 per 1K tokens (archived 2022-12); text-davinci-003 "
                    "released 2022-11-28, retired 2024-01-04")],
    },
    "gpt-3.5-turbo": {
        "provider": "openai", "names": ["gpt-3.5-turbo"], "batch": True,
        "points": [
            (date(2023, 3, 1), "2", None, "2", _CHATGPT_API),
            (date(2023, 6, 13), "1.5", None, "2", _FUNCTION_CALLING),
            (date(2024, 2, 16), "0.5", None, "1.5", _JAN_2024),
        ],
    },
    "gpt-3.5-turbo-0125": {
        "provider": "openai", "names": ["gpt-3.5-turbo-0125"], "batch": True,
        "points": [(date(2024, 1, 25), "0.5", None, "1.5", _JAN_2024)],
    },
    "gpt-3.5-turbo-1106": {
        "provider": "openai", "names": ["gpt-3.5-turbo-1106"], "batch": True,
        "points": [(date(2023, 11, 6), "1", None, "2",
                    "OpenAI DevDay 2023, 'New models and developer products' (2023-11-06): $0.001 / $0.002 per 1K")],
    },
    "gpt-4": {
        "provider": "openai", "names": ["gpt-4", "gpt-4-0314", "gpt-4-0613"], "batch": True,
        "points": [(date(2023, 3, 14), "30", None, "60",
                    "OpenAI, 'GPT-4' (openai.com/research/gpt-4, 2023-03-14): $0.03 / $0.06 per 1K (8K context)")],
    },
    "gpt-4-turbo": {
        "provider": "openai", "batch": True,
        "names": ["gpt-4-turbo", "gpt-4-turbo-2024-04-09", "gpt-4-1106-preview", "gpt-4-0125-preview",
                  "gpt-4-turbo-preview"],
        "points": [(date(2023, 11, 6), "10", None, "30",
                    "OpenAI DevDay 2023, 'New models and developer products' (2023-11-06): GPT-4 Turbo "
                    "$0.01 / $0.03 per 1K")],
    },
    "gpt-4o": {
        "provider": "openai", "names": ["gpt-4o"], "batch": True,
        "points": [
            (date(2024, 5, 13), "5", None, "15", _HELLO_4O),
            (date(2024, 10, 2), "2.5", "1.25", "10", _DEVDAY_24),
        ],
    },
    "gpt-4o-2024-05-13": {
        "provider": "openai", "names": ["gpt-4o-2024-05-13"], "batch": True,
        "points": [(date(2024, 5, 13), "5", None, "15", _HELLO_4O)],
    },
    "gpt-4o-2024-08-06": {
        "provider": "openai", "names": ["gpt-4o-2024-08-06"], "batch": True,
        "points": [
            (date(2024, 8, 6), "2.5", None, "10",
             "OpenAI, 'Introducing Structured Outputs in the API' (2024-08-06): gpt-4o-2024-08-06 $2.50 / $10 per 1M"),
            (date(2024, 10, 1), "2.5", "1.25", "10", _DEVDAY_24),
        ],
    },
    "gpt-4o-mini": {
        "provider": "openai", "names": ["gpt-4o-mini", "gpt-4o-mini-2024-07-18"], "batch": True,
        "points": [
            (date(2024, 7, 18), "0.15", None, "0.6", _4O_MINI),
            (date(2024, 10, 1), "0.15", "0.075", "0.6", _DEVDAY_24),
        ],
    },
    "o1": {
        "provider": "openai", "names": ["o1", "o1-2024-12-17"], "batch": True,
        "points": [(date(2024, 12, 17), "15", "7.5", "60",
                    "OpenAI, 'OpenAI o1 and new tools for developers' (2024-12-17): $15 / $7.50 cached / $60 per 1M")],
    },
    "o3": {
        "provider": "openai", "names": ["o3", "o3-2025-04-16"], "batch": True,
        "points": [
            (date(2025, 4, 16), "10", "2.5", "40",
             "OpenAI, 'Introducing o3 and o4-mini' (2025-04-16): $10 / $2.50 cached / $40 per 1M"),
            (date(2025, 6, 10), "2", "0.5", "8", "OpenAI o3 price cut of 80% (platform.openai.com/docs/pricing, 2025-06-10)"),
        ],
    },
    "o3-mini": {
        "provider": "openai", "names": ["o3-mini", "o3-mini-2025-01-31"], "batch": True,
        "points": [(date(2025, 1, 31), "1.1", "0.55", "4.4",
                    "OpenAI, 'OpenAI o3-mini' (2025-01-31): $1.10 / $0.55 cached / $4.40 per 1M")],
    },
    "o4-mini": {
        "provider": "openai", "names": ["o4-mini", "o4-mini-2025-04-16"], "batch": True,
        "points": [(date(2025, 4, 16), "1.1", "0.275", "4.4",
                    "OpenAI, 'Introducing o3 and o4-mini' (2025-04-16): $1.10 / $0.275 cached / $4.40 per 1M")],
    },
    "gpt-4.1": {
        "provider": "openai", "names": ["gpt-4.1", "gpt-4.1-2025-04-14"], "batch": True,
        "points": [(date(2025, 4, 14), "2", "0.5", "8", "OpenAI, 'Introducing GPT-4.1 in the API' (2025-04-14)")],
    },
    "gpt-4.1-mini": {
        "provider": "openai", "names": ["gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"], "batch": True,
        "points": [(date(2025, 4, 14), "0.4", "0.1", "1.6", "OpenAI, 'Introducing GPT-4.1 in the API' (2025-04-14)")],
    },
    "gpt-4.1-nano": {
        "provider": "openai", "names": ["gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"], "batch": True,
        "points": [(date(2025, 4, 14), "0.1", "0.025", "0.4", "OpenAI, 'Introducing GPT-4.1 in the API' (2025-04-14)")],
    },
}
