"""tokcost report: the view, its four renderings, atomic writes, and the CLI around them."""

from __future__ import annotations

import fnmatch
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.errors import PriceError
from tokcost.files import write_atomically
from tokcost.formatting import money
from tokcost.report import charts, gather, write_report
from tokcost.report.html import render_html
from tokcost.report.markdown import render_markdown
from tokcost.report.terminal import render_terminal

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


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
    # the reference first, then one column per tokenizer of the models compared
    assert languages["encodings"][:2] == ["cl100k_base", "o200k_base"]
    counted = {row["encoding"].lstrip("≈") for row in view["models"]["rows"]}
    assert counted <= set(languages["encodings"])
    by_code = {row["code"]: row for row in languages["rows"]}
    assert by_code["eng_Latn"]["premium"] == {encoding: 1.0 for encoding in languages["encodings"]}
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


def _unpriceable(*args, **kwargs):
    raise PriceError("no price for gpt-4o on 1999-01-01; choose a later --at")


def test_unpriceable_sample_is_marked_not_faked(monkeypatch):
    monkeypatch.setattr("tokcost.spend.project", _unpriceable)
    view = gather()
    assert view["models"] is None and view["projection"] is None
    reason = "the bundled sample workload could not be priced: no price for gpt-4o on 1999-01-01; choose a later --at"
    assert view["unavailable"] == {"Spend per model": reason, "Projection": reason}
    assert view["languages"]["rows"] and [f["title"] for f in view["findings"]] == [
        "Highest language premium", "o200k vs cl100k"]
    text, chart_files = render_markdown(view)
    assert "## Spend per model: not available" in text and list(chart_files) == ["report-premium.svg"]
    html = render_html(view)
    assert '<section class="missing"><h2>Spend per model: not available</h2>' in html


# ---------------------------------------------------------------------------- renderings


def test_terminal_report(view, capsys):
    render_terminal(view)
    out = capsys.readouterr().out
    assert "Key findings" in out and "Premium" in out.title()
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
                                                           ("y", [0.5, 2.0], charts.CL100K)], money,
                           reference=1.0, reference_label="base", highlight="c")
    root = ET.fromstring(svg)
    texts = "".join(root.itertext())
    assert "Spend & more" in texts and "a <b>" in texts and "$2.00" in texts
    line = charts.line_chart("Over time", ["M1", "M2", "M3"], [("m", [1, 2, 3], charts.O200K)], money)
    assert "m $3.00" in "".join(ET.fromstring(line).itertext())


def test_scale_has_round_ticks_and_maps_linearly():
    scale = charts.Scale(10.2, 100, 200)
    assert scale.ticks == [0, 2.5, 5, 7.5, 10, 12.5]
    assert (scale(0), scale(6.25), scale(12.5)) == (100, 150, 200)
    assert charts.Scale(1.0, 0, 1).ticks[-1] >= 1.0
    assert charts.Scale(3.4, 0, 1).ticks == [0, 1, 2, 3, 4]
    down = charts.Scale(100, 300, 50)  # a y axis: 0 at the bottom
    assert (down(0), down(100)) == (300, 50)


# ---------------------------------------------------------------------------- writing files


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "r.html"
    write_atomically(target, "one")
    write_atomically(target, "two")
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
    deepseek = next(row for row in rows if row["model"] == "deepseek-v4-flash")  # no image rule: photos unpriced
    assert not deepseek["adequate"] and deepseek["why_not"] == "images not priced"
    assert view["models"]["cheapest_adequate"] != "deepseek-v4-flash"


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


def test_unpriceable_spend_is_marked_on_the_sample_and_an_error_on_the_users_input(monkeypatch, workload_file,
                                                                                  capsys):
    monkeypatch.setattr("tokcost.spend.project", _unpriceable)
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Spend per model: not available" in out and "Projection: not available" in out
    assert "$" not in out
    assert main(["report", "--workload", str(workload_file)]) == 1
    assert "choose a later --at" in _one_line_error(capsys.readouterr().err)


