"""Corpus counting: discovery, readers, bad input, chat logs, parallel runs, aggregates, CLI."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path, PurePath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
from tokcost.bench.workloads import make_corpus
from tokcost.cli import main
from tokcost.corpus import count_corpus
from tokcost.corpus.chat import conversation_tokens, message_tokens
from tokcost.core import Encoding
from tokcost.corpus.discovery import _normalized, discover
from tokcost.errors import CorpusError

ENC = "o200k_base"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"), small=300, large=2, large_bytes=200_000)


def _whole_file_tokens(path: str) -> int:
    enc = tokcost.get_encoding(ENC)
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    return enc.count(data.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------- discovery


def test_discovery_recursive_sorted_ignored(tmp_path):
    for rel in ["b/2.txt", "b/1.txt", "a.txt", "build/x.txt", ".git/config", "c.log", "node_modules/m.js"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = discover([str(tmp_path)], ignore=["build", "*.log"])
    names = [os.path.relpath(s.path, tmp_path) for s in found.sources]
    assert names == ["a.txt", "b/1.txt", "b/2.txt"]
    assert found.ignored == 4  # build/, c.log, .git/, node_modules/


def test_ignore_patterns_match_as_fnmatch_does():
    """Plain patterns are looked up in sets, the others matched by one expression: either way a
    name or relative path is ignored exactly when fnmatchcase matches it against a pattern (or,
    for a pattern ending in a slash, the name against it without the slash)."""
    import fnmatch

    from tokcost.corpus.discovery import _Patterns

    patterns = [".git", "build/", "*.log", "data/raw/*", "a?c", "[xy].txt", "node_modules", "e\\f", "", "sub/dir"]
    names = [".git", "build", "build/", "x.log", "log", "raw", "abc", "ac", "x.txt", "z.txt", "node_modules", "e\\f", "",
             "dir", "*.log"]
    rels = names + ["data/raw/a", "data/raw", "sub/dir", "a/.git", "sub/dir/x"]
    for chosen in (patterns, patterns[:2], patterns[2:3], patterns[-1:], []):
        ignore = _Patterns(chosen)
        name_patterns = list(chosen) + [p.rstrip("/") for p in chosen if p.endswith("/")]
        for rel in rels:
            for name in names:
                want = any(fnmatch.fnmatchcase(name, p) for p in name_patterns) or \
                    any(fnmatch.fnmatchcase(rel, p) for p in chosen)
                assert ignore.ignored(rel, name) == want, (chosen, rel, name)


def test_discovery_globs_dedup_and_missing(tmp_path):
    (tmp_path / "a.md").write_text("x")
    found = discover([str(tmp_path / "*.md"), str(tmp_path / "a.md"), str(tmp_path / "nope.txt"),
                      str(tmp_path / "*.zzz")])
    assert [s.path for s in found.sources] == [str(tmp_path / "a.md")]
    assert [reason for _, reason in found.problems] == ["no such file or directory",
                                                        "no file matches this pattern; check the path or quote the glob"]


def test_discovery_walk_dedups_links_and_skips_linked_directories(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "target.txt").write_text("x")
    (tmp_path / "a_link.txt").symlink_to(tmp_path / "b" / "target.txt")
    (tmp_path / "c_dir_link").symlink_to(tmp_path / "b", target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (tmp_path / "skip.log").write_text("x")
    (tmp_path / "b" / "build").mkdir()
    (tmp_path / "b" / "build" / "out.txt").write_text("x")
    found = discover([f"{tmp_path}/./", str(tmp_path / "b" / "target.txt")], ignore=["*.log", "b/build"])
    # The link is listed first (a directory's files before its subdirectories); its target is then the same file.
    assert [s.path for s in found.sources] == [str(tmp_path / "a_link.txt")]
    assert found.ignored == 2
    assert found.sources[0].size == 1 and not found.sources[0].explicit


def test_discovery_sizes_and_mtimes_are_os_stats(tmp_path):
    """Discovery stats a path natively (``_core.stat_path``): each Source's size and mtime, named,
    globbed or walked, through a link or not, are os.stat's, to the float, for modification
    times at nanoseconds that round differently; a dangling link and a missing name are the
    problems they were, and a path with a NUL raises as os.lstat does."""
    from tokcost import _core

    (tmp_path / "d").mkdir()
    nanos = [0, 1, 999_999_999, 123_456_789, 500_000_000, 100_000_001, 987_654_321]
    for k, ns in enumerate(nanos):
        path = tmp_path / "d" / f"f{k}.txt"
        path.write_text("x" * k)
        os.utime(path, ns=(1_700_000_000 * 10**9 + ns, (1_600_000_000 + 7919 * k) * 10**9 + ns))
    (tmp_path / "link.txt").symlink_to(tmp_path / "d" / "f6.txt")
    (tmp_path / "d" / "walked_link.txt").symlink_to(tmp_path / "d" / "f5.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    found = discover([str(tmp_path / "link.txt"), str(tmp_path / "d" / "f1.txt"), str(tmp_path / "d" / "f[2]*"),
                      str(tmp_path / "d"), str(tmp_path / "dangling.txt"), str(tmp_path / "missing.txt")])
    assert len(found.sources) == 7  # f5 once: walked_link.txt comes after it
    for source in found.sources:
        st = os.stat(source.path)
        assert (source.size, source.mtime) == (st.st_size, st.st_mtime), source.path
    assert found.problems == [(str(tmp_path / "dangling.txt"), "broken symbolic link"),
                              (str(tmp_path / "missing.txt"), "no such file or directory")]
    for path in [tmp_path / "link.txt", tmp_path / "dangling.txt", tmp_path / "d", tmp_path / "missing.txt"]:
        for follow, stat_of in ((False, os.lstat), (True, os.stat)):
            try:
                st = stat_of(path)
                want = (st.st_mode, st.st_size, st.st_mtime)
            except OSError as exc:
                want = exc.errno
            assert _core.stat_path(str(path), follow) == want == _core.stat_path(bytes(path), follow)
    with pytest.raises(ValueError, match="embedded null byte"):
        discover([str(tmp_path / "a\0b")])


def test_discovery_globs_on_each_magic_character(tmp_path):
    for name in ["a1.txt", "a2.txt", "b.txt"]:
        (tmp_path / name).write_text("x")
    for pattern, names in [("a*.txt", ["a1.txt", "a2.txt"]), ("a?.txt", ["a1.txt", "a2.txt"]),
                           ("[ab]1.txt", ["a1.txt"]), ("b.txt", ["b.txt"])]:
        found = discover([str(tmp_path / pattern)])
        assert [os.path.basename(s.path) for s in found.sources] == names, pattern
        assert all(s.explicit == (pattern == "b.txt") for s in found.sources)


def test_native_reader_takes_paths_that_are_not_utf8(tmp_path):
    """A file name that is not UTF-8 reaches count_plain_files as os.fsdecode gives it (lone
    surrogates) and is opened under its own bytes, as os.fsencode makes them."""
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("Tokens, 数据 and Привет")
    enc = tokcost.get_encoding(ENC)
    assert enc.count_plain_files([str(tmp_path / name)], limit=1 << 20, sniff=8192) == \
        [(0, enc.count("Tokens, 数据 and Привет"), len("Tokens, 数据 and Привет".encode()))]
    result = count_corpus([str(tmp_path)], ENC, jobs=1)
    assert [(f.path, f.skipped) for f in result.files] == [(str(tmp_path / name), None)]


def test_discovery_real_dirs_are_realpaths_through_links_loops_and_dots(tmp_path, monkeypatch):
    """Directories' real paths are built from their parents' (one lstat each, not one per component):
    still os.path.realpath's answer, loops and ``..`` after them included, in any order asked."""
    import random

    from tokcost.corpus.discovery import _Finder, _Patterns

    monkeypatch.chdir(tmp_path)
    os.makedirs("a/b/c")
    os.makedirs("x/y")
    for target, link in [("a/b", "lb"), (str(tmp_path / "a"), "la"), ("../x", "a/b/up"), ("loop1", "loop2"),
                         ("loop2", "loop1"), ("lb/c", "lc"), ("nowhere", "dangling"), (".", "a/self")]:
        os.symlink(target, link)
    names = ["a", "b", "c", "lb", "la", "up", "loop1", "dangling", "missing", "..", ".", "self", "x", "y", "lc"]
    rng = random.Random(0)
    dirs = set()
    for _ in range(600):
        d = "/".join(rng.choice(names) for _ in range(rng.randint(1, 5)))
        dirs.update([d, str(tmp_path / d), "./" + d])
    dirs = sorted(dirs)
    for _ in range(3):
        rng.shuffle(dirs)
        finder = _Finder(_Patterns([]))
        assert [d for d in dirs if finder.real_dir(d) != os.path.realpath(d)] == []


