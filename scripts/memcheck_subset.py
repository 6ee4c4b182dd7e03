"""A small workload for valgrind memcheck (docs/HARDENING.md): every native path once, checked.

FLORES lines of every language (the character path and its straddle table), long pieces of
each class (the long-piece encoder, periodic stretches, the whole-piece cache: each piece
twice), batches on two threads (the worker pool and its per-thread caches), `count`,
`encode` with special tokens, and decode, on o200k_base and cl100k_base. Every result is
compared with tiktoken's; the script exits 1 on a mismatch.

Since round 6 also: words of caseless letters beside everything that ends o200k's caseless
scan (pretokenize.h), pieces of 20-300 characters of the scripts whose characters stay
separate units (cache.h's tournament tree from 24 units, the pending queue, the 256-unit
limit), Python threads that start, encode and exit (per-thread caches in huge pages, mapped
and unmapped), and the native llama3 and deepseek_v4 splitters (pretokenize_open.h) on all
of it, checked against each family's own tokenizer when its package is installed.

Since round 14 also round 13's paths: ASCII digit runs of every length beside other scripts'
digits and characters from U+0080 up (tc_digit_pieces_end, the digit table), words of letters
below U+0800 and what ends them (v->script_chars), texts whose pieces straddle DeepSeek's
64-byte windows, Qwen's NFC step (_core.nfc, 8 code units a step) at every offset mod 8
against unicodedata and Qwen's own tokenizers, and special tokens that share only a first
character (encode's native search, tc_contains_any) against tiktoken.

Since round 15, `round14`: round 14's paths alone, with every reference computed first in a child
process, which valgrind does not follow (`--trace-children=no`, its default), so the references'
own code (tiktoken, the families' tokenizers, the `regex` package) takes no memcheck time: a fresh
process's first lists (the young-int arena, filled mid-list), eight code points below U+0800 a
shuffle and UCS-2 ASCII sixteen at a time (texts mixing widths at every edge), Devanagari windows
(o200k_base and llama4), Qwen's NFC check, the default `encode` and `encode_batch` of DeepSeek V4
and Tekken (MarkSet, tc_contains_any over their 1,000-odd tokens) and random MarkSets against
str's `in`, and tables loaded on threads (copied and checked without the GIL) while another
thread encodes, damaged ones among them.

    PYTHONMALLOC=malloc PYTHONPATH=src valgrind --tool=memcheck --suppressions=scripts/cpython.supp \\
        --track-origins=yes --num-callers=40 --log-file=vg.log \\
        /root/.pyenv/versions/3.11.7/bin/python3.11 scripts/memcheck_subset.py [lines per language] [round13|round14|round15|round29|round34|round35]
    python scripts/memcheck_ours.py vg.log

Since round 16, `round15`: round 15's paths alone, references from a child as for `round14`: encode
with allowed special tokens (tc_encode_special, encode_to_numpy) and encode_batch with them on two
threads (tc_batch.specials) on o200k_base, cl100k_base, r50k_base and p50k_edit, over FLORES lines of
caseless scripts (Thai, Lao, Khmer, Ethiopic, Myanmar, Tibetan, Sinhala: tc_caseless_run and its AVX2
step) and three-byte ones (the UTF-8 shuffle), runs of fuzz/harness.py's script parts and both with
special tokens among them; the native decoders (decode_tokens_bytes, decode_with_offsets, on whole
and cut id lists and on every seventh rank), token_byte_values' native sort, and o200k_base's tables
with their split table damaged (loaded from bytes and from a file).

Since round 30, `round29`: round 29's paths alone, references from a child: texts of FLORES lines of
many scripts, code and special tokens, cut over threads at every newline that a letter follows
(encoder.h's tc_run_text_threads with `_core.text_threads_sizes(64, 1)`) through encode_ordinary,
encode (allowed and default), encode_to_numpy and count, on o200k_base, cl100k_base, r50k_base and
p50k_base, and the open families' ordinary encode against their own tokenizers; and fresh
loads from a new table cache (the checksum on a thread beside the 16 KB copies and checks of
tables.pxi), from an intact file, one whose checksum alone is wrong, and one with a rank past the
vocabulary in a copied block (both rebuilt).

Since round 34, `round34`: the second-level piece cache (thread_caches.h) started at 16 slots on a
thread of its own, so Thai pieces crowding one bucket and long Thai runs grow it three times (its
pieces moved), pack it and clear it, every result against tiktoken's from a child.

Since round 35, `round35`: the thread's scratch (thread_caches.h), on a thread with Python's smallest
stack (32 KB): Thai words and runs, Armenian, long pieces and short English on o200k_base and cl100k_base,
alone and in two-thread batches, with the scratch at its size and then only a text pool's, so the
character path and the long-piece search are refused their room. Build with `CFLAGS=-DTC_VALGRIND` so
that memcheck sees taken room as undefined, as a stack array was.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from tokcost.testing import seed_tiktoken_cache, space_word_tokens

FLORES = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "flores200"
LONG_UNITS = ["a", "z", "Z", " ", "\n", "\t", "7", "!", "-", "\u4e2d", "\U0001f600", "\u00e9", "\u0e01", "ab", "abc!"]


def flores_lines(per_language: int) -> list[str]:
    from tokcost.bundled import FLORES_SAMPLE_DIR

    folder = FLORES if FLORES.is_dir() else FLORES_SAMPLE_DIR  # a plain clone has the sample
    return [line for path in sorted(folder.glob("*_*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines()[:per_language]]


def long_texts() -> list[str]:
    rng = random.Random(15)
    texts = []
    for unit in LONG_UNITS:
        for size in (300, 2_500, 6_000):
            stretch = unit * (size // len(unit.encode()))
            texts.append(stretch)
            texts.append("head " + stretch + " tail\n" + stretch)
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9_000))
    texts += [letters, letters + " " + letters, "".join(rng.choice("\u4e2d\u6587\u5b57") for _ in range(3_000))]
    return texts


CASELESS_RUNS = ["\ud55c\uad6d\uc5b4", "\u4e2d\u6587", "\u0645\u0631\u062d\u0628\u0627", "\u0939\u093f\u0928\u094d\u0926\u0940",
                 "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22", "\u0640\u0640", "\u0301\u0301", "\u02b0"]
CASELESS_BESIDE = ["", "A", "a", "\u00e9", "1", " ", "\n", "'s", "!", "\u00a0", "\u0301", "\u01c5", "\U0001f600", "\r\n", "'"]
# Characters that mostly stay one unit each on the character path: long pieces of them fill
# the tournament tree (24 units and up) and the queue of pending characters.
TREE_ALPHABETS = ["\u0e01\u0e02\u0e04\u0e07\u0e08\u0e32\u0e34\u0e31\u0e48\u0e49\u0e40\u0e41",  # Thai
                  "\u0915\u0916\u0917\u093e\u093f\u094d\u0902\u0947",                          # Devanagari
                  "\u0627\u0644\u0645\u0646\u064e\u064f\u0651",                                  # Arabic, marks
                  "\u1780\u1781\u17b6\u17d2\u17c1",                                                # Khmer
                  "\uac00\ub098\ub2e4\u1100\u1161\u11a8"]                                          # Hangul, jamo


def caseless_texts() -> list[str]:
    texts = [before + run + after + (run if k else "")
             for run in CASELESS_RUNS for before in CASELESS_BESIDE for after in CASELESS_BESIDE for k in (0, 1)]
    return texts[::3]


def tree_texts() -> list[str]:
    rng = random.Random(6)
    texts = []
    for alphabet in TREE_ALPHABETS:
        for n in (20, 23, 24, 25, 31, 32, 33, 64, 100, 200, 255, 256, 257, 300):
            word = "".join(rng.choice(alphabet) for _ in range(n))
            texts += [word, " " + word, "x" + word + "\n", word + "A" + word[: n // 2]]
    return texts


DIGIT_NEIGHBOURS = ["\u0663", "\u06f4", "\u07c1", "\u0969", "\uff13", "\u00b2", "\u00bd", "\u00e9", "\u0300", "\u4e2d",
                    "\U0001f600", "a", " ", ""]
LOW_WORDS = ["\u00c9cole\u00e9t\u00e9", "\u0141\u00f3d\u017a", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
             "\u0540\u0561\u0575\u0565\u0580", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u072b\u0720\u0721",
             "\u078b\u07a8\u0788\u07ac", "\u07d2\u07de\u07cf", "\u00dfSTRA\u00dfE"]
LOW_ENDS = ["\u00a0", "\u00b7", "\u00d7", "\u00c0", "\u01c5", "\u02bc", "\u0300", "\u037e", "\u0483", "\u055a",
            "\u05be", "\u060c", "\u0640", "\u0660", "\u06d4", "\u0700", "\u07c0", "\u07ff", "\u0800", "\u2019",
            "\u3000", "\U0001f600", "'s", "1", "\n", " "]
DEEPSEEK_EDGES = ["'s", " 's", "'S", "    123", " 1", "\t\t9", "  \n", "\r\n", " !!", "\u00e9", " \u0663"]


def digit_texts() -> list[str]:
    def digits(n: int) -> str:
        return ("1234567890" * (n // 10 + 1))[:n]

    texts = ["".join(digits(n) + near for n in range(1, 34)) for near in DIGIT_NEIGHBOURS]
    texts += ["".join(near + digits(n) for n in range(1, 34)) for near in DIGIT_NEIGHBOURS]
    texts += [digits(n) + near for n in (332, 333, 334, 999, 1000, 1001) for near in ("\u0663", "\u00e9", "")]
    return texts


def low_word_texts() -> list[str]:
    return ["".join(" " * (k % 2) + word + end + word[1:] for k, end in enumerate(LOW_ENDS)) for word in LOW_WORDS]


def deepseek_window_texts() -> list[str]:
    return [("ab " * 30)[:k] + edge + " tail 42" for edge in DEEPSEEK_EDGES for k in range(60, 68)]


def nfc_texts() -> list[str]:
    """A character NFC changes at every offset mod 8 of a two-byte-kind text, among characters
    _core.nfc's wide step passes (ASCII, U+0400-U+047F) and one just past them (U+0482); since
    round 23 also parts NFC lengthens whose result widens to 32 bits midway (U+FA6C decomposes
    to plane 2), where a result reserved for 16-bit units overflowed before the fix; and (round 23's
    harden) runs of marks in falling classes past the insertion sort's 32 (sorted by counting in room
    the work buffer grows for, which may move it), Hangul syllables and jamo (arithmetic), and parts
    NFC shortens, lengthens or leaves alone after the full decomposition, in 16 and 32 bits."""
    marks = "\u0301\u0345\u0316\u0334\u05b0\u0323"
    return [fill * k + mark + fill * (15 - k) + "\u0436" for fill in ("a", "\u0436", "\u0482")
            for mark in ("e\u0301", "\u0418\u0306", "\u1100\u1161", "\u0483", "\u0419") for k in range(16)] + [
        text for k in range(40) for text in ("\u0958" * k + "\ufa6c", "\ufa6c" + "\u0958" * k,
                                             "x" * k + "\u0958" * k + "\ufa6c\u0958", "\u0f73" * k + "\ufa6c" * k)] + [
        text for k in (5, 6, 33, 200) for astral in ("", "\U0001f600")
        for text in (astral + "a" + marks * k, "\u0436" + marks[::-1] * k + astral, "\u1100\u1161\u11a8\uac00\u11a8" * k,
                     "e\u0301\u0323" * k + astral, "\u0f40\u0f73\u0f72" * k, "\u0915\u093f\u094d" * k + astral)]


def nfc_checks(texts: list[str]) -> int:
    """_core.nfc: Qwen's NFC step equals unicodedata's, and returns a text NFC leaves alone itself."""
    import unicodedata

    from tokcost._core import nfc

    checks = [nfc(text) == unicodedata.normalize("NFC", text)
              and (nfc(text) is text) == unicodedata.is_normalized("NFC", text) for text in texts]
    failed = checks.count(False)
    print(f"nfc: {len(checks)} checks, {failed} failed", flush=True)
    return failed


def special_start_checks(texts: list[str]) -> int:
    """encode's default call where the special tokens share only "<" (the native search for them,
    tc_contains_any), over r50k_base's ranks, against tiktoken with the same tokens."""
    import tiktoken

    import tokcost

    base = tiktoken.get_encoding("r50k_base")
    tokens = {"<a>": 50257, "<b>": 50258, "<|x|>": 50259, "<c": 50260}  # none a prefix of another
    parts = {"name": "starts", "pat_str": base._pat_str, "mergeable_ranks": base._mergeable_ranks}
    ours = tokcost.Encoding(**parts, special_tokens=tokens)
    theirs = tiktoken.Encoding(**parts, special_tokens=tokens)

    def outcome(encode, text, **kwargs):
        try:
            return encode(text, **kwargs)
        except ValueError:
            return "ValueError"

    checks = [outcome(ours.encode, text, **kwargs) == outcome(theirs.encode, text, **kwargs)
              for text in texts
              for kwargs in ({}, {"disallowed_special": ()}, {"allowed_special": "all"},
                             {"allowed_special": {"<a>"}, "disallowed_special": {"<b>", "<c"}})]
    failed = checks.count(False)
    print(f"special starts: {len(checks)} checks, {failed} failed", flush=True)
    return failed