def test_no_adequate_model_is_said_plainly(capsys):
    assert main(["report", "--model", "gpt-3.5-turbo-0125", "--months", "1", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    finding = next(item for item in view["findings"] if item["title"] == "Cheapest adequate model")
    assert finding["value"] == "none" and "--model" in finding["detail"]
    assert view["models"]["cheapest_adequate"] is None
    assert view["projection"]["labels"] == [view["projection"]["labels"][0]]


@pytest.mark.parametrize("width", [80, 100, 120])
def test_terminal_report_fits_common_widths(view, width):
    out = io.StringIO()
    render_terminal(view, file=out, width=width)
    lines = out.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    text = out.getvalue()
    for row in view["models"]["rows"]:
        assert row["model"] in text  # names never truncated
    for row in view["languages"]["rows"]:
        assert row["language"] in text
    projection = text.split("Projection: ", 1)[1]
    assert f"{len(view['projection']['labels'])}-month" in projection  # the total column is never left out
    for series in view["projection"]["series"]:
        row = next(line for line in projection.splitlines() if line.strip().startswith(series["model"] + " "))
        assert row.rstrip().endswith(" " + money(sum(series["values"])))


# ---------------------------------------------------------------------------- the HTML template


def test_html_escapes_every_text_from_the_view(view):
    hostile = json.loads(json.dumps(view))
    hostile["title"] = "<script>alert(1)</script>"
    hostile["findings"][0]["detail"] = 'a "quoted" <b>bold</b> & more'
    hostile["languages"]["rows"][0]["language"] = "<img src=x onerror=alert(1)>"
    hostile["models"]["rows"][0]["price_snapshot"] = "</li><script>"
    html = render_html(hostile)
    assert "<script" not in html and "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # in the table and in the chart


def test_html_marks_the_cheapest_adequate_and_dims_the_inadequate(view):
    html = render_html(view)
    best = view["models"]["cheapest_adequate"]
    assert f'<tr class="best"><td>{best}<span class="badge">cheapest adequate</span></td>' in html
    assert '<tr class="dim"><td>deepseek-v4-flash</td>' in html
    assert "<td>images not priced</td>" in html


def test_templates_are_shipped_as_package_data():
    import tokcost.report

    templates = Path(tokcost.report.__file__).parent / "templates"
    shipped = [path.relative_to(templates.parent.parent).as_posix() for path in templates.iterdir()]
    assert {"report/templates/report.html.j2", "report/templates/report.css"} <= set(shipped)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tokcost"]
    for name in shipped:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), f"{name} is not package data"
    assert any(dep.lower().startswith("jinja2") for dep in pyproject["project"]["dependencies"])


# ---------------------------------------------------------------------------- the README's sample output


def _readme_sample() -> list:
    """The lines of README.md's ```text block after "The first command prints"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split("The first command prints", 1)[1]
    return after.split("```text\n", 1)[1].split("```", 1)[0].splitlines()


def test_readme_sample_output_is_the_real_report():
    """Each run of README lines between "..." elisions appears, in order and unbroken, in the real report.

    The report is rendered 100 columns wide (what ``tokcost`` writes to a file or pipe) at the price date
    the README shows, so only a change in the output (or a hand edit of the README) fails this.
    """
    lines = _readme_sample()
    assert lines[0] == "$ tokcost"
    date = re.search(r"as of (\d{4}-\d\d-\d\d)", "\n".join(lines)).group(1)
    out = io.StringIO()
    render_terminal(gather(at=date), file=out, width=100)
    # The footer says the day the report was generated, which is the day the test runs, not the README's;
    # the note on undated prices names the installed genai-prices, which pip moves on by itself.
    generated = re.compile(r"(Generated by tokcost \S+ on )\d{4}-\d\d-\d\d")
    catalog = re.compile(r"(the current price in genai-prices )\S+")

    def normalise(line: str) -> str:
        return catalog.sub(r"\1VERSION", generated.sub(r"\1DATE", line.rstrip()))

    real = [normalise(line) for line in out.getvalue().splitlines()]
    lines = [normalise(line) for line in lines]
    runs, run = [], []
    for line in lines[1:] + ["..."]:
        if line.strip() == "...":
            runs.append(run) if run else None
            run = []
        else:
            run.append(line.rstrip())
    assert sum(map(len, runs)) >= 20, "the README shows too little of the report to be worth checking"
    start = 0
    for run in runs:
        found = next((i for i in range(start, len(real) - len(run) + 1) if real[i:i + len(run)] == run), None)
        assert found is not None, ("README.md's sample output has drifted from the real report; this part is not "
                                   "in it:\n" + "\n".join(run) + "\n\nthe real report:\n" + "\n".join(real))
        start = found + len(run)


# ---------------------------------------------------------------------------- vendors, tokenizers, windows


def test_the_default_report_compares_six_vendors_each_labelled_exact_or_estimate(view):
    rows = {row["model"]: row for row in view["models"]["rows"]}
    providers = {row["provider"] for row in rows.values()}
    assert {"openai", "anthropic", "google", "mistral", "deepseek"} <= providers
    assert any("llama" in model for model in rows)  # Meta's Llama on a host the catalog prices
    assert all(row["counts"] in ("exact", "estimate") for row in rows.values())
    assert rows["gpt-4o-mini"]["counts"] == "exact" and rows["gpt-4o-mini"]["encoding"] == "o200k_base"
    # Anthropic and Google publish no tokenizer: always an estimate, marked ≈
    for model in ("claude-haiku-4-5", "gemini-2.5-flash"):
        assert rows[model]["counts"] == "estimate" and rows[model]["encoding"].startswith("≈")
    assert all(row["context_window"] for row in rows.values())
    columns = {c["encoding"]: c for c in view["languages"]["tokenizers"]}
    assert "claude-haiku-4-5" in columns["o200k_base"]["estimate_for"]
    assert "gpt-4o-mini" in columns["o200k_base"]["exact_for"] and columns["cl100k_base"]["reference"]
    text, _ = render_markdown(view)
    assert "| Tokenizer | Counts | Window |" in text and "| estimate |" in text and "| exact |" in text


LONG_PROMPT = """
[workload]
name = "Long prompt"
requests_per_day = 100
models = ["gpt-3.5-turbo-0125", "gpt-4o"]

[languages]
eng_Latn = 0.5
hin_Deva = 0.5

[request]
system_prompt = '''{prompt}'''
"""


def test_a_request_beyond_a_models_window_is_flagged_and_never_adequate(tmp_path, capsys):
    import tiktoken

    from tokcost.bundled import FLORES_SAMPLE_DIR

    prompt = (FLORES_SAMPLE_DIR / "eng_Latn.txt").read_text(encoding="utf-8") * 3
    # gpt-3.5-turbo-0125's window is 16,385 tokens; the system prompt alone is longer
    prompt_tokens = len(tiktoken.get_encoding("cl100k_base").encode_ordinary(prompt))
    assert 16_385 < prompt_tokens < 128_000
    path = tmp_path / "long.toml"
    path.write_text(LONG_PROMPT.format(prompt=prompt), encoding="utf-8")
    assert main(["report", "--workload", str(path), "--months", "1", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    rows = {row["model"]: row for row in view["models"]["rows"]}
    turbo = rows["gpt-3.5-turbo-0125"]
    assert turbo["monthly_cost"] < rows["gpt-4o"]["monthly_cost"]  # cheaper, but the requests do not fit
    assert not turbo["adequate"] and turbo["why_not"].startswith("exceeds context window")
    assert {o["language"] for o in turbo["overflows"]} == {"eng_Latn", "hin_Deva"}
    for overflow in turbo["overflows"]:
        assert overflow["window"] == 16_385 and overflow["tokens"] > prompt_tokens
        assert overflow["overflow"] == overflow["tokens"] - 16_385
    assert rows["gpt-4o"]["adequate"] and not rows["gpt-4o"]["overflows"]
    assert view["models"]["cheapest_adequate"] == "gpt-4o"
    assert main(["spend", "--workload", str(path), "--months", "1"]) == 0
    out = capsys.readouterr().out
    assert "16,385 ✗" in out and "cheapest that fits every request: gpt-4o" in out


NO_IMAGES = """
[workload]
name = "Text only"
requests_per_day = 1000
models = ["claude-haiku-4-5", "gpt-4o"]

[languages]
eng_Latn = 1.0

[request]
system_prompt = "You answer questions about our docs."
"""


def test_the_cheapest_adequate_finding_says_when_it_rests_on_an_estimate(tmp_path, capsys):
    path = tmp_path / "text.toml"
    path.write_text(NO_IMAGES, encoding="utf-8")
    assert main(["report", "--workload", str(path), "--months", "1", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    finding = next(item for item in view["findings"] if item["title"] == "Cheapest adequate model")
    assert view["models"]["cheapest_adequate"] == "claude-haiku-4-5"  # $1/$5 per M against gpt-4o's $2.50/$10
    assert finding["value"] == "claude-haiku-4-5 (estimate)"
    assert "rests on an estimate" in finding["detail"] and "≈o200k_base" in finding["detail"]
    html = render_html(view)
    assert "<td>estimate</td>" in html and "<td>≈o200k_base</td>" in html


def test_the_default_report_runs_when_an_open_model_family_is_not_installed(monkeypatch):
    """t-open's families (llama3, tekken, ...) come from optional packages; without them: labelled estimates."""
    import tokcost.accounting as accounting
    from tokcost.model_tokenizers import ModelTokenizer, tokenizer_for_model

    families = {"cerebras/llama-3.3-70b": "llama9", "mistral-small-2603": "tekken9"}  # no such encodings here

    def resolve(model):
        if model in families:
            return ModelTokenizer(model, families[model], True, "the family's own tokenizer")
        return tokenizer_for_model(model)

    monkeypatch.setattr(accounting, "tokenizer_for_model", resolve)
    accounting.counting_tokenizer.cache_clear()
    try:
        view = gather(months=1)
    finally:
        accounting.counting_tokenizer.cache_clear()
    rows = {row["model"]: row for row in view["models"]["rows"]}
    for model, family in families.items():
        assert rows[model]["counts"] == "estimate" and rows[model]["encoding"] == "≈o200k_base"
        assert family in rows[model]["tokenizer_basis"] and "tokcost[open-models]" in rows[model]["tokenizer_basis"]
    assert not set(families.values()) & set(view["languages"]["encodings"])
