"""pytest-benchmark suite: ``python -m pytest benchmarks`` (never part of the default test run).

The contenders, workloads, tasks and inputs come from ``tokcost.bench``, the
same code behind ``tokcost bench``; contenders whose ids differ from
tiktoken's are skipped before timing, with the difference as the reason. Each benchmark is grouped by workload and
operation, so the contenders of one group are compared side by side; machine
facts and versions go to ``machine_info`` / ``extra_info``.

    python -m pytest benchmarks --benchmark-autosave
    python -m pytest benchmarks --benchmark-compare        # against the last saved run
    TOKCOST_BENCH_QUICK=1 python -m pytest benchmarks -k english
    python -m pytest benchmarks --benchmark-disable        # every benchmark once: a smoke test

pytest-benchmark runs one benchmark after another; the interleaved,
same-run ratios to tiktoken are what ``tokcost bench`` reports.
"""

from __future__ import annotations

import os

import pytest

from tokcost import bench
from tokcost.testing import seed_tiktoken_cache

seed_tiktoken_cache()

ENCODING = os.environ.get("TOKCOST_BENCH_ENCODING", "o200k_base")
PLAN = bench.Plan.quick() if os.environ.get("TOKCOST_BENCH_QUICK") else bench.Plan()
CONTENDER_NAMES = [name for name, _ in bench.CONTENDERS]
_TASKS: dict = {}


def tasks_for(section: str) -> list:
    if not _TASKS:
        for task in bench.plan_tasks(PLAN):
            _TASKS.setdefault(task.section, []).append(task)
    return _TASKS.get(section, [])


def pytest_generate_tests(metafunc):
    section = getattr(metafunc.module, "SECTION", None)
    if "task" in metafunc.fixturenames and section:
        tasks = tasks_for(section)
        metafunc.parametrize("task", tasks, ids=[t.id for t in tasks])
    if "contender_name" in metafunc.fixturenames:
        metafunc.parametrize("contender_name", CONTENDER_NAMES)


@pytest.fixture(scope="session")
def loaded():
    contenders, missing = bench.load_contenders(ENCODING)
    checked, rejected = bench.check_ids(contenders)
    return {c.name: c for c in checked}, {**missing, **rejected}


@pytest.fixture
def contender(loaded, contender_name):
    contenders, missing = loaded
    if contender_name not in contenders:
        pytest.skip(f"{contender_name}: {missing.get(contender_name, 'not loaded')}")
    return contenders[contender_name]


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["tokcost_bench"] = bench.machine_facts()
    machine_info["tokcost_bench"]["encoding"] = ENCODING
    contenders, missing = bench.load_contenders(ENCODING)
    machine_info["tokcost_bench"]["versions"] = {c.name: c.version for c in contenders}
    machine_info["tokcost_bench"]["missing"] = missing


def measure(benchmark, task, contender) -> None:
    """Time ``task`` for one contender: warm repeats input 0, cold takes input r on round r.

    A peer that refuses an input (too long for it, a special token in the text)
    is skipped with its reason, as ``tokcost bench`` does; tokcost never is.
    """
    try:
        _measure(benchmark, task, contender)
    except Exception as exc:
        if contender.name == "tokcost":
            raise
        pytest.skip(f"{contender.name} refuses {task.id}: {type(exc).__name__}: {str(exc)[:120]}")


def _measure(benchmark, task, contender) -> None:
    fn = task.call(contender)
    first = task.items(0 if task.check else 1)
    if task.check:
        fn(first)  # warm-up: lazy initialisation, and input 0 becomes "seen"
    runs = task.runs or PLAN.runs
    benchmark.group = f"{task.section} | {task.workload} | {task.op}"
    benchmark.extra_info.update(contender=contender.name, version=contender.version, exact=contender.exact,
                                workload=task.workload, op=task.op, mode=task.mode, threads=task.threads,
                                bytes=task.nbytes(first), encoding=ENCODING)
    if task.mode == "warm":
        benchmark.pedantic(fn, args=(first,), rounds=runs, iterations=1)
    else:
        upcoming = iter(range(1, runs + 1))
        benchmark.pedantic(fn, setup=lambda: ((task.items(next(upcoming)),), {}), rounds=runs)
    if benchmark.stats is None:  # --benchmark-disable: the calls ran once, as a smoke test
        return
    median = benchmark.stats.stats.median
    benchmark.extra_info["mb_s"] = round(task.nbytes(first) / 1e6 / median, 3) if median else None
