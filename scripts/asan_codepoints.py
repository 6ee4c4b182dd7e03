"""Every code point of tests/test_codepoints*.py, in two processes, so the native half can run under ASan.

As ``scripts/asan_deepseek_codepoints.py`` does for DeepSeek V4, for the other splitters:
under AddressSanitizer with ``PYTHONMALLOC=malloc`` the tests spend their time in the
references (the ``regex`` package splitting in Python, tiktoken), and round 14's run of
``test_codepoints.py`` was still in its first test after 44 minutes. Here a normal process
computes the references once and saves a digest of each text's answer; the sanitized process
runs only tokcost's native splitters and encoders on the same texts and compares digests:

    python scripts/asan_codepoints.py reference /tmp/codepoints_ref.txt &
    LD_PRELOAD=... ASAN_OPTIONS=... PYTHONPATH=<asan tree>/src \\
        python scripts/asan_codepoints.py check /tmp/codepoints_ref.txt

The reference writes a line a text as it goes and the check waits for each line, so the two can
run side by side; the texts come in order of round 14's changes (ids first: the str-to-UTF-8
conversion, then o200k_base's splits: its Devanagari windows), so a run cut short covers those.

The texts are the tests' own (``_chunks`` of every code point in each probe's context):
- splits: o200k_base's, cl100k_base's and r50k_base's native splitters on the code points whose
  class both engines agree on, in ``PROBES``, against the ``regex`` engine on tiktoken's pattern;
  Tekken's, Qwen's, Qwen 3.5's and Llama 3's in ``OPEN_PROBES``, against their patterns;
- ids: o200k_base, cl100k_base, r50k_base and p50k_base on every code point in ``PROBES``, and
  the code points whose class changed after Unicode 16.0 one by one, against tiktoken.
Digests are ``asan_deepseek_codepoints``'s (blake2b of the pieces' lengths, of the ids). A
difference names the check, the probe and the chunk. ``TOKCOST_CODEPOINT_STEP=97`` samples;
``TOKCOST_CODEPOINT_FROM=19500`` checks from the 19,501st text on (round 16 resumed round 15's run);
``TOKCOST_CODEPOINT_TO=19500`` stops after the 19,500th (round 17 split its run between two processes).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from asan_deepseek_codepoints import _ids_digest, _split_digest  # noqa: E402
from test_codepoints import CHUNK, PROBES, _changed_after_16, _chunks, _code_points  # noqa: E402
from test_codepoints_open import OPEN_PROBES, SPLITTERS  # noqa: E402

from tokcost import _core  # noqa: E402

SPLIT_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base")
ID_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base")


def _texts():
    """(key, kind, name, make) for every text, make() making it, round 14's native changes first (str
    to UTF-8 in encode_ordinary, o200k's Devanagari windows); a 'changed' text is a list of one-point
    texts."""
    changed = _changed_after_16()
    agreed = _code_points(changed)
    every = _code_points()

    def ids(name):
        for probe in PROBES:
            for i, text in enumerate(_lazy_chunks(every, probe)):
                yield f"ids|{name}|{probe}|{i}", "ids", name, text
            yield f"changed|{name}|{probe}", "changed", name, lambda probe=probe: [probe.format(chr(c), chr(c))
                                                                                   for c in sorted(changed)]

    def splits(name, kind, probes):
        for probe in probes:
            for i, text in enumerate(_lazy_chunks(agreed, probe)):
                yield f"{kind}|{name}|{probe}|{i}", kind, name, text

    yield from ids("o200k_base")
    yield from splits("o200k_base", "split", PROBES)
    yield from ids("cl100k_base")
    yield from splits("cl100k_base", "split", PROBES)
    yield from ids("r50k_base")
    yield from ids("p50k_base")
    yield from splits("r50k_base", "split", PROBES)
    for name in SPLITTERS:
        yield from splits(name, "open", OPEN_PROBES)


def _lazy_chunks(code_points, probe):
    """_chunks' texts, each made only when called: a run that skips texts (TOKCOST_CODEPOINT_FROM)
    does not build them (4,096 formats a text took 20 ms under ASan, so skipping 19,500 took as long
    as checking them)."""
    for i in range(0, len(code_points), CHUNK):
        yield lambda part=code_points[i : i + CHUNK]: next(_chunks(part, probe))


def _many_ids_digest(lists) -> str:
    flat = []
    for ids in lists:
        flat.append(len(ids))
        flat.extend(ids)
    return _ids_digest(flat)


def reference(out: Path) -> None:
    import regex
    import tiktoken

    from tokcost.testing import seed_tiktoken_cache

    seed_tiktoken_cache()
    import tokcost

    splitters = {name: regex.compile(tokcost.get_encoding(name)._pat_str).findall for name in SPLIT_ENCODINGS}
    splitters.update({name: regex.compile(pattern).findall for name, pattern in SPLITTERS.items()})
    refs = {name: tiktoken.get_encoding(name) for name in ID_ENCODINGS}
    count = 0
    with out.open("w") as f:  # a line a text, flushed, so a check can follow the reference
        for key, kind, name, make in _texts():
            text = make()
            if kind in ("split", "open"):
                digest = _split_digest(text, splitters[name](text))
            elif kind == "ids":
                digest = _ids_digest(refs[name].encode_ordinary(text))
            else:
                digest = _many_ids_digest(refs[name].encode_ordinary(t) for t in text)
            f.write(json.dumps([key, digest]) + "\n")  # JSON: probes hold tabs and newlines
            f.flush()
            count += 1
        f.write("done\n")
    print(f"{count} texts")


class _Digests:
    """The reference's lines, read as they come: a key not yet written is waited for."""

    def __init__(self, path: Path):
        while not path.exists():  # the reference has not started writing
            time.sleep(5)
        self.file, self.digests, self.done = path.open("rb"), {}, False

    def __getitem__(self, key: str) -> str:
        while key not in self.digests:
            line = self.file.readline()
            if not line.endswith(b"\n"):
                if self.done:
                    raise KeyError(key)
                self.file.seek(self.file.tell() - len(line))
                time.sleep(5)
            elif line == b"done\n":
                self.done = True
            else:
                k, digest = json.loads(line)
                self.digests[k] = digest
        return self.digests[key]


