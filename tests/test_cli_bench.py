"""``tokcost bench`` in-process on tiny inputs: the report's shape and its arithmetic, never its timings."""

from __future__ import annotations

import importlib.util
import json
import statistics

import pytest

from tokcost import bench
from tokcost.cli import main

FAST = ["--only", "encode,count", "--runs", "3", "--contenders", "tokcost,tiktoken"]
# Every peer the benchmark knows, by the module it imports: present here -> it must be in the report.
PEER_MODULES = {"gigatoken": "gigatoken", "toktok-rs": "toktok", "quicktok-v1": "quicktok",
                "wordchipper": "wordchipper", "bpe-openai": "bpe_openai", "hf-tokenizers": "tokenizers",
                "riptoken": "riptoken"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    prose = root / "prose.txt"
    prose.write_text("Hello world, a short note.\nIt costs 12345 tokens? No.\n" * 3, encoding="utf-8")
    code = root / "code.py"
    code.write_text("def f(x):\n    return x + 1  # 你好 مرحبا\n", encoding="utf-8")
    return [str(prose), str(code)]


@pytest.fixture(scope="module")
def report(files) -> dict:
    """One run of every contender (loading them all takes seconds), shared by the tests below."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["bench", *files, "--only", "encode,batch", "--runs", "3", "--format", "json"]) == 0
    return json.loads(out.getvalue())


def test_json_report_has_every_installed_contender_with_checked_ids(report):
    doc = report
    assert doc["encoding"] == "o200k_base"
    assert {"date", "cpu", "python", "cpu_count"} <= set(doc["machine"])
    installed = {name for name, module in PEER_MODULES.items() if importlib.util.find_spec(module)}
    assert set(doc["versions"]) == {"tokcost", "tiktoken"} | installed
    assert set(doc["missing"]) == set(PEER_MODULES) - installed
    for facts in doc["contenders"].values():
        assert facts["ids"] == ("equal to tiktoken's" if facts["exact"] else "may differ: not an exact tokenizer")
    rows = doc["results"]
    assert {(r["section"], r["op"], r["mode"], r["threads"]) for r in rows} == {
        ("encode", "encode", "warm", 1), ("encode", "encode", "cold", 1), ("batch", "encode_batch", "warm", 1),
        ("batch", "encode_batch", "warm", 2), ("batch", "count_batch", "warm", 1), ("batch", "count_batch", "warm", 2)}
    assert {(r["contender"], r["op"], r["threads"]) for r in rows if r["section"] == "batch"} == {
        (c, op, n) for c in doc["versions"] for op in ("encode_batch", "count_batch") for n in (1, 2)}
    for row in rows:
        assert row["contender"] in doc["versions"]
        assert row["runs"] == 3 == len(row["run_seconds"]) and row["mb_s"] > 0 and row["bytes"] > 0
        assert row["exact"] is True or not doc["contenders"][row["contender"]]["exact"]
    assert doc["load"] == []  # load is measured for the built-in workloads only


def test_ratios_are_tiktoken_time_over_each_contender_time_in_the_same_run(report):
    rows = report["results"]
    key = lambda r: (r["section"], r["workload"], r["op"], r["mode"], r["threads"])  # noqa: E731
    tiktoken = {key(r): r for r in rows if r["contender"] == "tiktoken"}
    others = [r for r in rows if r["contender"] != "tiktoken"]
    assert len(others) == len(tiktoken) * (len(report["versions"]) - 1)
    for row in others:
        base = tiktoken[key(row)]["run_seconds"]
        per_run = [b / t for b, t in zip(base, row["run_seconds"], strict=True)]
        assert row["x_tiktoken"] > 0
        assert row["x_tiktoken"] == pytest.approx(statistics.median(per_run), abs=0.0006)


def _fake(name: str, *, exact: bool, wrong: bool):
    def factory(encoding: str) -> bench.Contender:
        reference = dict(bench.CONTENDERS)["tiktoken"](encoding)
        encode = (lambda text: list(reference.encode(text)) + [0]) if wrong else reference.encode
        return bench.Contender(name, "0", encode, lambda text: len(encode(text)), reference.encode_batch,
                               reference.count_batch, reference.batch_counts, "", exact=exact)

    return name, factory


def test_wrong_ids_are_left_out_before_timing_unless_not_exact(monkeypatch, files):
    from tokcost.bench import contenders

    monkeypatch.setattr(contenders, "CONTENDERS", contenders.CONTENDERS + [
        _fake("claims-exact", exact=True, wrong=True), _fake("approximate", exact=False, wrong=True)])
    plan = bench.Plan.quick(runs=3)
    doc = bench.benchmark("o200k_base", plan, ["encode"], ["tiktoken", "claims-exact", "approximate"],
                          [files[0]])
    assert doc["missing"]["claims-exact"].startswith("ids differ from tiktoken")
    assert "claims-exact" not in {r["contender"] for r in doc["results"]}
    assert doc["contenders"]["approximate"] == {"version": "0", "exact": False,
                                                "ids": "may differ: not an exact tokenizer"}
    approximate = [r for r in doc["results"] if r["contender"] == "approximate"]
    assert approximate and all(r["exact"] is False and r["runs"] == 3 for r in approximate)


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
