"""The billing engine: normalised usage priced at a dated price, itemised."""

from decimal import Decimal

import pytest

from tokcost.errors import PriceError
from tokcost.prices import get_price
from tokcost.prices.billing import Usage, bill


def test_openai_usage_with_cache_hits_to_the_cent():
    # gpt-4o-2024-08-06 with prompt caching (openai.com/index/api-prompt-caching, 2024-10-01):
    # $2.50 input, $1.25 cached input, $10 output per 1M.
    usage = Usage(input_tokens=10_000, cache_read_tokens=8_000, output_tokens=1_000)
    result = bill(get_price("gpt-4o-2024-08-06", at="2024-10-01"), usage)
    assert {line.item: line.cost for line in result.lines} == {
        "input": Decimal("0.005"), "cache read": Decimal("0.01"), "output": Decimal("0.01")}
    assert result.total == Decimal("0.025")


def test_requests_multiply_every_line():
    price = get_price("gpt-4o-mini", at="2024-08-01")  # $0.15 / $0.60 per 1M
    one = bill(price, Usage(input_tokens=1000, output_tokens=100))
    many = bill(price, Usage(input_tokens=1000, output_tokens=100, requests=1000))
    assert many.total == one.total * 1000 == Decimal("0.21")


@pytest.mark.parametrize("fields, message", [
    (dict(input_tokens=-1), "non-negative"),
    (dict(input_tokens=1.5), "non-negative"),
    (dict(input_tokens=10, cache_read_tokens=11), "exceed input_tokens"),
    (dict(output_tokens=10, reasoning_tokens=11), "exceed output_tokens"),
    (dict(tier="express"), "not a service tier"),
])
def test_bad_usage_is_refused_with_the_fix(fields, message):
    with pytest.raises(PriceError, match=message):
        Usage(**fields)


def _lines(result) -> dict:
    return {line.item: line.cost for line in result.lines}


# ---- Anthropic prompt caching: writes per TTL and reads
# docs.anthropic.com/en/docs/about-claude/pricing, model pricing table, Claude Sonnet 4: base input $3,
# 5m cache writes $3.75 (1.25x), 1h cache writes $6 (2x), cache hits $0.30, output $15 per MTok.

def test_anthropic_cache_writes_by_ttl_and_reads_to_the_cent():
    usage = Usage(input_tokens=67_000, cache_write_5m_tokens=10_000, cache_write_1h_tokens=5_000,
                  cache_read_tokens=50_000, output_tokens=1_000)
    result = bill(get_price("claude-sonnet-4", at="2025-06-01"), usage)
    # 2,000 x $3 + 10,000 x $3.75 + 5,000 x $6 + 50,000 x $0.30 + 1,000 x $15, per million
    assert _lines(result) == {"input": Decimal("0.006"), "cache write 5m": Decimal("0.0375"),
                              "cache write 1h": Decimal("0.03"), "cache read": Decimal("0.015"),
                              "output": Decimal("0.015")}
    assert result.total == Decimal("0.1035")


def test_claude_3_haiku_cache_rates_are_the_published_exceptions():
    # The same table lists Claude Haiku 3 at $0.25 input, $0.30 5m writes, $0.50 1h writes, $0.03 hits (not 1.25x/0.1x).
    usage = Usage(input_tokens=3_000_000, cache_write_5m_tokens=1_000_000, cache_write_1h_tokens=1_000_000,
                  cache_read_tokens=1_000_000)
    assert bill(get_price("claude-3-haiku", at="2025-06-01"), usage).total == Decimal("0.83")


# ---- Batch: Anthropic Message Batches, 50% of standard prices for every model, caching included
# (anthropic.com/news/message-batches-api, 2024-10-08: "Claude 3 Haiku ... $0.125 / $0.625 per MTok" in batch;
# docs.anthropic.com/en/docs/build-with-claude/batch-processing#pricing: Claude Haiku 3.5 batch $0.40 / $2).

def test_claude_batch_is_half_price_from_the_message_batches_launch():
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, tier="batch")
    assert bill(get_price("claude-3-haiku", at="2024-10-08"), usage, at="2024-10-08").total == Decimal("0.75")
    assert bill(get_price("claude-3-5-haiku", at="2025-01-01"), usage, at="2025-01-01").total == Decimal("2.4")
    with pytest.raises(PriceError, match="no Batch API before 2024-10-08"):
        bill(get_price("claude-3-haiku", at="2024-10-07"), usage, at="2024-10-07")


