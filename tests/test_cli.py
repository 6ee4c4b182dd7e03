"""The CLI as a user meets it, driven in-process through tokcost.cli.main."""

from __future__ import annotations

import io
import json

import pytest

from tokcost.cli import COMMANDS, main


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{err}"
    assert lines[0].startswith("tokcost: error: ")
    return lines[0]


# ---------------------------------------------------------------------------- general


def test_no_arguments_runs_the_report(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tokcost report · Multilingual customer-support assistant")
    for part in ("Key findings", "Cheapest adequate model", "o200k vs cl100k", "Tokens per request by language",
                 "Monthly spend per model", "Projection"):
        assert part in out
    assert "not available" not in out


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tokcost", "count", "-", "--format", "json"], input="hello world",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total_tokens"] == 2


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_has_examples(name, capsys):
    argv = [name, "--help"] if name else ["--help"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "tokcost" in out.split("examples:")[1]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tokcost ")


def test_unknown_command_suggests_the_right_one(capsys):
    assert main(["reprot"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "Did you mean 'report'?" in line


def test_unknown_option_is_a_one_line_usage_error(capsys):
    assert main(["count", "--bogus"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "--bogus" in line and "tokcost count --help" in line


def test_options_without_a_command_go_to_the_report(capsys):
    assert main(["--bogus"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "--bogus" in line and "tokcost report --help" in line


def test_bad_option_value_is_a_usage_error(capsys):
    assert main(["count", "--format", "xml", "-"]) == 2
    _one_line_error(capsys.readouterr().err)


def test_unknown_model_suggests_close_names(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("hello")
    assert main(["count", str(tmp_path / "a.txt"), "--model", "gpt-4oo"]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "Did you mean 'gpt-4o'" in line and "--encoding" in line


def test_unknown_encoding_suggests_close_names(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("hello")
    assert main(["count", str(tmp_path / "a.txt"), "--encoding", "o200k_bse"]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "Did you mean 'o200k_base'" in line


def test_model_and_encoding_are_exclusive(capsys):
    assert main(["count", "-", "--model", "gpt-4o", "--encoding", "cl100k_base"]) == 2
    _one_line_error(capsys.readouterr().err)


# ---------------------------------------------------------------------------- count


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "deep").mkdir()
    (tmp_path / "a.txt").write_text("hello world", encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_text("Bonjour le monde, ça va ?", encoding="utf-8")
    (tmp_path / "docs" / "deep" / "c.md").write_text("こんにちは世界", encoding="utf-8")
    return tmp_path


def _count_json(argv, capsys) -> dict:
    assert main(["count", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_count_json_contract(tree, capsys):
    import tokcost

    doc = _count_json([str(tree / "a.txt")], capsys)
    assert isinstance(doc["total_tokens"], int)
    assert doc["files"] == [{"path": str(tree / "a.txt"), "tokens": tokcost.get_encoding("o200k_base").count("hello world")}]
    assert doc["total_tokens"] == 2


def test_count_directory_is_recursive(tree, capsys):
    doc = _count_json([str(tree / "docs")], capsys)
    paths = [f["path"] for f in doc["files"]]
    assert paths == [str(tree / "docs" / "b.md"), str(tree / "docs" / "deep" / "c.md")]
    assert doc["total_tokens"] == sum(f["tokens"] for f in doc["files"])


def test_count_glob_recursive_and_deduplicated(tree, capsys):
    doc = _count_json([str(tree / "**" / "*.md"), str(tree / "docs" / "b.md")], capsys)
    assert sorted(f["path"] for f in doc["files"]) == [str(tree / "docs" / "b.md"), str(tree / "docs" / "deep" / "c.md")]


def test_count_model_picks_its_encoding(tree, capsys):
    import tokcost

    doc = _count_json([str(tree / "docs" / "deep" / "c.md"), "--model", "gpt-4"], capsys)
    assert doc["encoding"] == "cl100k_base"
    assert doc["total_tokens"] == tokcost.get_encoding("cl100k_base").count("こんにちは世界")


def test_count_table_of_many_files_shows_the_largest(tmp_path, capsys):
    # 60 files of 1..60 words ("word " is one token each, "word" alone at the end)
    for n in range(1, 61):
        (tmp_path / f"f{n:02}.txt").write_text(" ".join(["word"] * n), encoding="utf-8")
    total = sum(range(1, 61))
    assert main(["count", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "the 20 largest of 60 files" in out
    assert str(tmp_path / "f60.txt") in out and str(tmp_path / "f41.txt") in out
    assert str(tmp_path / "f40.txt") not in out
    assert "40 other files" in out and f"{sum(range(1, 41)):,}" in out and f"{total:,}" in out
    assert main(["count", str(tmp_path), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "the 3 largest of 60 files" in out and str(tmp_path / "f57.txt") not in out
    assert main(["count", str(tmp_path), "--all"]) == 0
    out = capsys.readouterr().out
    assert all(str(tmp_path / f"f{n:02}.txt") in out for n in range(1, 61)) and "other files" not in out
    assert len(_count_json([str(tmp_path)], capsys)["files"]) == 60


def test_count_table_of_many_files_keeps_ties_in_path_order(tmp_path, capsys):
    # 60 files, 30 of one word and 30 of two: the 20 largest are 20 of the two-word files, the first
    # 20 in the order the files are listed, as a stable sort by tokens gives them.
    for n in range(60):
        (tmp_path / f"f{n:02}.txt").write_text("word" if n % 2 else "word word", encoding="utf-8")
    assert main(["count", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    shown = [n for n in range(60) if str(tmp_path / f"f{n:02}.txt") in out]
    assert shown == list(range(0, 40, 2))


@pytest.mark.parametrize("argv", [[], ["--top", "3"], ["--all"]])
def test_count_table_is_the_same_on_one_job_and_two(tmp_path, capsys, monkeypatch, argv):
    # With two jobs a thread draws a first table while the files are counted: the real one must not change.
    monkeypatch.setenv("COLUMNS", "100")
    for n in range(60):
        (tmp_path / f"f{n:02}.txt").write_text(" ".join(["word"] * (n % 7 + 1)), encoding="utf-8")
    assert main(["count", str(tmp_path), "--jobs", "1", *argv]) == 0
    one = capsys.readouterr()
    assert main(["count", str(tmp_path), "--jobs", "2", *argv]) == 0
    assert capsys.readouterr() == one


def test_count_all_past_200_files_prints_plain_lines(tmp_path, capsys):
    for n in range(250):
        (tmp_path / f"f{n:03}.txt").write_text("hello world", encoding="utf-8")
    assert main(["count", str(tmp_path), "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Tokens (o200k_base)"
    assert lines[1] == f"  2  {tmp_path / 'f000.txt'}" and lines[-1] == "500  total"
    assert len(lines) == 252


def test_count_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("hello world"))
    doc = _count_json(["-"], capsys)
    assert doc == {"encoding": "o200k_base", "total_tokens": 2, "files": [{"path": "-", "tokens": 2}]}


def test_count_no_paths_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("hello world"))
    assert _count_json([], capsys)["total_tokens"] == 2


def test_count_table_and_csv(tree, capsys):
    assert main(["count", str(tree / "docs")]) == 0
    out = capsys.readouterr().out
    assert "b.md" in out and "total" in out
    assert main(["count", str(tree / "a.txt"), "--format", "csv"]) == 0
    assert capsys.readouterr().out == f"path,tokens\n{tree / 'a.txt'},2\n"


def test_count_missing_file(tmp_path, capsys):
    assert main(["count", str(tmp_path / "nope.txt")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "nope.txt" in line and "no such file" in line


def test_count_glob_without_matches(tmp_path, capsys):
    assert main(["count", str(tmp_path / "*.zzz")]) == 1
    assert "no file matches" in _one_line_error(capsys.readouterr().err)


def test_count_invalid_utf8_is_counted_with_replacement_characters(tmp_path, capsys):
    import tiktoken

    data = b"ok \xff\xfe bad"  # invalid UTF-8, but no NUL: text with two bad bytes
    (tmp_path / "bad.txt").write_bytes(data)
    assert main(["count", str(tmp_path / "bad.txt"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    expected = len(tiktoken.get_encoding("o200k_base").encode_ordinary(data.decode("utf-8", "replace")))
    assert json.loads(captured.out)["total_tokens"] == expected
    assert captured.err == "tokcost: note: 1 file(s) were not valid UTF-8; invalid bytes were counted as U+FFFD\n"


def test_count_binary_file_is_named(tmp_path, capsys):
    (tmp_path / "blob.bin").write_bytes(b"ok \xff\xfe\x00 bad")  # a NUL byte: binary, not text
    assert main(["count", str(tmp_path / "blob.bin"), "--format", "json"]) == 1
    captured = capsys.readouterr()
    line = _one_line_error(captured.err)
    assert str(tmp_path / "blob.bin") in line and "binary, not UTF-8 text" in line
    doc = json.loads(captured.out)
    assert doc["total_tokens"] == 0 and doc["files"] == []
    assert doc["skipped"] == [{"path": str(tmp_path / "blob.bin"), "line": None,
                               "reason": "binary, not UTF-8 text (NUL byte in the first 8 KiB)"}]


def test_count_unreadable_file(capsys):
    from pathlib import Path

    unreadable = Path("/proc/self/mem")  # exists, but read() fails with EIO, even for root
    if not unreadable.exists():
        pytest.skip("needs Linux /proc to have a file that cannot be read")
    assert main(["count", str(unreadable), "--format", "json"]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "/proc/self/mem" in line and "cannot read" in line


def test_count_is_quiet_when_not_a_terminal(tree, capsys):
    assert main(["count", str(tree), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    json.loads(captured.out)


# ---------------------------------------------------------------- every money figure names its price snapshot


def test_money_names_its_price_date_in_every_output(capsys):
    assert main(["languages", "-e", "o200k_base", "-l", "hin_Deva", "-m", "gpt-4o-mini", "--at", "2025-01-01",
                 "--format", "json"]) == 0
    snapshots = json.loads(capsys.readouterr().out)["price_snapshots"]
    assert snapshots["gpt-4o-mini"].startswith("gpt-4o-mini price of 2024-10-01 (")
    assert main(["languages", "-e", "o200k_base", "-l", "hin_Deva", "-m", "gpt-4o-mini", "--at", "2025-01-01"]) == 0
    assert "gpt-4o-mini: the text as input, at its price of 2024-10-01" in capsys.readouterr().out
    assert main(["report", "-m", "gpt-4o-mini", "-m", "gpt-4o", "--at", "2025-01-01", "--months", "2"]) == 0
    out = capsys.readouterr().out
    assert "Prices of" in out and "2024-10-01" in out and "2024-10-02" in out


def test_models_lists_window_tokenizer_and_exactness(capsys):
    assert main(["models", "-m", "gpt-4o", "-m", "gpt-4.1", "-m", "claude-3-5-haiku", "--format", "json"]) == 0
    rows = {row["model"]: row for row in json.loads(capsys.readouterr().out)}
    # OpenAI's model pages: GPT-4o has a 128,000-token context window, GPT-4.1 1,047,576 (genai-prices
    # rounds it to 1,000,000, as the 2025-04-14 launch post says "1 million").
    assert rows["gpt-4o"]["context_window"] == 128000
    assert rows["gpt-4.1"]["context_window"] in (1000000, 1047576)
    assert (rows["gpt-4o"]["tokenizer"], rows["gpt-4o"]["counts"]) == ("o200k_base", "exact")
    haiku = next(row for name, row in rows.items() if name.startswith("claude-3-5-haiku"))
    assert haiku["counts"] == "estimate" and haiku["tokenizer"].startswith("≈")
    assert main(["models", "-m", "gpt-4o", "-m", "claude-3-5-haiku"]) == 0
    out = capsys.readouterr().out
    assert "128K" in out and "≈o200k_base" in out and "[1] tokcost correction" in out
    assert "Price data: genai-prices" in out and "newest price change on record" in out
