"""``tokcost bench`` in-process on tiny inputs: the report's shape, never its timings."""

from __future__ import annotations

import json

import pytest

from tokcost.cli import main

FAST = ["--only", "encode,count,batch", "--runs", "3", "--contenders", "tokcost,tiktoken"]


@pytest.fixture
def files(tmp_path):
    prose = tmp_path / "prose.txt"
    prose.write_text("Hello world, a short note.\nIt costs 12345 tokens? No.\n" * 3, encoding="utf-8")
    code = tmp_path / "code.py"
    code.write_text("def f(x):\n    return x + 1  # 你好 مرحبا\n", encoding="utf-8")
    return [str(prose), str(code)]


def test_json_report(files, capsys):
    assert main(["bench", *files, *FAST, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["encoding"] == "o200k_base"
    assert {"date", "cpu", "python", "cpu_count"} <= set(doc["machine"])
    assert set(doc["versions"]) == {"tokcost", "tiktoken"}
    rows = doc["results"]
    assert {(r["section"], r["mode"]) for r in rows} == {
        ("encode", "warm"), ("encode", "cold"), ("count", "warm"), ("count", "cold"), ("batch", "warm")}
    assert {r["threads"] for r in rows if r["section"] == "batch"} == {1, 2}
    for row in rows:
        assert row["contender"] in ("tokcost", "tiktoken")
        assert row["runs"] == 3 and row["mb_s"] > 0 and row["bytes"] > 0
        assert row["exact"] is True
        if row["contender"] == "tiktoken":
            assert row["x_tiktoken"] == 1.0
    assert doc["load"] == []  # load is measured for the built-in workloads only


def test_table_and_csv(files, capsys):
    assert main(["bench", files[0], *FAST, "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "encode_ordinary" in out and "tokcost" in out and "tiktoken" in out
    assert main(["bench", files[0], *FAST, "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[:4] == ["section", "workload", "op", "mode"] and "x_tiktoken" in header


def test_bad_arguments(files, capsys):
    assert main(["bench", files[0], "--only", "encode,speed"]) == 2
    assert "unknown section speed" in capsys.readouterr().err
    assert main(["bench", files[0], "--runs", "1"]) == 2
    assert main(["bench", "no/such/file.txt", *FAST]) == 1
    assert main(["bench", files[0], "--encoding", "o200k_bas"]) == 1
    assert "o200k_base" in capsys.readouterr().err
