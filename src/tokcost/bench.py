"""Benchmarks: tokcost against tiktoken and the fastest exact peers.

One module holds what ``tokcost bench`` and the pytest-benchmark suite in
``benchmarks/`` share: the contenders (one list), the workloads, the tasks
(workload x operation x warm/cold x threads) and the measurement loop.

Why it is built this way:

- *Cold vs warm.* Some tokenizers cache pieces, which flatters re-encoding
  the same text. A cold run encodes text the process has never seen: every
  cold task gets its own disjoint slices of the corpus, one per run, and the
  corpora are partitioned so no two workloads share a line.
- *Interleaved runs.* Run r times every contender once (rotating who goes
  first) before run r+1, so machine noise hits all of them alike; a ratio to
  tiktoken is taken within each run and the median reported.
- *Exactness.* Every contender's output is checked against tiktoken on the
  warm-up item; a fast wrong answer is flagged, not celebrated.

>>> plan = Plan.quick()
>>> [w.name for w in text_workloads(plan)][:2]
['english', 'code']

MB means 10**6 bytes of UTF-8 input.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

SECTIONS = ("encode", "count", "batch", "adversarial", "load")
BASELINE = "tiktoken"
FLORES_SAMPLE = Path(__file__).with_name("data") / "flores_sample"
# The full FLORES-200 corpus, where this repository's checkout keeps it.
FLORES_SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "flores200"


# ---------------------------------------------------------------- contenders

@dataclass
class Contender:
    """One tokenizer, reduced to the four operations we time."""

    name: str
    version: str
    encode: Callable[[str], Sequence[int]]
    count: Callable[[str], int]
    encode_batch: Callable[[list, int], Any]  # (texts, threads) -> anything
    count_batch: Callable[[list, int], Sequence[int]]  # (texts, threads) -> counts
    batch_counts: Callable[[Any], list]  # encode_batch's result -> token count per text
    load_code: str  # statements a fresh interpreter runs to load NAME


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _tokcost(name: str) -> Contender:
    import tokcost

    enc = tokcost.get_encoding(name)
    return Contender(
        "tokcost", tokcost.__version__, enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: enc.count_batch(texts, num_threads=n),
        lambda result: [len(ids) for ids in result],
        "import tokcost\nenc = tokcost.get_encoding(NAME)",
    )


def _tiktoken(name: str) -> Contender:
    import tiktoken

    from tokcost.testing import seed_tiktoken_cache

    if not _seeded_by_us:  # once per process, into a private temporary directory
        _seeded_by_us.append(seed_tiktoken_cache())
    enc = tiktoken.get_encoding(name)
    return Contender(
        "tiktoken", _version("tiktoken"), enc.encode_ordinary,
        lambda text: len(enc.encode_ordinary(text)),
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: [len(ids) for ids in enc.encode_ordinary_batch(texts, num_threads=n)],
        lambda result: [len(ids) for ids in result],
        "import tiktoken\nenc = tiktoken.get_encoding(NAME)",
    )


_seeded_by_us: list = []


def _toktok(name: str) -> Contender:
    import toktok

    enc = toktok._encoding(name)  # the full Tokenizer; the public API is count-only
    return Contender(
        "toktok-rs", _version("toktok-rs"), enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_batch(texts, n, False),
        lambda texts, n: enc.count_batch(texts, n, False),
        _offsets_to_counts,
        "import toktok\nenc = toktok._encoding(NAME)",
    )


def _quicktok(name: str) -> Contender:
    import quicktok

    enc = quicktok.get_encoding(name)
    return Contender(
        "quicktok-v1", _version("quicktok-v1"), enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_batch(texts, n, False),
        # quicktok has no count_batch of its own: its helper diffs encode_batch's offsets.
        lambda texts, n: quicktok.count_batch(enc, texts, n),
        _offsets_to_counts,
        "import quicktok\nenc = quicktok.get_encoding(NAME)",
    )


def _offsets_to_counts(result) -> list:
    """Counts from a (ids, offsets) batch result; offsets as int64 array or bytes."""
    import numpy as np

    offsets = result[1]
    if isinstance(offsets, (bytes, bytearray, memoryview)):
        offsets = np.frombuffer(offsets, dtype=np.int64)
    return np.diff(np.asarray(offsets)).tolist()


# Every contender, baseline second; peers are optional (`pip install tokcost[bench]`).
CONTENDERS: list[tuple[str, Callable[[str], Contender]]] = [
    ("tokcost", _tokcost),
    ("tiktoken", _tiktoken),
    ("toktok-rs", _toktok),
    ("quicktok-v1", _quicktok),
]


def load_contenders(encoding: str, only: Optional[Sequence[str]] = None) -> tuple[list[Contender], dict[str, str]]:
    """The contenders that load here, and why each other one did not."""
    loaded, missing = [], {}
    for name, factory in CONTENDERS:
        if only and name not in only:
            continue
        try:
            loaded.append(factory(encoding))
        except ImportError as exc:
            missing[name] = f"not installed ({exc.name or exc})"
        except Exception as exc:  # e.g. a peer without this encoding
            missing[name] = f"{type(exc).__name__}: {exc}"
    return loaded, missing


# ---------------------------------------------------------------- plan and workloads

@dataclass
class Plan:
    """How much to measure. ``quick`` fits a laptop coffee break; default is the full run."""

    runs: int = 5
    slice_bytes: int = 128_000  # a text workload's slice (one run's input)
    chat_batch: int = 10_000
    adversarial_mb: tuple = (1, 2, 4, 8)
    warm_target_s: float = 0.05  # warm runs repeat the call to last about this long
    call_budget_s: float = 5.0  # a contender slower than this per call skips larger sizes
    flores_dir: Optional[Path] = None

    @classmethod
    def quick(cls, **kw) -> "Plan":
        base = dict(runs=5, slice_bytes=32_000, chat_batch=500, adversarial_mb=(1, 2),
                    warm_target_s=0.02, call_budget_s=3.0)
        base.update(kw)
        return cls(**base)

    def flores(self) -> tuple[Path, bool]:
        """The FLORES directory to read, and whether it is the full corpus."""
        for candidate in (self.flores_dir, os.environ.get("TOKCOST_FLORES_DIR"), FLORES_SHARED):
            if candidate and Path(candidate, "eng_Latn.txt").is_file():
                return Path(candidate), True
        return FLORES_SAMPLE, False


@dataclass
class Workload:
    """Input for tasks: ``items(k)`` gives k disjoint inputs (a text, or a list of texts)."""

    name: str
    description: str
    items: Callable[[int], tuple[list, bool]]  # k -> (items, all disjoint?)
    kind: str = "text"  # "text" or "batch"


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# Each FLORES language's lines are split three ways so workloads never overlap:
# per-script workloads take the first 40%, the mix the next 10%, chat the rest.
_PARTS = {"scripts": (0.0, 0.4), "mix": (0.4, 0.5), "chat": (0.5, 1.0)}


def _flores_lines(plan: Plan, codes: Optional[Sequence[str]], part: str) -> list[str]:
    """Lines of the given languages (all when None) from one part, interleaved line by line."""
    directory, _ = plan.flores()
    paths = sorted(directory.glob("*_*.txt"))
    if codes is not None:
        paths = [p for p in paths if p.stem in codes]
    lo, hi = _PARTS[part]
    columns = []
    for path in paths:
        lines = _read_lines(path)
        columns.append(lines[int(lo * len(lines)):int(hi * len(lines))])
    return [column[i] for i in range(max(map(len, columns), default=0)) for column in columns if i < len(column)]


def _chunk_lines(lines: list[str], k: int, max_bytes: int) -> tuple[list[str], bool]:
    """k texts of consecutive lines, each about min(max_bytes, total/k) bytes."""
    sizes = [len(line.encode()) + 1 for line in lines]
    # Slack for the overshoot of the last line of each text, so k texts fit without wrapping.
    per = max(1, min(max_bytes, (sum(sizes) - k * max(sizes, default=0)) // max(k, 1)))
    out, current, size, i, fresh = [], [], 0, 0, True
    while len(out) < k and lines:
        if i == len(lines):
            i, fresh = 0, False  # corpus exhausted: wrap around, and say so
        current.append(lines[i])
        size += sizes[i]
        i += 1
        if size >= per:
            out.append("\n".join(current) + "\n")
            current, size = [], 0
    return out, fresh


def _lines_workload(name: str, description: str, lines: Callable[[], list[str]], plan: Plan) -> Workload:
    cache: dict = {}

    def items(k: int):
        if "lines" not in cache:
            cache["lines"] = lines()
        return _chunk_lines(cache["lines"], k, plan.slice_bytes)

    return Workload(name, description, items)


def _english_lines(plan: Plan) -> list[str]:
    # FLORES English, then the prose paragraphs of Python's own reference
    # (indented code blocks dropped), so cold runs have enough unseen text.
    import pydoc_data.topics

    docs = [line for topic in pydoc_data.topics.topics.values() for line in topic.splitlines()
            if line.strip() and not line.startswith(" ")]
    return _flores_lines(plan, ["eng_Latn"], "scripts") + docs


def _stdlib_code_lines(budget: int) -> list[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    lines: list[str] = []
    total = 0
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if rel[0] in ("test", "site-packages", "lib2to3", "idlelib") or "tests" in rel:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lines.extend(text.splitlines())
        total += len(text)
        if total >= budget:
            break
    return lines


def text_workloads(plan: Plan) -> list[Workload]:
    directory, full = plan.flores()
    mix_codes = sorted(p.stem for p in directory.glob("*_*.txt"))
    source = "FLORES-200" if full else "bundled FLORES sample"
    need = plan.slice_bytes * (1 + 2 * plan.runs)
    fl = lambda codes, part="scripts": (lambda: _flores_lines(plan, codes, part))  # noqa: E731
    return [
        _lines_workload("english", f"English prose ({source} eng_Latn + Python reference prose)",
                        lambda: _english_lines(plan), plan),
        _lines_workload("code", "Python source (stdlib files)", lambda: _stdlib_code_lines(need), plan),
        _lines_workload("chinese-japanese", f"{source}: zho_Hans, zho_Hant, jpn_Jpan, yue_Hant",
                        fl(["zho_Hans", "zho_Hant", "jpn_Jpan", "yue_Hant"]), plan),
        _lines_workload("hindi-tamil", f"{source}: hin_Deva, tam_Taml", fl(["hin_Deva", "tam_Taml"]), plan),
        _lines_workload("arabic-script", f"{source}: arb_Arab, pes_Arab, urd_Arab",
                        fl(["arb_Arab", "pes_Arab", "urd_Arab"]), plan),
        _lines_workload(f"flores-mix-{len(mix_codes)}", f"{source}: all {len(mix_codes)} languages, interleaved",
                        fl(None, "mix"), plan),
    ]


def files_workload(paths: Sequence[Path], plan: Plan) -> Workload:
    """The user's files, concatenated; cold slices are consecutive stretches."""
    def lines():
        out = []
        for path in paths:
            out.extend(Path(path).read_text(encoding="utf-8").splitlines())
        return out

    label = str(paths[0]) if len(paths) == 1 else f"{len(paths)} files"
    return _lines_workload("files", f"your input: {label}", lines, plan)


