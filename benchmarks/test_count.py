"""Token counts (tiktoken: len(encode_ordinary)), one thread, warm and cold."""

from conftest import measure

SECTION = "count"


def test_count(benchmark, task, contender):
    measure(benchmark, task, contender)
