"""The contenders: tokcost, tiktoken and every peer that is installed, behind one interface.

Exact peers promise tiktoken's ids; ``check_ids`` holds them to it before any
timing, and a peer whose ids differ is left out with the first difference as
the reason. Peers that do not promise exact ids (``exact=False``) are timed
and labelled as such, so their speed is never read as a like-for-like figure.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

BASELINE = "tiktoken"
SNIFF_BYTES = 8192  # as tokcost's corpus reader: a NUL in the first 8 KiB makes a file binary


@dataclass
class Contender:
    """One tokenizer, reduced to the operations we time."""

    name: str
    version: str
    encode: Callable[[str], Sequence[int]]
    count: Callable[[str], int]
    encode_batch: Callable[[list, int], Any]  # (texts, threads) -> anything
    count_batch: Callable[[list, int], Sequence[int]]  # (texts, threads) -> counts
    batch_counts: Callable[[Any], list]  # encode_batch's result -> token count per text
    load_code: str  # statements a fresh interpreter runs to load NAME
    exact: bool = True  # promises tiktoken's ids
    count_files: Optional[Callable[[list, int], int]] = None  # (paths, threads) -> total tokens

    def __post_init__(self):
        if self.count_files is None:
            self.count_files = lambda paths, threads: sum(self.count_batch(read_texts(paths), threads))


def read_texts(paths: Sequence[str]) -> list:
    """What a peer without a directory reader counts: each file (gunzipped), binary ones
    (a NUL in the first 8 KiB) left out, invalid UTF-8 replaced by U+FFFD."""
    texts = []
    for path in paths:
        with (gzip.open if str(path).endswith(".gz") else open)(path, "rb") as f:
            data = f.read()
        if b"\0" not in data[:SNIFF_BYTES]:
            texts.append(data.decode("utf-8", "replace"))
    return texts


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _lengths(result) -> list:
    return [len(ids) for ids in result]


def _tiktoken_like(name: str, enc, load_code: str, *, exact: bool = True, dist: str = "") -> Contender:
    """A contender for anything with tiktoken's ``encode_ordinary``/``encode_ordinary_batch``."""
    return Contender(
        name, _version(dist or name), enc.encode_ordinary, lambda text: len(enc.encode_ordinary(text)),
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: _lengths(enc.encode_ordinary_batch(texts, num_threads=n)),
        _lengths, load_code, exact=exact,
    )


@contextmanager
def one_thread_per_text():
    """tokcost's one-text calls kept on the calling thread (``text_threads`` off) while the suites
    time them: every peer's call on one text is one thread, so every row compares one thread with
    one. The second thread of one long text is benchmarks/bench_one_text.py's to measure."""
    import tokcost

    before = tokcost.text_threads(False)
    try:
        yield
    finally:
        tokcost.text_threads(before)


def _tokcost(name: str) -> Contender:
    import tokcost

    enc = tokcost.get_encoding(name)

    def count_files(paths, threads):
        from tokcost.corpus import count_corpus

        return count_corpus(paths, name, jobs=threads).total_tokens

    return Contender(
        "tokcost", tokcost.__version__, enc.encode_ordinary, enc.count,
        lambda texts, n: enc.encode_ordinary_batch(texts, num_threads=n),
        lambda texts, n: enc.count_batch(texts, num_threads=n),
        _lengths, "import tokcost\ntokcost.text_threads(False)\nenc = tokcost.get_encoding(NAME)",
        count_files=count_files,
    )


def _rank_file(name: str) -> Path:
    """tokcost's bundled rank file for ``name`` in tiktoken's format, seeded once per process."""
    from tokcost.testing import seed_tiktoken_cache, tiktoken_cache_key

    if not _seeded:  # once per process, into a private temporary directory
        _seeded.append(seed_tiktoken_cache())
    return _seeded[0] / tiktoken_cache_key(name)


_seeded: list = []


def _scratch(prefix: str) -> Path:
    """A temporary directory removed at exit: peers' caches never go into the user's home."""
    import atexit

    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def _tiktoken(name: str) -> Contender:
    import tiktoken

    _rank_file(name)
    return _tiktoken_like("tiktoken", tiktoken.get_encoding(name), "import tiktoken\nenc = tiktoken.get_encoding(NAME)")


