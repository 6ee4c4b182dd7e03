"""The price catalog: hand-computed costs, dated history, corrections, overrides."""

from datetime import date
from decimal import Decimal

import pytest

import tokcost
from tokcost.prices import Catalog, PriceError, estimate_cost, get_price


def test_estimate_cost_gpt_4o_mini_hand_computed():
    # 1M input at $0.15 + 200k output at $0.60/M = 0.15 + 0.12
    assert tokcost.estimate_cost("gpt-4o-mini", input_tokens=1_000_000, output_tokens=200_000,
                                 at="2024-08-01") == Decimal("0.27")


def test_estimate_cost_returns_decimal_unrounded():
    cost = estimate_cost("gpt-4o-mini", input_tokens=7, output_tokens=3, at=date(2024, 8, 1))
    # 7 * 0.15 / 1e6 + 3 * 0.60 / 1e6 = 0.00000105 + 0.0000018
    assert isinstance(cost, Decimal)
    assert cost == Decimal("0.00000285")


def test_cached_input_is_part_of_input():
    # gpt-4o after 2024-10-02: 1000 prompt tokens, 600 of them cached
    # 400 * 2.50 + 600 * 1.25 + 100 * 10 = 1000 + 750 + 1000 = 2750 per million
    cost = estimate_cost("gpt-4o", input_tokens=1000, output_tokens=100, cached_input_tokens=600, at="2025-01-01")
    assert cost == Decimal("0.00275")


def test_batch_halves_every_rate():
    # gpt-4o-mini batch: 0.075 in, 0.0375 cached, 0.30 out
    cost = estimate_cost("gpt-4o-mini", input_tokens=2_000_000, output_tokens=1_000_000,
                         cached_input_tokens=1_000_000, batch=True, at="2025-01-01")
    assert cost == Decimal("0.075") + Decimal("0.0375") + Decimal("0.30")


def test_unknown_model_did_you_mean():
    with pytest.raises(tokcost.UnknownModelError, match="Did you mean 'gpt-4o-mini'"):
        estimate_cost("gpt-4o-mnii", 1)
    with pytest.raises(KeyError):
        estimate_cost("no-such-model-at-all", 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"input_tokens": -1}, "non-negative"),
    ({"input_tokens": 10, "cached_input_tokens": 11}, "exceeds input_tokens"),
    ({"output_tokens": "many"}, "not a number"),
])
def test_bad_token_counts(kwargs, message):
    with pytest.raises(PriceError, match=message):
        estimate_cost("gpt-4o-mini", **kwargs)