def _chat_fragments(lines: list[str]) -> list[str]:
    """Chat-sized texts: each sentence cut in two at the space nearest its middle."""
    out = []
    for line in lines:
        mid = len(line) // 2
        cut = line.rfind(" ", 0, mid + 1)
        cut = cut if cut > 0 else mid
        out.extend(part for part in (line[:cut], line[cut:]) if part)
    return out


def chat_workload(plan: Plan) -> Workload:
    cache: dict = {}

    def items(k: int):
        if "texts" not in cache:
            cache["texts"] = _chat_fragments(_flores_lines(plan, None, "chat"))
        texts, size = cache["texts"], plan.chat_batch
        batches = [[texts[(j * size + i) % len(texts)] for i in range(size)] for j in range(k)]
        return batches, k * size <= len(texts)

    return Workload("chat", f"{plan.chat_batch:,} chat-sized texts (FLORES sentence halves, all languages)",
                    items, kind="batch")


_EMOJI = ["😀", "😂", "🥲", "👍🏽", "🎉", "❤️", "🔥", "👨‍👩‍👧", "🏳️‍🌈", "🤖", "🇯🇵", "✨", "🧠", "🍕", "🚀"]


def adversarial_text(case: str, mb: float, seed: int) -> str:
    """``mb`` MB of a pathological input; ``seed`` varies the content between runs."""
    n = int(mb * 1_000_000)
    rng = random.Random(seed)
    if case == "repeat-char":  # one pretoken of a million identical letters
        return "abcdefghijklmnopqrstuvwxyz"[seed % 26] * n
    if case == "no-whitespace":  # one pretoken of random lowercase letters
        return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=n))
    if case == "digits":
        return "".join(rng.choices("0123456789", k=n))
    if case == "emoji-runs":  # runs of ~2000 emoji (ZWJ, flags, skin tones) between spaces
        parts, size = [], 0
        while size < n:
            run = "".join(rng.choices(_EMOJI, k=2000)) + " "
            parts.append(run)
            size += len(run.encode())
        return "".join(parts).encode()[:n].decode("utf-8", "ignore")
    raise ValueError(f"unknown adversarial case {case!r}; choose from {ADVERSARIAL_CASES}")


