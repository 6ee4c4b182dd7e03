"""Tasks, the interleaved measurement loop, load time and memory, machine facts."""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from tokcost.bench.contenders import BASELINE, Contender
from tokcost.bench.workloads import (
    ADVERSARIAL_CASES,
    Plan,
    Workload,
    adversarial_text,
    chat_workload,
    corpus_workload,
    files_workload,
    text_workloads,
)

SECTIONS = ("encode", "count", "batch", "adversarial", "corpus", "load")

# ---------------------------------------------------------------- tasks

@dataclass
class Task:
    """One comparison: a workload, an operation, warm or cold, a thread count."""

    section: str
    workload: str
    op: str  # encode | count | encode_batch | count_batch | count_files | encode_docs
    mode: str  # warm | cold
    items: Callable[[int], Any]  # run index -> input; index 0 is the warm-up
    nbytes: Callable[[Any], int]
    threads: int = 1
    fresh: bool = True  # cold inputs truly unseen (False when the corpus ran short)
    runs: Optional[int] = None  # overrides the plan's runs (long adversarial sizes)
    check: bool = True  # warm up and check exactness first (input 0)

    @property
    def id(self) -> str:
        threads = f"-{self.threads}t" if self.threaded else ""
        return f"{self.workload}-{self.op}{threads}-{self.mode}"

    @property
    def threaded(self) -> bool:
        return self.op.endswith(("batch", "files"))

    def call(self, contender: Contender) -> Callable[[Any], Any]:
        if self.op == "encode_docs":  # one call per document, as a program that counts each message
            encode = contender.encode
            return lambda docs: [encode(doc) for doc in docs]
        fn = getattr(contender, self.op)
        if self.threaded:
            return lambda texts: fn(texts, self.threads)
        return fn


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _batch_len(texts: list) -> int:
    return sum(map(_utf8_len, texts))


def _text_tasks(workload: Workload, ops: Sequence[str], runs: int) -> list[Task]:
    # One warm-up/warm item, then runs fresh items for every cold op.
    items, fresh = workload.items(1 + runs * len(ops))
    tasks = []
    for j, op in enumerate(ops):
        cold = items[1 + j * runs: 1 + (j + 1) * runs]
        tasks.append(Task(op, workload.name, op, "warm", lambda r: items[0], _utf8_len))
        tasks.append(Task(op, workload.name, op, "cold", (lambda cold: lambda r: items[0] if r == 0 else cold[r - 1])(cold),
                          _utf8_len, fresh=fresh))
    return tasks


def _batch_tasks(workload: Workload, plan: Plan, cold: bool = True) -> list[Task]:
    # Cold batches are scarce (10k texts each): cold encode_batch at 1 and 2
    # threads gets fresh ones; everything else repeats the warm batch.
    batches, fresh = workload.items(1 + 2 * plan.runs if cold else 1)
    tasks = []
    for j, threads in enumerate((1, 2) if cold else ()):
        cold = batches[1 + j * plan.runs: 1 + (j + 1) * plan.runs]
        tasks.append(Task("batch", workload.name, "encode_batch", "cold",
                          (lambda cold: lambda r: batches[0] if r == 0 else cold[r - 1])(cold), _batch_len,
                          threads=threads, fresh=fresh))
    for op in ("encode_batch", "count_batch"):
        for threads in (1, 2):
            tasks.append(Task("batch", workload.name, op, "warm", lambda r: batches[0], _batch_len, threads=threads))
    return tasks


def _adversarial_tasks(plan: Plan) -> list[Task]:
    # Sizes past the first show linearity: no warm-up or exactness check (done
    # at the first size) and at most 3 runs, so 8 MB cases stay affordable.
    tasks = []
    for case in ADVERSARIAL_CASES:
        for i, mb in enumerate(plan.adversarial_mb):
            def item(r, case=case, mb=mb, memo={}):  # noqa: B006 - one generated text at a time
                key = (case, mb, r)
                if key not in memo:
                    memo.clear()
                    memo[key] = adversarial_text(case, mb, r)
                return memo[key]

            tasks.append(Task("adversarial", f"{case}-{mb}MB", "encode", "cold", item, _utf8_len,
                              runs=None if i == 0 else min(plan.runs, 3), check=i == 0))
    return tasks