def _gigatoken(name: str) -> Contender:
    import gigatoken

    # gigatoken picks the pretokenizer from the file name, so the rank file goes in under the encoding's name.
    path = _scratch("tokcost-bench-gigatoken-") / f"{name}.tiktoken"
    shutil.copyfile(_rank_file(name), path)
    return _tiktoken_like("gigatoken", gigatoken.Tokenizer.from_tiktoken(str(path)).as_tiktoken(),
                          f"import gigatoken\nenc = gigatoken.Tokenizer.from_tiktoken({str(path)!r}).as_tiktoken()")


def _bpe_openai(name: str) -> Contender:
    import bpe_openai

    return _tiktoken_like("bpe-openai", bpe_openai.get_encoding(name),
                          "import bpe_openai\nenc = bpe_openai.get_encoding(NAME)")


def _riptoken(name: str) -> Contender:
    import riptoken

    _rank_file(name)  # riptoken builds on tiktoken's rank file
    enc = riptoken.get_encoding(name)

    # Its batches take no thread count (rayon's global pool: every core), so one thread is a loop of calls.
    def batch(texts, n):
        return enc.encode_ordinary_batch(texts) if n > 1 else [enc.encode_ordinary(t) for t in texts]

    return Contender("riptoken", _version("riptoken"), enc.encode_ordinary, lambda text: len(enc.encode_ordinary(text)),
                     batch, lambda texts, n: _lengths(batch(texts, n)), _lengths,
                     "import riptoken\nenc = riptoken.get_encoding(NAME)", exact=False)


def _offsets_peer(name: str, enc, count_batch: Callable[[list, int], Sequence[int]], load_code: str) -> Contender:
    """A peer whose ``encode_batch(texts, threads, special)`` returns ids and offsets (toktok-rs, quicktok)."""
    return Contender(name, _version(name), enc.encode_ordinary, enc.count,
                     lambda texts, n: enc.encode_batch(texts, n, False), count_batch, _offsets_to_counts, load_code)


def _toktok(name: str) -> Contender:
    import toktok

    enc = toktok._encoding(name)  # the full Tokenizer; the public API is count-only
    return _offsets_peer("toktok-rs", enc, lambda texts, n: enc.count_batch(texts, n, False),
                         "import toktok\nenc = toktok._encoding(NAME)")


def _quicktok(name: str) -> Contender:
    import quicktok

    enc = quicktok.get_encoding(name)
    # quicktok has no count_batch of its own: its helper diffs encode_batch's offsets.
    return _offsets_peer("quicktok-v1", enc, lambda texts, n: quicktok.count_batch(enc, texts, n),
                         "import quicktok\nenc = quicktok.get_encoding(NAME)")


def _wordchipper(name: str) -> Contender:
    # wordchipper downloads rank files into its cache; a private one, seeded
    # from tokcost's bundled copy, keeps it offline and out of the user's home.
    cache = _scratch("tokcost-bench-wordchipper-")
    (cache / "openai" / name).mkdir(parents=True)
    shutil.copyfile(_rank_file(name), cache / "openai" / name / f"{name}.tiktoken")
    os.environ["WORDCHIPPER_CACHE_DIR"] = str(cache)
    import wordchipper

    ordinary = wordchipper.SpecialFilter.include_none()  # special-token text is ordinary text, as in encode_ordinary
    serial = wordchipper.Tokenizer.from_pretrained(f"openai:{name}")

    options = wordchipper.TokenizerOptions.default()
    options.set_parallel(True)  # its thread count is its own; "threads > 1" means parallel
    parallel = wordchipper.Tokenizer.from_pretrained(f"openai:{name}", options)

    def encode_batch(texts, n):
        return (parallel if n > 1 else serial).encode_batch(texts, ordinary)

    return Contender(
        "wordchipper", _version("wordchipper"), lambda text: serial.encode(text, ordinary),
        lambda text: len(serial.encode(text, ordinary)), encode_batch,
        lambda texts, n: _lengths(encode_batch(texts, n)), _lengths,
        f"import os\nos.environ['WORDCHIPPER_CACHE_DIR'] = {str(cache)!r}\n"
        "import wordchipper\nenc = wordchipper.Tokenizer.from_pretrained('openai:' + NAME)\n"
        "enc.encode_ordinary = enc.encode",
    )


