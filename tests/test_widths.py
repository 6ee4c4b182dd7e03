"""No table of any command cuts a figure, at any terminal width from 80 up.

Each command runs twice: as a table under COLUMNS=width, and with --format json. Every money figure the
table shows must be a whole rendering (rounded, or abbreviated with K/M/B) of a number in the JSON of the
same run; every number must be whole (its thousands groups complete); every model of the JSON must appear
by its full name; no line may be wider than the terminal, and nothing is ellipsised.
"""

import io
import json
import re
from decimal import Decimal, InvalidOperation

import pytest

from tokcost.cli import main
from tokcost.report.fit import Col, fit_table, short_money

WIDTHS = (80, 100, 110, 120, 160)
MONEY = re.compile(r"(-?)\$([0-9][0-9,]*(?:\.[0-9]+)?)([KMB]?)(?![0-9,])")
NUMBER = re.compile(r"(?<![\w.,$/-])[0-9][0-9,]*[0-9](?![\w,])")
GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})*$")
UNITS = {"": 1, "K": 10 ** 3, "M": 10 ** 6, "B": 10 ** 9}


def _numbers(document) -> list:
    """Every number in a JSON document, numbers written as strings included."""
    found = []
    if isinstance(document, dict):
        for value in document.values():
            found += _numbers(value)
    elif isinstance(document, list):
        for value in document:
            found += _numbers(value)
    elif isinstance(document, bool) or document is None:
        pass
    elif isinstance(document, (int, float)):
        found.append(Decimal(str(document)))
    elif isinstance(document, str):
        try:
            found.append(Decimal(document))
        except InvalidOperation:
            pass
    return [value for value in found if value.is_finite()]


def _sums(document) -> list:
    """Sums of the JSON's number lists (a projection's total is the sum of its months)."""
    sums = []
    if isinstance(document, dict):
        for value in document.values():
            sums += _sums(value)
    elif isinstance(document, list):
        numbers = [n for item in document if not isinstance(item, (dict, list)) for n in _numbers(item)]
        if len(numbers) > 1 and len(numbers) == len(document):
            sums.append(sum(numbers))
        for value in document:
            sums += _sums(value)
    return sums


def cut_figures(text: str, document) -> list:
    """The money figures and numbers of ``text`` that are not whole renderings of a number in ``document``."""
    known = _numbers(document) + _sums(document)
    quoted = json.dumps(document, ensure_ascii=False)  # figures inside the JSON's own text (sources, notes)
    bad = []
    for match in MONEY.finditer(text):
        if re.search(re.escape(match.group(0)) + r"(?![0-9,])", quoted):
            continue
        sign, digits, unit = match.groups()
        whole = digits.split(".")[0]
        if not GROUPED.match(whole):
            bad.append(match.group(0))
            continue
        shown = Decimal(digits.replace(",", "")) * UNITS[unit] * (-1 if sign else 1)
        places = len(digits.split(".")[1]) if "." in digits else 0
        step = Decimal(10) ** -places * UNITS[unit]
        if not any(abs(value - shown) <= step / 2 + Decimal("1e-9") for value in known):
            bad.append(match.group(0))
    bad += [match.group(0) for match in NUMBER.finditer(text) if "," in match.group(0)
            and not GROUPED.match(match.group(0))]
    return bad


def _run(capsys, monkeypatch, width, argv):
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(argv) == 0
    return capsys.readouterr().out


def _check(text: str, width: int, document, models=()) -> None:
    assert "…" not in text and "..." not in text
    wide = [line for line in text.splitlines() if len(line.rstrip()) > width]
    assert not wide, f"lines wider than {width}: {wide[:3]}"
    assert cut_figures(text, document) == []
    for model in models:
        assert re.search(rf"(?<![\w.-]){re.escape(model)}(?![\w.-])", text), f"{model} is not whole in the table"


def test_the_checker_finds_a_cut_figure():
    document = {"total": "4172.42", "month": [1.5, 2.5]}
    assert cut_figures("total $4,172  months $1.50 $4.17K $4 sum", document) == []
    assert cut_figures("total $4,17", document) == ["$4,17"]
    assert cut_figures("total $4,1", document) == ["$4,1"]
    assert cut_figures("total $9,172", document) == ["$9,172"]
    assert cut_figures("tokens 1,58 of 1,587", {"tokens": 1587}) == ["1,58"]