def check(ref: Path) -> int:
    import tokcost

    digests = _Digests(ref)
    encodings = {name: tokcost.get_encoding(name) for name in ID_ENCODINGS}
    byte_level = {name: _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, name) for name in SPLITTERS}
    print(f"native core: {_core.__file__}", flush=True)
    failures = seen = 0
    start = time.monotonic()
    skip = int(os.environ.get("TOKCOST_CODEPOINT_FROM", "0"))  # resume a run cut short: texts before this one pass
    stop = int(os.environ.get("TOKCOST_CODEPOINT_TO", "0"))  # or split a run between processes: none after this one
    for key, kind, name, make in _texts():
        seen += 1
        if seen <= skip:
            continue
        if stop and seen > stop:
            seen -= 1
            break
        text = make()
        if kind == "split":
            got = _split_digest(text, encodings[name]._core.split_text(text))
        elif kind == "open":
            got = _split_digest(text, byte_level[name].split_text(text))
        elif kind == "ids":
            got = _ids_digest(encodings[name].encode_ordinary(text))
        else:
            got = _many_ids_digest(encodings[name].encode_ordinary(t) for t in text)
        if got != digests[key]:
            failures += 1
            print(f"differs: {key}", flush=True)
        if seen % 500 == 0:
            print(f"{seen} texts, {time.monotonic() - start:.0f} s", flush=True)
    print(f"{seen} texts, {failures} differences, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    mode, path = sys.argv[1], Path(sys.argv[2])
    sys.exit(reference(path) if mode == "reference" else check(path))
