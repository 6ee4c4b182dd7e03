"""tokcost report: the view, its four renderings, atomic writes, and the CLI around them."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.report import charts, gather, write_report
from tokcost.report import collect as gather_module
from tokcost.report.markdown import render_markdown
from tokcost.report.output import atomic_write


@pytest.fixture(scope="module")
def view() -> dict:
    return gather()


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("tokcost: error: "), err
    return lines[0]


# ---------------------------------------------------------------------------- the view


def test_view_is_plain_data(view):
    assert json.loads(json.dumps(view)) == view


def test_language_section_is_exact_and_anchored_on_english(view):
    import tokcost

    languages = view["languages"]
    assert languages["encodings"] == ["cl100k_base", "o200k_base"]
    by_code = {row["code"]: row for row in languages["rows"]}
    assert by_code["eng_Latn"]["premium"] == {"cl100k_base": 1.0, "o200k_base": 1.0}
    assert by_code["hin_Deva"]["premium"]["cl100k_base"] > by_code["hin_Deva"]["premium"]["o200k_base"] > 1
    if languages["unit"].startswith("tokens per sentence"):
        sample = Path(tokcost.__file__).parent / "data" / "flores_sample" / "eng_Latn.txt"
        lines = sample.read_text(encoding="utf-8").splitlines()
        mean = sum(tokcost.get_encoding("o200k_base").count(line) for line in lines) / len(lines)
        assert by_code["eng_Latn"]["tokens"]["o200k_base"] == pytest.approx(mean, abs=0.05)


def test_findings_answer_the_headline_questions(view):
    titles = [item["title"] for item in view["findings"]]
    assert "Highest language premium" in titles
    for item in view["findings"]:
        assert item["value"] and item["detail"]


def test_missing_analyzer_is_marked_not_faked(monkeypatch):
    real = gather_module._import

    def without_languages(name):
        if name.startswith("tokcost.analysis"):
            raise gather_module._Unavailable(f"{name} is not part of this tokcost build")
        return real(name)

    monkeypatch.setattr(gather_module, "_import", without_languages)
    view = gather()
    assert view["languages"] is None
    assert "tokcost.analysis.languages" in view["unavailable"][gather_module.LANGUAGES_SECTION]
    text, chart_files = render_markdown(view)
    assert "Language premium: not available" in text and "premium" not in chart_files


# ---------------------------------------------------------------------------- renderings


def test_terminal_report(view, capsys):
    from tokcost.report.terminal import render_terminal

    render_terminal(view)
    out = capsys.readouterr().out
    assert "Key findings" in out and "Text premium" in out
    assert "\x1b[" not in out, "no colour codes when not writing to a terminal"


def test_html_is_self_contained(view, tmp_path):
    path = write_report(view, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    for external in ("<script", "src=\"http", "href=\"http", "<link", "@import", "url("):
        assert external not in html
    assert html.count("<svg") == len(_expected_charts(view))
    assert "Tokenizer premium by language" in html


def test_markdown_writes_its_charts_beside_it(view, tmp_path):
    path = write_report(view, tmp_path / "cost.md")
    text = path.read_text(encoding="utf-8")
    for name in _expected_charts(view):
        chart = tmp_path / f"cost-{name}.svg"
        assert f"]({chart.name})" in text
        ET.fromstring(chart.read_text(encoding="utf-8"))  # well-formed SVG
    assert text.startswith("# ")


def test_json_report_is_the_view(view, tmp_path):
    path = write_report(view, tmp_path / "report.json")
    assert json.loads(path.read_text(encoding="utf-8")) == view


def _expected_charts(view) -> list:
    return [name for name, key in (("premium", "languages"), ("spend", "models"), ("projection", "projection"))
            if view.get(key)]


def test_charts_are_valid_svg_with_labels():
    svg = charts.bar_chart("Spend & more", ["a <b>", "c"], [("x", [1.0, None], charts.O200K),
                                                           ("y", [0.5, 2.0], charts.CL100K)], charts.money,
                           reference=1.0, reference_label="base", highlight="c")
    root = ET.fromstring(svg)
    texts = "".join(root.itertext())
    assert "Spend & more" in texts and "a <b>" in texts and "$2.00" in texts
    line = charts.line_chart("Over time", ["M1", "M2", "M3"], [("m", [1, 2, 3], charts.O200K)], charts.money)
    assert "m $3.00" in "".join(ET.fromstring(line).itertext())


def test_nice_ticks():
    assert charts._ticks(10.2) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert charts._ticks(1.0)[-1] >= 1.0
    assert (charts.money(0), charts.money(1234.4), charts.money(12.5), charts.money(0.123)) == ("$0", "$1,234", "$12.50", "$0.12")


# ---------------------------------------------------------------------------- writing files


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "r.html"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_failed_render_keeps_the_previous_report(view, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous")

    def broken(view):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("tokcost.report.html.render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(view, target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# ---------------------------------------------------------------------------- the command


def test_report_out_html(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert capsys.readouterr().err.strip() == f"wrote {out}"


def test_report_format_json_on_stdout(capsys):
    assert main(["report", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["findings"] and "unavailable" in doc


def test_report_bad_suffix_fails_fast(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "report.pdf")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert ".html, .md or .json" in line
    assert not (tmp_path / "report.pdf").exists()


def test_report_missing_directory(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "nope" / "report.html")]) == 1
    assert "no such directory" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("months", ["0", "121", "soon"])
def test_report_months_is_validated(months, capsys):
    assert main(["report", "--months", months]) == 2
    _one_line_error(capsys.readouterr().err)


def test_report_bad_corpus(tmp_path, capsys):
    (tmp_path / "xxx_Yyyy.txt").write_text("hello\n")
    assert main(["report", "--corpus", str(tmp_path)]) == 1
    assert "xxx_Yyyy" in _one_line_error(capsys.readouterr().err)


# ---------------------------------------------------------------------------- a user's workload

WORKLOAD = """
[workload]
name = "Docs helper"
requests_per_day = 1000
monthly_growth = 0.1
models = ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-0125"]

