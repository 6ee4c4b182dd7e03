"""The system corpora of ``tokcost bench --suite system``: catalogs, man pages, absent corpora, cutting,
and the command on tiny fixture corpora. Expected text is written by hand; nothing is timed."""

from __future__ import annotations

import contextlib
import gettext
import gzip
import io
import json
import struct
from pathlib import Path

import pytest

from tokcost import bench
from tokcost.bench import system_corpora as sc
from tokcost.bench.system import SystemPlan, cut, geometric_means, present_corpora
from tokcost.cli import main

UTF8_HEADER = b"Content-Type: text/plain; charset=UTF-8\n"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Corpora built here are cached in the test's own directory, not the shared temp dir."""
    monkeypatch.setattr(sc, "CACHE_DIR", tmp_path / "cache")


def test_built_units_are_cached_under_a_key_of_what_they_depend_on():
    assert sc.cached_units(("k", 1), lambda: ["a", "b c"]) == ["a", "b c"]
    assert sc.cached_units(("k", 1), lambda: pytest.fail("built again")) == ["a", "b c"]
    assert sc.cached_units(("k", 2), lambda: ["other"]) == ["other"]
    assert sc.cached_units(("k", 3), lambda: []) == [] == sc.cached_units(("k", 3), lambda: ["never"])


def write_mo(path: Path, entries: list, order: str = "<") -> Path:
    """A compiled catalog, laid out as GNU msgfmt does: header, two offset tables, then the strings."""
    entries = sorted(entries)
    n = len(entries)
    originals_at, translations_at = 28, 28 + 8 * n
    data_at = translations_at + 8 * n
    blob, tables = b"", {0: [], 1: []}
    for side in (0, 1):
        for entry in entries:
            tables[side].append((len(entry[side]), data_at + len(blob)))
            blob += entry[side] + b"\0"
    head = struct.pack(order + "7I", 0x950412DE, 0, n, originals_at, translations_at, 0, 0)
    body = b"".join(struct.pack(order + "2I", *pair) for side in (0, 1) for pair in tables[side])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + body + blob)
    return path


@pytest.mark.parametrize("order", ["<", ">"])
def test_read_mo_gives_translations_in_msgid_order_with_plural_forms_split(tmp_path, order):
    path = write_mo(tmp_path / "a.mo", [
        (b"", UTF8_HEADER),
        (b"Open", "เปิด".encode()),
        (b"file\0files", "ไฟล์ %d\0ไฟล์ %d รายการ".encode()),
        (b"blank", b"   "),
    ], order)
    assert sc.read_mo(path) == ["เปิด", "ไฟล์ %d", "ไฟล์ %d รายการ"]


def test_read_mo_decodes_with_the_header_charset_and_rejects_other_files(tmp_path):
    path = write_mo(tmp_path / "latin.mo", [(b"", b"Content-Type: text/plain; charset=ISO-8859-1\n"),
                                            (b"coffee", b"caf\xe9 cr\xe8me")])
    assert sc.read_mo(path) == ["café crème"]
    (tmp_path / "bad.mo").write_bytes(b"\x00" * 40)
    with pytest.raises(ValueError, match="bad magic"):
        sc.read_mo(tmp_path / "bad.mo")


def test_read_mo_agrees_with_pythons_gettext_on_a_catalog_of_this_machine():
    catalogs = sc.catalog_files(sc.LOCALE_DIR, "ja")[:3]
    if not catalogs:
        pytest.skip("no Japanese catalogs on this machine")
    for path in catalogs:
        with open(path, "rb") as f:
            expected = [v for k, v in gettext.GNUTranslations(f)._catalog.items() if k != "" and v.strip()]
        assert sorted(sc.read_mo(path)) == sorted(expected)


PAGE = r""".\" a comment
.de XX
.ft B
..
.TH FOO 1 "2026" "foo 1.0" "User Commands"
.SH NAME
foo \- frob the \fBwidgets\fR
.SH DESCRIPTION
.B foo
reads
.IR file s
and writes \(lqdone\(rq\(em quickly.
.PP
Second paragraph, \*(lqquoted\*(rq with \e backslash.
.TP
\fB\-v\fR, \fB\-\-verbose\fR
say more
.nf
    x = 1
    y = 2
.fi
.TS
tab(;);
l l.
Name;Value
_
alpha;1
.TE
.Sh SEE ALSO
.Xr bar 1 ,
.Nm baz
"""

