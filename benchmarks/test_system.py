"""Issue #15's modes on this machine's corpora (``tokcost bench --suite system``): repeated text,
fresh chunks, ~1 KB documents, 2-thread batches, per corpus. The first call of a fresh process
is measured by ``tokcost bench --suite system`` only (a process per measurement)."""

import os

from conftest import measure

from tokcost import bench

PLAN = bench.SystemPlan.quick() if os.environ.get("TOKCOST_BENCH_QUICK") else bench.SystemPlan()
TASKS = bench.system_tasks(PLAN, [s for s in bench.SYSTEM_SECTIONS if s != "first-call"])


def pytest_generate_tests(metafunc):
    if "system_task" in metafunc.fixturenames:
        metafunc.parametrize("system_task", TASKS, ids=[f"{t.section}-{t.id}" for t in TASKS])


def test_system(benchmark, system_task, contender):
    measure(benchmark, system_task, contender)
