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
import re
import stat
from pathlib import PurePath
from typing import Iterable, Iterator, NamedTuple, Optional, Sequence, Union

from tokcost import _core

STDIN = "-"
_DIRECTORY = "directory"  # what _Finder.add_match says of a directory to walk
# Directories nobody wants counted unless named explicitly.
DEFAULT_IGNORE = (".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".venv", "node_modules")


class Source(NamedTuple):
    """One input file. A named tuple, not a frozen dataclass: a frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` per field, 8,000 instructions
    a file (callgrind), as much as the stat that found it."""

    path: str  # as the user will see it
    size: int = -1  # bytes on disk; -1 for stdin
    mtime: float = 0.0
    explicit: bool = False  # named on the command line, not found by walking a directory or glob


_new_tuple = tuple.__new__
# (mode, size, mtime) of a path, or the errno: os.lstat's stat_result built twenty objects, a
# third of the Python that listing a named file cost (callgrind).
_stat_path = _core.stat_path


class Discovery:
    __slots__ = ("sources", "ignored", "problems")

    def __init__(self):
        self.sources: list = []
        self.ignored = 0
        self.problems: list = []  # (path, reason) for inputs that do not exist or cannot be listed


class _Patterns:
    """Ignore patterns: shell globs matched against a name or a path relative to the walked directory.

    A pattern without ``*``, ``?`` or ``[`` matches only itself (``fnmatch.translate`` escapes
    every other character), so those are looked up in a set; the rest are compiled into one
    regular expression for names and one for relative paths. With the default patterns, all
    plain names, a file costs two set lookups instead of two matches (5,000 instructions).
    """

    def __init__(self, patterns: Sequence[str]):
        names = list(patterns) + [p.rstrip("/") for p in patterns if p.endswith("/")]
        self._names = frozenset(p for p in names if not _has_magic(p))
        self._rels = frozenset(p for p in patterns if not _has_magic(p))
        self._name = _any_of([p for p in names if _has_magic(p)])
        self._rel = _any_of([p for p in patterns if _has_magic(p)])

    def ignored(self, rel: str, name: str) -> bool:
        if name in self._names or rel in self._rels:
            return True
        return bool(self._name and self._name(name)) or bool(self._rel and self._rel(rel))


def _has_magic(pattern: str) -> bool:
    """glob.has_magic for a str: its pattern is any of these three characters."""
    return "*" in pattern or "?" in pattern or "[" in pattern


def _any_of(patterns: Sequence[str]):
    """A ``match`` that succeeds where ``fnmatch.fnmatchcase`` succeeds for any of ``patterns``."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _walk(root: str, patterns: _Patterns, found: Discovery, real_dirs: dict, opaque: set):
    """(directory, [DirEntry]) of the files under ``root``, sorted, ignored directories pruned.

    os.walk's order: a directory's files, then its subdirectories (symbolic
    links to directories are not followed). One scandir per directory: file
    types come with the listing, not from a stat per file. ``real_dirs`` (a
    directory's real path, see ``_Finder.real_dir``) learns each subdirectory's
    from its parent's: one that is not a link is its parent's plus its name.
    """
    def walk(directory: str, rel_dir: str):
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.problems.append((exc.filename or root, f"cannot list directory ({exc.strerror})"))
            return
        subdirs = []
        files = []
        for entry in entries:
            rel = entry.name if rel_dir == "." else f"{rel_dir}/{entry.name}"
            if patterns.ignored(rel, entry.name):
                found.ignored += 1
            elif _is_dir(entry):
                subdirs.append((entry, rel))
            else:
                files.append(entry)
        if files:
            yield directory, files
        real = None if directory in opaque else real_dirs.get(directory)
        for entry, rel in subdirs:
            if not entry.is_symlink():
                if real is not None:
                    real_dirs[entry.path] = _child(real, entry.name)
                yield from walk(entry.path, rel)

    yield from walk(root, ".")


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _child(directory: str, name: str) -> str:
    """os.path.join for a normalized directory, without the dot: ``.`` + ``a`` is ``a``."""
    if directory == ".":
        return name
    return directory + name if directory.endswith("/") else f"{directory}/{name}"


def _normalized(path: str) -> str:
    """``path`` as count's paths always read: "./a//b" -> "a/b" (PurePath's rules)."""
    if path and "//" not in path and "/." not in path and not path.startswith("./") and not path.endswith("/"):
        return path  # already normal; PurePath costs 5 us a file
    return str(PurePath(path))


class _Finder:
    """One discovery: what it found so far, and which resolved files it has seen."""

    def __init__(self, patterns: _Patterns):
        self.patterns = patterns
        self.found = Discovery()
        self.seen: set = set()
        self.real_dirs: dict = {}  # directory -> its real path, worked out once per directory
        self._opaque: set = set()  # directories whose subdirectories real_dir leaves to realpath
        self._real_heads: dict = {}  # "dir/" as a named path begins -> its real path, ending in "/"

    def real_dir(self, directory: str) -> str:
        """``os.path.realpath(directory)``, worked out once per directory, from its parent's.

        realpath costs an lstat per component of every directory it is given
        (5 per directory of the bench's corpus, more than the one stat per
        file). The real path of ``parent/name`` is the real path of ``parent``
        joined with ``name`` unless that is a link, so one lstat a directory
        settles it, and none for a directory the walk went into. realpath stops
        resolving at a symbolic link loop and takes ``..`` after it by the text,
        so a directory whose real path came through ``.`` or ``..`` and a loop
        is ``_opaque``: its subdirectories go to realpath whole.
        """
        real = self.real_dirs.get(directory)
        if real is not None:
            return real
        parent, name = os.path.split(directory)
        if not parent or not name or parent == directory:
            real = os.path.realpath(directory)  # the first component: nothing to build on
        else:
            real = self.real_dir(parent)
            if name in (".", "..") or parent in self._opaque:
                try:
                    real = os.path.realpath(directory, strict=True)
                except OSError:  # a loop (or a missing directory): realpath as it is, and so below it
                    real = os.path.realpath(directory)
                    self._opaque.add(directory)
            else:
                real = _child(real, name)
                try:
                    link = stat.S_ISLNK(os.lstat(real).st_mode)
                except OSError:
                    link = False  # missing, or reached through a loop: realpath keeps the name as it is
                if link:
                    real = os.path.realpath(real)
        self.real_dirs[directory] = real
        return real

    def add(self, path: str, key: str, size: int, mtime: float, explicit: bool = False) -> Optional[Source]:
        """Add a normalized path (see _normalized) unless ``key``, the file it resolves to, was added;
        the new Source, or None."""
        if key in self.seen:
            return None
        self.seen.add(key)
        source = _new_tuple(Source, (path, size, mtime, explicit))  # Source(...) without its __new__'s frame
        self.found.sources.append(source)
        return source

    def add_tree(self, directory: str) -> Iterator[Source]:
        self.real_dir(directory)
        for parent, entries in _walk(directory, self.patterns, self.found, self.real_dirs, self._opaque):
            normalized = _normalized(parent)
            real = None
            for entry in entries:
                if not _is_file(entry):
                    continue
                path = _child(normalized, entry.name)
                link = entry.is_symlink()
                if link:
                    key = os.path.realpath(path)
                else:  # a file that is not a link resolves to its resolved directory plus its name
                    if real is None:
                        real = self.real_dir(parent)
                    key = _child(real, entry.name)
                if key in self.seen:
                    continue
                st = _stat_path(entry.path, link)  # entry.stat(): the link's target, else the entry
                if type(st) is int:
                    self.seen.add(key)
                    self.found.problems.append((path, f"cannot stat ({os.strerror(st)})"))
                    continue
                yield self.add(path, key, st[1], st[2])

    def add_match(self, match: str, magic: bool) -> Union[Source, None, str]:
        """A path the user named, or one their glob matched: its Source if it is a file not
        seen before, ``DIRECTORY`` for a directory to walk, else None (a problem noted, or ignored)."""
        st = _stat_path(match)
        if type(st) is int:
            self.found.problems.append((match, "no such file or directory"))
            return None
        link = stat.S_ISLNK(st[0])
        if link:
            st = _stat_path(match, True)
            if type(st) is int:
                self.found.problems.append((match, "broken symbolic link"))
                return None
        if stat.S_ISDIR(st[0]):
            return _DIRECTORY
        if magic and self.patterns.ignored(match, os.path.basename(match)):
            self.found.ignored += 1
            return None
        path = _normalized(match)
        if link:
            key = os.path.realpath(path)
        else:
            cut = path.rfind("/") + 1
            head = path[:cut]
            real_head = self._real_heads.get(head)
            if real_head is None:
                real = self.real_dir(head.rstrip("/") or head or ".")  # os.path.dirname's rule
                real_head = self._real_heads[head] = real if real.endswith("/") else real + "/"
            key = real_head + path[cut:]
        return self.add(path, key, st[1], st[2], explicit=not magic)

    def sources(self, paths: Iterable[str]) -> Iterator[Source]:
        for raw in paths:
            raw = os.fspath(raw)
            if raw == STDIN:
                self.found.sources.append(Source(STDIN, explicit=True))
                yield self.found.sources[-1]
                continue
            # _has_magic written out: a call a named path cost more than the test
            magic = ("*" in raw or "?" in raw or "[" in raw) if type(raw) is str else glob.has_magic(raw)
            matches = sorted(glob.glob(raw, recursive=True)) if magic else (raw,)
            if not matches:
                self.found.problems.append((raw, "no file matches this pattern; check the path or quote the glob"))
            for match in matches:
                source = self.add_match(match, magic)
                if source is _DIRECTORY:
                    yield from self.add_tree(match)
                elif source is not None:
                    yield source


def discover(paths: Iterable[str], ignore: Sequence[str] = (), *, default_ignore: bool = True) -> Discovery:
    """Every file named by ``paths`` once, in the order given (directories sorted).

    Ignore patterns are shell globs matched against a file's or directory's name
    and its path relative to the directory being walked (``*.log``, ``build``,
    ``data/raw/*``). Missing inputs are recorded in ``problems``, not raised.
    Files are told apart by the real path they resolve to, so a file reached
    twice (named and found in a directory, or through a link) counts once.
    """
    found, sources = discover_lazily(paths, ignore, default_ignore=default_ignore)
    for _ in sources:
        pass
    return found


def discover_lazily(paths: Iterable[str], ignore: Sequence[str] = (), *,
                    default_ignore: bool = True) -> tuple[Discovery, Iterator[Source]]:
    """``discover`` as it goes: each Source as soon as it is found, so counting
    can start before the listing ends. The Discovery fills in as the iterator
    is consumed and is complete once it is exhausted."""
    finder = _Finder(_Patterns(list(ignore) + (list(DEFAULT_IGNORE) if default_ignore else [])))
    return finder.found, finder.sources(paths)


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