# ---------------------------------------------------------------------------- the native reader of small files


def _native_counts(tmp_path, files: dict, limit: int = 1 << 20):
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    return tokcost.get_encoding(ENC).count_plain_files(paths + [str(tmp_path / "missing.txt")], limit=limit, sniff=8192)


def test_native_reader_counts_plain_files_as_tiktoken_and_hands_back_the_rest(tmp_path):
    import tiktoken

    prose = "Tokens, 数据 and Привет мир 🙂\n    indented(code)\n".encode() * 50
    files = {
        "prose.txt": prose, "empty.txt": b"", "late_nul.txt": b"a" * 8192 + b"\0 tail",
        "binary.bin": b"head\0tail", "cut.txt": "é".encode()[:1] + b" rest", "overlong.txt": b"\xc0\xaf",
        "surrogate.txt": b"\xed\xa0\x80", "beyond.txt": b"\xf4\x90\x80\x80", "large.txt": b"word " * 2500,
    }
    got = dict(zip(list(files) + ["missing.txt"], _native_counts(tmp_path, files, limit=10_000)))
    tik = tiktoken.get_encoding(ENC)
    for name in ("prose.txt", "empty.txt", "late_nul.txt"):
        assert got[name] == (0, len(tik.encode_ordinary(files[name].decode())), len(files[name])), name
    assert got["binary.bin"][0] == 1
    for name in ("cut.txt", "overlong.txt", "surrogate.txt", "beyond.txt", "large.txt", "missing.txt"):
        assert got[name][0] == 2, name