def test_claude_batch_halves_cache_writes_and_reads_too():
    # Sonnet 4 batch: $1.50 input, $1.875 5m writes, $0.15 hits, $7.50 output (half of the table above).
    usage = Usage(input_tokens=1_200_000, cache_write_5m_tokens=100_000, cache_read_tokens=1_000_000,
                  output_tokens=10_000, tier="batch")
    # 100,000 x 1.50 + 100,000 x 1.875 + 1,000,000 x 0.15 + 10,000 x 7.50 = 150,000 + 187,500 + 150,000 + 75,000
    assert bill(get_price("claude-sonnet-4", at="2025-06-01"), usage).total == Decimal("0.5625")


# ---- Long context: a cliff. docs.anthropic.com/en/docs/about-claude/pricing#long-context-pricing: with the 1M
# context window, Sonnet 4 requests whose input exceeds 200K tokens pay $6 input / $22.50 output for the whole
# request; "Long context pricing stacks with other pricing modifiers": batch 50% and caching multipliers on top.

def test_claude_sonnet_4_long_context_cliff():
    price = get_price("claude-sonnet-4", at="2025-08-12")
    at_threshold = bill(price, Usage(input_tokens=200_000, output_tokens=2_000))
    assert at_threshold.total == Decimal("0.63")  # 200,000 x $3 + 2,000 x $15: not above 200K
    above = bill(price, Usage(input_tokens=250_000, output_tokens=2_000))
    assert above.total == Decimal("1.545")  # 250,000 x $6 + 2,000 x $22.50: every token at the tier rate
    assert "above 200,000" in above.notes[0]


def test_long_context_combines_with_cache_reads_and_batch():
    price = get_price("claude-sonnet-4", at="2025-08-12")
    cached = bill(price, Usage(input_tokens=250_000, cache_read_tokens=200_000, output_tokens=2_000))
    # cache reads count toward the threshold and pay 0.1 x $6: 50,000 x 6 + 200,000 x 0.60 + 2,000 x 22.50
    assert cached.total == Decimal("0.465")
    batch = bill(price, Usage(input_tokens=250_000, output_tokens=2_000, tier="batch"))
    assert batch.total == Decimal("0.7725")  # half of $1.545


def test_sonnet_4_had_no_long_context_tier_before_the_1m_window():
    # anthropic.com/news/1m-context (2025-08-12); before it Sonnet 4 took at most 200K tokens.
    price = get_price("claude-sonnet-4", at="2025-06-01")
    assert bill(price, Usage(input_tokens=250_000)).total == Decimal("0.75")


def test_gemini_2_5_pro_long_context_cliff():
    # ai.google.dev/gemini-api/docs/pricing, Gemini 2.5 Pro: input $1.25 (prompts <= 200k tokens) / $2.50 (> 200k),
    # output $10 / $15 per 1M.
    price = get_price("gemini-2.5-pro", at="2026-01-01")
    assert bill(price, Usage(input_tokens=100_000, output_tokens=10_000)).total == Decimal("0.225")
    assert bill(price, Usage(input_tokens=300_000, output_tokens=10_000)).total == Decimal("0.9")


# ---- Reasoning: billed as output. OpenAI reasoning guide (platform.openai.com/docs/guides/reasoning), usage
# example: 1,186 output tokens of which 1,024 reasoning; o4-mini $1.10 input / $4.40 output per 1M.

def test_reasoning_tokens_bill_as_output_on_their_own_line():
    usage = Usage(input_tokens=1_000, output_tokens=1_186, reasoning_tokens=1_024)
    result = bill(get_price("o4-mini", at="2025-05-01"), usage)
    assert _lines(result) == {"input": Decimal("0.0011"), "output": Decimal("0.0007128"),
                              "reasoning": Decimal("0.0045056")}
    assert result.total == Decimal("0.0063184")


# ---- Flex and priority: platform.openai.com/docs/pricing, Flex table (gpt-5 $0.625 / $5; o4-mini $0.55 / $2.20)
# and Priority table (gpt-5 $2.50 / $20) per 1M.

