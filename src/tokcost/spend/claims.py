"""The GPT-4o mini launch claims (OpenAI, 2024-07-18), as tokcost computes them.

OpenAI announced GPT-4o mini as more than 60% cheaper than GPT-3.5 Turbo and
99% cheaper per token than text-davinci-003 (2022), and priced its tokens in
pages of text. Each claim holds only under conditions (the share of input
tokens, the language, the encoding); ``claims`` states them with the figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from tokcost.prices import Catalog, default_catalog, parse_date
from tokcost.spend.samples import WORDS_PER_PAGE, available_languages, pages_per_million


def claims(at_now=None, at_2022: str = "2022-12-01", catalog: Optional[Catalog] = None) -> dict:
    """The GPT-4o mini launch claims (OpenAI, 2024-07-18) as tokcost computes them, with their conditions.

    ``mix``: cost per million tokens by share of input tokens, against gpt-3.5-turbo-0125
    today and text-davinci-003 in 2022; ``pages``: pages of text per million tokens.
    """
    catalog = catalog or default_catalog()
    now = parse_date(at_now)
    mini = catalog.price("gpt-4o-mini", now)
    turbo = catalog.price("gpt-3.5-turbo-0125", now)
    davinci = catalog.price("text-davinci-003", at_2022)
    mix = []
    for percent in range(0, 101, 10):
        x = Decimal(percent) / 100
        m = x * mini.standard.input + (1 - x) * mini.standard.output
        t = x * turbo.standard.input + (1 - x) * turbo.standard.output
        d = x * davinci.standard.input + (1 - x) * davinci.standard.output
        mix.append({"input_share_percent": percent, "gpt-4o-mini_usd_per_m": m, "gpt-3.5-turbo-0125_usd_per_m": t,
                    "saving_vs_gpt-3.5_percent": (1 - m / t) * 100, "text-davinci-003_usd_per_m": d,
                    "times_cheaper_than_davinci": d / m})
    # d / m >= 100  <=>  x >= (100 * out_m - d) / (100 * (out_m - in_m)) with d flat
    d = davinci.standard.input
    threshold = (100 * mini.standard.output - d) / (100 * (mini.standard.output - mini.standard.input))
    pages = [{"language": code,
              "pages_per_million_o200k": pages_per_million(code, "o200k_base"),
              "pages_per_million_cl100k": pages_per_million(code, "cl100k_base"),
              "pages_per_million_p50k": pages_per_million(code, "p50k_base")}
             for code in available_languages()]
    return {"snapshots": [mini.snapshot, turbo.snapshot, davinci.snapshot],
            "mix": mix, "hundred_x_from_input_share_percent": threshold * 100,
            "pages": pages, "per_page": _per_page(mini.standard.input, davinci.standard.input, pages),
            "conditions": "equal token counts across models; standard (non-batch, uncached) rates; a page is the "
                          f"translation of {WORDS_PER_PAGE} English words of FLORES-200 dev text"}


def _per_page(mini_input: Decimal, davinci_input: Decimal, pages: list) -> dict:
    """How much cheaper a page of input is on gpt-4o-mini than on text-davinci-003, each
    counted with its own tokenizer (o200k_base, p50k_base): the per-token ratio times
    how many more tokens p50k_base needs for the same page."""
    per_token = davinci_input / mini_input
    return {"times_cheaper_per_input_token": per_token,
            "times_cheaper_per_page": {p["language"]: per_token * p["pages_per_million_o200k"]
                                       / p["pages_per_million_p50k"] for p in pages}}