PAGE_TEXT = """NAME
foo - frob the widgets
DESCRIPTION
foo reads files and writes \u201cdone\u201d\u2014 quickly.
Second paragraph, \u201cquoted\u201d with \\ backslash.
-v, --verbose say more
    x = 1
    y = 2
Name Value
alpha 1
SEE ALSO
bar 1 , baz
"""


def test_strip_troff_fills_paragraphs_and_keeps_examples_headings_and_tables():
    assert sc.strip_troff(PAGE) == PAGE_TEXT


@pytest.fixture
def man_dir(tmp_path) -> Path:
    root = tmp_path / "man"
    (root / "man1").mkdir(parents=True)
    (root / "man7").mkdir()
    (root / "de" / "man1").mkdir(parents=True)
    (root / "man1" / "foo.1.gz").write_bytes(gzip.compress(PAGE.encode()))
    (root / "man1" / "copy.1.gz").write_bytes(gzip.compress(PAGE.encode()))  # the same page again
    (root / "man1" / "link.1.gz").write_bytes(gzip.compress(b".so man1/foo.1\n"))
    (root / "man7" / "intro.7").write_text(".SH NAME\nintro \\- plain text\n", encoding="utf-8")
    (root / "de" / "man1" / "foo.1").write_text(".SH NAME\nfoo \\- auf Deutsch\n", encoding="utf-8")
    return root


def test_man_units_read_english_pages_once_sections_in_turn(man_dir):
    # man1/copy, man7/intro, then man1/foo (the same page as copy: skipped), man1/link (a redirect).
    assert sc.man_units(man_dir, 10_000) == PAGE_TEXT.splitlines() + ["NAME", "intro - plain text"]
    assert sc.man_units(man_dir, 10) == PAGE_TEXT.splitlines()  # stops once the budget is read


@pytest.fixture
def locale_dir(tmp_path) -> Path:
    root = tmp_path / "locale"
    thai = [f"ข้อความที่ {i}".encode() for i in range(10)]
    write_mo(root / "th" / "LC_MESSAGES" / "a.mo",
             [(b"", UTF8_HEADER)] + [(f"msg {i:02d}".encode(), t) for i, t in enumerate(thai)])
    write_mo(root / "th" / "LC_MESSAGES" / "b.mo", [(b"", UTF8_HEADER), (b"again", thai[0])])  # a duplicate
    write_mo(root / "xx" / "LC_MESSAGES" / "c.mo", [(b"", UTF8_HEADER), (b"a", b"alpha"), (b"b", b"beta")])
    return root


def test_a_language_keeps_its_first_strings_and_the_mix_gets_the_rest_and_other_languages(locale_dir):
    thai = [f"ข้อความที่ {i}" for i in range(10)]
    assert sc.catalog_units(locale_dir, "th") == thai
    corpora = {c.name: c for c in sc.system_corpora(locale_dir.parent / "no-man", locale_dir)}
    assert corpora["thai"].units(1000) == thai[:8]
    assert corpora["mixed"].units(1000) == [thai[8], "alpha", thai[9], "beta"]


def test_absent_corpora_are_named_with_the_reason_and_left_out(tmp_path, locale_dir):
    plan = SystemPlan(man_dir=tmp_path / "no-man", locale_dir=locale_dir)
    found, absent = present_corpora(plan)
    assert [c.corpus.name for c in found] == ["code", "thai", "mixed"]
    assert set(absent) == {"english", "chinese", "japanese", "korean", "russian", "arabic", "hindi"}
    assert "no man pages" in absent["english"] and "zh_CN" in absent["chinese"]


