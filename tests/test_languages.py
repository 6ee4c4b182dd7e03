"""The language premium analyzer: the published table reproduced, the metrics by hand, bad corpora.

Expected values come from outside tokcost: token counts from tiktoken, texts built
here from the corpus files, prices as OpenAI publishes them, Petrov et al.'s table.
"""

from __future__ import annotations

import csv
import json
import statistics
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import tiktoken

import tokcost
from tokcost.analysis import CorpusError, analyze_corpus, language_table, load_corpus, sample_corpus_dir
from tokcost.analysis.languages import ROW_COLUMNS
from tokcost.bundled import FLORES_SAMPLE_DIR

# OpenAI's list prices per million input tokens, in effect on PRICE_DATE.
PRICE_DATE = "2025-06-01"
INPUT_PRICE_PER_MILLION = {"gpt-4": Decimal("30"), "gpt-4o": Decimal("2.50"), "gpt-4o-mini": Decimal("0.15")}


@pytest.fixture(scope="module")
def sample():
    return analyze_corpus()


def _write(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (directory / name).write_bytes(data)
    return directory


def _sample_lines(code, n=None):
    """A bundled sample file's sentences: one per line, the final newline ending the last one."""
    lines = (FLORES_SAMPLE_DIR / f"{code}.txt").read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    return lines[:-1][:n]


def _joined(lines):
    """Petrov et al.'s text of a one-split file: its lines joined with single spaces, its final newline a space."""
    return " ".join(lines) + " "


def _tiktoken_count(encoding, text):
    return len(tiktoken.get_encoding(encoding).encode_ordinary(text))


def _list_price(model, tokens):
    return Decimal(tokens) * INPUT_PRICE_PER_MILLION[model] / 1_000_000


# ---------------------------------------------------------------- the published table


# Petrov et al.'s tokenizer column -> our encoding (their "GPT-2" is tiktoken's gpt2).
PUBLISHED_COLUMNS = {"cl100k_base": "cl100k_base", "r50k_base": "r50k_base", "p50k_base": "p50k_base",
                     "p50k_edit": "p50k_edit", "GPT-2": "gpt2"}


@pytest.mark.parametrize("column", PUBLISHED_COLUMNS)
def test_full_flores_equals_published_table(flores_dir, column):
    published = {row["language"]: row for row in csv.DictReader(open(flores_dir / "published_premiums.csv"))
                 if row["tokenizer"] == column}
    result = analyze_corpus(flores_dir, encodings=[PUBLISHED_COLUMNS[column]], models=[])
    assert len(result.stats) == 56
    for stat in result.stats:
        row = published[stat.language]
        assert stat.sentences == 2009
        assert stat.tokens == int(row["tokens"]), stat.language
        assert stat.reference_tokens == int(row["english_tokens"])
        assert round(stat.premium, 4) == pytest.approx(float(row["premium"]), abs=1e-9), stat.language
        assert stat.name == row["language_name"]


def test_published_text_joins_dev_and_devtest_like_petrov(tmp_path):
    lines = [f"s{i}" for i in range(2009)]
    corpus = load_corpus(_write(tmp_path / "c", {"eng_Latn.txt": "\n".join(lines) + "\n"}))
    text = corpus.published_text("eng_Latn")
    # dev and devtest each end in a newline: an empty line after each, so a double space and a trailing one.
    assert text == " ".join(lines[:997]) + "  " + " ".join(lines[997:]) + " "
    short = load_corpus(_write(tmp_path / "d", {"eng_Latn.txt": "a b\nc\n"}))
    assert short.published_text("eng_Latn") == "a b c "


# ---------------------------------------------------------------- the bundled sample


def test_sample_covers_both_encodings(sample):
    assert sample.encodings == ("cl100k_base", "o200k_base")
    assert len(sample.stats) == 32 * 2
    for encoding in sample.encodings:
        english = sample.get("eng_Latn", encoding)
        assert english.premium == english.sentence_premium == 1.0
        assert english.byte_fallback_share == 0.0
    hindi = sample.get("hin_Deva", "cl100k_base")
    assert hindi.premium > 4 and hindi.name == "Hindi" and hindi.script_name == "Devanagari"
    assert sample.get("hin_Deva", "o200k_base").premium < hindi.premium


def test_sample_premiums_equal_tiktokens(sample):
    """Every language and encoding of the bundled sample, counted independently with tiktoken."""
    codes = sorted(path.stem for path in FLORES_SAMPLE_DIR.glob("*.txt"))
    assert len(codes) == 32
    for encoding in ("cl100k_base", "o200k_base"):
        enc = tiktoken.get_encoding(encoding)
        english = _sample_lines("eng_Latn")
        english_tokens = len(enc.encode_ordinary(_joined(english)))
        english_lines = [len(t) for t in enc.encode_ordinary_batch(english)]
        for code in codes:
            lines = _sample_lines(code)
            tokens = len(enc.encode_ordinary(_joined(lines)))
            per_line = [len(t) for t in enc.encode_ordinary_batch(lines)]
            stat = sample.get(code, encoding)
            assert (stat.tokens, stat.reference_tokens, stat.sentences) == (tokens, english_tokens, 200), code
            assert stat.premium == tokens / english_tokens, code
            assert stat.sentence_tokens == sum(per_line)
            assert stat.sentence_premium == statistics.median(c / e for c, e in zip(per_line, english_lines)), code


def test_sample_figures_known_from_tiktoken(sample):
    # Written down once from tiktoken 0.14 on the bundled files: a change of corpus or encoder shows here.
    known = {("eng_Latn", "cl100k_base"): 5466, ("eng_Latn", "o200k_base"): 5432,
             ("hin_Deva", "cl100k_base"): 25386, ("hin_Deva", "o200k_base"): 8439,
             ("mya_Mymr", "cl100k_base"): 61639, ("mya_Mymr", "o200k_base"): 17007}
    for (code, encoding), tokens in known.items():
        assert _tiktoken_count(encoding, _joined(_sample_lines(code))) == tokens
        assert sample.get(code, encoding).tokens == tokens
    assert round(sample.get("mya_Mymr", "cl100k_base").premium, 2) == 11.28
    assert round(sample.get("hin_Deva", "o200k_base").premium, 3) == 1.554


def test_metrics_by_hand(tmp_path):
    eng = ["Hello world.", "The cat sat on the mat.", "Good morning, friends!"]
    hin = ["नमस्ते दुनिया।", "बिल्ली चटाई पर बैठी।", "सुप्रभात, दोस्तों!"]
    directory = _write(tmp_path / "c", {"eng_Latn.txt": "\n".join(eng) + "\n", "hin_Deva.txt": "\n".join(hin) + "\n"})
    result = analyze_corpus(directory, encodings=["cl100k_base"], models=[])
    enc = tiktoken.get_encoding("cl100k_base")
    counts = [len(enc.encode_ordinary(line)) for line in hin]
    eng_counts = [len(enc.encode_ordinary(line)) for line in eng]
    stat = result.get("hin_Deva", "cl100k_base")
    nbytes = sum(len(line.encode()) for line in hin)
    chars = sum(map(len, hin))
    assert stat.tokens == len(enc.encode_ordinary(_joined(hin)))
    assert stat.premium == stat.tokens / len(enc.encode_ordinary(_joined(eng)))
    assert stat.sentence_premium == statistics.median(c / e for c, e in zip(counts, eng_counts))
    assert stat.tokens_per_sentence_mean == sum(counts) / 3
    assert stat.tokens_per_sentence_median == statistics.median(counts)
    assert (stat.characters, stat.bytes, stat.words) == (chars, nbytes, 8)
    assert stat.tokens_per_char == sum(counts) / chars
    assert stat.tokens_per_byte == sum(counts) / nbytes
    assert stat.tokens_per_word == sum(counts) / 8
    assert stat.bytes_per_token == nbytes / sum(counts)
    fallback = sum(1 for line in hin for t in enc.encode_ordinary(line) if not _valid(enc.decode_single_token_bytes(t)))
    assert stat.byte_fallback_tokens == fallback > 0
    assert stat.byte_fallback_share == fallback / sum(counts)


def _valid(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_rows_and_dict_are_plain_data(sample):
    rows = sample.rows()
    assert list(rows[0])[:4] == ["language", "encoding", "tokens", "premium"]
    assert sample.columns[:len(ROW_COLUMNS)] == ROW_COLUMNS
    first = [r for r in rows if r["encoding"] == "cl100k_base"]
    assert [r["premium"] for r in first] == sorted((r["premium"] for r in first), reverse=True)
    document = json.loads(json.dumps(sample.to_dict()))
    assert document["encodings"] == ["cl100k_base", "o200k_base"]
    assert set(document["definitions"]) == {"premium", "sentence_premium"}
    assert len(document["rows"]) == 64
    assert document["comparisons"][0]["base"] == "cl100k_base"


def test_costs_use_each_models_own_encoding():
    result = analyze_corpus(languages=["tam_Taml"], at=PRICE_DATE)
    assert result.models == {"gpt-4": "cl100k_base", "gpt-4o": "o200k_base"}  # tokcost.bundled's defaults
    tamil_text = _joined(_sample_lines("tam_Taml"))
    for model, encoding in result.models.items():
        stat = result.get("tam_Taml", encoding)
        assert stat.costs == {model: _list_price(model, _tiktoken_count(encoding, tamil_text))}
        assert isinstance(stat.costs[model], Decimal)
    mini = analyze_corpus(encodings=["o200k_base"], models=["gpt-4o-mini"], languages=["tam_Taml"], at=PRICE_DATE)
    assert mini.get("tam_Taml", "o200k_base").costs == {
        "gpt-4o-mini": _list_price("gpt-4o-mini", _tiktoken_count("o200k_base", tamil_text))}


def test_comparison_reduction():
    result = analyze_corpus(languages=["hin_Deva", "tha_Thai"], at=PRICE_DATE)
    rows = result.comparison()
    assert [r["language"] for r in rows] == ["hin_Deva", "tha_Thai", "eng_Latn"]  # biggest token cut first
    hindi_text = _joined(_sample_lines("hin_Deva"))
    old, new = _tiktoken_count("cl100k_base", hindi_text), _tiktoken_count("o200k_base", hindi_text)
    assert (old, new) == (25386, 8439)
    hindi = rows[0]
    assert (hindi["tokens:cl100k_base"], hindi["tokens:o200k_base"]) == (old, new)
    assert hindi["token_reduction"] == pytest.approx(1 - 8439 / 25386)  # 66.8% fewer tokens
    assert hindi["cost_usd:gpt-4"] == Decimal("0.76158") and hindi["cost_usd:gpt-4o"] == Decimal("0.0210975")
    assert hindi["cost_reduction"] == pytest.approx(1 - 0.0210975 / 0.76158)


def test_language_table():
    table = language_table()
    assert len(table) == 204
    assert all(code.endswith("_" + lang.script) for code, lang in table.items())
    assert table["zho_Hant"].script_name == "Han (Traditional)"


def test_language_subset_keeps_reference():
    result = analyze_corpus(encodings=["o200k_base"], languages=["kor_Hang"], models=[])
    assert sorted(s.language for s in result.stats) == ["eng_Latn", "kor_Hang"]


# ---------------------------------------------------------------- bad corpora


def test_missing_english(tmp_path):
    directory = _write(tmp_path / "c", {"fra_Latn.txt": "Bonjour\n"})
    with pytest.raises(CorpusError, match="no eng_Latn.txt"):
        load_corpus(directory)


def test_misaligned_files_name_file_and_line(tmp_path):
    directory = _write(tmp_path / "c", {"eng_Latn.txt": "a\nb\nc\n", "fra_Latn.txt": "a\nb\n"})
    with pytest.raises(CorpusError, match=r"fra_Latn.txt: 2 lines but eng_Latn.txt has 3; fra_Latn.txt ends at line 2"):
        load_corpus(directory)


def test_unknown_language_code(tmp_path):
    directory = _write(tmp_path / "c", {"eng_Latn.txt": "a\n", "fra_Latm.txt": "a\n"})
    with pytest.raises(CorpusError, match=r"fra_Latm.txt: unknown language code 'fra_Latm'.*fra_Latn"):
        load_corpus(directory)
    with pytest.raises(CorpusError, match="unknown language code 'xx'"):
        load_corpus(sample_corpus_dir(), languages=["xx"])


def test_non_utf8_names_line(tmp_path):
    directory = _write(tmp_path / "c", {"eng_Latn.txt": "a\nb\nc\n", "deu_Latn.txt": b"a\nb\nGr\xfc\xdfe\n"})
    with pytest.raises(CorpusError, match=r"deu_Latn.txt:3: not UTF-8 \(byte 0xfc at column 3\)"):
        load_corpus(directory)


def test_missing_and_empty_directories(tmp_path):
    with pytest.raises(CorpusError, match="no such directory"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no language files"):
        load_corpus(tmp_path / "empty")


def test_model_needs_its_encoding():
    with pytest.raises(CorpusError, match=r"uses o200k_base; add it to the encodings"):
        analyze_corpus(encodings=["cl100k_base"], models=["gpt-4o"])


# ---------------------------------------------------------------- the chart (drawn by tokcost.report)


def test_premium_chart_highest_first_with_both_encodings(sample):
    from tokcost.report.figures import corpus_premium_chart

    root = ET.fromstring(corpus_premium_chart(sample))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    bars = [rect.find("svg:title", ns).text for rect in root.iter("{http://www.w3.org/2000/svg}rect")
            if rect.find("svg:title", ns) is not None]
    assert len(bars) == 64
    first = [bar for bar in bars if "cl100k_base" in bar]
    assert first[0] == f"Burmese (mya_Mymr) · cl100k_base: {sample.get('mya_Mymr', 'cl100k_base').premium:.2f}×"
    assert first[-1] == "English (eng_Latn) · cl100k_base: 1.00×"
    hindi = next(bar for bar in bars if bar.startswith("Hindi (hin_Deva) · o200k_base"))
    assert hindi.endswith(f"{_tiktoken_count('o200k_base', _joined(_sample_lines('hin_Deva'))) / 5432:.2f}×")
    texts = "".join(root.itertext())
    assert "Tokenizer premium by language" in texts and "published: joined text" in texts
    median = ET.fromstring(corpus_premium_chart(sample, definition="sentence_premium"))
    assert "median of per-sentence ratios" in "".join(median.itertext())
    with pytest.raises(ValueError, match="definition must be"):
        corpus_premium_chart(sample, definition="mean")