def _corpus_tasks(workload: Workload) -> list[Task]:
    # The same files every run: the page cache is hot for every contender alike.
    paths = lambda r: workload.items(1)[0][0]  # noqa: E731
    return [Task("corpus", workload.name, "count_files", "warm", paths, _files_len, threads=threads)
            for threads in (1, 2)]


def _files_len(paths: list) -> int:
    return sum(os.path.getsize(path) for path in paths)


def plan_tasks(plan: Plan, sections: Sequence[str] = SECTIONS, files: Sequence[Path] = ()) -> Iterator[Task]:
    """The tasks of a run, workload by workload (corpora read lazily)."""
    ops = [op for op in ("encode", "count") if op in sections]
    if files:
        workloads = [files_workload(files, plan)]
    else:
        workloads = text_workloads(plan)
    if ops:
        for workload in workloads:
            yield from _text_tasks(workload, ops, plan.runs)
    if "batch" in sections:
        if files:
            texts = [Path(p).read_text(encoding="utf-8") for p in files]
            if len(texts) > 1:
                batch = Workload("files", "your files, one text each", lambda k: ([texts] * k, k == 1), "batch")
                yield from _batch_tasks(batch, plan, cold=False)
        else:
            yield from _batch_tasks(chat_workload(plan), plan)
    if "adversarial" in sections and not files:
        yield from _adversarial_tasks(plan)
    if "corpus" in sections and not files:
        yield from _corpus_tasks(corpus_workload(plan))


# ---------------------------------------------------------------- measuring

@dataclass
class Result:
    task: Task
    contender: str
    version: str
    nbytes: int
    times: list = field(default_factory=list)  # seconds per call, one per run
    ratios: list = field(default_factory=list)  # tiktoken's time / this contender's, per run
    exact: Optional[bool] = None
    skipped: str = ""

    @property
    def seconds(self) -> Optional[float]:
        return statistics.median(self.times) if self.times else None

    @property
    def mb_s(self) -> Optional[float]:
        return self.nbytes / 1e6 / self.seconds if self.times and self.seconds else None

    @property
    def ratio(self) -> Optional[float]:
        return statistics.median(self.ratios) if self.ratios else None

    def row(self) -> dict:
        t = self.task
        return {
            "section": t.section, "workload": t.workload, "op": t.op, "mode": t.mode, "threads": t.threads,
            "bytes": self.nbytes, "contender": self.contender, "version": self.version,
            "mb_s": _round(self.mb_s), "x_tiktoken": _round(self.ratio), "seconds": _round(self.seconds, 6),
            "runs": len(self.times), "run_seconds": list(self.times), "exact": self.exact, "fresh": t.fresh if t.mode == "cold" else None,
            "skipped": self.skipped,
        }


def _round(value: Optional[float], digits: int = 3) -> Optional[float]:
    return None if value is None else round(value, digits)


