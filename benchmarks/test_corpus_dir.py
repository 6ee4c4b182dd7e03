"""A directory of files: every contender (tokcost: count_corpus; peers read each file and count a batch),
then tokcost's own runners, worker processes and a Dask LocalCluster, on the same generated corpus."""

import pytest
from conftest import ENCODING, PLAN, measure

from tokcost import bench

SECTION = "corpus"


def test_corpus(benchmark, task, contender):
    measure(benchmark, task, contender)


@pytest.fixture(scope="module")
def corpus_paths():
    return bench.corpus_workload(PLAN).items(1)[0][0]


@pytest.fixture(scope="module")
def expected_total(corpus_paths):
    tiktoken, _ = bench.load_contenders(ENCODING, ["tiktoken"])
    return tiktoken[0].count_files(corpus_paths, 1)


@pytest.mark.parametrize("runner", ["processes-2", "dask-local-2"])
def test_corpus_runner(benchmark, runner, corpus_paths, expected_total):
    from tokcost.corpus import count_corpus

    if runner.startswith("dask"):
        pytest.importorskip("distributed")
        from tokcost.corpus.dask_runner import dask_client

        context = dask_client("local", n_workers=2, processes=True)  # started outside the timing
        options = {"dask": context.__enter__()}
    else:
        context, options = None, {"jobs": 2, "processes": True}
    try:
        count = lambda: count_corpus(corpus_paths, ENCODING, **options).total_tokens  # noqa: E731
        assert count() == expected_total  # warm-up, and the same total as tiktoken's
        benchmark.group = "corpus | runners"
        benchmark.extra_info.update(contender="tokcost", runner=runner, files=len(corpus_paths))
        benchmark.pedantic(count, rounds=PLAN.runs, iterations=1)
    finally:
        if context is not None:
            context.__exit__(None, None, None)