class HFEncoding:
    """A HuggingFace ``tokenizers`` BPE built from tiktoken's rank file, with tiktoken's method names.

    Ranks become merges the usual way: every split of a token into two
    lower-ranked tokens is a merge, in the order of the token's rank; the
    encoding's pattern splits pieces and a byte-level step maps bytes to
    characters. ``check_ids`` decides whether the result is exact.
    """

    def __init__(self, name: str):
        from tiktoken_ext import openai_public
        from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

        _rank_file(name)
        spec = getattr(openai_public, name)()
        ranks = spec["mergeable_ranks"]
        chars = _byte_level_chars()
        text = lambda token: "".join(chars[b] for b in token)  # noqa: E731
        merges = sorted((rank, ranks[token[:i]], text(token[:i]), text(token[i:]))
                        for token, rank in ranks.items() for i in range(1, len(token))
                        if ranks.get(token[:i], rank) < rank and ranks.get(token[i:], rank) < rank)
        self.tokenizer = Tokenizer(models.BPE({text(t): r for t, r in ranks.items()},
                                              [(left, right) for *_, left, right in merges], ignore_merges=True))
        self.tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(spec["pat_str"]), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        self.tokenizer.decoder = decoders.ByteLevel()

    def encode_ordinary(self, text: str) -> list:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def encode_ordinary_batch(self, texts: list, num_threads: int = 1) -> list:
        if num_threads == 1:  # its batch runs on every core; one thread is one call at a time
            return [self.encode_ordinary(text) for text in texts]
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]


def _byte_level_chars() -> dict:
    """GPT-2's byte-to-character table: printable bytes stand for themselves, the rest from U+0100 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in printable]
    return {**{b: chr(b) for b in printable}, **{b: chr(256 + i) for i, b in enumerate(others)}}


def _hf_tokenizers(name: str) -> Contender:
    return _tiktoken_like("hf-tokenizers", HFEncoding(name),
                          "from tokcost.bench.contenders import HFEncoding\nenc = HFEncoding(NAME)", dist="tokenizers")


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
    ("gigatoken", _gigatoken),
    ("toktok-rs", _toktok),
    ("quicktok-v1", _quicktok),
    ("wordchipper", _wordchipper),
    ("bpe-openai", _bpe_openai),
    ("hf-tokenizers", _hf_tokenizers),
    ("riptoken", _riptoken),  # not exact: timed, and labelled so
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


def checked_contenders(encoding: str, only: Optional[Sequence[str]] = None) -> tuple[list[Contender], dict[str, str]]:
    """The contenders that load and whose ids equal tiktoken's, and why each other one is left out.
    Raises ValueError when none is left."""
    loaded, missing = load_contenders(encoding, only)
    checked, rejected = check_ids(loaded)
    missing.update(rejected)
    if not checked:
        raise ValueError("no contender could be loaded: " + "; ".join(f"{k}: {v}" for k, v in missing.items()))
    return checked, missing


def id_check_texts() -> list:
    """Texts every exact contender must encode as tiktoken does: a line of each
    bundled FLORES language, code, digits, whitespace runs, emoji and CJK."""
    from tokcost.bundled import FLORES_SAMPLE_DIR

    texts = [path.read_text(encoding="utf-8").splitlines()[0] for path in sorted(FLORES_SAMPLE_DIR.glob("*_*.txt"))]
    return texts + [
        "def f(x):\n    return x ** 2  # square\n\n\n\tindented\r\n",
        "1234567890 3.14159 2026-12-03 0x7fff",
        "   leading, trailing   \n\n  ",
        "👨‍👩‍👧 🏳️‍🌈 👍🏽 🇯🇵 ✨" * 3,
        "今日は良い天気ですね。我们的数据很大。한국어 텍스트",
        "I'm sure they'll've done it; it's John's.",
    ]


def check_ids(contenders: Sequence[Contender], texts: Optional[Sequence[str]] = None) -> tuple[list, dict]:
    """The contenders whose ids equal tiktoken's on ``texts`` (or on ``id_check_texts()``),
    non-exact ones kept; and, for each exact one left out, the first text that differs."""
    texts = list(id_check_texts() if texts is None else texts)
    reference = next((c for c in contenders if c.name == BASELINE), None)
    if reference is None:
        return list(contenders), {}
    expected = [list(reference.encode(text)) for text in texts]
    kept, rejected = [], {}
    for contender in contenders:
        difference = _first_difference(contender, texts, expected)
        if difference and contender.exact:
            rejected[contender.name] = f"ids differ from tiktoken: {difference}"
        else:
            kept.append(contender)
    return kept, rejected


def _first_difference(contender: Contender, texts: Sequence[str], expected: Sequence[list]) -> str:
    for text, ids in zip(texts, expected):
        try:
            got = list(contender.encode(text))
        except Exception as exc:  # a peer that refuses an input is as wrong as one that mis-encodes it
            return f"{type(exc).__name__} on {text[:30]!r}"
        if got != ids:
            return f"on {text[:30]!r}"
    return ""
