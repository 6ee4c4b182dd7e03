"""The tokenizer premium: how many tokens the same content costs, language by language.

A parallel corpus is a directory of aligned text files, one sentence per line,
one file per language, named by FLORES-200 code (``eng_Latn.txt``,
``hin_Deva.txt``, ...). For each language and encoding we report:

* ``tokens`` and ``premium`` by the published definition (Petrov et al.,
  NeurIPS 2023): the file's lines joined with single spaces, encoded once,
  premium = tokens(language) / tokens(English). FLORES-200 reads ``dev`` and
  ``devtest`` as two files that each end in a newline, so a 2009-line
  dev+devtest file gets an empty line at line 997 and at its end, as there;
* ``sentence_premium``: the median over lines of tokens(line) / tokens(English
  line), robust to a few badly translated sentences;
* density measured sentence by sentence: tokens per sentence (mean, median),
  per character, per UTF-8 byte and per whitespace-delimited word, bytes per
  token, and the share of byte-fallback tokens (tokens whose bytes are not
  valid UTF-8 on their own: a piece of a character the vocabulary lacks);
* the cost of the language's text as input to each model, at its own encoding.

>>> result = analyze_corpus(encodings=["o200k_base"])  # the bundled sample
>>> result.get("eng_Latn", "o200k_base").premium
1.0
>>> result.get("hin_Deva", "o200k_base").premium > 1
True
"""

from __future__ import annotations

import csv
import itertools
import os
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from tokcost.bundled import DEFAULT_MODEL_BY_ENCODING, ENGLISH, FLORES_SAMPLE_DIR, LANGUAGES_CSV
from tokcost.errors import CorpusError, TokcostError, did_you_mean
from tokcost.prices import estimate_cost
from tokcost.accounting import counting_tokenizer
from tokcost.registry import get_encoding

DEFAULT_ENCODINGS = ("cl100k_base", "o200k_base")
REFERENCE = ENGLISH
# FLORES-200 dev has 997 sentences, devtest 1012; a file of 2009 lines is both, in that order.
FLORES_SPLITS = (997, 1012)

Progress = Callable[[Iterable, int], Iterable]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str  # ISO 15924 code
    script_name: str


@lru_cache(maxsize=1)
def language_table() -> dict[str, Language]:
    """The 204 FLORES-200 languages by code, from ``data/languages.csv``."""
    with LANGUAGES_CSV.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return {row["code"]: Language(**row) for row in csv.DictReader(lines)}


def sample_corpus_dir() -> Path:
    """The bundled FLORES-200 sample: 32 languages x 200 dev sentences (CC BY-SA 4.0)."""
    return FLORES_SAMPLE_DIR


# ---------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Corpus:
    """Aligned sentences by language code, checked: the reference is present, all align."""

    directory: Path
    reference: str
    sentences: Mapping[str, Sequence[str]]

    @property
    def languages(self) -> list[str]:
        return list(self.sentences)

    def published_text(self, code: str) -> str:
        """The text Petrov et al. encode: each split's lines plus its final empty line, space-joined."""
        lines = list(self.sentences[code])
        parts: list[str] = []
        start = 0
        for size in _splits(len(lines)):
            parts += lines[start:start + size] + [""]
            start += size
        return " ".join(parts)


def _splits(n_lines: int) -> tuple[int, ...]:
    return FLORES_SPLITS if n_lines == sum(FLORES_SPLITS) else (n_lines,)


