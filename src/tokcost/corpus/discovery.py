"""Which files a run covers: paths, directories (recursive), globs, ignore patterns.

Binary files are found later, by whoever reads the first bytes (a worker, on
Dask), so discovery only lists and stats.

>>> [s.path for s in discover(["src/tokcost/corpus"], ignore=["*.pyc", "__pycache__"])][:1]
['src/tokcost/corpus/__init__.py']
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Iterable, Optional, Sequence

STDIN = "-"
# Directories nobody wants counted unless named explicitly.
DEFAULT_IGNORE = (".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".venv", "node_modules")


@dataclass(frozen=True)
class Source:
    path: str  # as the user will see it
    size: int = -1  # bytes on disk; -1 for stdin
    mtime: float = 0.0
    explicit: bool = False  # named on the command line, not found by walking a directory or glob


@dataclass
class Discovery:
    sources: list = field(default_factory=list)
    ignored: int = 0
    problems: list = field(default_factory=list)  # (path, reason) for inputs that do not exist or cannot be listed


def _ignored(rel: str, name: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(rel, pattern):
            return True
        if pattern.endswith("/") and fnmatch.fnmatchcase(name, pattern.rstrip("/")):
            return True
    return False


def _walk(root: str, patterns: Sequence[str], found: Discovery):
    """Files under ``root`` in sorted order, pruning ignored directories."""
    def onerror(exc: OSError) -> None:
        found.problems.append((exc.filename or root, f"cannot list directory ({exc.strerror})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        rel_dir = os.path.relpath(dirpath, root)
        kept = []
        for d in sorted(dirnames):
            rel = d if rel_dir == "." else f"{rel_dir}/{d}"
            if _ignored(rel, d, patterns):
                found.ignored += 1
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if _ignored(rel, name, patterns):
                found.ignored += 1
                continue
            yield os.path.join(dirpath, name)


def discover(paths: Iterable[str], ignore: Sequence[str] = (), *, default_ignore: bool = True) -> Discovery:
    """Every file named by ``paths`` once, in the order given (directories sorted).

    Ignore patterns are shell globs matched against a file's or directory's name
    and its path relative to the directory being walked (``*.log``, ``build``,
    ``data/raw/*``). Missing inputs are recorded in ``problems``, not raised.
    """
    patterns = list(ignore) + (list(DEFAULT_IGNORE) if default_ignore else [])
    found = Discovery()
    seen = set()

    def add(path: str, explicit: bool = False) -> None:
        path = str(PurePath(path))  # "./a//b" -> "a/b", as count's paths always read
        key = os.path.realpath(path)
        if key in seen:
            return
        seen.add(key)
        try:
            st = os.stat(path)
        except OSError as exc:
            found.problems.append((path, f"cannot stat ({exc.strerror})"))
            return
        found.sources.append(Source(path, st.st_size, st.st_mtime, explicit))

    for raw in paths:
        raw = os.fspath(raw)
        if raw == STDIN:
            found.sources.append(Source(STDIN, explicit=True))
            continue
        matches = sorted(glob.glob(raw, recursive=True)) if glob.has_magic(raw) else [raw]
        if not matches:
            found.problems.append((raw, "no file matches this pattern; check the path or quote the glob"))
        for match in matches:
            if os.path.isdir(match):
                for path in _walk(match, patterns, found):
                    if os.path.isfile(path):
                        add(path)
            elif os.path.exists(match):
                name = os.path.basename(match)
                if glob.has_magic(raw) and _ignored(match, name, patterns):
                    found.ignored += 1
                else:
                    add(match, explicit=not glob.has_magic(raw))
            elif os.path.islink(match):
                found.problems.append((match, "broken symbolic link"))
            else:
                found.problems.append((match, "no such file or directory"))
    return found


def file_type(path: str) -> str:
    """The type a file is grouped under: its extension, seen through compression (``a.jsonl.gz`` -> ``.jsonl``)."""
    if path == STDIN:
        return "(stdin)"
    name = os.path.basename(path).lower()
    for suffix in (".gz", ".zst"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    ext = os.path.splitext(name)[1]
    return ext or "(none)"


def directory_of(path: Optional[str]) -> str:
    if not path or path == STDIN:
        return "(stdin)"
    return os.path.dirname(path) or "."