def time_call(fn: Callable, arg: Any, inner: int = 1, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``fn(arg)``, averaged over ``inner`` calls, GC paused."""
    gc.collect()
    gc.disable()
    try:
        start = clock()
        for _ in range(inner):
            fn(arg)
        return (clock() - start) / inner
    finally:
        gc.enable()


def _normalize(task: Task, contender: Contender, output: Any) -> Any:
    """Output in a form comparable across contenders: ids, a count, or counts per text."""
    if task.op == "encode":
        from array import array

        return array("I", output)  # a quarter of a list's memory for megabyte inputs
    if task.op == "encode_docs":
        from array import array

        return [array("I", ids) for ids in output]
    if task.op == "encode_batch":
        return contender.batch_counts(output)
    if task.op == "count_batch":
        return [int(c) for c in output]
    if task.op == "count_files":
        return int(output)
    return int(output)


def run_task(task: Task, contenders: Sequence[Contender], plan: Plan) -> list[Result]:
    """Warm up and check every contender, then ``plan.runs`` interleaved timed runs."""
    warm = task.items(0 if task.check else 1)
    nbytes = task.nbytes(warm)
    results = [Result(task, c.name, c.version, nbytes) for c in contenders]
    inner, reference = {c.name: 1 for c in contenders}, None
    outputs = {}
    for contender, result in zip(contenders, results):
        if not task.check:
            break
        fn = task.call(contender)
        start = time.perf_counter()
        try:
            outputs[contender.name] = _normalize(task, contender, fn(warm))
        except Exception as exc:  # a peer that refuses this input (gigatoken: text with a special token)
            result.skipped = f"{type(exc).__name__}: {str(exc)[:80]}"
            continue
        elapsed = time.perf_counter() - start
        if elapsed > plan.call_budget_s:
            result.skipped = f"one call took {elapsed:.1f}s (budget {plan.call_budget_s:g}s)"
        inner[contender.name] = max(1, min(1000, int(plan.warm_target_s / max(elapsed, 1e-7)))) \
            if task.mode == "warm" else 1
    reference = outputs.get(BASELINE)
    if task.op == "count" and reference is None:
        reference = outputs.get("tokcost")
    for contender, result in zip(contenders, results):
        if reference is not None and contender.name in outputs:
            result.exact = outputs[contender.name] == reference
    del outputs, reference
    live = [(c, r) for c, r in zip(contenders, results) if not r.skipped]
    for run in range(1, (task.runs or plan.runs) + 1):
        arg = task.items(run) if task.mode == "cold" else warm
        k = run % max(len(live), 1)
        times = {}
        for contender, result in live[k:] + live[:k]:
            if task.section == "batch":
                # Thread pools (rayon's, for one) spin a while after a batch;
                # let the last contender's go idle before timing the next.
                time.sleep(0.05)
            times[contender.name] = time_call(task.call(contender), arg, inner[contender.name], task_clock(plan, task))
            result.times.append(times[contender.name])
        base = times.get(BASELINE)
        for contender, result in live:
            if base:
                result.ratios.append(base / times[contender.name])
    return results


def task_clock(plan: Plan, task: Task) -> Callable[[], float]:
    """The plan's clock: wall time, or with ``clock="cpu"`` the process's CPU time for one-thread
    tasks, which a busy machine's other processes do not inflate (batches keep wall time: their
    point is how much sooner two threads finish)."""
    return time.process_time if plan.clock == "cpu" and not task.threaded else time.perf_counter


def run(plan: Plan, contenders: Sequence[Contender], sections: Sequence[str] = SECTIONS,
        files: Sequence[Path] = (), progress: Callable = lambda it, total, desc: it) -> list[Result]:
    """Every task of the plan; adversarial sizes a contender cannot finish in budget are skipped."""
    results: list[Result] = []
    too_slow: dict[tuple, str] = {}
    tasks = list(plan_tasks(plan, sections, files))
    for task in progress(tasks, len(tasks), "benchmarking"):
        case = task.workload.rsplit("-", 1)[0] if task.section == "adversarial" else None
        entrants = [c for c in contenders if (case, c.name) not in too_slow]
        task_results = run_task(task, entrants, plan)
        for r in task_results:
            if case and (r.skipped or (r.seconds or 0) > plan.call_budget_s):
                too_slow[(case, r.contender)] = "larger sizes skipped: over the time budget"
        skipped = [Result(task, c.name, c.version, task_results[0].nbytes if task_results else 0,
                          skipped=too_slow[(case, c.name)]) for c in contenders if c not in entrants]
        results.extend(task_results + skipped)
    return results


# ---------------------------------------------------------------- load time and memory

_LOAD_SCRIPT = """
import json, os, sys, time
def rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
NAME = sys.argv[1]
before = rss()
start = time.perf_counter()
{load_code}
enc.encode_ordinary("hello world")
elapsed = time.perf_counter() - start
loaded = rss() - before
{peak_code}
"""

# After the load: what the process holds at its peak while encoding (VmHWM, Linux) the bundled
# FLORES sample in 256 KB pieces twice (cold, then with every cache filled), long single pieces,
# and a 2-thread batch of its lines. Outputs are dropped as they come, so the peak is the tokenizer's.
_PEAK_CODE = """
def hwm():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
import random
from pathlib import Path
from tokcost.bundled import FLORES_SAMPLE_DIR
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(FLORES_SAMPLE_DIR).glob("*.txt"))]
rng = random.Random(1)
longs = ["a" * 1_000_000, "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=128_000)), "\u4e2d" * 300_000]
for _ in range(2):
    for text in texts:
        for i in range(0, len(text), 256_000):
            enc.encode_ordinary(text[i:i + 256_000])
for text in longs:
    try:
        enc.encode_ordinary(text)
    except BaseException:  # tiktoken panics on some (1 MB of one letter is fine, spaces are not)
        pass
if hasattr(enc, "encode_ordinary_batch"):
    lines = [line for text in texts for line in text.splitlines()]
    try:
        enc.encode_ordinary_batch(lines, num_threads=2)
    except TypeError:  # riptoken's batch takes no thread count: it runs on every core
        enc.encode_ordinary_batch(lines)
peak = hwm()
print(json.dumps({"seconds": elapsed, "rss_bytes": loaded, "peak_rss_bytes": peak - before if peak else None}))
"""


def measure_load(contender: Contender, encoding: str) -> dict:
    """Import + load + first encode in a fresh interpreter: seconds and resident memory added."""
    import tokcost

    env = dict(os.environ)
    src = str(Path(tokcost.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    script = _LOAD_SCRIPT.format(load_code=contender.load_code, peak_code=_PEAK_CODE)
    out = subprocess.run([sys.executable, "-c", script, encoding], capture_output=True, text=True,
                         env=env, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"loading {contender.name} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_load(plan: Plan, contenders: Sequence[Contender], encoding: str) -> list[dict]:
    """Load time and RSS per contender: one discarded warm-up, then interleaved runs."""
    samples: dict[str, list] = {c.name: [] for c in contenders}
    for c in contenders:
        measure_load(c, encoding)  # fills the OS file cache and tokcost's table cache
    for run in range(plan.runs):
        k = run % len(contenders)
        for c in list(contenders[k:]) + list(contenders[:k]):
            samples[c.name].append(measure_load(c, encoding))
    base = samples.get(BASELINE)
    rows = []
    for c in contenders:
        s = samples[c.name]
        seconds = statistics.median(x["seconds"] for x in s)
        rss = statistics.median(x["rss_bytes"] for x in s)
        peaks = [x["peak_rss_bytes"] for x in s if x.get("peak_rss_bytes")]
        row = {"contender": c.name, "version": c.version, "load_s": round(seconds, 4),
               "rss_mib": round(rss / 2**20, 1),
               "peak_mib": round(statistics.median(peaks) / 2**20, 1) if peaks else None, "runs": len(s)}
        if base:
            row["load_x_tiktoken"] = round(statistics.median(x["seconds"] for x in base) / seconds, 2)
            row["rss_vs_tiktoken"] = round(rss / statistics.median(x["rss_bytes"] for x in base), 2)
        rows.append(row)
    return rows


# ---------------------------------------------------------------- machine facts

def machine_facts() -> dict:
    """What a reader needs to judge the numbers: when, where, how busy."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    facts = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    if hasattr(os, "sched_getaffinity"):
        facts["cpus_usable"] = len(os.sched_getaffinity(0))
    if hasattr(os, "getloadavg"):
        facts["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    try:
        from tokcost import _core

        core = Path(_core.__file__)
        facts["tokcost_core"] = f"{core.name} built {_dt.datetime.fromtimestamp(core.stat().st_mtime).isoformat(timespec='seconds')}"
    except (ImportError, OSError, AttributeError):
        pass
    return facts