def test_native_reader_sizes_files_past_its_first_read(tmp_path):
    """The reader asks a file's size only once it has read 64 KiB of it: files either side of
    that and of the limit are counted, or handed back, exactly as before."""
    limit = 200_000
    line = "Tokens, 数据 and Привет 🙂 indented(code)\n".encode()
    sizes = {"probe_less1": (1 << 16) - 1, "probe": 1 << 16, "probe_more1": (1 << 16) + 1, "between": 150_001,
             "limit_less1": limit - 1, "limit": limit, "large": 3 * limit}
    # Each cut at a whole character, then made up to its size with ASCII.
    files = {name: (line * (size // len(line) + 1))[:size].decode("utf-8", "ignore").encode()
             for name, size in sizes.items()}
    files = {name: data + b"x" * (sizes[name] - len(data)) for name, data in files.items()}
    enc = tokcost.get_encoding(ENC)
    got = dict(zip(list(files) + ["missing.txt"], _native_counts(tmp_path, files, limit=limit)))
    for name, data in files.items():
        assert len(data) == sizes[name]
        if len(data) < limit:
            assert got[name] == (0, enc.count(data.decode()), len(data)), name
        else:
            assert got[name][0] == 2, name
    # Reused buffer: a large file after the buffer has grown is still handed back.
    order = ["limit_less1", "large", "probe", "large"]
    again = enc.count_plain_files([str(tmp_path / n) for n in order], limit=limit, sniff=8192)
    assert [status for status, _, _ in again] == [0, 2, 0, 2]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.binary(max_size=6), st.text(max_size=4).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                max_size=8).map(b"".join))
def test_native_reader_takes_exactly_what_python_decodes(tmp_path, data):
    data = data.replace(b"\0", b"")
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    status = _native_counts(tmp_path, {"f.txt": data})[0][0]
    assert status == (0 if valid else 2), data


