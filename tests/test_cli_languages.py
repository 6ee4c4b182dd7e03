"""``tokcost languages`` driven in-process: formats, options, and one-line errors for bad corpora."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import tiktoken

from tokcost.bundled import FLORES_SAMPLE_DIR
from tokcost.cli import main


def _run(capsys, *argv):
    code = main(["languages", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _corpus(tmp_path, files):
    directory = tmp_path / "corpus"
    directory.mkdir()
    for name, content in files.items():
        (directory / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return directory


def _one_line_error(code, out, err):
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tokcost: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_no_arguments_compares_on_the_sample(capsys):
    code, out, err = _run(capsys)
    assert code == 0
    assert "o200k_base vs cl100k_base" in out and "flores_sample" in out
    assert "Hindi" in out and "tokens cl100k" in out and "premium o200k" in out


def test_csv_header_and_rows(capsys):
    code, out, _ = _run(capsys, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.startswith("language,encoding,tokens,premium,")
    assert len(rows) == 64
    assert {r["encoding"] for r in rows} == {"cl100k_base", "o200k_base"}
    english = next(r for r in rows if r["language"] == "eng_Latn")
    assert float(english["premium"]) == 1.0


def test_json_document(capsys):
    code, out, _ = _run(capsys, "--format", "json", "-e", "o200k_base", "-l", "tha_Thai")
    assert code == 0
    document = json.loads(out)
    assert document["encodings"] == ["o200k_base"]
    assert [r["language"] for r in document["rows"]] == ["tha_Thai", "eng_Latn"]
    assert document["comparisons"] == []
    assert "cost_usd:gpt-4o" in document["rows"][0]


def test_single_encoding_detail_table(capsys):
    code, out, _ = _run(capsys, "--encoding", "cl100k_base", "-l", "kor_Hang", "--sentence-premium")
    assert code == 0
    assert "cl100k_base" in out and "Korean" in out and "sentence" in out


def test_model_option_and_date(capsys):
    code, out, _ = _run(capsys, "-e", "o200k_base", "-m", "gpt-4o-mini", "--at", "2024-08-01", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].endswith(",cost_usd:gpt-4o-mini")


def test_full_corpus_csv_matches_published(capsys, flores_dir):
    columns = {"cl100k_base": "cl100k_base", "r50k_base": "r50k_base", "p50k_base": "p50k_base",
               "p50k_edit": "p50k_edit", "GPT-2": "gpt2"}  # Petrov et al.'s tokenizer -> our encoding
    argv = [arg for encoding in columns.values() for arg in ("-e", encoding)]
    code, out, _ = _run(capsys, flores_dir, *argv, "--format", "csv")
    assert code == 0
    ours = {(r["language"], r["encoding"]): r for r in csv.DictReader(io.StringIO(out))}
    published = {(r["language"], columns[r["tokenizer"]]): r
                 for r in csv.DictReader(open(flores_dir / "published_premiums.csv"))
                 if r["tokenizer"] in columns and (r["language"], columns[r["tokenizer"]]) in ours}
    assert len(ours) == len(published) == 56 * 5
    for key, row in published.items():
        assert ours[key]["tokens"] == row["tokens"], key
        assert f"{float(ours[key]['premium']):.4f}" == row["premium"], key


def test_sample_csv_equals_tiktoken(capsys):
    """On the bundled sample: every language's tokens and premium, counted independently with tiktoken."""
    code, out, _ = _run(capsys, "--format", "csv")
    assert code == 0
    rows = {(r["language"], r["encoding"]): r for r in csv.DictReader(io.StringIO(out))}
    for encoding in ("cl100k_base", "o200k_base"):
        enc = tiktoken.get_encoding(encoding)
        counts = {path.stem: len(enc.encode_ordinary(" ".join(path.read_text(encoding="utf-8").split("\n")[:-1]) + " "))
                  for path in FLORES_SAMPLE_DIR.glob("*.txt")}
        for language, tokens in counts.items():
            row = rows[(language, encoding)]
            assert int(row["tokens"]) == tokens, language
            assert float(row["premium"]) == tokens / counts["eng_Latn"], language
    assert len(rows) == 64


