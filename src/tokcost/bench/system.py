"""Issue #15's measurement: every contender on this machine's own corpora, mode by mode.

``tokcost bench --suite system`` runs it. The corpora (``system_corpora``) are
man pages, the CPython stdlib and the gettext catalogs of seven languages and
of all of them mixed; with ``--corpus flores`` (``flores_corpora``) they are
FLORES-200's sentences of the same languages and the stdlib, the same text on
every machine. Each corpus is cut, in order, into disjoint pieces:

- *repeated*: one text (1 MB; up to 256 KB for a language) encoded again and
  again, single thread: what piece caches are for;
- *fresh*: a new chunk of the same size every round, never seen before;
- *docs*: a new set of ~1 KB documents every round, one ``encode`` call each;
- *batch*: a new set of ~1 KB documents every round, ``encode_batch`` on 2 threads;
- *first-call*: the repeated text, once, as the first call of a process that has
  only loaded the tokenizer. Each contender loads once in its own interpreter,
  which forks a child per measurement, so every child starts loaded and cold.

A corpus with less text than the plan asks for is cut into proportionally
smaller pieces (the bytes are in every row); only the sections that run take text. Every output is checked: the
warm-up before timing, every fresh piece after timing (ids, or token counts per
document for batches), and the first calls by a digest of their ids.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from tokcost.bench.contenders import BASELINE, Contender, checked_contenders, one_thread_per_text
from tokcost.bench.measure import Result, Task, _batch_len, _normalize, _utf8_len, machine_facts, run_task
from tokcost.bench.flores_corpora import flores_corpora
from tokcost.bench.system_corpora import Corpus, system_corpora
from tokcost.bench.workloads import Plan

SYSTEM_SECTIONS = ("repeated", "fresh", "docs", "batch", "first-call")
SYSTEM_TITLES = {
    "repeated": "Repeated text (the same piece encoded again and again, single thread)",
    "fresh": "Fresh chunks (a piece never seen, every round, single thread)",
    "docs": "~1 KB documents never seen (one encode call each, single thread)",
    "batch": "Batches of ~1 KB documents never seen (encode_batch, 2 threads)",
    "first-call": "First call (a forked child of a process that only loaded the tokenizer, text never seen)",
}
# The text the suite can run on: name -> what it is.
SYSTEM_CORPORA = {
    "system": "this machine's files: man pages, the standard library, gettext catalogs",
    "flores": "FLORES-200 (the same sentences on every machine) and the standard library",
}


@dataclass
class SystemPlan(Plan):
    """How much of each corpus to measure; ``quick`` runs in about five minutes on a quiet 2-core machine."""

    bulk_bytes: int = 1_000_000  # English, code, the mix: the repeated text and each fresh chunk
    language_bytes: int = 256_000  # each language (less when its catalogs are smaller)
    doc_bytes: int = 1_000  # one document, at least (whole lines or strings)
    docs_per_run: int = 256  # documents in each round's set
    verify: bool = True  # check every fresh piece's output after timing
    first_call_timeout_s: int = 300
    man_dir: Optional[Path] = None
    locale_dir: Optional[Path] = None
    corpus: str = "system"  # a key of SYSTEM_CORPORA

    @classmethod
    def quick(cls, **kw) -> "SystemPlan":
        base = dict(runs=3, bulk_bytes=256_000, language_bytes=64_000, docs_per_run=64, warm_target_s=0.02,
                    call_budget_s=5.0)
        base.update(kw)
        return cls(**base)


@dataclass
class Pieces:
    """One corpus cut for the plan: every piece disjoint from every other."""

    repeated: str
    warm: str  # a piece of the repeated text as long as a fresh one: the warm-up of fresh
    fresh: list
    docs: list  # runs sets of documents
    batch: list  # runs sets of documents
    warm_docs: list  # documents cut from the repeated text: the warm-up of docs and batch
    scale: float  # 1.0 when the corpus had all the text the plan asked for, else the share it had


def cut(units: Sequence[str], plan: SystemPlan, bulk: bool, sections: Sequence[str] = SYSTEM_SECTIONS) -> Pieces:
    """Consecutive units joined by newlines into the pieces the plan asks for. The repeated text
    gets its full size while it is at most a third of the corpus; the fresh pieces and document
    sets of the sections that run share the rest, scaled down alike when it is short."""
    chunk = plan.bulk_bytes if bulk else plan.language_bytes
    doc_set = plan.docs_per_run * plan.doc_bytes
    sizes = [len(u.encode("utf-8", "surrogatepass")) + 1 for u in units]
    total = 0.97 * sum(sizes)
    first = min(chunk, total / 3)
    # Text for a section that does not run would shrink every other piece of a short corpus for nothing.
    need = plan.runs * (chunk * ("fresh" in sections) + doc_set * sum(s in sections for s in ("docs", "batch")))
    scale = min(1.0, (total - first) / need) if need else 1.0
    text, docs = _Cursor(units, sizes), _Cursor(units, sizes)
    repeated = text.take(first)
    docs.stop = text.position  # the warm-ups are cut from the repeated text, which is seen anyway
    warm = docs.take(chunk * scale)
    docs.position = 0
    n_docs = max(1, round(plan.docs_per_run * scale))
    warm_docs = docs.documents(n_docs, plan.doc_bytes)
    fresh = [text.take(chunk * scale) for _ in range(plan.runs)] if "fresh" in sections else []
    doc_sets = {s: [text.documents(n_docs, plan.doc_bytes) for _ in range(plan.runs)] if s in sections else []
                for s in ("docs", "batch")}
    return Pieces(repeated, warm, fresh, doc_sets["docs"], doc_sets["batch"], warm_docs,
                  round(min(scale, first / chunk), 3))


class _Cursor:
    """Takes consecutive units, never past ``stop``."""

    def __init__(self, units: Sequence[str], sizes: Sequence[int]):
        self.units, self.sizes, self.position, self.stop = units, sizes, 0, len(units)

    def take(self, nbytes: float) -> str:
        start, size = self.position, 0
        while self.position < self.stop and (size < nbytes or self.position == start):
            size += self.sizes[self.position]
            self.position += 1
        return "".join(u + "\n" for u in self.units[start:self.position])

    def documents(self, n: int, nbytes: int) -> list:
        return [d for d in (self.take(nbytes) for _ in range(n)) if d]


def _budget(plan: SystemPlan, bulk: bool) -> int:
    chunk = plan.bulk_bytes if bulk else plan.language_bytes
    return int(1.05 * ((1 + plan.runs) * chunk + 2 * plan.runs * plan.docs_per_run * plan.doc_bytes))


class CorpusPieces:
    """A corpus and its pieces for the sections that run, cut on first use (reading 20k man pages takes seconds)."""

    def __init__(self, corpus: Corpus, plan: SystemPlan, sections: Sequence[str] = SYSTEM_SECTIONS):
        self.corpus, self.plan, self.sections, self._pieces = corpus, plan, sections, None

    @property
    def pieces(self) -> Pieces:
        if self._pieces is None:
            units = self.corpus.units(_budget(self.plan, self.corpus.bulk))
            self._pieces = cut(units, self.plan, self.corpus.bulk, self.sections)
        return self._pieces


def _pick(first: Callable, rest: Callable) -> Callable[[int], object]:
    return lambda r: first() if r == 0 else rest()[r - 1]


def system_tasks(plan: SystemPlan, sections: Sequence[str] = SYSTEM_SECTIONS,
                 corpora: Optional[Sequence[CorpusPieces]] = None) -> list[Task]:
    """The timed tasks (every section but first-call), section by section, corpus by corpus."""
    corpora = corpora if corpora is not None else present_corpora(plan, sections)[0]
    tasks: list[Task] = []
    for section in [s for s in SYSTEM_SECTIONS if s in sections and s != "first-call"]:
        for c in corpora:
            p = lambda c=c: c.pieces  # noqa: E731
            if section == "repeated":
                tasks.append(Task("repeated", c.corpus.name, "encode", "warm", lambda r, p=p: p().repeated,
                                  _utf8_len))
            elif section == "fresh":
                tasks.append(Task("fresh", c.corpus.name, "encode", "cold",
                                  _pick(lambda p=p: p().warm, lambda p=p: p().fresh), _utf8_len))
            elif section == "docs":
                tasks.append(Task("docs", c.corpus.name, "encode_docs", "cold",
                                  _pick(lambda p=p: p().warm_docs, lambda p=p: p().docs), _batch_len))
            else:
                tasks.append(Task("batch", c.corpus.name, "encode_batch", "cold",
                                  _pick(lambda p=p: p().warm_docs, lambda p=p: p().batch), _batch_len, threads=2))
    for task in tasks:
        task.runs = plan.runs  # the pieces were cut for this many runs, whichever plan times them
    return tasks


def present_corpora(plan: SystemPlan, sections: Sequence[str] = SYSTEM_SECTIONS
                    ) -> tuple[list[CorpusPieces], dict[str, str]]:
    """The plan's corpora found on this machine, and for each absent one the reason.

    Raises CorpusError when the plan asks for FLORES-200 and it is not here, and ValueError
    for a corpus name that is not in SYSTEM_CORPORA.
    """
    if plan.corpus not in SYSTEM_CORPORA:
        raise ValueError(f"unknown corpus {plan.corpus!r}; choose from {', '.join(SYSTEM_CORPORA)}")
    corpora = flores_corpora(plan) if plan.corpus == "flores" else system_corpora(plan.man_dir, plan.locale_dir)
    found, absent = [], {}
    for corpus in corpora:
        if corpus.absent:
            absent[corpus.name] = corpus.absent
        else:
            found.append(CorpusPieces(corpus, plan, sections))
    return found, absent


def verify(task: Task, contenders: Sequence[Contender], results: Sequence[Result], plan: SystemPlan) -> None:
    """After timing: every timed piece encoded once more by each contender and compared with
    tiktoken's output; a contender that differs anywhere is marked not exact."""
    reference = next((c for c in contenders if c.name == BASELINE), None)
    if reference is None or task.mode != "cold":
        return
    for run in range(1, plan.runs + 1):
        item = task.items(run)
        expected = _normalize(task, reference, task.call(reference)(item))
        for contender, result in zip(contenders, results):
            if contender is reference or result.skipped or result.exact is False:
                continue
            try:
                same = _normalize(task, contender, task.call(contender)(item)) == expected
            except Exception:  # a peer that refuses a piece it was timed on cannot be exact
                same = False
            result.exact = bool(result.exact is not False and same)


