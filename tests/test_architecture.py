"""The shape of the code, checked: imports point down, no circles, no overlong functions.

docs/ARCHITECTURE.md describes the layers; this test holds the code to them.
Function-level imports count too (an import inside a function still ties the
two modules together). The layer order itself is declared once, in
pyproject.toml's [tool.importlinter] section, and checked with import-linter.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp", reason="pip install import-linter (a test dependency)")

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
MAX_FUNCTION_LINES = 60
# A longer function says why on a comment line that starts with this.
LONG_FUNCTION_MARK = "# Long:"


@pytest.fixture(scope="module")
def graph():
    sys.path.insert(0, str(SRC))
    try:
        return grimp.build_graph("tokcost", include_external_packages=False, cache_dir=None)
    finally:
        sys.path.remove(str(SRC))


def _edges(graph) -> dict[str, set[str]]:
    """Module -> modules it imports. grimp counts ``from tokcost import _core, vocab``
    as an import of the package itself (it cannot see the compiled _core): an
    import that only names submodules is not one."""
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        targets = set(graph.find_modules_directly_imported_by(module))
        if "tokcost" in targets and module != "tokcost":
            details = graph.get_import_details(importer=module, imported="tokcost")
            if all(_names_only_submodules(graph, d["line_contents"]) for d in details):
                targets.discard("tokcost")
        edges[module] = targets
    return edges


def _names_only_submodules(graph, line: str) -> bool:
    """Whether an import line grimp charged to the package names only its submodules:
    ``from tokcost import a, b`` or ``import tokcost.a as a`` (``_core`` is compiled)."""
    line = line.split("#")[0].strip()
    if line.startswith("from tokcost import "):
        names = [name.strip() for name in line[len("from tokcost import "):].strip("() ").split(",")]
    elif line.startswith("import tokcost."):
        names = [line[len("import tokcost."):].split(" as ")[0].strip()]
    else:
        return False
    return all(name == "_core" or f"tokcost.{name}" in graph.modules for name in names)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles(graph):
    assert _cycles(_edges(graph)) == []


def test_the_cycle_finder_finds_a_planted_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_library_code_never_imports_the_cli(graph):
    edges = _edges(graph)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in edges.items()
        if not module.startswith(("tokcost.cli", "tokcost.__main__"))
        for target in targets
        if target == "tokcost.cli" or target.startswith("tokcost.cli.")
    )
    assert upward == []


def test_submodules_do_not_import_the_package_root(graph):
    """``import tokcost`` inside the library would tie every module to all of
    them; only the applications on top (the CLI and the benchmarks) use the
    public API as users do."""
    edges = _edges(graph)
    applications = ("tokcost.cli", "tokcost.bench", "tokcost.__main__")
    assert sorted(m for m, targets in edges.items() if "tokcost" in targets and not m.startswith(applications)) == []


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="pip install import-linter (a test dependency)")
def test_layers_point_down():
    proc = subprocess.run(["lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _long_functions(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            body = lines[node.lineno - 1 : node.end_lineno]
            if length > MAX_FUNCTION_LINES and not any(line.strip().startswith(LONG_FUNCTION_MARK) for line in body):
                out.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return out


def test_no_function_is_long_without_saying_why():
    long = [entry for path in sorted((SRC / "tokcost").rglob("*.py")) for entry in _long_functions(path)]
    assert long == []


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    (tmp_path / "long.py").write_text(f"def f():\n{body}\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_long_functions(tmp_path / "long.py")) == 1
        (tmp_path / "long.py").write_text(f"def f():\n    {LONG_FUNCTION_MARK} one table, read top to bottom\n{body}\n")
        assert _long_functions(tmp_path / "long.py") == []
    finally:
        ROOT = saved