def test_native_reader_strict_utf8_at_every_offset(tmp_path):
    """Every kind of bad sequence (and good ones of each length) at each offset of 100 bytes, across
    the check's 8-byte ASCII steps, on ASCII and on multibyte text, and cut short at the end: the
    native reader counts exactly the files Python's strict decoder takes."""
    sequences = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\xbf", b"\xc2", b"\xc2\x80", b"\xdf\xbf", b"\xe0\x80\x80",
                 b"\xe0\x9f\xbf", b"\xe0\xa0\x80", b"\xe1\x80", b"\xed\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                 b"\xee\x80\x80", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80\x80", b"\xf0\x90\x80", b"\xf3\xbf\xbf\xbf",
                 b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe",
                 b"\xff", b"\xc2\x80\x80", b"\xe4\xb8\xad\xbf"]
    backgrounds = [b"x" * 100, ("数据 é" * 20).encode()[:100]]
    files = {}
    for b, background in enumerate(backgrounds):
        for s, seq in enumerate(sequences):
            for at in range(0, 97):
                files[f"{b}_{s}_{at}.txt"] = background[:at] + seq + background[at:]
            files[f"{b}_{s}_end.txt"] = background + seq  # the file ends in it
    got = _native_counts(tmp_path, files)
    for (name, data), (status, _, _) in zip(files.items(), got):
        try:
            data.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert status == (0 if valid else 2), (name, data)


# ---------------------------------------------------------------------------- counting and bad input


def test_counts_equal_whole_file_encoding(corpus):
    result = count_corpus([str(corpus)], ENC, jobs=1, chunk_size=4096)
    assert result.files and not result.missing
    for f in result.counted_files:
        assert f.tokens == _whole_file_tokens(f.path), f.path
    assert {Path(f.path).name for f in result.skipped_files} == {"image.png", "blob.bin"}
    summary = result.summary()
    assert summary["skipped_binary"] == 2 and summary["invalid_utf8"] == 2 and summary["skipped_unreadable"] == 0


@pytest.mark.parametrize("kwargs", [dict(jobs=2), dict(jobs=2, split_size=50_000, chunk_size=1000),
                                    dict(jobs=2, processes=True, split_size=70_001)])
def test_parallel_runs_identical_to_serial(corpus, kwargs):
    serial = count_corpus([str(corpus)], ENC, jobs=1)
    parallel = count_corpus([str(corpus)], ENC, **kwargs)
    assert [(f.path, f.tokens, f.bytes, f.skipped) for f in parallel.files] == \
        [(f.path, f.tokens, f.bytes, f.skipped) for f in serial.files]


