"""The workloads: text per script, code, chat-sized batches, adversarial inputs."""

from __future__ import annotations

import gzip
import os
import random
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from tokcost.bundled import FLORES_SAMPLE_DIR as FLORES_SAMPLE


def checkout_flores(module_file: str = __file__) -> Optional[Path]:
    """Where a source checkout keeps the full FLORES-200 corpus: ``shared/`` beside the checkout
    whose ``src/tokcost/bench/`` holds ``module_file``. None for an installed package, where only
    a plan's directory or ``$TOKCOST_FLORES_DIR`` finds it."""
    checkout = Path(module_file).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "tokcost").is_dir():
        return checkout.parent / "shared" / "corpora" / "flores200"
    return None


FLORES_SHARED = checkout_flores()


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
    corpus_files: int = 3000  # the generated corpus: small files, and a few large ones
    corpus_large: tuple = (3, 4_000_000)  # (how many, bytes each)
    clock: str = "wall"  # "cpu": one-thread tasks timed in process CPU time (see measure.task_clock)

    @classmethod
    def quick(cls, **kw) -> "Plan":
        base = dict(runs=5, slice_bytes=32_000, chat_batch=500, adversarial_mb=(1, 2),
                    warm_target_s=0.02, call_budget_s=3.0, corpus_files=500, corpus_large=(1, 1_000_000))
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


def read_sentences(path: Path) -> list[str]:
    """A FLORES-style file's sentences: its lines, blank ones left out."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
        lines = read_sentences(path)
        columns.append(lines[int(lo * len(lines)):int(hi * len(lines))])
    return [column[i] for i in range(max(map(len, columns), default=0)) for column in columns if i < len(column)]


def chunk_lines(lines: list[str], k: int, max_bytes: int) -> tuple[list[str], bool]:
    """k texts of consecutive lines, each about min(max_bytes, total/k) bytes, and whether no line
    repeats (False when the lines ran out and it wrapped around)."""
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
        return chunk_lines(cache["lines"], k, plan.slice_bytes)

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


# ---------------------------------------------------------------- a directory of files

_CORPUS_WORDS = ["token", "cost", "corpus", "Привет", "мир", "数据", "🙂", "naïve", "x = f(y)\n", "    indented\n", "\n",
                 "//", "'s", "123", "é", "\t", "<|endoftext|>"]


def make_corpus(root: Path, *, small: int = 2000, large: int = 3, large_bytes: int = 600_000, seed: int = 0) -> Path:
    """A deterministic directory tree: many small files, a few large ones, and the awkward
    cases (empty, binary, Latin-1, cut UTF-8, gzip). Words mix scripts, code and a special token.

    The same tree serves the corpus benchmark and the corpus tests.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)

    def text(n_words: int) -> str:
        return " ".join(rng.choice(_CORPUS_WORDS) for _ in range(n_words))

    for i in range(small):
        d = root / f"d{i % 17}" / f"e{i % 5}"
        d.mkdir(parents=True, exist_ok=True)
        ext = (".txt", ".md", ".py", ".json")[i % 4]
        (d / f"f{i}{ext}").write_text(text(rng.randint(0, 60)), encoding="utf-8")
    for i in range(large):
        with open(root / f"large{i}.txt", "w", encoding="utf-8") as f:
            while f.tell() < large_bytes:
                f.write(text(200) + "\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "d0").mkdir(exist_ok=True)
    (root / "d0" / "empty2.md").write_bytes(b"")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (root / "d1").mkdir(exist_ok=True)
    (root / "d1" / "blob.bin").write_bytes(rng.randbytes(2000).replace(b"\0", b"\1") + b"\0")
    (root / "latin1.txt").write_bytes("café crème brûlée\n".encode("latin-1") * 50)
    (root / "d2").mkdir(exist_ok=True)
    (root / "d2" / "broken_utf8.txt").write_bytes(b"ok \xf0\x9f\x98 cut emoji\n" * 100 + b"\xff\xfe end")
    (root / "d3").mkdir(exist_ok=True)
    with gzip.open(root / "d3" / "packed.txt.gz", "wb") as f:
        f.write(text(500).encode())
    return root


def corpus_workload(plan: Plan) -> Workload:
    """The files of a generated corpus (made on first use in a temporary directory, removed at exit)."""
    cache: dict = {}

    def items(k: int):
        if "paths" not in cache:
            import atexit
            import shutil

            from tokcost.corpus.discovery import discover

            root = Path(tempfile.mkdtemp(prefix="tokcost-bench-corpus-"))
            atexit.register(shutil.rmtree, root, True)
            large, large_bytes = plan.corpus_large
            make_corpus(root, small=plan.corpus_files, large=large, large_bytes=large_bytes, seed=1)
            cache["paths"] = [source.path for source in discover([str(root)]).sources]
        return [cache["paths"]] * k, k == 1

    large, large_bytes = plan.corpus_large
    return Workload("corpus", f"{plan.corpus_files:,} small files and {large} of {large_bytes / 1e6:g} MB "
                    "(generated; empty, binary, gzip and broken UTF-8 among them)", items, kind="files")
