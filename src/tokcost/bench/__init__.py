"""Benchmarks: tokcost against tiktoken and the fastest exact peers.

The one benchmark machinery: ``tokcost bench`` is a thin command over
``suite.benchmark``, and the pytest-benchmark files in ``benchmarks/`` time
the same tasks. ``contenders`` (one list, ids checked against tiktoken before
timing), ``workloads`` (text per script, chat batches, adversarial inputs, a
generated directory tree) and ``measure`` (tasks of workload x operation x
warm/cold x threads, and the interleaved measurement loop). ``system`` is
issue #15's measurement on this machine's corpora (``system_corpora``: man
pages, the stdlib, gettext catalogs) or on FLORES-200 (``flores_corpora``:
the same text on every machine), with ``first_call`` timing the first
encode of a fresh process.

Why it is built this way:

- *Cold vs warm.* Some tokenizers cache pieces, which flatters re-encoding
  the same text. A cold run encodes text the process has never seen: every
  cold task gets its own disjoint slices of the corpus, one per run, and the
  corpora are partitioned so no two workloads share a line.
- *Interleaved runs.* Run r times every contender once (rotating who goes
  first) before run r+1, so machine noise hits all of them alike; a ratio to
  tiktoken is taken within each run and the median reported.
- *Exactness.* Exact peers whose ids differ from tiktoken's on a multi-script
  sample are left out before timing; every output is checked again on each
  task's warm-up item, so a fast wrong answer is flagged, not celebrated.

>>> plan = Plan.quick()
>>> [w.name for w in text_workloads(plan)][:2]
['english', 'code']

MB means 10**6 bytes of UTF-8 input.
"""

from tokcost.bench.contenders import BASELINE, CONTENDERS, Contender, check_ids, load_contenders
from tokcost.bench.measure import (
    SECTIONS,
    Result,
    Task,
    machine_facts,
    measure_load,
    plan_tasks,
    run,
    run_load,
    run_task,
    time_call,
)
from tokcost.bench.workloads import (
    ADVERSARIAL_CASES,
    FLORES_SAMPLE,
    FLORES_SHARED,
    Plan,
    Workload,
    adversarial_text,
    chat_workload,
    corpus_workload,
    files_workload,
    make_corpus,
    text_workloads,
)
from tokcost.bench.suite import benchmark
from tokcost.bench.system import (
    SYSTEM_CORPORA,
    SYSTEM_SECTIONS,
    SYSTEM_TITLES,
    SystemPlan,
    benchmark_system,
    system_tasks,
)

__all__ = [
    "ADVERSARIAL_CASES", "BASELINE", "CONTENDERS", "Contender", "FLORES_SAMPLE", "FLORES_SHARED", "Plan",
    "Result", "SECTIONS", "Task", "Workload", "adversarial_text", "benchmark", "chat_workload", "check_ids",
    "corpus_workload", "files_workload", "load_contenders", "machine_facts", "make_corpus", "measure_load",
    "plan_tasks", "run", "run_load", "run_task", "text_workloads", "time_call",
    "SYSTEM_CORPORA", "SYSTEM_SECTIONS", "SYSTEM_TITLES", "SystemPlan", "benchmark_system", "system_tasks",
]
