"""The language premium analyzer: the published table reproduced, the metrics by hand, bad corpora."""

from __future__ import annotations

import csv
import json
import statistics
import sys
from decimal import Decimal

import pytest

import tokcost
from tokcost.analysis import CorpusError, analyze_corpus, language_table, load_corpus, sample_corpus_dir
from tokcost.analysis.languages import ROW_COLUMNS


@pytest.fixture(scope="module")
def sample():
    return analyze_corpus()


def _write(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (directory / name).write_bytes(data)
    return directory


def _sample_lines(code, n):
    return (sample_corpus_dir() / f"{code}.txt").read_text(encoding="utf-8").split("\n")[:n]


# ---------------------------------------------------------------- the published table


def test_full_flores_cl100k_equals_published_table(flores_dir):
    published = {row["language"]: row for row in csv.DictReader(open(flores_dir / "published_premiums.csv"))
                 if row["tokenizer"] == "cl100k_base"}
    result = analyze_corpus(flores_dir, encodings=["cl100k_base"], models=[])
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


def test_totals_match_direct_counts(sample):
    corpus = load_corpus()
    for encoding in sample.encodings:
        enc = tokcost.get_encoding(encoding)
        for code in ("eng_Latn", "mya_Mymr", "zho_Hant"):
            stat = sample.get(code, encoding)
            assert stat.tokens == enc.count(corpus.published_text(code))
            assert stat.sentence_tokens == sum(enc.count(line) for line in corpus.sentences[code])


def test_metrics_by_hand(tmp_path):
    eng = ["Hello world.", "The cat sat on the mat.", "Good morning, friends!"]
    hin = ["नमस्ते दुनिया।", "बिल्ली चटाई पर बैठी।", "सुप्रभात, दोस्तों!"]
    directory = _write(tmp_path / "c", {"eng_Latn.txt": "\n".join(eng) + "\n", "hin_Deva.txt": "\n".join(hin) + "\n"})
    result = analyze_corpus(directory, encodings=["cl100k_base"], models=[])
    enc = tokcost.get_encoding("cl100k_base")
    counts = [enc.count(line) for line in hin]
    eng_counts = [enc.count(line) for line in eng]
    stat = result.get("hin_Deva", "cl100k_base")
    nbytes = sum(len(line.encode()) for line in hin)
    chars = sum(map(len, hin))
    assert stat.tokens == enc.count(" ".join(hin) + " ")
    assert stat.premium == stat.tokens / enc.count(" ".join(eng) + " ")
    assert stat.sentence_premium == statistics.median(c / e for c, e in zip(counts, eng_counts))
    assert stat.tokens_per_sentence_mean == sum(counts) / 3
    assert stat.tokens_per_sentence_median == statistics.median(counts)
    assert (stat.characters, stat.bytes, stat.words) == (chars, nbytes, 8)
    assert stat.tokens_per_char == sum(counts) / chars
    assert stat.tokens_per_byte == sum(counts) / nbytes
    assert stat.tokens_per_word == sum(counts) / 8
    assert stat.bytes_per_token == nbytes / sum(counts)
    fallback = sum(1 for line in hin for t in enc.encode(line) if not _valid(enc.decode_single_token_bytes(t)))
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


def test_costs_use_each_models_own_encoding(sample):
    assert sample.models == {"gpt-4-turbo": "cl100k_base", "gpt-4o": "o200k_base"}
    stat = sample.get("tam_Taml", "o200k_base")
    assert stat.costs == {"gpt-4o": tokcost.estimate_cost("gpt-4o", input_tokens=stat.tokens)}
    assert isinstance(stat.costs["gpt-4o"], Decimal)
    result = analyze_corpus(encodings=["o200k_base"], models=["gpt-4o-mini"], languages=["tam_Taml"],
                            at="2024-08-01")
    tamil = result.get("tam_Taml", "o200k_base")
    assert tamil.costs["gpt-4o-mini"] == tokcost.estimate_cost("gpt-4o-mini", input_tokens=tamil.tokens,
                                                               at="2024-08-01")


def test_comparison_reduction(sample):
    rows = sample.comparison()
    assert len(rows) == 32
    reductions = [r["token_reduction"] for r in rows]
    assert reductions == sorted(reductions, reverse=True)
    hindi = next(r for r in rows if r["language"] == "hin_Deva")
    assert hindi["token_reduction"] == 1 - hindi["tokens:o200k_base"] / hindi["tokens:cl100k_base"]
    old, new = hindi["cost_usd:gpt-4-turbo"], hindi["cost_usd:gpt-4o"]
    assert hindi["cost_reduction"] == pytest.approx(float(1 - new / old))


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


# ---------------------------------------------------------------- charts


def test_chart_png_and_svg(tmp_path, sample):
    pytest.importorskip("matplotlib")
    from tokcost.analysis.charts import premium_chart

    written = premium_chart(sample, tmp_path / "out" / "premium.png")
    assert [p.name for p in written] == ["premium.png", "premium.svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = written[1].read_text()
    assert "<svg" in svg and "Hindi (hin_Deva)" in svg and "o200k_base" in svg
    premium_chart(sample, tmp_path / "s", definition="sentence_premium")
    assert (tmp_path / "s.svg").exists()


def test_chart_without_matplotlib(tmp_path, sample, monkeypatch):
    from tokcost.analysis import charts

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(charts.MissingPlotExtra, match=r"pip install 'tokcost\[plot\]'"):
        charts.premium_chart(sample, tmp_path / "premium")
