"""tokcost report: the view, its four renderings, atomic writes, and the CLI around them."""

from __future__ import annotations

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
