"""encode_ordinary, one thread: every text workload, warm and cold."""

from conftest import measure

SECTION = "encode"


def test_encode(benchmark, task, contender):
    measure(benchmark, task, contender)
