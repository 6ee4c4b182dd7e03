"""``tokcost bench --suite system --corpus flores``: FLORES-200 as the system suite's pinned text, and
the cut that gives text only to the sections that run. Small fake FLORES directories; nothing is timed."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest

from tokcost import bench
from tokcost.bench import flores_corpora as fc
from tokcost.bench import workloads
from tokcost.bench.system import SystemPlan, cut, present_corpora
from tokcost.cli import main
from tokcost.errors import CorpusError

DEDICATED = {"english": "eng_Latn", **fc.FLORES_LANGUAGES}
SAMPLE = {  # a word of each file's script, so every corpus runs its own kind of text
    "eng_Latn": "sentence", "zho_Hans": "句子", "jpn_Jpan": "文です", "kor_Hang": "문장", "rus_Cyrl": "предложение",
    "arb_Arab": "جملة", "hin_Deva": "वाक्य", "tha_Thai": "ประโยค", "fra_Latn": "phrase", "ell_Grek": "πρόταση",
}


def sentences(code: str, n: int) -> list[str]:
    return [f"{SAMPLE[code]} {code} {i:03d}." for i in range(n)]


@pytest.fixture
def flores_dir(tmp_path, monkeypatch) -> Path:
    """A FLORES directory of 40 sentences a language: the issue's eight and two others."""
    root = tmp_path / "flores"
    root.mkdir()
    for code in SAMPLE:
        (root / f"{code}.txt").write_text("".join(s + "\n" for s in sentences(code, 40)), encoding="utf-8")
    (root / "SOURCE.md").write_text("not a language\n", encoding="utf-8")
    monkeypatch.setenv("TOKCOST_FLORES_DIR", str(root))
    return root


def test_each_language_is_its_flores_file_in_order_and_code_is_the_stdlib(flores_dir):
    corpora = {c.name: c for c in fc.flores_corpora(SystemPlan())}
    assert list(corpora) == ["english", "code", "chinese", "japanese", "korean", "russian", "arabic", "hindi",
                             "thai", "mixed"]
    for name, code in DEDICATED.items():
        assert corpora[name].units(1) == sentences(code, 40), name
        assert corpora[name].bulk == (name == "english") and code in corpora[name].description
    assert corpora["code"].description.startswith("Python code: the standard library")


def test_the_mix_is_the_other_languages_in_turn_each_from_another_sentence(flores_dir):
    mixed = next(c for c in fc.flores_corpora(SystemPlan()) if c.name == "mixed")
    greek, french = sentences("ell_Grek", 40), sentences("fra_Latn", 40)  # by file name: ell before fra
    expected = [u for pair in zip(greek, french[20:] + french[:20]) for u in pair]
    assert mixed.units(1) == expected and "the 2 other languages" in mixed.description


def test_a_missing_language_is_absent_with_its_reason(flores_dir):
    (flores_dir / "tha_Thai.txt").unlink()
    found, absent = present_corpora(SystemPlan(corpus="flores"))
    assert absent == {"thai": f"no tha_Thai.txt in {flores_dir}"}
    assert "thai" not in [c.corpus.name for c in found] and len(found) == 9


def test_without_full_flores_the_error_says_how_to_get_it_and_that_the_sample_is_too_small(tmp_path, monkeypatch):
    monkeypatch.delenv("TOKCOST_FLORES_DIR", raising=False)
    monkeypatch.setattr(workloads, "FLORES_SHARED", tmp_path / "nowhere")
    with pytest.raises(CorpusError) as caught:
        present_corpora(SystemPlan(corpus="flores"))
    message = str(caught.value)
    assert "too small" in message and "TOKCOST_FLORES_DIR" in message and str(tmp_path / "nowhere") in message
    assert "github.com/facebookresearch/flores" in message
    assert isinstance(caught.value, ValueError)  # the CLI turns it into an error message, exit 1


@pytest.fixture
def tiny_quick(monkeypatch, flores_dir):
    def quick(cls, **kw):
        return cls(runs=3, bulk_bytes=600, language_bytes=150, doc_bytes=60, docs_per_run=2, warm_target_s=0.001)

    monkeypatch.setattr(bench.SystemPlan, "quick", classmethod(quick))