def load_corpus(corpus_dir=None, *, reference: str = REFERENCE,
                languages: Optional[Sequence[str]] = None) -> Corpus:
    """Read and check a parallel corpus directory (default: the bundled sample).

    Every ``*.txt`` file must be named by a FLORES-200 code; other files
    (``SOURCE.md``, ...) are ignored. ``languages`` keeps only those codes
    (the reference is always kept).
    """
    directory = Path(corpus_dir) if corpus_dir is not None else sample_corpus_dir()
    if not directory.is_dir():
        raise CorpusError(f"{directory}: no such directory; pass a directory of <flores-code>.txt files")
    known = language_table()
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise CorpusError(f"{directory}: no language files; add one <flores-code>.txt per language, e.g. eng_Latn.txt")
    by_code = {}
    for path in files:
        if path.stem not in known:
            hint = _suggest(path.stem, known) or " Codes are ISO 639-3 + script, e.g. eng_Latn, hin_Deva."
            raise CorpusError(f"{path}: unknown language code {path.stem!r}; name each file by its FLORES-200 code.{hint}")
        by_code[path.stem] = path
    for code in [reference, *(languages or [])]:
        if code not in known:
            raise CorpusError(f"unknown language code {code!r}.{_suggest(code, known)}")
    if reference not in by_code:
        raise CorpusError(
            f"{directory}: no {reference}.txt; premiums are measured against {known[reference].name}, "
            f"so add {reference}.txt aligned line by line with the other files"
        )
    if languages:
        missing = [code for code in languages if code not in by_code]
        if missing:
            raise CorpusError(f"{directory}: no {missing[0]}.txt; languages here: {', '.join(by_code)}")
        wanted = {reference, *languages}
        by_code = {code: path for code, path in by_code.items() if code in wanted}

    sentences = {code: _read_lines(path) for code, path in by_code.items()}
    ref_lines = len(sentences[reference])
    for code, lines in sentences.items():
        if len(lines) != ref_lines:
            shorter = by_code[code] if len(lines) < ref_lines else by_code[reference]
            raise CorpusError(
                f"{by_code[code]}: {len(lines)} lines but {by_code[reference].name} has {ref_lines}; "
                f"{shorter.name} ends at line {min(len(lines), ref_lines)}. Files must be aligned: line i is "
                f"sentence i in every language"
            )
    return Corpus(directory=directory, reference=reference, sentences=sentences)


def _suggest(code: str, known: Mapping[str, Language]) -> str:
    """The same language in its FLORES-200 scripts (hin_Latn -> hin_Deva), else the closest codes."""
    same = [other for other in known if other.split("_")[0] == code.split("_")[0]]
    if same:
        return " Did you mean " + " or ".join(repr(c) for c in same) + "?"
    return did_you_mean(code, known)


def _read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CorpusError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
            f"convert the file to UTF-8, e.g. iconv -t UTF-8"
        ) from None
    lines = text.split("\n")
    if lines[-1] == "":  # the final newline ends the last line; it is not an empty sentence
        lines.pop()
    return lines


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LanguageStats:
    """One language measured with one encoding."""

    language: str
    name: str
    script: str
    script_name: str
    encoding: str
    sentences: int
    tokens: int  # published definition: the joined text, encoded once
    reference_tokens: int
    premium: float  # tokens / reference_tokens
    sentence_premium: float  # median of per-line ratios
    sentence_tokens: int  # sum of per-line counts; the base of every density below
    tokens_per_sentence_mean: float
    tokens_per_sentence_median: float
    characters: int
    bytes: int
    words: int
    tokens_per_char: float
    tokens_per_byte: float
    tokens_per_word: float
    bytes_per_token: float
    byte_fallback_tokens: int
    byte_fallback_share: float
    costs: Mapping[str, Decimal] = field(default_factory=dict)  # model -> USD for `tokens` as input

    def row(self) -> dict[str, Any]:
        """A flat row: every field, costs as ``cost_usd:<model>`` columns (Decimal)."""
        row = {name: getattr(self, name) for name in ROW_COLUMNS}
        row.update({cost_column(model): cost for model, cost in self.costs.items()})
        return row


def cost_column(model: str) -> str:
    return f"cost_usd:{model}"


# The published pair first: scripts read `language,encoding,tokens,premium`.
_LEAD = ["language", "encoding", "tokens", "premium"]
ROW_COLUMNS = _LEAD + [name for name in LanguageStats.__dataclass_fields__ if name not in (*_LEAD, "costs")]


