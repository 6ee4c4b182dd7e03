"""Gather the report's numbers: ask the analyses, then build the view and its findings.

This is the only report module that calls the analyses (the language premium
of a parallel corpus, the spend projection of a workload) and the price and
encoding lookups; ``view`` turns what it gathered into plain data and
``findings`` writes the sentences, so both are pure functions of it.

>>> view = gather()                       # the bundled sample workload and corpus
>>> view["languages"]["rows"][0]["code"]
'eng_Latn'
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Optional, Sequence

import tokcost.accounting as accounting
import tokcost.bundled as bundled
from tokcost._version import __version__
from tokcost.analysis.languages import CorpusAnalysis, analyze_corpus
from tokcost.errors import TokcostError
from tokcost.report.findings import findings
from tokcost.report.view import Gathered, Spend, build_view

# Always in the language section: the tokenizer of gpt-4 and gpt-3.5, the published baseline.
REFERENCE_ENCODING = "cl100k_base"


def gather(workload=None, months: int = 12, models: Optional[Sequence[str]] = None, corpus_dir=None,
           at=None, prices=None, progress=None, usage: Sequence = ()) -> dict:
    """The report view for ``workload`` (a path; None: the bundled sample).

    ``prices`` names a file of the user's own prices; ``progress(iterable, total)``
    may wrap the long loop (the corpus analysis) in a progress bar; ``usage``
    names provider usage logs to replay in a section of their own.
    """
    spend, failure = _spend(workload, months, models, at, prices)
    compared = list(spend.encodings) if spend else _models_asked(workload, models)
    encodings = _encodings(compared)
    corpus = analyze_corpus(corpus_dir=corpus_dir, encodings=encodings, progress=progress)
    gathered = Gathered(corpus=corpus, spend=spend, spend_failure=failure, version=__version__,
                        generated_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                        tokenizers={model: _tokenizer(model) for model in compared})
    view = build_view(gathered)
    view["findings"] = findings(view)
    if usage:
        view["replay"] = replay_section(usage, at, prices)
    return view


def replay_section(paths: Sequence, at=None, prices=None) -> dict:
    """The replay of provider usage logs, as plain data: rows per model, the total, what was not priced."""
    import tokcost.usage as replay_usage
    from tokcost.formatting import money
    from tokcost.prices import default_catalog

    catalog = default_catalog().with_overrides(prices) if prices else default_catalog()
    result = replay_usage.replay(replay_usage.read_usage(list(paths)), catalog=catalog, at=at)
    requests = sum(p.record.usage.requests for p in result.priced)
    notes = [f"{problem}" for problem in result.problems[:10]]
    if len(result.problems) > 10:
        notes.append(f"... and {len(result.problems) - 10} more records not priced")
    unpriced = f" {len(result.problems)} records could not be priced (listed below)." if result.problems else ""
    return {
        "lead": f"{requests:,} requests from {len(result.files)} usage logs, each priced at the price in effect "
                f"on its own day and at its own service tier: {money(result.total)} in all.{unpriced}",
        "total_usd": str(result.total), "files": [str(f) for f in result.files],
        "rows": [{**row, "cost_usd": str(row["cost_usd"])} for row in result.groups(["model"])],
        "monthly_usd": {month: str(cost) for month, cost in result.monthly().items()},
        "not_priced": len(result.problems), "skipped": result.skipped, "notes": notes,
        "price_snapshots": result.snapshots,
    }


def _models_asked(workload, models) -> list:
    """The models the report compares when the spend could not be projected."""
    from tokcost.spend import DEFAULT_MODELS, load_workload

    if models:
        return list(models)
    try:
        return list(load_workload(workload).models or DEFAULT_MODELS)
    except TokcostError:
        return list(DEFAULT_MODELS)


def _encodings(models) -> tuple:
    """The distinct tokenizers counting ``models``, after the reference (cl100k_base), in the models' order."""
    return tuple(dict.fromkeys([REFERENCE_ENCODING] + [accounting.counting_tokenizer(m).encoding for m in models]))


def _tokenizer(model: str) -> dict:
    choice = accounting.counting_tokenizer(model)
    return {"encoding": choice.encoding, "label": choice.label, "exact": choice.exact, "basis": choice.basis}


def _spend(workload, months: int, models, at, prices) -> tuple[Optional[Spend], Optional[str]]:
    """(the spend projection, None), or (None, why not) when the bundled sample cannot be priced."""
    from tokcost.spend import load_workload, project

    try:
        catalog = None
        if prices is not None:
            from tokcost.prices import default_catalog

            catalog = default_catalog().with_overrides(prices)
        loaded = load_workload(workload)
        projection = project(loaded, models=models, months=months, at=at, catalog=catalog)
    except TokcostError as exc:
        if workload is not None or models or at or prices:
            raise  # the user's own input: a one-line error with its fix, exit 1
        return None, f"the bundled sample workload could not be priced: {exc}"
    data = projection.to_dict()
    names = [entry["model"] for entry in data["models"]]
    return Spend(
        projection=data,
        is_sample=_same_file(data["workload"]["path"], bundled.SAMPLE_WORKLOAD),
        has_images=any(loaded.images or []),
        providers={name: _provider(name, projection.at) for name in names},
        encodings={name: _encoding_label(name) for name in names},
        request_tokens=_request_tokens(loaded, names),
    ), None


def _request_tokens(workload, models) -> dict:
    """Text tokens of one request per language and tokenizer, so the tokenizers compare alike.

    Each tokenizer counts through the first compared model that uses it (the reference through gpt-4).
    """
    from tokcost.spend import request_shape

    counted_by = {REFERENCE_ENCODING: bundled.DEFAULT_MODEL_BY_ENCODING[REFERENCE_ENCODING]}
    for model in models:
        counted_by.setdefault(accounting.counting_tokenizer(model).encoding, model)
    tokens: dict = {}
    for code in workload.languages:
        tokens[code] = {}
        for encoding, model in counted_by.items():
            shape = request_shape(workload, model, code)
            tokens[code][encoding] = round(shape.input_tokens - shape.parts.get("images", 0) + shape.output_tokens)
    return tokens


def _provider(model: str, at) -> Optional[str]:
    from tokcost.prices import get_price

    try:
        return get_price(model, at).provider
    except TokcostError:  # a price from the user's own file: no provider on record
        return None


def _encoding_label(model: str) -> str:
    return accounting.counting_tokenizer(model).label


def _same_file(path: str, other: Path) -> bool:
    try:
        return Path(path).resolve() == other.resolve()
    except OSError:
        return False