def round13_texts() -> list[str]:
    return digit_texts() + low_word_texts() + deepseek_window_texts()


def threads_that_exit(enc, texts: list[str]) -> list[list[int]]:
    """Encode each text in a new thread that then exits: its caches (and, past 4 KB, its
    whole-piece cache) are mapped on the first call and unmapped at thread exit."""
    import threading

    results: list[list[int]] = [[] for _ in texts]

    def run(i: int) -> None:
        results[i] = enc.encode_ordinary(texts[i])

    for i in range(len(texts)):
        thread = threading.Thread(target=run, args=(i,))
        thread.start()
        thread.join()
    return results


def open_families(texts: list[str]) -> int:
    """The native llama3, deepseek_v4 and Qwen splitters against each family's own tokenizer
    (Qwen's: the texts' NFC form, made by _core.nfc)."""
    import importlib.util

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_open_models import _installed, _ordinary, _reference

    import tokcost

    failures = 0
    for name in ("llama3", "deepseek_v4", "qwen", "qwen3_5"):
        if not _installed(name) or (name == "deepseek_v4" and importlib.util.find_spec("tokenizers") is None):
            print(f"{name}: package not installed, skipped", flush=True)
            continue
        enc, ref = tokcost.get_encoding(name), _reference(name)[0]
        encode = _ordinary(name, enc)
        expected = [ref(text) for text in texts]
        checks = [encode(text) == ids for text, ids in zip(texts, expected)]
        if name in ("llama3", "qwen"):
            checks.append(enc.encode_ordinary_batch(texts, num_threads=2) == expected)
            checks.append(enc.count_batch(texts, num_threads=2) == [len(ids) for ids in expected])
        failed = checks.count(False)
        print(f"{name}: {len(checks)} checks, {failed} failed", flush=True)
        failures += failed
    return failures