[languages]
eng_Latn = 0.5
hin_Deva = 0.5

[request]
system_prompt = "You answer questions about our docs."
user_sentences = 2
"""


@pytest.fixture
def workload_file(tmp_path) -> Path:
    path = tmp_path / "docs.toml"
    path.write_text(WORKLOAD, encoding="utf-8")
    return path


def test_report_on_a_users_workload_matches_the_projection(workload_file, capsys):
    from tokcost import spend

    assert main(["report", "--workload", str(workload_file), "--months", "3", "--at", "2026-11-01",
                 "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["title"] == "Docs helper"
    assert [row["code"] for row in view["languages"]["rows"]] == ["eng_Latn", "hin_Deva"]
    assert [row["share"] for row in view["languages"]["rows"]] == [0.5, 0.5]
    assert len(view["projection"]["labels"]) == 3 and view["projection"]["labels"][0] == "Nov 2026"

    projection = spend.project(spend.load_workload(workload_file), months=3, at="2026-11-01")
    expected = {m.model: [round(float(v), 2) for v in m.monthly] for m in projection.models}
    assert {s["model"]: s["values"] for s in view["projection"]["series"]} == expected
    monthly = {row["model"]: row["monthly_cost"] for row in view["models"]["rows"]}
    assert monthly == {model: values[0] for model, values in expected.items()}
    cheapest = view["models"]["cheapest_adequate"]
    assert monthly[cheapest] == min(monthly.values())
    titles = {item["title"]: item for item in view["findings"]}
    assert titles["Cheapest adequate model"]["value"] == cheapest
    assert "In 3 months" in titles
    # Hindi costs more tokens than English, and much more with cl100k than with o200k.
    hindi = view["languages"]["rows"][1]
    assert hindi["request_premium"] > 1
    assert hindi["tokens"]["cl100k_base"] > hindi["tokens"]["o200k_base"]


def test_a_model_that_cannot_take_the_workload_is_not_the_cheapest_adequate(view):
    rows = view["models"]["rows"]
    turbo = next(row for row in rows if row["model"] == "gpt-3.5-turbo-0125")
    assert not turbo["adequate"] and turbo["why_not"] == "images not priced"
    assert view["models"]["cheapest_adequate"] != "gpt-3.5-turbo-0125"


def test_report_unknown_model_suggests_names(capsys):
    assert main(["report", "--model", "gpt-4oo"]) == 1
    assert "Did you mean 'gpt-4o'" in _one_line_error(capsys.readouterr().err)


def test_report_missing_workload(tmp_path, capsys):
    assert main(["report", "--workload", str(tmp_path / "nope.toml")]) == 1
    assert "nope.toml" in _one_line_error(capsys.readouterr().err)


def test_report_bad_workload_names_the_line(workload_file, capsys):
    workload_file.write_text(WORKLOAD.replace("hin_Deva = 0.5", "hin_Deva = 0.7"), encoding="utf-8")
    assert main(["report", "--workload", str(workload_file)]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "docs.toml" in line and "sum" in line


def test_missing_spend_is_marked_not_faked(monkeypatch, capsys):
    real = gather_module._import

    def without_spend(name):
        if name == "tokcost.spend":
            raise gather_module._Unavailable(f"{name} is not part of this tokcost build")
        return real(name)

    monkeypatch.setattr(gather_module, "_import", without_spend)
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Spend per model: not available" in out and "Projection: not available" in out
    assert "$" not in out
    assert main(["report", "--workload", "mine.toml"]) == 1
    assert "run without --workload" in _one_line_error(capsys.readouterr().err)


def test_no_adequate_model_is_said_plainly(capsys):
    assert main(["report", "--model", "gpt-3.5-turbo-0125", "--months", "1", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    finding = next(item for item in view["findings"] if item["title"] == "Cheapest adequate model")
    assert finding["value"] == "none" and "--model" in finding["detail"]
    assert view["models"]["cheapest_adequate"] is None
    assert view["projection"]["labels"] == [view["projection"]["labels"][0]]


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_report_fits_common_widths(view, width):
    from tokcost.report.terminal import render_terminal

    out = io.StringIO()
    render_terminal(view, file=out, width=width)
    lines = out.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    text = out.getvalue()
    for row in view["models"]["rows"]:
        assert row["model"] in text  # names never truncated
    for row in view["languages"]["rows"]:
        assert row["language"] in text