def test_chart_is_the_reports_svg(capsys, tmp_path):
    code, _, err = _run(capsys, "-l", "hin_Deva", "--chart", tmp_path / "premium")
    assert code == 0 and err.strip().endswith(f"tokcost: chart: {tmp_path / 'premium.svg'}")
    assert [p.name for p in tmp_path.iterdir()] == ["premium.svg"]
    root = ET.fromstring((tmp_path / "premium.svg").read_text(encoding="utf-8"))
    texts = "".join(root.itertext())
    assert "Tokenizer premium by language" in texts and "Hindi (hin_Deva)" in texts
    assert "cl100k_base" in texts and "o200k_base" in texts  # the legend: one bar per encoding
    from tokcost.report import charts

    fills = {rect.get("fill") for rect in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert {charts.CL100K, charts.O200K} <= fills  # the report's palette
    assert _run(capsys, "-l", "hin_Deva", "--chart", tmp_path / "named.svg")[0] == 0
    assert (tmp_path / "named.svg").exists() and not (tmp_path / "named.svg.svg").exists()


def test_chart_into_a_missing_directory_fails_first(capsys, tmp_path):
    line = _one_line_error(*_run(capsys, "--chart", tmp_path / "nope" / "premium"))
    assert "nope: no such directory" in line and "--chart" in line


# ---------------------------------------------------------------- bad input: one line, file and line named


def test_missing_english(capsys, tmp_path):
    directory = _corpus(tmp_path, {"fra_Latn.txt": "Bonjour\n"})
    line = _one_line_error(*_run(capsys, directory))
    assert "no eng_Latn.txt" in line and str(directory) in line


def test_misaligned_files(capsys, tmp_path):
    directory = _corpus(tmp_path, {"eng_Latn.txt": "a\nb\nc\n", "spa_Latn.txt": "a\nb\nc\nd\n"})
    line = _one_line_error(*_run(capsys, directory))
    assert "spa_Latn.txt: 4 lines but eng_Latn.txt has 3" in line and "ends at line 3" in line


def test_unknown_language_code(capsys, tmp_path):
    directory = _corpus(tmp_path, {"eng_Latn.txt": "a\n", "english.txt": "a\n"})
    line = _one_line_error(*_run(capsys, directory))
    assert "english.txt: unknown language code 'english'" in line
    line = _one_line_error(*_run(capsys, "-l", "hin_Latn"))
    assert "unknown language code 'hin_Latn'" in line and "hin_Deva" in line


def test_non_utf8_file(capsys, tmp_path):
    directory = _corpus(tmp_path, {"eng_Latn.txt": "a\nb\n", "fra_Latn.txt": "a\n".encode() + "é\n".encode("latin-1")})
    line = _one_line_error(*_run(capsys, directory))
    assert "fra_Latn.txt:2: not UTF-8" in line


def test_missing_directory_and_bad_names(capsys, tmp_path):
    assert "no such directory" in _one_line_error(*_run(capsys, tmp_path / "nope"))
    assert "Unknown encoding 'o200k'" in _one_line_error(*_run(capsys, "-e", "o200k"))
    assert "uses o200k_base" in _one_line_error(*_run(capsys, "-e", "cl100k_base", "-m", "gpt-4o"))
    assert "gpt-4o" in _one_line_error(*_run(capsys, "-e", "o200k_base", "-m", "gpt-4oo"))


def test_usage_error_exit_code(capsys):
    code, _, err = _run(capsys, "--format", "xml")
    assert code == 2 and "invalid choice" in err


def test_any_registry_encoding_and_a_closed_model(capsys):
    code, out, err = _run(capsys, "-e", "p50k_base", "-e", "o200k_base", "-m", "claude-haiku-4-5", "-l", "hin_Deva",
                          "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["encodings"] == ["p50k_base", "o200k_base"] and doc["models"] == {"claude-haiku-4-5": "o200k_base"}
    hindi = next(r for r in doc["rows"] if r["language"] == "hin_Deva" and r["encoding"] == "p50k_base")
    lines = (FLORES_SAMPLE_DIR / "hin_Deva.txt").read_text(encoding="utf-8").splitlines()
    assert hindi["sentence_tokens"] == sum(len(t) for t in tiktoken.get_encoding("p50k_base").encode_ordinary_batch(
        [line for line in lines if line]))
    assert "claude-haiku-4-5 is an estimate" in err  # its cost rests on a stand-in tokenizer


def test_a_family_whose_extra_is_missing_is_one_line(capsys, monkeypatch):
    def missing(name):
        raise ImportError("the llama3 tokenizer needs the llama-models package: pip install 'tokcost[open-models]'\n"
                          "(and more lines that must not show)")

    monkeypatch.setattr("tokcost.analysis.languages.get_encoding", missing)
    line = _one_line_error(*_run(capsys, "-e", "llama3"))
    assert "pip install 'tokcost[open-models]'" in line
