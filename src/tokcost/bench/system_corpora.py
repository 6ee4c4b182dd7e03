"""Text none of us wrote, read from this machine: man pages, the CPython stdlib, gettext catalogs.

Issue #15 measured the peers on these. Each corpus is a list of *units* (a line
of a man page or of code, one translated string of a catalog) in a fixed order,
so the same machine always yields the same text; ``system.py`` cuts the units
into the repeated text, fresh chunks and ~1 KB documents. A corpus absent here
(no man pages, no catalogs of a language) is skipped with a note, never fetched.

>>> strip_troff('.SH NAME\\nls \\\\- list \\\\fBdirectory\\\\fR contents\\n')
'NAME\\nls - list directory contents\\n'
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import struct
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from tokcost.files import write_atomically

MAN_DIR = Path("/usr/share/man")
LOCALE_DIR = Path("/usr/share/locale")
CACHE_VERSION = "1"  # bump when a reader's output changes, so cached text is rebuilt
CACHE_DIR: Optional[Path] = None  # where built corpora are kept; None: tokcost-bench-corpora in the temp dir

# The languages: corpus name -> the locale directories whose catalogs make it.
LANGUAGES = {
    "chinese": ("zh_CN",),
    "japanese": ("ja",),
    "korean": ("ko",),
    "russian": ("ru",),
    "arabic": ("ar",),
    "hindi": ("hi",),
    "thai": ("th",),
}
# The share of each of those languages' strings held back for the all-language mix,
# so no string is in two corpora (a piece cache never meets a fresh text twice).
MIX_SHARE = 0.2


@dataclass
class Corpus:
    """One corpus: ``units()`` gives its text in order; ``absent`` says why it cannot be read here."""

    name: str
    description: str
    units: Callable[[int], list]  # byte budget -> units (at least that many bytes when the corpus has them)
    absent: str = ""
    bulk: bool = True  # English, code, the mix: 1 MB chunks; a language: up to 256 KB


# ---------------------------------------------------------------- gettext catalogs

MO_MAGIC = 0x950412DE


def read_mo(path: Path) -> list[str]:
    """The translated strings of a compiled gettext catalog, in file order (sorted by msgid).

    Plural forms count as separate strings; the header entry is left out; the
    text is decoded with the charset the header names (UTF-8 when it names none).
    Raises ValueError for a file that is not a catalog.
    """
    data = Path(path).read_bytes()
    if len(data) < 20:
        raise ValueError(f"{path}: too short for a gettext catalog")
    for order in "<>":
        if struct.unpack(order + "I", data[:4])[0] == MO_MAGIC:
            break
    else:
        raise ValueError(f"{path}: not a gettext catalog (bad magic number)")
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    entries = []
    for i in range(count):
        entry = []
        for table in (originals, translations):
            length, offset = struct.unpack(order + "2I", data[table + 8 * i: table + 8 * i + 8])
            if offset + length > len(data):
                raise ValueError(f"{path}: string {i} runs past the end of the file")
            entry.append(data[offset: offset + length])
        entries.append(entry)
    charset = "utf-8"
    out = []
    for msgid, msgstr in entries:
        if msgid == b"":
            found = re.search(rb"charset=([A-Za-z0-9_.:-]+)", msgstr)
            if found and found.group(1).lower() not in (b"charset", b"ascii"):
                charset = found.group(1).decode("ascii")
            continue
        out.extend(msgstr.split(b"\0"))
    return [s.decode(charset, "replace") for s in out if s.strip()]


def catalog_files(locale_dir: Path, lang: str) -> list[Path]:
    return sorted(Path(locale_dir, lang, "LC_MESSAGES").glob("*.mo"))


def catalog_units(locale_dir: Path, lang: str, limit: Optional[int] = None) -> list[str]:
    """The distinct translated strings of a language's catalogs (files by name, first occurrence
    kept); with ``limit``, catalogs are read only until that many bytes of strings."""
    seen: dict[str, None] = {}
    total = 0
    for path in catalog_files(locale_dir, lang):
        if limit is not None and total >= limit:
            break
        try:
            strings = read_mo(path)
        except (ValueError, OSError, LookupError):
            continue  # a damaged or oddly encoded catalog: the others still make the corpus
        for s in strings:
            if s not in seen:
                seen[s] = None
                total += len(s.encode())
    return list(seen)


def _dedicated(lang: str) -> bool:
    return any(lang in langs for langs in LANGUAGES.values())


def _split(units: list, lang: str, own: bool) -> list:
    """A dedicated language keeps the first part of its strings; the mix gets the rest."""
    if not _dedicated(lang):
        return [] if own else units
    cut = len(units) - int(len(units) * MIX_SHARE)
    return units[:cut] if own else units[cut:]


def mix_units(locale_dir: Path, budget: int) -> list[str]:
    """Strings of every language with catalogs here, interleaved one by one (languages by name).
    Each language's catalogs are read only until it has twice its share of ``budget`` bytes."""
    langs = [d.name for d in sorted(Path(locale_dir).iterdir()) if catalog_files(locale_dir, d.name)] \
        if Path(locale_dir).is_dir() else []
    share = 2 * budget // max(len(langs), 1) + 1
    columns = []
    for lang in langs:
        units = catalog_units(locale_dir, lang, None if _dedicated(lang) else share)
        columns.append(_split(units, lang, own=False))
    return [c[i] for i in range(max(map(len, columns), default=0)) for c in columns if i < len(c)]