def main(per_language: int, round13_only: bool = False) -> int:
    seed_tiktoken_cache()
    import tiktoken

    import tokcost

    lines, longs = flores_lines(per_language), long_texts() + caseless_texts() + tree_texts() + round13_texts()
    if round13_only:  # `round13`: round 13's paths alone, a few minutes under memcheck
        lines, longs = flores_lines(1)[::8], round13_texts()
    failures = 0
    for name in ("o200k_base", "cl100k_base"):
        ours, theirs = tokcost.get_encoding(name), tiktoken.get_encoding(name)
        checks = []
        for text in lines + longs:
            ids = theirs.encode_ordinary(text)
            checks.append(ours.encode_ordinary(text) == ids and ours.count(text) == len(ids)
                          and ours.decode(ids) == text)
        expected = theirs.encode_ordinary_batch(lines + longs)
        checks.append(ours.encode_ordinary_batch(lines + longs, num_threads=2) == expected)
        checks.append(ours.count_batch(lines + longs, num_threads=2) == [len(ids) for ids in expected])
        joined = "<|endoftext|>".join(lines[:50])
        checks.append(ours.encode(joined, allowed_special="all") == theirs.encode(joined, allowed_special="all"))
        checks.append(ours.encode_batch([joined] * 4, num_threads=2, allowed_special="all")
                      == theirs.encode_batch([joined] * 4, allowed_special="all"))
        checks.append(ours.decode_bytes(list(range(0, ours.n_vocab - 300, 97)))
                      == theirs.decode_bytes(list(range(0, ours.n_vocab - 300, 97))))
        exiting = longs[::7]
        checks.append(threads_that_exit(ours, exiting) == [theirs.encode_ordinary(text) for text in exiting])
        failed = checks.count(False)
        print(f"{name}: {len(checks)} checks, {failed} failed", flush=True)
        failures += failed
    failures += open_families(lines + longs + nfc_texts())
    failures += nfc_checks(nfc_texts() + lines)
    failures += special_start_checks(["<a> x <b> < <|x| <<a>", "a <ab> <c> " * 8, "<" * 70, "no start here " * 6,
                                      "<a" * 40 + "<b>"]
                                     + lines[:40])
    return 1 if failures else 0


