"""One benchmark run, start to finish: load and check the contenders, time every task, record the machine.

``tokcost bench`` prints what ``benchmark`` returns; the pytest-benchmark
files in ``benchmarks/`` time the same tasks one contender at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from tokcost.bench.contenders import BASELINE, checked_contenders, one_thread_per_text
from tokcost.bench.measure import SECTIONS, machine_facts, run, run_load
from tokcost.bench.workloads import Plan


def benchmark(encoding: str = "o200k_base", plan: Plan = None, sections: Sequence[str] = SECTIONS,
              contenders: Sequence[str] = (), files: Sequence[Path] = (),
              progress: Callable = lambda it, total, desc: it) -> dict:
    """The whole report as a JSON-ready document: results per task and contender, load rows,
    versions, which contenders were left out and why, and the machine it ran on.

    Contenders whose ids differ from tiktoken's are left out before any timing.
    Raises ValueError when no contender could be loaded.
    """
    plan = plan or Plan()
    checked, missing = checked_contenders(encoding, contenders)
    machine = machine_facts()
    with one_thread_per_text():
        results = run(plan, checked, sections, files, progress=progress)
    load_rows = run_load(plan, checked, encoding) if "load" in sections and not files else []
    machine["loadavg_after"] = machine_facts().get("loadavg")
    return {
        "encoding": encoding,
        "machine": machine,
        "versions": {c.name: c.version for c in checked},
        "contenders": {c.name: {"version": c.version, "exact": c.exact, "ids": _ids_status(c, checked)}
                       for c in checked},
        "missing": missing,
        "plan": {"runs": plan.runs, "slice_bytes": plan.slice_bytes, "chat_batch": plan.chat_batch,
                 "adversarial_mb": list(plan.adversarial_mb), "corpus_files": plan.corpus_files, "clock": plan.clock,
                 "corpus_large": list(plan.corpus_large)},
        "results": [r.row() for r in results],
        "load": load_rows,
    }


def _ids_status(contender, checked) -> str:
    if not contender.exact:
        return "may differ: not an exact tokenizer"
    if BASELINE not in (c.name for c in checked):
        return "not checked: tiktoken was not run"
    return "equal to tiktoken's"