def benchmark_system(encoding: str = "o200k_base", plan: Optional[SystemPlan] = None,
                     sections: Sequence[str] = SYSTEM_SECTIONS, contenders: Sequence[str] = (),
                     progress: Callable = lambda it, total, desc: it) -> dict:
    """The issue's tables as a JSON-ready document: a row per section, corpus and contender,
    geometric means of the ratios to tiktoken per section, the corpora read and those absent.

    Raises ValueError when no contender could be loaded or no corpus is on this machine
    (CorpusError, a ValueError, when ``plan.corpus`` is "flores" and FLORES-200 is not here).
    """
    plan = plan or SystemPlan()
    corpora, absent = present_corpora(plan, sections)
    checked, missing = checked_contenders(encoding, contenders)
    if not corpora:
        raise ValueError("none of the corpora is on this machine: " + "; ".join(absent.values()))
    machine = machine_facts()
    rows = []
    tasks = system_tasks(plan, sections, corpora)
    with one_thread_per_text():
        for task in progress(tasks, len(tasks), "benchmarking"):
            results = run_task(task, checked, plan)
            if plan.verify:
                verify(task, checked, results, plan)
            rows.extend(r.row() for r in results)
    if "first-call" in sections:
        rows.extend(_first_call_rows(plan, checked, corpora, encoding, missing, progress))
    for row in rows:
        row["corpus"] = plan.corpus  # a CSV row says which text it ran on, as the document does
    machine["loadavg_after"] = machine_facts().get("loadavg")
    return {
        "suite": "system",
        "corpus": {"name": plan.corpus, "description": SYSTEM_CORPORA[plan.corpus]},
        "encoding": encoding,
        "machine": machine,
        "versions": {c.name: c.version for c in checked},
        "contenders": {c.name: {"version": c.version, "exact": c.exact} for c in checked},
        "missing": missing,
        "plan": {"runs": plan.runs, "bulk_bytes": plan.bulk_bytes, "language_bytes": plan.language_bytes,
                 "doc_bytes": plan.doc_bytes, "docs_per_run": plan.docs_per_run, "verify": plan.verify,
                 "clock": plan.clock, "corpus": plan.corpus},
        "corpora": [_corpus_facts(c) for c in corpora],
        "absent": absent,
        "results": rows,
        "geomean": geometric_means(rows),
    }