ADVERSARIAL_CASES = ("repeat-char", "no-whitespace", "digits", "emoji-runs")


# ---------------------------------------------------------------- tasks

@dataclass
class Task:
    """One comparison: a workload, an operation, warm or cold, a thread count."""

    section: str
    workload: str
    op: str  # encode | count | encode_batch | count_batch
    mode: str  # warm | cold
    items: Callable[[int], Any]  # run index -> input; index 0 is the warm-up
    nbytes: Callable[[Any], int]
    threads: int = 1
    fresh: bool = True  # cold inputs truly unseen (False when the corpus ran short)
    runs: Optional[int] = None  # overrides the plan's runs (long adversarial sizes)
    check: bool = True  # warm up and check exactness first (input 0)

    @property
    def id(self) -> str:
        threads = f"-{self.threads}t" if self.op.endswith("batch") else ""
        return f"{self.workload}-{self.op}{threads}-{self.mode}"

    def call(self, contender: Contender) -> Callable[[Any], Any]:
        fn = getattr(contender, self.op)
        if self.op.endswith("batch"):
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


# ---------------------------------------------------------------- measuring

@dataclass
class Result:
    task: Task
    contender: str
    version: str
    nbytes: int
    times: list = field(default_factory=list)  # seconds per call, one per run
    ratios: list = field(default_factory=list)  # tiktoken's time / ours, per run
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
            "runs": len(self.times), "exact": self.exact, "fresh": t.fresh if t.mode == "cold" else None,
            "skipped": self.skipped,
        }


