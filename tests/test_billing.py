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