@dataclass(frozen=True)
class CorpusAnalysis:
    """Every language x encoding of one corpus; ``rows()``/``to_dict()`` are plain data."""

    corpus_dir: str
    reference: str
    encodings: tuple[str, ...]
    models: Mapping[str, str]  # model -> its encoding
    stats: tuple[LanguageStats, ...]
    notes: tuple[str, ...] = ()

    def get(self, language: str, encoding: str) -> LanguageStats:
        for stat in self.stats:
            if stat.language == language and stat.encoding == encoding:
                return stat
        raise KeyError(f"no {language} x {encoding} in this analysis")

    @property
    def columns(self) -> list[str]:
        return ROW_COLUMNS + [cost_column(model) for model in self.models]

    def rows(self, *, sort: str = "premium") -> list[dict[str, Any]]:
        """One row per language and encoding, by encoding, then ``sort`` descending (``language``: A-Z)."""
        stats = sorted(self.stats, key=lambda s: s.language)
        if sort != "language":
            stats.sort(key=lambda s: getattr(s, sort), reverse=True)
        stats.sort(key=lambda s: self.encodings.index(s.encoding))
        return [s.row() for s in stats]

    def comparison(self, base: Optional[str] = None, other: Optional[str] = None) -> list[dict[str, Any]]:
        """``other`` against ``base`` per language (default: the first two encodings), biggest token cut first.

        ``token_reduction`` = 1 - tokens(other) / tokens(base); ``cost_reduction``
        compares the first model priced for each encoding.
        """
        if len(self.encodings) < 2 and (base is None or other is None):
            raise ValueError("a comparison needs two encodings; analyze with encodings=('cl100k_base', 'o200k_base')")
        base = base or self.encodings[0]
        other = other or next(e for e in self.encodings if e != base)
        base_model = next((m for m, e in self.models.items() if e == base), None)
        other_model = next((m for m, e in self.models.items() if e == other), None)
        rows = []
        for stat in self.stats:
            if stat.encoding != base:
                continue
            new = self.get(stat.language, other)
            row = {
                "language": stat.language, "name": stat.name, "script": stat.script,
                f"tokens:{base}": stat.tokens, f"tokens:{other}": new.tokens,
                f"premium:{base}": stat.premium, f"premium:{other}": new.premium,
                f"sentence_premium:{base}": stat.sentence_premium,
                f"sentence_premium:{other}": new.sentence_premium,
                "token_reduction": 1 - new.tokens / stat.tokens if stat.tokens else 0.0,
            }
            if base_model and other_model:
                old_cost, new_cost = stat.costs[base_model], new.costs[other_model]
                row[cost_column(base_model)] = old_cost
                row[cost_column(other_model)] = new_cost
                row["cost_reduction"] = float(1 - new_cost / old_cost) if old_cost else 0.0
            rows.append(row)
        rows.sort(key=lambda r: (-r["token_reduction"], r["language"]))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: costs become decimal strings, so no cent is lost to floats."""
        def plain(row):
            return {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}

        comparisons = []
        for other in self.encodings[1:]:
            comparisons.append({"base": self.encodings[0], "other": other,
                                "rows": [plain(r) for r in self.comparison(self.encodings[0], other)]})
        return {
            "corpus_dir": self.corpus_dir,
            "reference": self.reference,
            "encodings": list(self.encodings),
            "models": dict(self.models),
            "definitions": {
                "premium": "Petrov et al. 2023: tokens of all lines joined with single spaces, "
                           "divided by the same for the reference language",
                "sentence_premium": "median over lines of tokens(line) / tokens(reference line)",
            },
            "notes": list(self.notes),
            "rows": [plain(r) for r in self.rows()],
            "comparisons": comparisons,
        }


# ---------------------------------------------------------------------------- analysis


def analyze_corpus(corpus_dir=None, encodings: Sequence[str] = DEFAULT_ENCODINGS,
                   models: Optional[Sequence[str]] = None, *, reference: str = REFERENCE,
                   languages: Optional[Sequence[str]] = None, at=None, num_threads: Optional[int] = None,
                   progress: Optional[Progress] = None) -> CorpusAnalysis:
    """Measure every language of ``corpus_dir`` (default: the bundled sample) with each encoding.

    ``models`` are priced on their own encoding's tokens (default: each
    encoding's model in ``tokcost.bundled.DEFAULT_MODEL_BY_ENCODING``, gpt-4 and
    gpt-4o, when their prices are known) at the prices in effect on ``at`` (default: today).
    ``progress(iterable, total)`` may wrap the work loop, e.g. with a progress bar.

    >>> analyze_corpus(encodings=["cl100k_base"]).get("eng_Latn", "cl100k_base").tokens
    5466
    """

    encodings = tuple(dict.fromkeys(encodings or DEFAULT_ENCODINGS))
    encs = {name: get_encoding(name) for name in encodings}
    priced, notes = _models(models, encodings, at)
    corpus = load_corpus(corpus_dir, reference=reference, languages=languages)
    threads = num_threads or os.cpu_count() or 1
    table = language_table()

    order = [corpus.reference] + [code for code in corpus.languages if code != corpus.reference]
    sizes = {code: _sizes(corpus.sentences[code]) for code in order}
    work: Iterable = list(itertools.product(encodings, order))
    if progress is not None:
        work = progress(work, len(order) * len(encodings))
    stats = []
    reference_counts: dict[str, tuple[int, list[int]]] = {}
    for name, code in work:  # the reference comes first for each encoding
        enc = encs[name]
        tokens = enc.count(corpus.published_text(code))
        encoded = enc.encode_ordinary_batch(list(corpus.sentences[code]), num_threads=threads)
        counts = [len(t) for t in encoded]
        fallback = _byte_fallback_count(enc, encoded, sum(counts))
        del encoded
        if code == corpus.reference:
            reference_counts[name] = (tokens, counts)
        costs = {model: _cost(model, tokens, at) for model, enc_name in priced.items() if enc_name == name}
        stats.append(_language_stats(table[code], name, tokens, counts, fallback, reference_counts[name],
                                     sizes[code], costs))
    return CorpusAnalysis(corpus_dir=str(corpus.directory), reference=corpus.reference, encodings=encodings,
                          models=priced, stats=tuple(stats), notes=tuple(notes))


def _language_stats(language: Language, encoding: str, tokens: int, counts: list[int], fallback: int,
                    reference: tuple[int, list[int]], sizes: tuple[int, int, int], costs: dict) -> LanguageStats:
    """One language's figures from its counts: ``tokens`` of the joined text, ``counts`` per sentence."""
    ref_tokens, ref_counts = reference
    chars, nbytes, words = sizes
    total = sum(counts)
    ratios = [c / r for c, r in zip(counts, ref_counts) if r]
    return LanguageStats(
        language=language.code, name=language.name, script=language.script, script_name=language.script_name,
        encoding=encoding, sentences=len(counts), tokens=tokens, reference_tokens=ref_tokens,
        premium=tokens / ref_tokens if ref_tokens else float("nan"),
        sentence_premium=statistics.median(ratios) if ratios else float("nan"),
        sentence_tokens=total,
        tokens_per_sentence_mean=total / len(counts) if counts else 0.0,
        tokens_per_sentence_median=float(statistics.median(counts)) if counts else 0.0,
        characters=chars, bytes=nbytes, words=words,
        tokens_per_char=_ratio(total, chars), tokens_per_byte=_ratio(total, nbytes),
        tokens_per_word=_ratio(total, words), bytes_per_token=_ratio(nbytes, total),
        byte_fallback_tokens=fallback, byte_fallback_share=_ratio(fallback, total),
        costs=costs,
    )


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _sizes(lines: Sequence[str]) -> tuple[int, int, int]:
    """Characters, UTF-8 bytes and whitespace-delimited words of the sentences."""
    return (sum(map(len, lines)), sum(len(line.encode("utf-8", "surrogatepass")) for line in lines),
            sum(len(line.split()) for line in lines))