# ---------------------------------------------------------------- man pages

# Named characters (\(xx, \[xx]) and strings (\*(xx) that man pages use most; others vanish.
_NAMED = {
    "em": "\u2014", "en": "\u2013", "hy": "-", "aq": "'", "dq": '"', "lq": "\u201c", "rq": "\u201d",
    "oq": "\u2018", "cq": "\u2019", "bu": "\u2022", "co": "\u00a9", "rg": "\u00ae", "tm": "\u2122",
    "Tm": "\u2122", "R": "\u00ae", "mu": "\u00d7", "de": "\u00b0", "+-": "\u00b1", "<=": "\u2264",
    ">=": "\u2265", "->": "\u2192", "<-": "\u2190", "ti": "~", "ha": "^", "ga": "`", "ul": "_",
    "rs": "\\", "sl": "/", "Fo": "\u00ab", "Fc": "\u00bb", "ss": "\u00df", "mi": "-", "pl": "+",
    "eq": "=", "pc": "\u00b7", "dg": "\u2020", "ua": "\u2191", "da": "\u2193", "Eu": "\u20ac",
}
_ARG = r"(?:\[[^\]]*\]|\([^\n]{2}|[^\n])"  # an escape's name: [long], (xx, or one character
_ESCAPE = re.compile(
    r"\\(?:"
    r"(?P<comment>[\"#].*)"
    r"|(?P<named>\(..|\[[^\]]*\])"
    r"|\*(?P<string>" + _ARG + ")"
    r"|(?P<drop>[fFgkmMnVY]" + _ARG + r"|s[+-]?(?:\d\d?|\(\d\d|\[[^\]]*\])|[hvlLoSwxXbDNRZ]'[^'\n]*'|[&|^,/:)%cdrutpaz{}]"
    r"|\$\S?)"
    r"|(?P<space>[~ 0])"
    r"|(?P<other>.))"
)
_SIMPLE = {"-": "-", "e": "\\", "\\": "\\", "'": "'", "`": "`", ".": ".", "t": "\t"}


def _unescape(text: str) -> str:
    def replace(m: re.Match) -> str:
        if m.group("named") is not None:
            return _named(m.group("named"))
        if m.group("string") is not None:
            return _named(m.group("string"))
        if m.group("space") is not None:
            return " "
        if m.group("other") is not None:
            return _SIMPLE.get(m.group("other"), m.group("other"))
        return ""  # comments, fonts, sizes, motions, zero-width marks

    return _ESCAPE.sub(replace, text)


def _named(token: str) -> str:
    name = token[1:-1] if token.startswith("[") else token[1:] if token.startswith("(") else token
    if re.fullmatch(r"u[0-9A-Fa-f]{4,6}", name):
        return chr(int(name[1:], 16))
    return _NAMED.get(name, "")


def _macro_args(rest: str) -> list[str]:
    """A request's arguments: words, or "quoted strings" ("" inside a quote is a quote)."""
    return [a[1:].removesuffix('"').replace('""', '"') if a.startswith('"') else a
            for a in re.findall(r'"(?:[^"]|"")*"?|\S+', rest)]


# Macros whose arguments are text: man(7)'s font and heading macros, and the mdoc(7) ones
# (any other capitalised two- or three-letter macro is mdoc's and prints its words).
_JOINED = {"BR", "RB", "IR", "RI", "BI", "IB", "SB"}  # alternating fonts: the words touch
_TEXT = {"B", "I", "SM", "UR", "MT"} | _JOINED
_HEADINGS = {"SH", "SS", "Sh", "Ss"}  # a line of their own
_BREAKS = {"PP", "LP", "P", "TP", "TQ", "IP", "HP", "sp", "br", "Pp", "Lp", "It", "Bl", "El", "RS", "RE",
           "EX", "EE", "nf", "fi", "Bd", "Ed"}  # end the paragraph being filled
