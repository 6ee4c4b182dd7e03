"""What a fresh process imports: the encoder path stays light, the CLI imports one command.

A script that does ``import tokcost; tokcost.get_encoding(...).encode(...)`` once
pays for every module it pulls in (``dataclasses`` with ``inspect`` was a fifth of
``import tokcost``; the analyses bring pydantic, rich, decimal). Each check runs
in a new interpreter started with ``-S`` (no site-packages: the encoder path needs
none, and a site hook that imports modules itself would hide an eager import),
and fails naming the module and the chain that imported it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tokcost

# The folder holding the tokcost under test: src/ in a checkout, site-packages once installed
# (-S leaves site-packages off sys.path, so the probe is pointed at it by name).
PACKAGE_ROOT = str(Path(tokcost.__file__).resolve().parents[1])

# Never needed to load an encoding and encode: each of these is a lazy import somewhere.
HEAVY_FOR_ENCODING = [
    "dataclasses", "inspect", "tempfile", "shutil", "difflib", "decimal", "json", "csv", "argparse", "logging",
    "concurrent.futures", "asyncio", "subprocess", "tomllib", "gzip", "hashlib", "base64", "numpy", "regex",
    "pydantic", "rich", "jinja2", "genai_prices", "typing", "tokcost._unstable",
    "tokcost.cli", "tokcost.prices", "tokcost.report", "tokcost.accounting", "tokcost.corpus", "tokcost.analysis",
    "tokcost.spend", "tokcost.usage", "tokcost.bench", "tokcost.context", "tokcost.tiktoken_patch",
    "tokcost.model_tokenizers", "tokcost.formatting", "tokcost.file_schema",
]

_PROBE = """
import json, sys
before = set(sys.modules)
{code}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def imported_by(code: str, site: bool = False) -> set:
    """The modules that ``code`` imports in a fresh interpreter."""
    argv = [sys.executable, "-c", _PROBE.format(code=code)] if site else [sys.executable, "-S", "-c",
                                                                          _PROBE.format(code=code)]
    env = {"PYTHONPATH": PACKAGE_ROOT, "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    if "TOKCOST_CACHE_DIR" in os.environ:  # the session's table cache (conftest), not the user's
        env["TOKCOST_CACHE_DIR"] = os.environ["TOKCOST_CACHE_DIR"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=env)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy(modules: set, names: list) -> list:
    return sorted(m for m in modules for name in names if m == name or m.startswith(name + "."))


@pytest.mark.parametrize("code", [
    "import tokcost",
    "import tokcost; tokcost.get_encoding('o200k_base').encode('hello world')",
    "import tokcost; e = tokcost.encoding_for_model('gpt-4o'); e.encode_ordinary_batch(['a', 'b']); e.count('c')",
    "import tokcost; e = tokcost.get_encoding('cl100k_base'); e.decode(e.encode('hi <|endoftext|>', "
    "allowed_special='all'))",
])
def test_the_encoder_path_imports_nothing_heavy(code):
    # Once the tables are cached, as after a process's first load ever: building and writing them
    # the first time takes tempfile and hashlib (a fresh CI's cl100k_base failed so, in rounds 14
    # and 15, when no test before had cached its tables yet).
    imported_by(code)
    assert heavy(imported_by(code), HEAVY_FOR_ENCODING) == []


def test_the_probe_sees_an_eager_import():
    """The check can fail: the analyses, called, bring what the encoder path must not."""
    found = heavy(imported_by("import tokcost; tokcost.estimate_cost('gpt-4o', input_tokens=1)", site=True), HEAVY_FOR_ENCODING)
    assert "tokcost.prices" in found and "decimal" in found


def test_top_level_help_imports_no_command():
    modules = imported_by("from tokcost.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
                          site=True)
    assert heavy(modules, ["pydantic", "rich", "jinja2", "decimal", "tokcost.prices", "tokcost.report",
                           "tokcost.corpus", "tokcost.bench", "tokcost.usage", "tokcost.cli.count"]) == []


def test_a_command_imports_only_its_own_module():
    modules = imported_by("from tokcost.cli import main\nmain(['count', '-', '--format', 'json'])", site=True)
    assert "tokcost.cli.count" in modules
    assert sorted(m for m in modules if m.startswith("tokcost.cli.")) == ["tokcost.cli.common", "tokcost.cli.count"]


def test_the_help_table_matches_each_command():
    """tokcost.cli.COMMANDS' one-line help is what each command registers for itself."""
    import argparse

    from tokcost.cli import COMMANDS, command_module

    for name, summary in COMMANDS.items():
        subparsers = argparse.ArgumentParser().add_subparsers()
        command_module(name).register(subparsers)
        (action,) = subparsers._choices_actions
        assert (action.dest, action.help) == (name, summary)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_count_as_data_imports_no_rendering(fmt, tmp_path):
    """``tokcost count --format json|csv`` prints data: rich and the report modules are for tables."""
    sample = tmp_path / "sample.txt"
    sample.write_text("hello world\n")
    render = ["rich", "tokcost.report", "jinja2", "pydantic"]

    def count_imports(form):
        return imported_by(f"from tokcost.cli import main\nmain(['count', {str(sample)!r}, '--format', {form!r}])",
                           site=True)

    assert heavy(count_imports(fmt), render) == []
    assert "rich" in heavy(count_imports("table"), render)  # the check can fail: a table needs rich



def test_counting_a_folder_imports_no_dataclasses(tmp_path):
    """What ``tokcost count DIR`` imports to count runs on the calling thread before any file is
    counted: ``dataclasses`` (with inspect, ast, dis) and each ``@dataclass`` compiling its
    methods were about 50 M instructions of it; json and csv are for other formats and files."""
    for name in ("a.txt", "b.py"):
        (tmp_path / name).write_text("hello world\n")
    modules = imported_by(f"import tokcost.cli.count, tokcost.corpus\n"
                          f"tokcost.corpus.count_corpus([{str(tmp_path)!r}], jobs=2)", site=True)
    assert "tokcost.corpus.local" in modules  # the probe ran the threaded corpus path
    assert heavy(modules, ["dataclasses", "inspect", "json", "csv", "concurrent.futures", "logging"]) == []


def test_counting_a_folder_as_a_table_imports_no_catalog_or_report(tmp_path):
    """``tokcost count DIR`` (a table, two jobs) needs the encoder, the corpus modules, rich and
    ``report.fit``, nothing else: where no bytecode is cached each module more is compiled on every
    run, most of it on the calling thread before the first file is counted (about 1 M instructions
    per KB of source). The price catalog (pydantic, genai-prices), the report's Jinja2, the chat
    accounting and concurrent.futures with logging are for other commands and options."""
    for name in ("a.txt", "b.py", "c.md"):
        (tmp_path / name).write_text("hello world\n" * 20)
    modules = imported_by(f"from tokcost.cli import main\nmain(['count', {str(tmp_path)!r}, '--jobs', '2'])",
                          site=True)
    assert {"tokcost.corpus.local", "tokcost.report.fit", "rich"} <= modules  # the threaded path and a table
    assert heavy(modules, ["pydantic", "genai_prices", "jinja2", "tokcost.prices", "tokcost.accounting",
                           "tokcost.context", "tokcost.model_tokenizers", "tokcost.corpus.chat",
                           "tokcost.corpus.aggregate", "tokcost.cli.budget", "concurrent.futures", "logging",
                           "json", "csv", "numpy", "regex"]) == []
