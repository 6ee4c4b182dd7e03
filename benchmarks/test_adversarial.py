"""Pathological inputs (one long pretoken, digits, emoji runs) at growing sizes."""

from conftest import measure

SECTION = "adversarial"


def test_adversarial(benchmark, task, contender):
    measure(benchmark, task, contender)