# ---------------------------------------------------------------- references from a child, checks by group


def references_from_child(mode: str) -> dict:
    """The references of `mode` (round14, round15), computed by this script in a child process
    (`<mode>-references`), which valgrind does not follow, so their code takes no memcheck time."""
    import json
    import subprocess

    child = subprocess.run([sys.executable, __file__, "0", f"{mode}-references"], capture_output=True, text=True)
    if child.returncode:
        sys.exit(child.stderr)
    return json.loads(child.stdout)


class Tally:
    """Failed checks over a run's groups of checks, a line printed a group."""

    def __init__(self) -> None:
        self.failures = 0

    def report(self, what: str, checks: list[bool]) -> None:
        failed = checks.count(False)
        print(f"{what}: {len(checks)} checks, {failed} failed", flush=True)
        self.failures += failed


# ---------------------------------------------------------------- round 14's paths (round 15)

ROUND14_LANGUAGES = ("eng_Latn", "arb_Arab", "hin_Deva", "mar_Deva", "npi_Deva", "rus_Cyrl", "heb_Hebr", "hye_Armn",
                     "ell_Grek", "zho_Hans")
# Code points at each edge of the UTF-8 widths and of the UCS-2 / UCS-4 kinds.
WIDTH_EDGES = ("a", "\x7f", "\x80", "\u00ff", "\u0100", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\U00010000")
DEVANAGARI_WORDS = ("\u0928\u092e\u0938\u094d\u0924\u0947", "\u0939\u093f\u0928\u094d\u0926\u0940", "\u0915",
                    "\u0915\u094d\u0937\u0924\u094d\u0930\u093f\u092f")
DEVANAGARI_CUTS = ("", " ", "\u0964", "\u0965", "\u0966", "a", "'", "'s", "\u0981", "\u093c", "\n", "\U0001f600", "1")
ROUND14_FAMILIES = ("llama4", "qwen", "qwen3_5", "deepseek_v4", "tekken")


def round14_texts() -> dict[str, list[str]]:
    """Texts for round 14's paths, by the encodings that take them."""
    rng = random.Random(14)
    lines = [line for name in ROUND14_LANGUAGES
             for line in (FLORES / f"{name}.txt").read_text(encoding="utf-8").splitlines()[:3]]
    widths = ["".join(rng.choice(WIDTH_EDGES) for _ in range(n)) for n in (7, 8, 9, 15, 16, 17, 33, 64, 100)
              for _ in range(3)]
    widths += ["\u0627" * k + "a" * n + "\u4e2d" for k in (1, 7, 8) for n in (15, 16, 17, 40)]  # UCS-2, ASCII runs
    devanagari = ["".join(rng.choice(DEVANAGARI_WORDS) + rng.choice(DEVANAGARI_CUTS) + " " * rng.randrange(2)
                          for _ in range(n)) for n in (1, 3, 8, 20, 40) for _ in range(3)]
    devanagari += [" " * k + DEVANAGARI_WORDS[0] * m + cut for k in (0, 1) for m in (1, 3, 5, 6, 11) for cut in
                   DEVANAGARI_CUTS]  # words ending near 16, 32 and 64 bytes
    return {"bytes": lines + widths + devanagari + nfc_texts()}


def round14_references() -> str:
    """The child's answer (JSON): texts and every reference result round 14's checks compare with."""
    import json

    seed_tiktoken_cache()
    import tiktoken

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_open_models import _installed, _reference

    ref = tiktoken.get_encoding("o200k_base")
    words = space_word_tokens(ref)  # one piece each
    rng = random.Random(7)
    rng.shuffle(words)
    young = ["".join(rng.choices(words[:3000], k=200)) for _ in range(6)]
    young += ["".join(words[:30000]) + young[1], "".join(words[-20000:])]  # the arena fills mid-list
    texts = round14_texts()["bytes"]
    out = {"young": young, "texts": texts, "expected": {}, "specials": {}}
    for name in ("o200k_base", "cl100k_base"):
        enc = tiktoken.get_encoding(name)
        out["expected"][name] = [enc.encode_ordinary(t) for t in young + texts]
    for name in ROUND14_FAMILIES:
        if not _installed(name):
            continue
        encode, specials = _reference(name)
        out["specials"][name] = sorted(specials)
        picked = rng.sample(sorted(specials), min(40, len(specials)))
        marked = texts[:20] + [t + tok + t[:5] for t, tok in zip(texts[20:60], picked)]
        out.setdefault("family_texts", {})[name] = marked
        out["expected"][name] = [encode(t) for t in marked]
    return json.dumps(out)


def round14_checks() -> int:
    """Round 14's paths against the child's references (round14_references)."""
    import threading

    import tokcost
    from tokcost import _core

    ref = references_from_child("round14")
    young, texts = ref["young"], ref["texts"]
    tally = Tally()
    report = tally.report

    # This process's first lists: young ints, the arena filled mid-list, then the block.
    enc = tokcost.get_encoding("o200k_base")
    expected = ref["expected"]["o200k_base"]
    first = [enc.encode_ordinary(t) for t in young[:6]]
    checks = [ids == want for ids, want in zip(first, expected)]
    again = enc.encode_ordinary(young[0])
    checks.append(all(a is b for a, b in zip(again, first[0])))  # one object per id while young
    later = [enc.encode_ordinary(t) for t in young[6:] + young[6:7] + young[2:3]]  # fills the arena, then the block
    checks += [ids == want for ids, want in zip(later, expected[6:8] + expected[6:7] + expected[2:3])]
    checks.append(len(set(later[0])) > 16384)
    report("young ints (o200k_base)", checks)
    for name in ("o200k_base", "cl100k_base"):  # the UTF-8 shuffle, UCS-2 ASCII, Devanagari windows
        enc = tokcost.get_encoding(name)
        want = ref["expected"][name][len(young):]
        checks = [enc.encode_ordinary(t) == ids and enc.count(t) == len(ids) and enc.decode(ids) == t
                  for t, ids in zip(texts, want)]
        checks.append(enc.encode_ordinary_batch(texts, num_threads=2) == want)
        report(name, checks)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_open_models import _ordinary

    for name in ROUND14_FAMILIES:
        if name not in ref["specials"]:
            print(f"{name}: package not installed, skipped", flush=True)
            continue
        enc = tokcost.get_encoding(name)
        marked, want, specials = ref["family_texts"][name], ref["expected"][name], ref["specials"][name]
        checks = [_ordinary(name, enc)(t) == ids for t, ids in zip(marked, want)]
        if name in ("deepseek_v4", "tekken"):  # encode's default call: the MarkSet screen
            def default(text: str):
                try:
                    return enc.encode(text)
                except ValueError:
                    return "ValueError"

            holds = [any(tok in t for tok in specials) for t in marked]
            plain = [enc.encode_ordinary(t) for t in marked]
            checks += [default(t) == ("ValueError" if h else ids) for t, h, ids in zip(marked, holds, plain)]
            try:
                batch = enc.encode_batch(marked, num_threads=2)
            except ValueError:
                batch = "ValueError"
            checks.append(batch == ("ValueError" if any(holds) else plain))
            clean = [t for t, h in zip(marked, holds) if not h]
            checks.append(enc.encode_batch(clean, num_threads=2) == [ids for ids, h in zip(plain, holds) if not h])
            marks = _core.MarkSet(specials)
            checks += [marks.found_in(t) == h for t, h in zip(marked, holds)]
        report(f"{name}", checks)
    tally.failures += nfc_checks(nfc_texts() + texts)
    # Random MarkSets (prefix-heavy, one to four bytes a character) against str's in.
    rng = random.Random(15)
    alphabet = ("<", "a", "b", "\u00e9", "\u00e8", "\u4e2d", "\u4e2b", "\U0001f600", "\U0001f601")
    checks = []
    for _ in range(300):
        tokens = {"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 12))}
        marks = _core.MarkSet(tokens)
        for _ in range(4):
            text = "".join(rng.choices(alphabet + (" ", "x"), k=rng.randint(0, 80)))
            checks.append(marks.found_in(text) == any(t in text for t in tokens))
    report("MarkSet.found_in", checks)
    # Tables loaded on threads (copies and checks without the GIL) while another thread encodes;
    # a damaged blob raises on its thread.
    enc = tokcost.get_encoding("cl100k_base")
    blob = enc._core.export_tables()
    text = texts[0] * 3
    want = enc.encode_ordinary(text)
    results, errors = [], []

    def load(data: bytes) -> None:
        try:
            results.append(_core.CoreBPE(data, {}, "cl100k").encode_ordinary(text))
        except ValueError as exc:
            errors.append(exc)

    damaged = bytearray(blob)
    # 0x7F bytes: a rank or offset out of range in every table the loader checks. Not 0xFF: since format t12
    # the blob's middle is in the pair table, where eight 0xFF bytes are an empty slot, which loads.
    damaged[len(blob) // 2 : len(blob) // 2 + 64] = b"\x7f" * 64
    blobs = (blob, blob, bytes(damaged), blob[: len(blob) // 3])
    threads = [threading.Thread(target=load, args=(data,)) for data in blobs]
    threads.append(threading.Thread(target=lambda: results.extend(enc.encode_ordinary(text) for _ in range(5))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report("tables on threads", [len(results) == 7 and all(r == want for r in results), len(errors) == 2])
    return tally.failures


# ---------------------------------------------------------------- round 15's paths (round 16)

ROUND15_LANGUAGES = ("tha_Thai", "lao_Laoo", "khm_Khmr", "amh_Ethi", "tir_Ethi", "mya_Mymr", "bod_Tibt", "sin_Sinh",
                     "kat_Geor", "eng_Latn", "zho_Hans")
ROUND15_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_edit")
# The allowed sets encode and encode_batch are checked under: all, one, and all but one.
ROUND15_ALLOWED = ("all", "one", "rest")


def round15_texts() -> list[str]:
    """FLORES lines of caseless scripts (tc_caseless_run, its AVX2 step) and of three-byte ones (the
    UTF-8 shuffle), runs of harness._SCRIPT_PARTS, with the encodings' special tokens among them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
    from harness import _SCRIPT_PARTS

    rng = random.Random(16)
    lines = [line for name in ROUND15_LANGUAGES
             for line in (FLORES / f"{name}.txt").read_text(encoding="utf-8").splitlines()[:3]]
    specials = ("<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>", "<|")
    parts = [p for p in _SCRIPT_PARTS if p != "\ud800"]
    # Pieces of at most a few KB: tiktoken's merging is quadratic in a piece's length.
    runs = ["".join(rng.choice(parts) * rng.choice((1, 1, 2, 7)) for _ in range(rng.randrange(1, 10)))
            for _ in range(30)]
    marked = [a + rng.choice(specials) + b + rng.choice(specials) for a, b in zip(lines[::2] + runs, runs + lines[1::2])]
    return lines + runs + marked


def _allowed(names: list[str], which: str):
    return {"all": "all", "one": set(names[:1]), "rest": set(names[1:])}[which]


def _bytes_digest(tokens) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for t in tokens:
        h.update(len(t).to_bytes(4, "little") + t)
    return h.hexdigest()


def round15_references() -> str:
    """The child's answer (JSON): tiktoken's results for round 15's checks."""
    import json

    seed_tiktoken_cache()
    import tiktoken

    texts = round15_texts()
    out = {"texts": texts, "encodings": {}}
    for name in ROUND15_ENCODINGS:
        enc = tiktoken.get_encoding(name)
        names = sorted(enc.special_tokens_set)
        ref = out["encodings"][name] = {"encode": {}, "offsets": [], "pieces": []}
        for which in ROUND15_ALLOWED:
            ref["encode"][which] = [enc.encode(t, allowed_special=_allowed(names, which), disallowed_special=())
                                    for t in texts]
        for ids in ref["encode"]["all"]:
            ref["pieces"].append(_bytes_digest(enc.decode_tokens_bytes(ids)))
            try:
                ref["offsets"].append(enc.decode_with_offsets(ids)[1])
            except UnicodeDecodeError:
                ref["offsets"].append("UnicodeDecodeError")
        last = max(enc._mergeable_ranks.values())
        ranks = list(range(0, last + 1, 7))
        ref["spread"] = _bytes_digest(enc.decode_tokens_bytes(ranks))
        ref["spread_ranks"] = ranks
        ref["token_byte_values"] = _bytes_digest(enc.token_byte_values())
    return json.dumps(out)


def round15_checks() -> int:
    """Round 15's native paths against the child's references (round15_references): encode_special
    (encode and encode_to_numpy with allowed sets), encode_batch with allowed special tokens on two
    threads (tc_batch.specials), the native decoders, token_byte_values' sort, and tables whose split
    table (v->split) a damaged cache changed."""
    import tempfile

    import tokcost
    from tokcost import _core

    ref = references_from_child("round15")
    texts = ref["texts"]
    tally = Tally()
    report = tally.report

    for name in ROUND15_ENCODINGS:
        enc, want = tokcost.get_encoding(name), ref["encodings"][name]
        names = sorted(enc.special_tokens_set)
        checks = []
        for which in ROUND15_ALLOWED:
            allowed = _allowed(names, which)
            expected = want["encode"][which]
            checks += [enc.encode(t, allowed_special=allowed, disallowed_special=()) == ids
                       for t, ids in zip(texts, expected)]
            checks += [enc.encode_to_numpy(t, allowed_special=allowed, disallowed_special=()).tolist() == ids
                       for t, ids in zip(texts[::5], expected[::5])]
            checks.append(enc.encode_batch(texts, num_threads=2, allowed_special=allowed, disallowed_special=())
                          == expected)
            if which == "all":  # encode_batch's screen with nothing disallowed, and the default call's raise
                checks.append(enc.encode_batch(texts, num_threads=2, allowed_special="all") == expected)
            try:
                enc.encode_batch(texts, num_threads=2)
                checks.append(False)
            except ValueError:
                checks.append(True)
        report(f"{name} encode_special and batches", checks)
        checks = []
        for ids, pieces, offsets in zip(want["encode"]["all"], want["pieces"], want["offsets"]):
            checks.append(_bytes_digest(enc.decode_tokens_bytes(ids)) == pieces)
            try:
                checks.append(enc.decode_with_offsets(ids)[1] == offsets)
            except UnicodeDecodeError:
                checks.append(offsets == "UnicodeDecodeError")
            cut = ids[1:-1]  # tokens cut at both ends: invalid UTF-8 now and then
            try:
                text, got = enc.decode_with_offsets(cut)
                checks.append(text.encode("utf-8") == enc.decode_bytes(cut) and len(got) == len(cut))
            except UnicodeDecodeError:
                checks.append(True)
        spread = want["spread_ranks"]
        checks.append(_bytes_digest(enc.decode_tokens_bytes(spread)) == want["spread"])
        checks.append(_bytes_digest(enc.token_byte_values()) == want["token_byte_values"])
        report(f"{name} decoders and token_byte_values", checks)
    # The split table (8 bytes a rank at the blob's end, t12) damaged: loading raises ValueError or the
    # core encodes as before (the two-token path that reads it is compiled out, TC_MERGE_TWO 0).
    enc = tokcost.get_encoding("o200k_base")
    blob, n = enc._core.export_tables(), enc._core.n_ranks
    expected = [enc.encode_ordinary(t) for t in texts]
    start = len(blob) - 8 * n
    rng = random.Random(15)
    damaged = []
    for fill in (b"\xff" * 8, b"\x00" * 8, (2**40 + 5).to_bytes(8, "little"), (1 << 62 | 0x41).to_bytes(8, "little")):
        data = bytearray(blob)
        for _ in range(2000):
            at = start + 8 * rng.randrange(n)
            data[at : at + 8] = fill
        damaged.append(bytes(data))
    damaged += [blob[:-1], blob[: start + 4], blob[:start]]
    checks = []
    for data in damaged:
        for from_file in (False, True):
            try:
                if from_file:
                    with tempfile.TemporaryFile() as f:
                        f.write(data)
                        f.flush()
                        core = _core.CoreBPE(data, dict(enc._special_tokens), "o200k", table_fd=f.fileno())
                else:
                    core = _core.CoreBPE(data, dict(enc._special_tokens), "o200k")
            except ValueError:
                checks.append(True)
                continue
            checks.append(all(core.encode_ordinary(t) == ids for t, ids in zip(texts, expected)))
    report("split table damaged", checks)
    return tally.failures


# ---------------------------------------------------------------- round 29's paths (round 30)

ROUND29_LANGUAGES = ("eng_Latn", "zho_Hans", "jpn_Jpan", "tha_Thai", "arb_Arab", "hin_Deva", "rus_Cyrl", "kor_Hang")
ROUND29_ENCODINGS = ("o200k_base", "cl100k_base", "r50k_base", "p50k_base")
# Round 30 cuts every native splitter's texts: the open families', against their own tokenizers.
ROUND29_FAMILIES = ("llama3", "tekken", "qwen", "qwen3_5", "deepseek_v4")


def _open_families() -> dict:
    """{family: its own ordinary encode} for the families whose packages are installed."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import test_open_models

    return {name: test_open_models._reference(name)[0] for name in ROUND29_FAMILIES if test_open_models._installed(name)}


def round29_texts() -> list[str]:
    """Texts of lines, each line after a newline (a cut wherever a letter starts the next): FLORES
    lines of several scripts, lines of this file, and both with special tokens among them."""
    rng = random.Random(29)
    lines = [line for name in ROUND29_LANGUAGES
             for line in (FLORES / f"{name}.txt").read_text(encoding="utf-8").splitlines()[:4]]
    lines += Path(__file__).read_text(encoding="utf-8").splitlines()[40:120]
    specials = ("<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|")
    texts = []
    for _ in range(24):
        picked = rng.sample(lines, rng.randrange(3, 30))
        if rng.random() < 0.5:
            picked = [line + rng.choice(specials) if rng.random() < 0.3 else line for line in picked]
        texts.append(rng.choice(("", "\n", "x")) + "\n".join(picked) + rng.choice(("", "\n", "\n\n")))
    return texts


def round29_references() -> str:
    """The child's answer (JSON): tiktoken's ids for round 29's texts."""
    import json

    seed_tiktoken_cache()
    import tiktoken

    texts = round29_texts()
    out = {"texts": texts, "encodings": {}}
    for name in ROUND29_ENCODINGS:
        enc = tiktoken.get_encoding(name)
        out["encodings"][name] = {"ordinary": [enc.encode_ordinary(t) for t in texts],
                                  "all": [enc.encode(t, allowed_special="all") for t in texts]}
    out["families"] = {name: [encode(t) for t in texts] for name, encode in _open_families().items()}
    return json.dumps(out)


def round29_checks() -> int:
    """Round 29's native paths against the child's references (round29_references): texts cut over
    threads through every one-text entry point, and loads from a fresh, an intact and two damaged
    table caches."""
    import os
    import struct
    import tempfile
    import zlib

    import tokcost
    from tokcost import _core, registry
    from tokcost.load import load_encoding

    ref = references_from_child("round29")
    texts = ref["texts"]
    tally = Tally()
    tokcost.text_threads(True)
    _core.text_threads_sizes(64, 1)
    for name in ROUND29_ENCODINGS:
        enc, want = tokcost.get_encoding(name), ref["encodings"][name]
        cut_before = _core.texts_cut()
        checks = []
        for text, ordinary, special in zip(texts, want["ordinary"], want["all"]):
            checks += [enc.encode_ordinary(text) == ordinary, enc.count(text) == len(ordinary),
                       enc.encode(text, disallowed_special=()) == ordinary,
                       enc.encode_to_numpy(text, disallowed_special=()).tolist() == ordinary,
                       enc.encode(text, allowed_special="all") == special,
                       enc.encode_to_numpy(text, allowed_special="all").tolist() == special]
            if special == ordinary:
                checks.append(enc.encode(text) == ordinary)
        checks.append(_core.texts_cut() > cut_before)
        tally.report(f"{name}: texts cut over threads", checks)
    for name, expected in ref["families"].items():
        enc, cut_before = tokcost.get_encoding(name), _core.texts_cut()
        # No text holds a family's own special token, so its ordinary encode is the reference's
        # (Hugging Face reads DeepSeek's in text: encode with them allowed, under 8 KB never cut, too).
        checks = [enc.encode_ordinary(text) == ids for text, ids in zip(texts, expected)]
        if name == "deepseek_v4":
            checks += [enc.encode(text, allowed_special="all") == ids for text, ids in zip(texts, expected)]
        checks.append(_core.texts_cut() > cut_before)
        tally.report(f"{name}: texts cut over threads", checks)

    spec = registry.ENCODINGS["o200k_base"]
    probe, expected = texts[:4], ref["encodings"]["o200k_base"]["ordinary"][:4]
    with tempfile.TemporaryDirectory() as cache:
        os.environ["TOKCOST_CACHE_DIR"] = cache
        checks = [[load_encoding(spec).encode_ordinary(t) for t in probe] == expected]  # built and saved
        checks.append([load_encoding(spec).encode_ordinary(t) for t in probe] == expected)  # from the file
        (path,) = [p for p in Path(cache).iterdir() if p.suffix == ".tables"]
        good = path.read_bytes()
        payload = bytearray(good[:-8])
        metas = token_table_metas(payload)
        struct.pack_into("<I", payload, metas[len(metas) // 2], 2**21 - 2)  # a rank past the vocabulary
        for damaged in (good[:-1] + bytes([good[-1] ^ 1]),  # the checksum alone
                        bytes(payload) + struct.pack("<Q", zlib.crc32(payload))):  # a true checksum
            path.write_bytes(damaged)
            checks.append([load_encoding(spec).encode_ordinary(t) for t in probe] == expected)
            checks.append(path.read_bytes() == good)  # refused, rebuilt and saved again
        del os.environ["TOKCOST_CACHE_DIR"]
    tally.report("o200k_base: table cache loads", checks)
    return tally.failures


def token_table_metas(blob: bytes) -> list[int]:
    """Where the rank word of each used token table slot is in a tables blob."""
    import struct

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_vocab import _table_offsets  # the blob's layout, read as the tests read it

    piece, n_piece, _, _ = _table_offsets(blob)
    metas = (piece + 16 * k + 12 for k in range(n_piece))
    return [m for m in metas if struct.unpack_from("<I", blob, m)[0] != 0xFFFFFFFF]


# ---------------------------------------------------------------- round 34's paths (round 34)

def round34_texts() -> list[str]:
    """Thai pieces of 36 to 60 bytes (each kept in the second level, none in the piece cache): 12
    keepers, at most four to a bucket of 16 slots, asked after every 50 of 300 pieces that crowd one
    bucket of 128 slots, twice over (the pack test's turns); then 12 texts of long Thai runs."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_piece_cache import THAI, crowded_turns

    rng = random.Random(34)
    turns = crowded_turns(34, n_crowd=300, n_keepers=12, first_bits=4, most_bits=7, crowd_buckets=1, every=50)
    return turns + ["\n".join("".join(rng.choices(THAI, k=rng.randrange(40, 300))) for _ in range(10))
                    for _ in range(12)]


def round34_references() -> str:
    """The child's answer (JSON): tiktoken's o200k_base ids for round 34's texts."""
    import json

    seed_tiktoken_cache()
    import tiktoken

    texts = round34_texts()
    enc = tiktoken.get_encoding("o200k_base")
    return json.dumps({"texts": texts, "ids": [enc.encode_ordinary(t) for t in texts]})


def round34_checks() -> int:
    """Round 34's second level (thread_caches.h) made to start at 16 slots on a thread of its own, so
    round 34's texts grow it three times (tc_big_move), pack it (tc_big_pack) and clear it, against
    the child's references."""
    import threading

    import tokcost
    from tokcost import _core

    ref = references_from_child("round34")
    enc, tally, checks = tokcost.get_encoding("o200k_base"), Tally(), []
    _core.second_level_first_bits(4)

    def work():
        before = _core.second_level_events()
        checks.extend(enc.encode_ordinary(t) == ids for t, ids in zip(ref["texts"], ref["ids"]))
        grown, packed, cleared = (a - b for a, b in zip(_core.second_level_events(), before))
        print(f"second level: grown {grown}, packed {packed}, cleared {cleared}", flush=True)
        checks.extend([grown == 3, packed > 0, cleared > 0])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    tally.report("o200k_base: a second level grown, packed and cleared", checks)
    return tally.failures


# ---------------------------------------------------------------- round 35's paths (round 35)

def round35_texts() -> list[str]:
    """Thai words and a long Thai run (the character path's units), Armenian (short ones), long pieces
    of letters and of Thai (the long-piece search's state), and short English (the text loop's pool)."""
    rng = random.Random(35)
    thai = [chr(c) for c in range(0x0E01, 0x0E2F)]
    armenian = [chr(c) for c in range(0x0561, 0x0587)]
    return ([" ".join("".join(rng.choices(thai, k=rng.randrange(20, 250))) for _ in range(8)) for _ in range(6)]
            + [" ".join("".join(rng.choices(armenian, k=rng.randrange(2, 12))) for _ in range(60))]
            + ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6000)), "".join(rng.choices(thai, k=3000)),
               "hello world, " * 40])


def round35_references() -> str:
    """The child's answer (JSON): tiktoken's o200k_base and cl100k_base ids for round 35's texts."""
    import json

    seed_tiktoken_cache()
    import tiktoken

    texts = round35_texts()
    return json.dumps({"texts": texts, "ids": {name: [tiktoken.get_encoding(name).encode_ordinary(t) for t in texts]
                                               for name in ("o200k_base", "cl100k_base")}})


def round35_checks() -> int:
    """Round 35's scratch (thread_caches.h), on a thread with Python's smallest stack: every room taken
    at full size, then the scratch only as large as a text's pool, so the character path and the
    long-piece search are refused theirs (a build with -DTC_VALGRIND shows taken room as undefined)."""
    import threading

    import tokcost
    from tokcost import _core

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
    from harness import _scratch_for_the_pool_alone

    ref = references_from_child("round35")
    tally, full = Tally(), _core.scratch_bytes()[0]
    for name in ("o200k_base", "cl100k_base"):
        enc, checks = tokcost.get_encoding(name), []

        def work():
            for setting in ("full", "pool alone"):
                if setting == "pool alone":
                    _scratch_for_the_pool_alone(_core, enc)
                before = _core.scratch_bytes()[1]
                checks.extend(enc.encode_ordinary(t) == ids for t, ids in zip(ref["texts"], ref["ids"][name]))
                checks.append(enc.encode_ordinary_batch(ref["texts"], num_threads=2) == ref["ids"][name])
                refused = _core.scratch_bytes()[1] - before
                print(f"{name}, scratch {setting}: {refused} takes refused", flush=True)
                checks.append((refused > 0) == (setting == "pool alone"))
                _core.scratch_bytes(full)

        threading.stack_size(32768)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        threading.stack_size(0)
        tally.report(f"{name}: a 32 KB thread, its scratch full and then the pool's alone", checks)
    return tally.failures


MODES = {"round14": (round14_references, round14_checks), "round15": (round15_references, round15_checks),
         "round29": (round29_references, round29_checks), "round34": (round34_references, round34_checks),
         "round35": (round35_references, round35_checks)}

if __name__ == "__main__":
    for mode, (references, checks) in MODES.items():
        if f"{mode}-references" in sys.argv[2:]:  # the child of references_from_child, outside valgrind
            print(references())
            sys.exit(0)
        if mode in sys.argv[2:]:
            seed_tiktoken_cache()
            sys.exit(1 if checks() else 0)
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, "round13" in sys.argv[2:]))
