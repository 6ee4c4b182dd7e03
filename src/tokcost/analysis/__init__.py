"""Analyses built on exact token counts.

``languages``: the tokenizer premium of a parallel corpus, language by language.
Analyses return data; ``tokcost.report`` and the CLI render it (the premium
chart is ``tokcost.report.figures.corpus_premium_chart``).

>>> from tokcost.analysis import analyze_corpus
>>> result = analyze_corpus()  # the bundled FLORES-200 sample
>>> result.get("eng_Latn", "o200k_base").premium
1.0
"""

from tokcost.analysis.languages import (
    CorpusAnalysis,
    CorpusError,
    LanguageStats,
    analyze_corpus,
    language_table,
    load_corpus,
    sample_corpus_dir,
)

__all__ = [
    "CorpusAnalysis",
    "CorpusError",
    "LanguageStats",
    "analyze_corpus",
    "language_table",
    "load_corpus",
    "sample_corpus_dir",
]
