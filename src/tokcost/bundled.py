"""Data that ships inside the package, and the defaults that go with it.

One place for every bundled path, so no module computes ``data/...`` itself.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().with_name("data")

# Official rank files, gzip-compressed, verified by sha256 on every load.
VOCAB_DIR = DATA_DIR
# 32 languages x 200 FLORES-200 dev sentences (CC BY-SA 4.0), one <code>.txt per language.
FLORES_SAMPLE_DIR = DATA_DIR / "flores_sample"
# The 204 FLORES-200 language codes with names and scripts.
LANGUAGES_CSV = DATA_DIR / "languages.csv"
# tokcost's own dated prices where genai-prices is wrong or has no history (read like a --prices file).
PRICE_CORRECTIONS = DATA_DIR / "price_corrections.toml"
# Synthetic usage logs in each provider's format (made by tokcost), replayed by `tokcost usage` with no file.
SAMPLE_USAGE_DIR = DATA_DIR / "usage"
# The workload that `tokcost` with no arguments reports on.
SAMPLE_WORKLOAD = DATA_DIR / "sample_workload.toml"

ENGLISH = "eng_Latn"

# The model that stands for an encoding when only the encoding is given
# (its chat format sets message overhead; its price costs a corpus).
DEFAULT_MODEL_BY_ENCODING = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}
