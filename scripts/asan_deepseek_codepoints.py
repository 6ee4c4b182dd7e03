"""DeepSeek V4's every-code-point check, in two processes, so the native half can run under ASan.

``tests/test_codepoints_open.py``'s DeepSeek tests spend nearly all their time in the
references (the ``regex`` package running DeepSeek's three split steps in Python, and
Hugging Face ``tokenizers``); under AddressSanitizer, with the interpreter's allocations
going through ASan's allocator, they did not finish in 23 minutes. Here a normal process
computes the references once and saves a digest of each text's answer; the sanitized
process then runs only tokcost's native splitter and encoder on the same texts and
compares digests:

    python scripts/asan_deepseek_codepoints.py reference /tmp/deepseek_ref.json
    LD_PRELOAD=... ASAN_OPTIONS=... PYTHONPATH=<asan tree>/src \\
        python scripts/asan_deepseek_codepoints.py check /tmp/deepseek_ref.json

The texts are the tests' own (tests/test_codepoints*.py build them):
- splits: every code point whose class both engines agree on, in each of DeepSeek's 26
  contexts, against ``patterns.IsolatedSplits`` (the ``regex`` engine); every code point
  once (``"{}{} "``) and the disagreeing ones in every context, against Oniguruma (HF);
- ids: the same texts through ``get_encoding("deepseek_v4")`` (as ``_ordinary`` calls it,
  ``allowed_special="all"``) against Hugging Face's tokenizer on deepseek's tokenizer.json.

A split's digest is blake2b over the piece lengths in code points, with the pieces'
concatenation checked equal to the text; the ids' digest is blake2b over the ids as
uint32. A difference names the check, the probe and the chunk; rerun that chunk in a
normal process to see it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_codepoints import _chunks, _code_points  # noqa: E402
from test_codepoints_open import DEEPSEEK_PROBES, _changed_for_deepseek  # noqa: E402

from tokcost import _core  # noqa: E402


def _texts():
    """(check, probe, chunk index, text) for every text of the two tests."""
    changed = _changed_for_deepseek()
    agreed = _code_points(changed)
    for probe in DEEPSEEK_PROBES:
        for i, text in enumerate(_chunks(agreed, probe)):
            yield "steps", probe, i, text
    for i, text in enumerate(_chunks(_code_points(), "{}{} ")):
        yield "oniguruma", "{}{} ", i, text
    for probe in DEEPSEEK_PROBES:
        for i, text in enumerate(_chunks(sorted(changed), probe)):
            yield "oniguruma", probe, i, text


def _split_digest(text: str, pieces) -> str:
    if "".join(pieces) != text:
        return "pieces do not cover the text"
    return hashlib.blake2b(array("I", map(len, pieces)).tobytes(), digest_size=16).hexdigest()


def _ids_digest(ids) -> str:
    return hashlib.blake2b(array("I", ids).tobytes(), digest_size=16).hexdigest()


def _key(check, probe, i):
    return f"{check}|{probe}|{i}"


def reference(out: Path) -> None:
    from test_codepoints_open import _hf_reference
    from test_open_models import _reference

    from tokcost.patterns import DEEPSEEK_SPLITS, IsolatedSplits

    splitters = {"steps": IsolatedSplits(DEEPSEEK_SPLITS).findall, "oniguruma": _hf_reference()}
    encode = _reference("deepseek_v4")[0]
    digests = {}
    for check, probe, i, text in _texts():
        digests[_key(check, probe, i)] = [_split_digest(text, splitters[check](text)), _ids_digest(encode(text))]
    out.write_text(json.dumps(digests))
    print(f"{len(digests)} texts")


def check(ref: Path) -> int:
    import tokcost

    digests = json.loads(ref.read_text())
    core = _core.CoreBPE({bytes([b]): b for b in range(256)}, {}, "deepseek_v4")
    enc = tokcost.get_encoding("deepseek_v4")
    assert enc._core.splitter == "deepseek_v4"
    print(f"native core: {_core.__file__}", flush=True)
    failures = seen = 0
    start = time.monotonic()
    for check_name, probe, i, text in _texts():
        split_ref, ids_ref = digests[_key(check_name, probe, i)]
        seen += 1
        if _split_digest(text, core.split_text(text)) != split_ref:
            failures += 1
            print(f"split differs: {check_name} probe {probe!r} chunk {i}", flush=True)
        if _ids_digest(enc.encode(text, allowed_special="all")) != ids_ref:
            failures += 1
            print(f"ids differ: {check_name} probe {probe!r} chunk {i}", flush=True)
        if seen % 500 == 0:
            print(f"{seen}/{len(digests)} texts, {time.monotonic() - start:.0f} s", flush=True)
    assert seen == len(digests), (seen, len(digests))
    print(f"{seen} texts, {failures} differences, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    mode, path = sys.argv[1], Path(sys.argv[2])
    sys.exit(reference(path) if mode == "reference" else check(path))