def _corpus_facts(c: CorpusPieces) -> dict:
    facts = {"name": c.corpus.name, "description": c.corpus.description}
    if c._pieces is not None:
        p = c._pieces
        facts.update(piece_bytes=_utf8_len(p.repeated), docs_per_set=len((p.docs or p.batch or [[]])[0]),
                     scale=p.scale)
    return facts


def _first_call_rows(plan, contenders, corpora, encoding, missing, progress) -> list[dict]:
    from tokcost.bench.first_call import first_calls, summarize

    texts = {c.corpus.name: c.pieces.repeated for c in corpora}
    samples, failed = first_calls(contenders, encoding, texts, plan.runs, plan.first_call_timeout_s, progress,
                                  plan.clock)
    missing.update({name: f"first-call: {why}" for name, why in failed.items()})
    rows = []
    for name, text in texts.items():
        task = Task("first-call", name, "encode", "cold", lambda r: None, _utf8_len)
        reference = samples.get((name, BASELINE))
        for c in contenders:
            if c.name in failed:
                continue
            facts = summarize(samples.get((name, c.name), []), reference)
            result = Result(task, c.name, c.version, _utf8_len(text), facts["times"], facts["ratios"],
                            facts["exact"], facts["skipped"])
            rows.append(result.row())
    return rows


def geometric_means(rows: Sequence[dict]) -> dict:
    """``{section: {contender: {"x_tiktoken": geometric mean of its ratios, "corpora": how many}}}``,
    over the corpora where it has a ratio and its output was exact."""
    ratios: dict = {}
    for row in rows:
        if row["x_tiktoken"] and row["exact"] is not False and not row["skipped"]:
            ratios.setdefault(row["section"], {}).setdefault(row["contender"], []).append(row["x_tiktoken"])
    return {section: {name: {"x_tiktoken": round(math.exp(statistics.fmean(map(math.log, values))), 3),
                             "corpora": len(values)}
                      for name, values in by_name.items()}
            for section, by_name in ratios.items()}