@pytest.mark.parametrize("model, tier, expected", [
    ("gpt-5", "flex", "5.625"), ("gpt-5", "priority", "22.5"), ("o4-mini", "flex", "2.75"),
])
def test_flex_and_priority_tiers(model, tier, expected):
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, tier=tier)
    assert bill(get_price(model, at="2026-11-01"), usage).total == Decimal(expected)


def test_tier_without_a_price_says_how_out():
    with pytest.raises(PriceError, match="no flex price in the catalog; price it as standard or batch"):
        bill(get_price("gpt-4o-mini", at="2026-11-01"), Usage(input_tokens=1, tier="flex"))


# ---- Per-request fees: docs.perplexity.ai/guides/pricing, Sonar: $1 / $1 per 1M tokens plus $12 per 1,000
# requests at high search context (the fee genai-prices records).

def test_per_request_fee():
    usage = Usage(input_tokens=1_000, output_tokens=500, requests=1_000)
    result = bill(get_price("perplexity/sonar", at="2026-01-01"), usage)
    assert _lines(result) == {"input": Decimal("1"), "output": Decimal("0.5"), "request fee": Decimal("12")}
    assert result.total == Decimal("13.5")


def test_audio_tokens_bill_at_audio_rates():
    # platform.openai.com/docs/pricing, gpt-4o-realtime-preview: text $5 in / $20 out, audio $40 in / $80 out per 1M.
    usage = Usage(input_tokens=2_000, input_audio_tokens=1_000, output_tokens=1_500, output_audio_tokens=1_000)
    assert bill(get_price("gpt-4o-realtime-preview", at="2026-01-01"), usage).total == Decimal("0.135")


# ---- differential: where tokcost takes genai-prices' data as it is, bill() equals genai-prices' own calc_price

@pytest.mark.parametrize("model, provider, tier, tokens", [
    ("claude-sonnet-4-5", "anthropic", "standard", dict(input_tokens=150_000, cache_read_tokens=50_000,
                                                        cache_write_5m_tokens=20_000, output_tokens=3_000)),
    ("claude-sonnet-4-5", "anthropic", "standard", dict(input_tokens=250_000, cache_read_tokens=100_000,
                                                        cache_write_1h_tokens=20_000, output_tokens=3_000)),
    ("claude-sonnet-4-5", "anthropic", "batch", dict(input_tokens=250_000, cache_read_tokens=100_000,
                                                     cache_write_5m_tokens=20_000, output_tokens=3_000)),
    ("claude-haiku-4-5", "anthropic", "standard", dict(input_tokens=9_000, cache_write_1h_tokens=4_000,
                                                       cache_read_tokens=4_000, output_tokens=700)),
    ("gemini-2.5-pro", "google", "standard", dict(input_tokens=300_000, cache_read_tokens=100_000,
                                                  output_tokens=10_000)),
    ("gemini-2.0-flash", "google", "standard", dict(input_tokens=5_000, input_audio_tokens=2_000,
                                                    output_tokens=500)),
    ("gpt-5", "openai", "flex", dict(input_tokens=20_000, cache_read_tokens=10_000, output_tokens=5_000,
                                     reasoning_tokens=4_000)),
    ("gpt-5", "openai", "priority", dict(input_tokens=20_000, cache_read_tokens=10_000, output_tokens=5_000)),
])
def test_bill_equals_genai_prices_calc_price(model, provider, tier, tokens):
    import datetime as dt

    from genai_prices import Usage as GenaiUsage
    from genai_prices import calc_price

    when = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)  # after genai-prices dates its variants
    theirs = {k: v for k, v in tokens.items() if k != "reasoning_tokens"}
    writes = tokens.get("cache_write_5m_tokens", 0) + tokens.get("cache_write_1h_tokens", 0)
    if writes:  # genai-prices reports all writes, and the 5m and 1h parts of them
        theirs.update(cache_write_tokens=writes, cache_write_5m_tokens=tokens.get("cache_write_5m_tokens", 0),
                      cache_write_1h_tokens=tokens.get("cache_write_1h_tokens", 0))
    context = {"batch": {"processing": "batch"}, "standard": None}.get(tier, {"service_tier": tier})
    expected = calc_price(GenaiUsage(**theirs), model_ref=model, provider_id=provider, genai_request_timestamp=when,
                          price_context=context).total_price
    assert bill(get_price(model, at=when), Usage(**tokens, tier=tier)).total == expected