def test_large_files_are_units_of_their_own_and_count_as_tiktoken(tmp_path):
    """A file of DEFAULT_ALONE_BYTES or more is a unit of its own, the small files around it keep
    theirs, and every file's count, on one thread and on two, is tiktoken's of its text."""
    import tiktoken

    from tokcost.corpus import work

    words = ["token", "Привет", "数据", "🙂", "x = f(y)\n", " ", "\n\n", "naïve", "123"]
    sizes = {"a0.txt": 10, "a1.txt": work.DEFAULT_ALONE_BYTES, "a2.txt": 300, "a3.txt": 5,
             "a4.txt": work.DEFAULT_ALONE_BYTES - 1, "a5.txt": 700_000, "a6.txt": 700_001, "a7.txt": 40}
    for i, (name, size) in enumerate(sizes.items()):
        data = "".join(words[(i * 7 + k * k) % len(words)] for k in range(size // 2 + 1)).encode()[:size]
        data = data.decode("utf-8", "ignore").encode()  # whole characters, then spaces to the size
        (tmp_path / name).write_bytes(data + b" " * (size - len(data)))
    paths = [str(tmp_path / name) for name in sizes]
    sources = discover([str(tmp_path)]).sources
    alone = {s.path for s in sources if s.size >= work.DEFAULT_ALONE_BYTES}
    assert {Path(p).name for p in alone} == {"a1.txt", "a5.txt", "a6.txt"}
    units = work.plan(sources, work.Options(ENC), batch_files=2)
    assert [p for unit in units for p in unit.paths] == paths  # every file once, in order
    assert all(unit.paths == (p,) for unit in units for p in unit.paths if p in alone)
    assert all(len(unit.paths) <= 2 for unit in units)
    assert all(len(u.paths) == 1 for u in work.plan(sources, work.Options(ENC), alone_bytes=1))
    assert len(work.plan(sources, work.Options(ENC), alone_bytes=None)) == 1  # Dask's: only past batch_bytes
    tik = tiktoken.get_encoding(ENC)
    expected = [(p, len(tik.encode_ordinary(Path(p).read_text(encoding="utf-8")))) for p in paths]
    for jobs in (1, 2):
        result = count_corpus([str(tmp_path)], ENC, jobs=jobs)
        assert [(f.path, f.tokens) for f in result.files] == expected, jobs


def test_compressed_and_broken_compressed(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    text = "hello compressed world\n" * 1000
    with gzip.open(tmp_path / "a.txt.gz", "wt") as f:
        f.write(text)
    (tmp_path / "b.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(text.encode()))
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    packed = gzip.compress(text.encode())
    (tmp_path / "truncated.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "bad.zst").write_bytes(b"\x28\xb5\x2f\xfd garbage")
    result = count_corpus([str(tmp_path)], ENC, jobs=1, chunk_size=1000)
    expected = tokcost.get_encoding(ENC).count(text)
    tokens = {Path(f.path).name: f.tokens for f in result.counted_files}
    assert tokens == {"a.txt.gz": expected, "b.txt.zst": expected}
    skipped = {Path(f.path).name: f.skipped for f in result.skipped_files}
    assert set(skipped) == {"bad.gz", "truncated.gz", "bad.zst"}
    assert all("broken compressed data" in reason for reason in skipped.values())
    with pytest.raises(CorpusError, match="bad.gz"):
        count_corpus([str(tmp_path)], ENC, jobs=1, strict=True)


def test_unreadable_file_is_skipped_with_reason(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "secret.txt").write_text("hidden")
    from tokcost.corpus import readers

    real = readers.open_binary

    def guarded(path):
        if path.endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(readers, "open_binary", guarded)
    # The native reader hands a file it cannot read back to Python's reader (as it does any read error).
    real_native = Encoding.count_plain_files

    def native_refuses(self, paths, **kwargs):
        return [(2, 0, 0) if p.endswith("secret.txt") else r for p, r in zip(paths, real_native(self, paths, **kwargs))]

    monkeypatch.setattr(Encoding, "count_plain_files", native_refuses)
    result = count_corpus([str(tmp_path)], ENC, jobs=2)
    assert [f.path for f in result.counted_files] == [str(tmp_path / "ok.txt")]
    assert result.errors() == [(str(tmp_path / "secret.txt"), "cannot read (Permission denied)")]
    with pytest.raises(CorpusError, match="secret.txt: cannot read"):
        count_corpus([str(tmp_path)], ENC, jobs=2, strict=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_on_disk(tmp_path):
    target = tmp_path / "locked.txt"
    target.write_text("x")
    target.chmod(0)
    result = count_corpus([str(tmp_path)], ENC, jobs=1)
    assert result.skipped_files[0].skipped == "cannot read (Permission denied)"


def test_file_vanishing_after_discovery(tmp_path, monkeypatch):
    (tmp_path / "gone.txt").write_text("soon gone")
    from tokcost.corpus import work

    real_plan = work.iter_plan

    def plan_then_delete(*args, **kwargs):
        units = list(real_plan(*args, **kwargs))
        (tmp_path / "gone.txt").unlink()
        return iter(units)

    monkeypatch.setattr(work, "iter_plan", plan_then_delete)
    result = count_corpus([str(tmp_path)], ENC, jobs=1)
    assert result.skipped_files[0].skipped == "cannot read (No such file or directory)"


# ---------------------------------------------------------------------------- chat logs and columns


CONVERSATIONS = [
    {"id": "a", "created": 1735689600, "messages": [  # 2025-01-01
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Привет! What is 2+2?", "name": "ann"},
        {"role": "assistant", "content": "4"}]},
    {"id": "b", "created_at": "2025-01-02T10:00:00Z", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Describe "}, {"type": "text", "text": "this."}]}]},
    {"messages": [{"role": "user", "content": "no date", "timestamp": "2025-01-02"}]},
]


def _per_message_api(conversation) -> int:
    """The request-level API the chat-log counter must agree with."""
    from tokcost.accounting import count_messages

    return count_messages(conversation["messages"], model="gpt-4o").total


def test_chat_logs_need_an_encoding_a_chat_model_uses(tmp_path):
    (tmp_path / "log.jsonl").write_text(json.dumps(CONVERSATIONS[0]) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no chat model uses p50k_base"):
        count_corpus([str(tmp_path)], "p50k_base", chat=True, jobs=1)
    with pytest.raises(CorpusError, match="gpt-4o counts chat messages with o200k_base, not cl100k_base"):
        count_corpus([str(tmp_path)], "cl100k_base", chat=True, model="gpt-4o", jobs=1)
    gpt4 = count_corpus([str(tmp_path)], "cl100k_base", chat=True, jobs=1)  # gpt-4 is cl100k_base's chat model
    from tokcost.accounting import count_messages

    assert gpt4.total_tokens == count_messages(CONVERSATIONS[0]["messages"], model="gpt-4").total


def test_chat_jsonl_per_message_and_malformed_lines(tmp_path):
    lines = [json.dumps(c, ensure_ascii=False) for c in CONVERSATIONS]
    lines.insert(1, "{not json")
    lines.insert(3, json.dumps({"messages": "not a list"}))
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    result = count_corpus([str(tmp_path)], ENC, chat=True, jobs=1)
    f = result.files[0]
    assert f.kind == "chat" and f.records == 3 and f.messages == 5
    assert f.tokens == sum(_per_message_api(c) for c in CONVERSATIONS)
    assert [line for line, _ in f.problems] == [2, 4]
    assert "malformed JSON" in f.problems[0][1]
    enc = tokcost.get_encoding(ENC)
    per_day = {r["day"]: r["tokens"] for r in result.by("day")}
    assert per_day == {"2025-01-01": _per_message_api(CONVERSATIONS[0]),
                       "2025-01-02": _per_message_api(CONVERSATIONS[1]) + _per_message_api(CONVERSATIONS[2])}
    assert conversation_tokens(enc, CONVERSATIONS[0]).per_message[1] == message_tokens(enc, CONVERSATIONS[0]["messages"][1])
    with pytest.raises(CorpusError, match=r"log.jsonl:2: malformed JSON"):
        count_corpus([str(tmp_path)], ENC, chat=True, strict=True)


def _recipe_with_tiktoken(messages) -> int:
    """OpenAI's counting recipe for gpt-4o written out with tiktoken's ids: 3 tokens a message, the
    tokens of each value (a text part's text, a tool call's name and arguments, 3 more a call), 1 more
    for a name, and 3 to prime the reply. Images are left out of these conversations."""
    import tiktoken

    ref = tiktoken.get_encoding(ENC)
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            if key == "content" and isinstance(value, list):
                total += sum(len(ref.encode(part["text"])) for part in value if part.get("type") == "text")
            elif key == "tool_calls":
                for call in value:
                    arguments = call["function"]["arguments"]
                    arguments = arguments if isinstance(arguments, str) else json.dumps(arguments)
                    total += 3 + len(ref.encode(call["function"]["name"])) + len(ref.encode(arguments))
            elif value is not None:
                total += len(ref.encode(value if isinstance(value, str) else json.dumps(value)))
            total += key == "name"
    return total


def test_chat_jsonl_counted_in_batches_equals_the_recipe(tmp_path, parallel_corpus_dir):
    """The reader counts a megabyte of conversations' texts at a time (count_batch): 3,000
    conversations of FLORES sentences, names, tool calls, text parts and None contents equal the
    recipe computed with tiktoken, and a line whose text is no string is a problem of its own line."""
    import random

    rng = random.Random(7)
    sentences = [line for path in sorted(parallel_corpus_dir.glob("*_*.txt"))[:12]
                 for line in path.read_text(encoding="utf-8").splitlines()[:200]]
    conversations = []
    for k in range(3000):
        messages = [{"role": "system", "content": rng.choice(sentences)}]
        for _ in range(rng.randint(1, 3)):
            messages.append({"role": "user", "content": " ".join(rng.sample(sentences, 3))})
            if k % 7 == 0:
                messages[-1]["name"] = "ann"
            if k % 5 == 0:
                messages.append({"role": "assistant", "content": None, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": {"q": rng.choice(sentences)}}}]})
            if k % 11 == 0:
                messages.append({"role": "user", "content": [{"type": "text", "text": rng.choice(sentences)},
                                                              {"type": "text", "text": " and \ud800 this"}]})
            messages.append({"role": "assistant", "content": rng.choice(sentences)})
        conversations.append({"messages": messages, "created": 1735689600 + k % 5 * 86400})
    lines = [json.dumps(c) for c in conversations]
    lines[1500] = json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]})
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (tmp_path / "log.jsonl").stat().st_size > 2 << 20  # more than one batch of a megabyte
    f = count_corpus([str(tmp_path)], ENC, chat=True, jobs=1).files[0]
    kept = conversations[:1500] + conversations[1501:]
    assert f.records == 2999 and f.messages == sum(len(c["messages"]) for c in kept)
    assert [line for line, _ in f.problems] == [1501] and "expected a string" in f.problems[0][1]
    assert f.tokens == sum(_recipe_with_tiktoken(c["messages"]) for c in kept)
    enc = tokcost.get_encoding(ENC)
    assert conversation_tokens(enc, kept[0]).total == _recipe_with_tiktoken(kept[0]["messages"])
    assert message_tokens(enc, kept[5]["messages"][2]) == _recipe_with_tiktoken(kept[5]["messages"][2:3]) - 3


def test_chat_parquet_equals_jsonl(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    simple = [{"messages": [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str) else "x"}
                            for m in c["messages"]], "created": 1735689600 + i * 86400} for i, c in enumerate(CONVERSATIONS)]
    pq.write_table(pa.Table.from_pylist(simple), tmp_path / "log.parquet")
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(c) for c in simple), encoding="utf-8")
    result = count_corpus([str(tmp_path)], ENC, chat=True, jobs=1)
    parquet, jsonl = sorted(result.files, key=lambda f: f.path, reverse=True)
    assert parquet.tokens == jsonl.tokens == sum(_per_message_api(c) for c in simple)
    assert parquet.days == jsonl.days and len(parquet.days) == 3


def test_text_column_of_csv_and_parquet(tmp_path):
    rows = [{"id": i, "text": f"row {i}: Grüße, 世界 " * (i % 4)} for i in range(50)]
    import csv

    with open(tmp_path / "t.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["id", "text"])
        writer.writeheader()
        writer.writerows(rows)
    enc = tokcost.get_encoding(ENC)
    expected = sum(enc.count(r["text"]) for r in rows)
    result = count_corpus([str(tmp_path / "t.csv")], ENC, column="text", jobs=1)
    assert result.files[0].tokens == expected and result.files[0].records == 50
    missing = count_corpus([str(tmp_path / "t.csv")], ENC, column="body", jobs=1)
    assert "no column 'body'" in missing.files[0].skipped
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "t.parquet")
    result = count_corpus([str(tmp_path / "t.parquet")], ENC, column="text", jobs=1)
    assert result.files[0].tokens == expected


# ---------------------------------------------------------------------------- aggregates


def test_aggregates_sum_to_the_total(corpus):
    result = count_corpus([str(corpus)], ENC, jobs=2, language=True)
    for key in ("type", "dir", "language", "day"):
        rows = result.by(key)
        assert sum(r["tokens"] for r in rows) == result.total_tokens, key
        assert sum(r["files"] for r in rows) == len(result.counted_files), key
    types = {r["type"] for r in result.by("type")}
    assert {".txt", ".md", ".py", ".json"} <= types and ".gz" not in types
    assert result.by("language", language="English")[0]["language"] == "English"


def test_script_detection():
    from tokcost.corpus.aggregate import script_of

    assert script_of("hello world") == "Latin"
    assert script_of("안녕하세요 세계") == "Korean"
    assert script_of("你好世界") == "Chinese"
    assert script_of("مرحبا بالعالم") == "Arabic"
    assert script_of("123 !!!") is None


# ---------------------------------------------------------------------------- CLI


def test_cli_json_contract_and_extras(corpus, capsys):
    assert main(["count", str(corpus), "--format", "json", "--jobs", "2", "--by", "type", "--by", "dir"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc["total_tokens"], int)
    assert all(set(f) == {"path", "tokens"} for f in doc["files"])
    assert doc["total_tokens"] == sum(f["tokens"] for f in doc["files"])
    assert doc["summary"]["skipped_binary"] == 2
    assert {s["reason"].split(",")[0] for s in doc["skipped"]} == {"binary"}
    assert sum(r["tokens"] for r in doc["by"]["type"]) == doc["total_tokens"]


def test_cli_reports_skips_and_strict(tmp_path, capsys):
    (tmp_path / "good.txt").write_text("hello world")
    (tmp_path / "bin.dat").write_bytes(b"\0\1\2")
    (tmp_path / "log.jsonl").write_text('{"messages": []}\n{oops\n')
    (tmp_path / "bad.gz").write_bytes(b"nope")
    assert main(["count", str(tmp_path), "--chat", "--format", "csv"]) == 1
    captured = capsys.readouterr()
    assert f"tokcost: error: {tmp_path / 'bad.gz'}: broken compressed data" in captured.err
    assert f"skipped {tmp_path / 'log.jsonl'}:2: malformed JSON" in captured.err
    assert "skipped 1 binary file(s)" in captured.err
    assert "good.txt,2" in captured.out
    assert main(["count", str(tmp_path), "--chat", "--strict", "--ignore", "*.gz"]) == 1
    err = capsys.readouterr().err
    assert "log.jsonl:2: malformed JSON" in err and "--strict" in err
    assert main(["count", str(tmp_path), "--ignore", "*.gz", "--ignore", "*.jsonl", "--by", "type"]) == 0
    out = capsys.readouterr().out
    assert "Tokens by type" in out and ".txt" in out


def test_cli_chunk_size_option(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("word " * 10000 + "\nnext line\n" * 100)
    assert main(["count", str(tmp_path / "a.txt"), "--chunk-size", "1K", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_tokens"] == _whole_file_tokens(str(tmp_path / "a.txt"))


def test_merge_sums_parts_without_changing_its_inputs():
    from tokcost.corpus.readers import FileResult
    from tokcost.corpus.work import merge

    whole = FileResult("a.txt", tokens=5, bytes=20)
    first = FileResult("big.txt", tokens=10, bytes=100, problems=[(1, "bad")])
    second = FileResult("big.txt", tokens=7, bytes=60, invalid_utf8=True, problems=[(9, "worse")], part=1)
    third = FileResult("big.txt", tokens=1, bytes=5, part=2)
    merged = merge([[whole, first], [second], [third]])
    assert [(f.path, f.tokens, f.bytes, f.invalid_utf8, f.problems) for f in merged] == [
        ("a.txt", 5, 20, False, []), ("big.txt", 18, 165, True, [(1, "bad"), (9, "worse")])]
    # The inputs are as they were: a caller (or a Dask future's cached result) may look again.
    assert (first.tokens, first.bytes, first.invalid_utf8, first.problems) == (10, 100, False, [(1, "bad")])
    assert merge([[first], [second]])[0].tokens == 17


@pytest.mark.parametrize("path", [
    "a", "a/b", ".", "", "./a", "a/./b", "a//b", "a/", "a/b/", "//a", "///a", "/a", "/a/b/", "a/..", "../a",
    "a/../b", ".hidden", "a/.hidden", "a/.", "./", "a/b.txt", "/tmp/x/.cache/f", "a/ b", "é/ü.txt",
])
def test_normalized_paths_follow_purepath(path):
    # The fast path for paths already normal must give PurePath's answer for every spelling.
    assert _normalized(path) == str(PurePath(path))


def test_file_result_compares_copies_and_pickles_as_a_dataclass_did():
    import pickle

    from tokcost.corpus.readers import FileResult

    first = FileResult("a.txt", tokens=5, bytes=20, problems=[(1, "bad")])
    assert first == FileResult("a.txt", 5, 20, problems=[(1, "bad")]) != FileResult("a.txt", 6, 20)
    assert repr(first).startswith("FileResult(path='a.txt', tokens=5, bytes=20, kind='text', skipped=None")
    assert pickle.loads(pickle.dumps(first)) == first  # Dask sends results between processes
    copy = first.replace(tokens=7)
    assert (copy.tokens, first.tokens, copy.problems is first.problems) == (7, 5, True)
    with pytest.raises(TypeError):
        first.replace(token=1)
    assert FileResult("b").problems is not FileResult("c").problems


def test_a_large_file_is_split_into_parts_of_one_size(tmp_path):
    """Round 30: a file past split_size is cut into parts of one size, so that two threads count
    about half each (a 65 MB file was split at 64 MB: one thread counted 64 MB, the other 1)."""
    import tiktoken

    from tokcost.corpus import work

    data = "naïve words, 数据 and 🙂 " * 40 + "end"
    (tmp_path / "big.txt").write_text(data, encoding="utf-8")
    size = len(data.encode())
    sources = discover([str(tmp_path)]).sources
    units = work.plan(sources, work.Options(ENC), split_size=size * 2 // 3)
    half = -(-size // 2)
    assert [(u.start, u.end, u.part) for u in units] == [(0, half, 0), (half, size, 1)]
    result = count_corpus([str(tmp_path)], ENC, jobs=2, split_size=size * 2 // 3)
    assert result.total_tokens == len(tiktoken.get_encoding(ENC).encode_ordinary(data))