def run_cli(argv: list) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_cli_corpus_flores_runs_every_mode_on_flores_with_checked_ids(tiny_quick, capsys):
    argv = ["bench", "--suite", "system", "--corpus", "flores", "--quick", "--contenders", "tokcost,tiktoken"]
    doc = json.loads(run_cli(argv + ["--format", "json"]))
    assert doc["corpus"]["name"] == "flores" and doc["plan"]["corpus"] == "flores" and "FLORES-200" in \
        doc["corpus"]["description"]
    names = ["english", "code", "chinese", "japanese", "korean", "russian", "arabic", "hindi", "thai", "mixed"]
    assert [c["name"] for c in doc["corpora"]] == names and doc["absent"] == {}
    assert {(r["section"], r["workload"]) for r in doc["results"]} == {(s, n) for s in bench.SYSTEM_SECTIONS
                                                                      for n in names}
    for row in doc["results"]:
        assert row["exact"] is True and row["corpus"] == "flores" and row["mb_s"] > 0, row
    from tokcost.cli.bench import _print_system_tables

    _print_system_tables(doc)
    table = capsys.readouterr().out
    assert "--suite system --corpus flores" in table and "FLORES-200 hin_Deva" in table


def test_cli_csv_rows_and_the_default_corpus_say_which_text_they_ran_on(tiny_quick):
    argv = ["bench", "--suite", "system", "--quick", "--contenders", "tokcost,tiktoken", "--only", "fresh"]
    rows = list(csv.DictReader(io.StringIO(run_cli(argv + ["--corpus", "flores", "--format", "csv"]))))
    assert rows and {r["corpus"] for r in rows} == {"flores"}
    assert "hindi" in {r["workload"] for r in rows}
    doc = json.loads(run_cli(argv + ["--format", "json"]))
    assert doc["corpus"]["name"] == "system" and {r["corpus"] for r in doc["results"]} == {"system"}


def test_cli_corpus_errors(tmp_path, monkeypatch, capsys):
    assert main(["bench", "--corpus", "flores", "--only", "fresh"]) == 2  # a system section: not a standard run
    assert "--corpus chooses the text of --suite system" in capsys.readouterr().err
    assert main(["bench", "--suite", "system", "--corpus", "wiki"]) == 2
    assert "invalid choice: 'wiki'" in capsys.readouterr().err
    monkeypatch.setenv("TOKCOST_FLORES_DIR", str(tmp_path))  # no eng_Latn.txt here
    monkeypatch.setattr(workloads, "FLORES_SHARED", tmp_path / "nowhere")
    assert main(["bench", "--suite", "system", "--corpus", "flores", "--only", "fresh"]) == 1
    assert "needs the full FLORES-200" in capsys.readouterr().err


def test_cut_gives_text_only_to_the_sections_that_run():
    units = [f"line {i:04d} " + "x" * 89 for i in range(100)]  # 10 KB, 100 bytes a line with the newline
    plan = SystemPlan(runs=3, bulk_bytes=2_000, doc_bytes=300, docs_per_run=4)
    every = cut(units, plan, bulk=True)
    fresh = cut(units, plan, bulk=True, sections=("fresh",))
    # 2 KB repeated and 3 x 2 KB fresh fit in 10 KB; with 3 x 2 x 1.2 KB of documents they do not.
    assert every.scale < 1 and all(len(f) < 2_000 for f in every.fresh)
    assert fresh.docs == fresh.batch == [] and fresh.scale == 1.0 and [len(f) for f in fresh.fresh] == [2_000] * 3
    docs = cut(units, plan, bulk=True, sections=("docs", "first-call"))
    assert docs.fresh == docs.batch == [] and len(docs.docs) == 3 and all(len(d) == 4 for d in docs.docs)
    pieces = [docs.repeated, *("".join(d) for d in docs.docs)]
    assert "".join(pieces) == "".join(u + "\n" for u in units[:len("".join(pieces)) // 100])  # disjoint, in order


def test_the_shared_corpus_is_looked_for_beside_a_checkout_only(tmp_path):
    """`shared/` beside the checkout is where this repository keeps FLORES-200; an installed
    package (site-packages/tokcost/bench/) has no such place, so only a plan's directory or
    $TOKCOST_FLORES_DIR find the corpus there."""
    checkout = tmp_path / "work" / "tokcost"
    (checkout / "src" / "tokcost" / "bench").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n")
    module = checkout / "src" / "tokcost" / "bench" / "workloads.py"
    assert workloads.checkout_flores(str(module)) == tmp_path / "work" / "shared" / "corpora" / "flores200"
    installed = tmp_path / "lib" / "python3.11" / "site-packages" / "tokcost" / "bench" / "workloads.py"
    installed.parent.mkdir(parents=True)
    assert workloads.checkout_flores(str(installed)) is None