_NO_TEXT = {"TH", "Dd", "Dt", "Os"}  # page headers
_NOFILL = {"nf": True, "fi": False, "EX": True, "EE": False, "Ed": False}
_MDOC_CALL = re.compile(r"^(?:[A-Z][a-z]{1,2}|Ns|No|Pf)$")
_SKIP_BLOCKS = {"de": "..", "ig": "..", "EQ": "EN", "PS": "PE", "am": ".."}


class _Page:
    """The text being laid out: filled paragraphs, or lines as they are in no-fill blocks."""

    def __init__(self):
        self.lines: list[str] = []
        self.paragraph: list[str] = []
        self.nofill = False

    def text(self, words: str) -> None:
        if self.nofill:
            self.lines.append(words)
        elif words.strip():
            self.paragraph.append(words.strip())

    def flush(self) -> None:
        if self.paragraph:
            self.lines.append(" ".join(self.paragraph))
        self.paragraph = []

    def request(self, name: str, args: list) -> None:
        if name in _HEADINGS or name in _BREAKS:
            self.flush()
        if name in _NOFILL or (name == "Bd" and "-literal" in args) or (name == "Bd" and "-unfilled" in args):
            self.nofill = _NOFILL.get(name, True)
        if name in _HEADINGS or (name in ("IP", "It") and args):
            words = [_unescape(a) for a in args if name not in ("It",) or not _MDOC_CALL.match(a)]
            self.lines.append(" ".join(words if name != "IP" else words[:1]))
        elif name in _TEXT:
            self.text(("" if name in _JOINED else " ").join(_unescape(a) for a in args))
        elif re.fullmatch(r"[A-Z][a-z]{1,2}", name) and name not in _BREAKS | _NO_TEXT:
            words = [_unescape(a) for a in args if not _MDOC_CALL.match(a)]
            self.text(("-" if name == "Fl" else "") + " ".join(words))


def strip_troff(source: str) -> str:  # Long: one pass over the lines, a branch per kind of block
    """The plain text of a man page's troff source (man or mdoc macros, tbl tables): paragraphs
    filled into one line each, no-fill blocks (examples) line by line, headings on their own
    lines; requests and escapes removed, named characters kept, empty lines dropped."""
    page = _Page()
    skip_until, table, tab = None, None, "\t"  # a definition or equation; tbl: "format" or "data", its tab
    for raw in source.splitlines():
        if skip_until is not None:
            if raw.strip() in (skip_until, "." + skip_until.lstrip(".")):
                skip_until = None
            continue
        if table is not None:
            if raw.startswith(".TE"):
                table = None
            elif table == "format":
                options = re.search(r"tab\s*\((.)\)", raw) if raw.rstrip().endswith(";") else None
                tab = options.group(1) if options else tab
                table = "data" if raw.rstrip().endswith(".") else "format"
            elif not raw.startswith((".", "'")) and raw.strip() not in ("_", "=", ""):
                cells = _unescape(raw.replace(tab, " ")).replace("T{", "").replace("T}", "")
                page.lines.append(re.sub(r"[ \t]+", " ", cells).strip())
            continue
        if not raw.startswith((".", "'")):
            page.text(_unescape(raw))
            continue
        match = re.match(r"[.'][ \t]*(\S*)[ \t]*(.*)", raw)
        name, rest = match.group(1), match.group(2)
        if name in _SKIP_BLOCKS:
            skip_until = _SKIP_BLOCKS[name]
        elif name == "TS":
            page.flush()
            table, tab = "format", "\t"
        elif name and not name.startswith('\\"'):
            page.request(name, _macro_args(rest))
    page.flush()
    lines = [line.rstrip() for line in page.lines]
    return "".join(line + "\n" for line in lines if line.strip())


def man_pages(man_dir: Path) -> list[Path]:
    """English pages (sections man1..man9, not the translations beside them), sections taken
    in turn so the text is not all of one section: man1/a, man2/a, ..., man1/b, ..."""
    sections = [sorted(p for p in d.iterdir() if p.is_file())
                for d in sorted(Path(man_dir).glob("man[1-9]*")) if d.is_dir()]
    return [s[i] for i in range(max(map(len, sections), default=0)) for s in sections if i < len(s)]