def test_cut_gives_disjoint_pieces_in_order_scaled_down_when_the_corpus_is_short():
    units = [f"line {i:04d} " + "x" * 89 for i in range(400)]  # 100 bytes each, with the newline
    plan = SystemPlan(runs=3, bulk_bytes=2_000, doc_bytes=300, docs_per_run=4)
    p = cut(units, plan, bulk=True)
    assert p.scale == 1.0 and len(p.repeated) == 2_000 and p.warm == p.repeated
    pieces = [p.repeated, *p.fresh, *("".join(d) for d in p.docs + p.batch)]
    assert "".join(pieces) == "".join(u + "\n" for u in units[:len("".join(pieces)) // 100])  # in order, no gap
    assert [len(f) for f in p.fresh] == [2_000] * 3
    assert all(len(d) == 4 and all(len(doc) == 300 for doc in d) for d in p.docs + p.batch)
    short = cut(units[:100], plan, bulk=True)  # 10 KB for 2 KB repeated and 3 x (2 KB + 2 x 1.2 KB) fresh
    assert short.scale < 1 and len(short.repeated) == 2_000
    assert all(len(f) < 2_000 for f in short.fresh) and len(short.warm) == len(short.fresh[0])


def test_geometric_means_of_exact_ratios():
    rows = [{"section": "fresh", "contender": "peer", "x_tiktoken": x, "exact": exact, "skipped": ""}
            for x, exact in ((2.0, True), (8.0, True), (100.0, False))]
    assert geometric_means(rows) == {"fresh": {"peer": {"x_tiktoken": 4.0, "corpora": 2}}}


@pytest.fixture
def tiny_plan(monkeypatch, man_dir, locale_dir):
    def quick(cls, **kw):
        return cls(runs=3, bulk_bytes=1_500, language_bytes=200, doc_bytes=100, docs_per_run=2,
                   warm_target_s=0.001, man_dir=man_dir, locale_dir=locale_dir)

    monkeypatch.setattr(bench.SystemPlan, "quick", classmethod(quick))


def test_cli_system_suite_on_fixture_corpora(tiny_plan, capsys):
    argv = ["bench", "--suite", "system", "--quick", "--contenders", "tokcost,tiktoken", "--clock", "cpu"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv + ["--format", "json"]) == 0
    doc = json.loads(out.getvalue())
    assert doc["suite"] == "system" and {"date", "cpu", "loadavg"} <= set(doc["machine"])
    assert doc["plan"]["clock"] == "cpu"
    assert [c["name"] for c in doc["corpora"]] == ["english", "code", "thai", "mixed"]
    assert set(doc["absent"]) == {"chinese", "japanese", "korean", "russian", "arabic", "hindi"}
    keys = {(r["section"], r["workload"], r["contender"]) for r in doc["results"]}
    assert keys == {(s, c, n) for s in bench.SYSTEM_SECTIONS for c in ("english", "code", "thai", "mixed")
                    for n in ("tokcost", "tiktoken")}
    for row in doc["results"]:
        assert row["exact"] is True and row["runs"] == 3 and row["mb_s"] > 0, row
        assert row["threads"] == (2 if row["section"] == "batch" else 1)
    assert set(doc["geomean"]) == set(bench.SYSTEM_SECTIONS)
    assert all(doc["geomean"][s]["tiktoken"] == {"x_tiktoken": 1.0, "corpora": 4} for s in bench.SYSTEM_SECTIONS)
    from tokcost.cli.bench import _print_system_tables

    _print_system_tables(doc)
    table = capsys.readouterr().out
    assert "Repeated text" in table and "geometric mean" in table and "thai" in table
    assert "chinese skipped: no gettext catalogs" in table


def test_cli_system_suite_bad_arguments(capsys, tmp_path):
    assert main(["bench", "--suite", "system", "--only", "repeated,speed"]) == 2
    assert "unknown section speed" in capsys.readouterr().err
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    assert main(["bench", "--suite", "system", str(tmp_path / "a.txt")]) == 2
    assert "--suite system reads this machine's corpora" in capsys.readouterr().err


def test_code_units_leave_out_tests_and_installed_packages(tmp_path):
    for rel, text in {"a.py": "import os\n", "b.txt": "not code\n", "pkg/c.py": "x = 1\ny = 2\n",
                      "test/t.py": "assert 0\n", "site-packages/p.py": "import requests\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert sc.code_units(tmp_path, 1_000) == ["import os", "x = 1", "y = 2"]
    assert sc.code_units(tmp_path, 5) == ["import os"]


def test_the_cpu_clock_times_one_thread_tasks_and_leaves_batches_on_the_wall_clock():
    import time

    from tokcost.bench.measure import Task, task_clock

    one = Task("fresh", "x", "encode", "cold", lambda r: "", len)
    two = Task("batch", "x", "encode_batch", "cold", lambda r: [], len, threads=2)
    assert task_clock(SystemPlan(clock="cpu"), one) is time.process_time
    assert task_clock(SystemPlan(clock="cpu"), two) is time.perf_counter
    assert task_clock(SystemPlan(), one) is time.perf_counter