def _round(value: Optional[float], digits: int = 3) -> Optional[float]:
    return None if value is None else round(value, digits)


def time_call(fn: Callable, arg: Any, inner: int = 1) -> float:
    """Seconds per call of ``fn(arg)``, averaged over ``inner`` calls, GC paused."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(inner):
            fn(arg)
        return (time.perf_counter() - start) / inner
    finally:
        gc.enable()


def _normalize(task: Task, contender: Contender, output: Any) -> Any:
    """Output in a form comparable across contenders: ids, a count, or counts per text."""
    if task.op == "encode":
        from array import array

        return array("I", output)  # a quarter of a list's memory for megabyte inputs
    if task.op == "encode_batch":
        return contender.batch_counts(output)
    if task.op == "count_batch":
        return [int(c) for c in output]
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
        outputs[contender.name] = _normalize(task, contender, fn(warm))
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
            times[contender.name] = time_call(task.call(contender), arg, inner[contender.name])
            result.times.append(times[contender.name])
        base = times.get(BASELINE)
        for contender, result in live:
            if base:
                result.ratios.append(base / times[contender.name])
    return results


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
print(json.dumps({{"seconds": elapsed, "rss_bytes": rss() - before}}))
"""


def measure_load(contender: Contender, encoding: str) -> dict:
    """Import + load + first encode in a fresh interpreter: seconds and resident memory added."""
    import tokcost

    env = dict(os.environ)
    src = str(Path(tokcost.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    script = _LOAD_SCRIPT.format(load_code=contender.load_code)
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
        row = {"contender": c.name, "version": c.version, "load_s": round(seconds, 4),
               "rss_mib": round(rss / 2**20, 1), "runs": len(s)}
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
