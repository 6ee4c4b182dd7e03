"""Batches of chat-sized texts at 1 and 2 threads."""

from conftest import measure

SECTION = "batch"


def test_batch(benchmark, task, contender):
    measure(benchmark, task, contender)