def read_man_page(path: Path) -> str:
    """A page's troff source (gunzipped; UTF-8, else Latin-1); "" for a `.so` redirect."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith('.\\"')), "")
    return "" if first.startswith(".so ") else text


def man_units(man_dir: Path, budget: int) -> list[str]:
    """Lines of plain text from the man pages, until ``budget`` bytes (identical pages read once)."""
    units: list[str] = []
    seen, total = set(), 0
    for path in man_pages(man_dir):
        try:
            source = read_man_page(path)
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
        digest = hashlib.sha1(source.encode("utf-8", "surrogatepass")).digest()
        if not source or digest in seen:
            continue
        seen.add(digest)
        text = strip_troff(source)
        units.extend(text.splitlines())
        total += len(text.encode())
        if total >= budget:
            break
    return units


# ---------------------------------------------------------------- the standard library

_NOT_STDLIB_CODE = {"test", "tests", "site-packages", "dist-packages", "lib2to3", "idlelib", "__pycache__"}


def code_units(stdlib: Path, budget: int) -> list[str]:
    """Lines of the standard library's Python files (directories and files by name, tests and
    installed packages left out), until ``budget`` bytes."""
    lines: list[str] = []
    total = 0
    for directory, subdirs, files in os.walk(stdlib):
        subdirs[:] = sorted(d for d in subdirs if d not in _NOT_STDLIB_CODE)
        for name in sorted(f for f in files if f.endswith(".py")):
            try:
                text = Path(directory, name).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            lines.extend(text.splitlines())
            total += len(text.encode())
            if total >= budget:
                return lines
    return lines


# ---------------------------------------------------------------- cached building

def cached_units(key_parts: Iterable, build: Callable[[], list]) -> list[str]:
    """``build()``'s units, kept in the temporary directory under a key of ``key_parts`` (what the
    text depends on: file names, sizes, times), so a second run does not decompress 20k man pages."""
    digest = hashlib.sha256(repr((CACHE_VERSION, *key_parts)).encode()).hexdigest()[:20]
    directory = CACHE_DIR or Path(tempfile.gettempdir()) / "tokcost-bench-corpora"
    path = directory / f"{digest}.txt"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        return text.split("\0") if text else []
    units = build()
    directory.mkdir(parents=True, exist_ok=True)
    write_atomically(path, "\0".join(units))
    return units


def _stat_key(paths: Iterable[Path]) -> list:
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((str(p), st.st_size, int(st.st_mtime)))
    return out


def code_corpus() -> Corpus:
    """Python code: this interpreter's standard library (the same text for the same Python version)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return Corpus("code", f"Python code: the standard library ({stdlib})", lambda budget: code_units(stdlib, budget),
                  "" if any(stdlib.glob("*.py")) else f"no Python sources under {stdlib}")


def system_corpora(man_dir: Optional[Path] = None, locale_dir: Optional[Path] = None) -> list[Corpus]:
    """The issue's corpora, in its order: English prose, Python code, seven languages, the mix."""
    man_dir, locale_dir = Path(man_dir or MAN_DIR), Path(locale_dir or LOCALE_DIR)
    pages = man_pages(man_dir) if man_dir.is_dir() else []
    corpora = [Corpus("english", f"English prose: man pages ({len(pages):,} under {man_dir}), troff stripped",
                      lambda budget: cached_units(("man", budget, _stat_key(pages)),
                                                  lambda: man_units(man_dir, budget)),
                      "" if pages else f"no man pages under {man_dir}/man1..man9")]
    corpora.append(code_corpus())
    for name, langs in LANGUAGES.items():
        files = [f for lang in langs for f in catalog_files(locale_dir, lang)]
        corpora.append(Corpus(
            name, f"gettext catalogs: {len(files)} in {', '.join(langs)} (first {1 - MIX_SHARE:.0%} of strings)",
            (lambda langs: lambda budget: [u for lang in langs
                                           for u in _split(catalog_units(locale_dir, lang), lang, own=True)])(langs),
            "" if files else f"no gettext catalogs under {locale_dir}/{'|'.join(langs)}/LC_MESSAGES", bulk=False))
    languages = [d for d in sorted(locale_dir.iterdir()) if catalog_files(locale_dir, d.name)] \
        if locale_dir.is_dir() else []
    corpora.append(Corpus(
        "mixed", f"all {len(languages)} languages with catalogs in {locale_dir}, one string of each in turn",
        lambda budget: cached_units(("mix", budget, _stat_key(f for d in languages
                                                              for f in catalog_files(locale_dir, d.name))),
                                    lambda: mix_units(locale_dir, budget)),
        "" if languages else f"no gettext catalogs under {locale_dir}"))
    return corpora