@pytest.fixture(scope="module")
def report_json():
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        assert main(["report", "--format", "json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("width", WIDTHS)
def test_default_report(width, report_json, capsys, monkeypatch):
    text = _run(capsys, monkeypatch, width, [])
    _check(text, width, report_json, [row["model"] for row in report_json["models"]["rows"]])
    for series in report_json["projection"]["series"]:  # every horizon total is shown
        line = next(line for line in text.split("Projection:", 1)[1].splitlines()
                    if line.strip().startswith(series["model"] + " "))
        assert MONEY.findall(line)[-1]


SPEND = ["spend", "-m", "gpt-4o-mini", "-m", "gpt-4o", "-m", "gpt-4.1-nano", "-m", "gpt-3.5-turbo-0125",
         "--at", "2026-11-25"]
ONE_LINER = ["spend", "-m", "gpt-4o-mini", "-m", "gpt-4.1-nano", "--input-tokens", "1234567890",
             "--output-tokens", "98765432", "--at", "2026-11-25"]


@pytest.mark.parametrize("argv", [SPEND, ONE_LINER, ["models", "--provider", "openai"],
                                  ["models", "-m", "gpt-4o", "--history"],
                                  ["languages", "-e", "o200k_base", "-l", "hin_Deva", "-l", "tam_Taml", "-m",
                                   "gpt-4o-mini"],
                                  ["languages", "-l", "kor_Hang", "-l", "hin_Deva"]],
                         ids=["spend", "one-liner", "models", "models-history", "languages", "languages-one"])
@pytest.mark.parametrize("width", WIDTHS)
def test_commands(argv, width, capsys, monkeypatch):
    document = json.loads(_run(capsys, monkeypatch, width, argv + ["--format", "json"]))
    text = _run(capsys, monkeypatch, width, argv)
    models = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-m"]
    _check(text, width, document, models)


@pytest.mark.parametrize("width", WIDTHS)
def test_count(width, capsys, monkeypatch, tmp_path):
    for i in range(3):
        (tmp_path / f"file_{i}_with_a_rather_long_name_to_wrap_{'x' * 40}.txt").write_text("word " * 5000 * (i + 1))
    document = json.loads(_run(capsys, monkeypatch, width, ["count", str(tmp_path), "--format", "json"]))
    text = _run(capsys, monkeypatch, width, ["count", str(tmp_path)])
    _check(text, width, document)
    assert f"{document['total_tokens']:,}" in text


# ------------------------------------------------------------------------- the layout itself


def _render(width, columns, rows, **options):
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False)
    table, notes = fit_table(console, columns, rows, **options)
    console.print(table)
    return out.getvalue(), notes


ROWS = [["gpt-4.1-nano", "$277.68", "$4,172.42", "2025-04-14 tokcost correction", ""],
        ["gpt-3.5-turbo-0125", "$1,603.34", "$101,248.57", "2024-01-25 tokcost correction",
         "no image token rule for this model: images not priced"]]
COLUMNS = [Col("model"), Col("month 1", "right", drop=1), Col("total", "right"),
           Col("price snapshot", wrap=True, footnote=True), Col("notes", wrap=True)]


def test_a_wide_table_is_whole():
    text, notes = _render(160, COLUMNS, ROWS)
    assert notes == [] and "$101,248.57" in text and "2025-04-14 tokcost correction" in text


def test_text_wraps_then_footnotes_then_columns_leave_then_money_shortens_then_rows_fold():
    document = {"figures": ["277.68", "4172.42", "1603.34", "101248.57"]}
    seen = []
    for width in range(120, 19, -4):
        text, notes = _render(width, COLUMNS, ROWS)
        assert "…" not in text and max(len(line.rstrip()) for line in text.splitlines()) <= width
        assert cut_figures(text, document) == []
        for model in ("gpt-4.1-nano", "gpt-3.5-turbo-0125"):
            assert model in text
        seen.append(" | ".join(notes))
    assert seen[0] == ""  # 120 columns: the whole table
    steps = ["[1] 2025-04-14 tokcost correction", "left out to fit", "money abbreviated to fit"]
    first = [next(i for i, notes in enumerate(seen) if step in notes) for step in steps]
    assert first == sorted(first), "footnotes, then dropped columns, then short money, as narrowing goes"
    text, _ = _render(20, COLUMNS, ROWS)
    assert "total $101K" in text and "price snapshot [2]" in text  # at last each row is a record of header-value pairs


@pytest.mark.parametrize("cell", ["12,345", "src/tokcost/cli/count.py", "路径/文件.py", "🙂 emoji", "C:\\dir\\a.txt",
                                  ":smile:", "notes :thumbs_up: done", "a:b", "[bold]x[/bold]", "\\[not markup]", "",
                                  "[link=https://x.org]x[/link]", "(60 other files; --all lists every file)"])
def test_measured_width_is_rich_s_after_markup_and_emoji(cell):
    # A cell is measured without parsing it only when it has no markup or emoji code to read: rich's own
    # reading of it must give the same width (an emoji code such as :smile: takes 2 columns, not 7).
    from rich.text import Text

    from tokcost.report.fit import _cell_width

    assert _cell_width(cell) == Text.from_markup(cell).cell_len


def test_short_money():
    assert [short_money(m) for m in ("$4,172", "$101,249", "$1,234,567.89", "$999", "-$12,000", "4,172")] == \
        ["$4.17K", "$101K", "$1.23M", "$999", "-$12.0K", "4,172"]


VENDORS = ["report", "-m", "claude-3-5-haiku", "-m", "gemini-2.0-flash", "-m", "gpt-4o-mini", "-m",
           "mistral-large-latest", "-m", "deepseek-chat", "-m", "claude-sonnet-4-5", "-m", "gemini-2.5-flash-lite",
           "--months", "24"]


@pytest.fixture(scope="module")
def vendors_json():
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(VENDORS + ["--format", "json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("width", WIDTHS)
def test_report_across_vendors(width, vendors_json, capsys, monkeypatch):
    """Long model names and six-figure totals (the case of issue #17: '$4,17' at 110 columns)."""
    text = _run(capsys, monkeypatch, width, VENDORS)
    _check(text, width, vendors_json, [row["model"] for row in vendors_json["models"]["rows"]])


@pytest.fixture(scope="module")
def bench_document():
    """A benchmark document shaped like ``tokcost bench --format json`` (a real run takes a minute)."""
    names = ["tiktoken", "tokcost", "gigatoken", "toktok-rs", "quicktok-v1", "wordchipper", "bpe-openai",
             "hf-tokenizers"]
    results = []
    for w, workload in enumerate(["english", "code", "cjk", "hindi-tamil", "flores-mix-56-languages"]):
        for section, op, threads in (("encode", "encode_ordinary", 1), ("batch", "encode_batch", 2)):
            for n, name in enumerate(names):
                mb_s = 12.5 * (n + 1) * (w + 1) + 1234.5 * (n == 1)
                results.append({"section": section, "workload": workload, "op": op, "mode": "warm",
                                "threads": threads, "bytes": 1_234_567 * (w + 1), "contender": name, "mb_s": mb_s,
                                "x_tiktoken": mb_s / (12.5 * (w + 1)), "seconds": 0.0123, "runs": 3,
                                "exact": True, "fresh": True, "skipped": False})
    return {"encoding": "o200k_base", "versions": {name: f"0.{n}.{n + 1}" for n, name in enumerate(names)},
            "machine": {"date": "2026-12-03", "cpu": "test cpu", "cpu_count": 2, "python": "3.11.7",
                        "loadavg": 1.0, "loadavg_after": 1.0},
            "contenders": {name: {"exact": True} for name in names}, "missing": {}, "plan": {"runs": 3},
            "results": results,
            "load": [{"contender": name, "version": f"0.{n}.{n + 1}", "load_s": 0.25 * (n + 1),
                      "load_x_tiktoken": n + 1.0, "rss_mib": 12_345.6 + n, "rss_vs_tiktoken": 1.5, "runs": 3}
                     for n, name in enumerate(names)]}


@pytest.mark.parametrize("width", WIDTHS)
def test_bench_tables(width, bench_document, capsys, monkeypatch):
    """The tables of one benchmark run (rendered from its JSON, so both hold the same figures)."""
    from tokcost.cli.bench import _print_tables

    monkeypatch.setenv("COLUMNS", str(width))
    _print_tables(bench_document)
    text = capsys.readouterr().out
    tables = text.split("\n", 3)[3]  # the three heading lines are prose, wrapped by the terminal
    _check(tables, width, bench_document, list(bench_document["versions"]))