def _models(models: Optional[Sequence[str]], encodings: Sequence[str], at) -> tuple[dict[str, str], list[str]]:
    """Each priced model with its encoding. Named models must be priceable; defaults are skipped if not."""

    if models is None:
        candidates = [DEFAULT_MODEL_BY_ENCODING[e] for e in encodings if e in DEFAULT_MODEL_BY_ENCODING]
        priced, notes = {}, []
        for model in candidates:
            try:
                estimate_cost(model, input_tokens=1, at=at)
            except TokcostError as exc:  # a missing default price should not stop the token analysis
                notes.append(f"cost of {model} left out: {exc}")
                continue
            priced[model] = counting_tokenizer(model).encoding
        return priced, notes

    if not models:
        return {}, []
    priced, notes = {}, []
    for model in dict.fromkeys(models):
        choice = counting_tokenizer(model)  # its own tokenizer, or a labelled stand-in
        if not choice.exact:
            notes.append(f"cost of {model} is an estimate: {choice.basis.removeprefix('estimate: ')}")
        if choice.encoding not in encodings:
            raise CorpusError(f"model {model!r} uses {choice.label}; add it to the encodings "
                              f"(--encoding {choice.encoding})")
        priced[model] = choice.encoding
    for model in priced:
        estimate_cost(model, input_tokens=1, at=at)  # unknown prices fail here, before the long count
    return priced, notes


def _cost(model: str, tokens: int, at) -> Decimal:

    return estimate_cost(model, input_tokens=tokens, at=at)


@lru_cache(maxsize=None)
def _fallback_mask(encoding_name: str):
    """A boolean array over token ids: True where the token's bytes are not valid UTF-8 alone."""
    import numpy as np

    enc = get_encoding(encoding_name)
    mask = np.zeros(enc.n_vocab, dtype=bool)
    for token in range(enc.n_vocab):
        try:
            enc.decode_single_token_bytes(token).decode("utf-8")
        except UnicodeDecodeError:
            mask[token] = True
        except Exception:  # ids with no token (gaps in the vocabulary)
            pass
    return mask


def _byte_fallback_count(enc, encoded: Sequence[Sequence[int]], total: int) -> int:
    import numpy as np

    ids = np.fromiter(itertools.chain.from_iterable(encoded), dtype=np.int64, count=total)
    return int(_fallback_mask(enc.name)[ids].sum())
