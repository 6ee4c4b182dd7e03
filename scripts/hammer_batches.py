"""Several Python threads hammering the native batch paths at once, for ThreadSanitizer.

Each thread runs count_batch, encode_ordinary_batch, encode_batch and
encode_ordinary_batch_to_numpy (2-4 native threads each, so the worker pool
is shared, busy or free) and
count_plain_files, on texts of every string layout (ASCII, Latin-1, UCS-2,
UCS-4, a lone surrogate), short and long, some with long pieces, on o200k_base, cl100k_base and (when
their packages are installed) the native llama3, deepseek_v4, qwen3_5, llama4 and tekken splitters, and
encode_batch with allowed special tokens (round 16: their ids made on the batch's threads), and
checks each result against one computed serially first, and encodes and counts one long text
(cut over threads, round 29), alone and as a batch's (round 33). A fifth thread loads tables meanwhile. Then one thread runs small two-thread batches back
to back, so pool workers often wake after the caller has finished the batch
alone (they must not touch it). Exits non-zero on a mismatch. See
docs/HARDENING.md.

    python scripts/hammer_batches.py [rounds]
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import threading

import tokcost
import tokcost.errors

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 6
PARTS = ["hello", " world", "  ", "\n", "I'm", " 12345", " naïve", " 東京", "\U0001f600", "<|endoftext|>", "\t",
         "a" * 150, " " * 40, "déjà-vu", "ÿ", " Привет", " สวัสดี", "x = f(y)\n"]

# Long pieces: random letters past 4 KB (the per-thread whole-piece cache, in workers and in
# threads a batch starts and ends) and periodic stretches past 2 KB (the periodic shortcut).
LONG = ["".join(random.Random(15).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5000)), "zq" * 1500, "-" * 2500]
# Words of 40-200 Thai characters: o200k's caseless scan, and the character path's tournament
# tree (pieces of 24 units and more) in pool workers.
PARTS += [" " + "".join(random.Random(n).choice("\u0e01\u0e02\u0e04\u0e07\u0e32\u0e34\u0e48\u0e40") for _ in range(n))
          for n in (40, 120, 200)]
# Round 13's paths (round 14): ASCII digit runs before other scripts' digits and characters from U+0080
# up (the digit table), words of letters below U+0800 ended by characters of 0x80 and up
# (v->script_chars), and texts whose pieces straddle DeepSeek's 64-byte windows.
PARTS += [" 1234567\u0663", "12345678\u00e9", " 99\u0969", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac\u00b7",
          " \u05e2\u05d1\u05e8\u05d9\u05ea\u05be", "\u0141\u00f3d\u017a\u2019s", ("ab " * 21)[:61] + "    123'S"]

# Round 14's paths (round 15): Devanagari words a window at a time (o200k_base, llama4) ended by a
# danda, a mark, Latin or an apostrophe; eight code points below U+0800 a shuffle and UCS-2 ASCII
# sixteen at a time (AVX2 run; the SSE2 run turns both off); Tekken's and DeepSeek's special tokens,
# which their encode_batch screens for through a MarkSet (tc_contains_any), and their first bytes.
PARTS += [" \u0928\u092e\u0938\u094d\u0924\u0947 \u0939\u093f\u0928\u094d\u0926\u0940\u0964",
          "\u0915\u094d\u0937\u0924\u094d\u0930\u093f\u092f\u0981a's", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629\u00e9\u07ff",
          "\u0627" + "a" * 17 + "\u0436", "<SPECIAL_17>", "[INST]", "<SPECIAL_", "[", "<\uff5cUser\uff5c>", "<think>", "\uff5c"]

# Round 15's paths (round 16): caseless words of U+0800-1FFF (Thai, Lao, Khmer, Ethiopic, Myanmar: tc_caseless_run
# and its AVX2 step, 33 bytes), ended by their own punctuation and digits; the other special tokens of the
# encodings, which encode_batch with allowed_special encodes as their ids on the batch's threads
# (tc_batch.specials, tc_encode_special).
PARTS += [" " + "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22" * 6 + "\u0e2f", "\u0e9e\u0eb2\u0eaa\u0eb2\u0ea5\u0eb2\u0ea7" * 5,
          "\u1797\u17b6\u179f\u17b6\u1781\u17d2\u1798\u17c2\u179a" * 4 + "\u17d4", "\u12a2\u1275\u12ee\u1335\u12eb" * 8 + "\u1361",
          "\u1019\u103c\u1014\u103a\u1019\u102c" * 6 + "\u1040", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|"]
# Round 16's paths (round 17): ASCII words running into accented Latin, capitals then letters of both of
# o200k's classes (o200k_word_on; cl100k's and GPT-2's tc_letters), and runs of short words of a few
# characters in many spellings, so worker threads' piece caches see the second level's marks set,
# overwritten and cleared (tc_big_might_hold).
PARTS += [" HELLO\u00c9s", "caf\u00e9's", "ABCDEFGHIJKLMNOPQRSTU\u00aaA", " Gr\u00fc\u00dfe", "X\u4e9a\u6d32AV", "na\u00efve\u0301",
          " " + "".join(random.Random(16).choice("\u0e01\u0e32\u0e48 ") for _ in range(600))]
# Round 25's path (round 26): new words with a few accented Latin letters (U+00C0-U+027F) go to the
# byte-level jobs on the worker threads; the same letters too dense for the rule take the character path.
PARTS += [" p\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148", " \u00e1rv\u00edzt\u0171r\u0151 t\u00fck\u00f6rf\u00far\u00f3g\u00e9p",
          " Zw\u00f6lfbox\u00e4mpfer", " \u015f\u0131k\u0131\u015ft\u0131rmalar\u0131n\u0131zdan", " \u0159\u017e\u0161\u010d\u0165\u0148"]
# The allowed sets of encode_batch's special-token runs: every special token, or <|endoftext|> alone.
ALLOWED = ("all", frozenset({"<|endoftext|>"}))


def texts(seed: int, n: int) -> list:
    rng = random.Random(seed)
    out = ["".join(rng.choice(PARTS) for _ in range(rng.choice([0, 3, 40, 400, 3000]))) for _ in range(n)]
    out = [text + " " + LONG[k // 6 % 3] if k % 6 == 0 else text for k, text in enumerate(out)]
    return out + ["lone \ud800 surrogate"] if seed % 3 == 0 else out


def _serial_encode(enc, batch, allowed=frozenset()):
    """[enc.encode(t, allowed_special=allowed) for t in batch], or ValueError when one holds a
    disallowed special token."""
    try:
        return [enc.encode(t, allowed_special=allowed) for t in batch]
    except ValueError:
        return ValueError


def main() -> int:
    encodings = [tokcost.get_encoding(name) for name in ("o200k_base", "cl100k_base")]
    for name in ("llama3", "deepseek_v4", "qwen3_5", "llama4", "tekken"):
        try:
            encodings.append(tokcost.get_encoding(name))
        except tokcost.errors.VocabularyError as exc:  # the family's package is not installed
            print(f"{name} skipped: {exc}")
    work = [texts(seed, 60) for seed in range(6)]
    work += [[t.replace("<|endoftext|>", "") for t in batch] for batch in work]  # batches the screen passes
    expected = {(e.name, k): [e.encode_ordinary(t) for t in batch] for e in encodings for k, batch in enumerate(work)}
    # encode_batch with its default disallowed_special="all": the screen for special tokens (on the
    # batch's threads since round 8). Serial encode() says which batches must raise ValueError.
    screened = {(e.name, k): _serial_encode(e, batch) for e in encodings for k, batch in enumerate(work)}
    # With the others disallowed (the default), so that every special token is allowed or disallowed:
    # the batch's native screen and specials, not a thread map of encode().
    allowed = {(e.name, k, a): _serial_encode(e, batch, a) for e in encodings for k, batch in enumerate(work)
               for a in ALLOWED}
    # Round 29: one long text cut over threads (text_threads) by each hammer thread, the pool free or
    # busy with another thread's batch or text; expected ids made on one thread first.
    long_texts = ["\n".join(batch) for batch in work[:4]]
    before = tokcost.text_threads(False)
    long_expected = {(e.name, i): e.encode_ordinary(t) for e in encodings for i, t in enumerate(long_texts)}
    tokcost.text_threads(True)
    folder = tempfile.mkdtemp(prefix="tokcost-hammer-")
    paths = []
    for k, text in enumerate(work[1]):
        path = os.path.join(folder, f"f{k}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        paths.append(path.encode())
    # Round 32: a file counted alone is cut over threads (files.h), and a chunk's UTF-8 counted as bytes.
    long_path = os.path.join(folder, "long.txt")
    with open(long_path, "w", encoding="utf-8") as f:
        f.write(long_texts[1])  # [0] holds a lone surrogate
    long_bytes = long_texts[1].encode()
    errors: list = []
    barrier = threading.Barrier(5)
    # Round 14 loads a table cache's blob with its copies and checks made without the GIL: a fifth
    # thread loads cl100k_base's tables (and a damaged copy, which must raise) while the batches run.
    from tokcost import _core

    blob = encodings[1]._core.export_tables()
    damaged = blob[: len(blob) // 2]

    def load_tables() -> None:
        barrier.wait()
        for _ in range(ROUNDS):
            if _core.CoreBPE(blob, {}, "cl100k").encode_ordinary(work[1][1]) != expected[(encodings[1].name, 1)][1]:
                errors.append(("tables loaded on a thread",))
            try:
                _core.CoreBPE(damaged, {}, "cl100k")
                errors.append(("damaged tables loaded",))
            except ValueError:
                pass

    def hammer(index: int) -> None:
        rng = random.Random(index)
        barrier.wait()
        for _ in range(ROUNDS):
            enc = rng.choice(encodings)
            k = rng.randrange(len(work))
            want = expected[(enc.name, k)]
            threads = rng.choice([2, 3, 4])
            if enc.count_batch(work[k], num_threads=threads) != [len(ids) for ids in want]:
                errors.append(("count_batch", enc.name, k))
            if enc.encode_ordinary_batch(work[k], num_threads=threads) != want:
                errors.append(("encode_ordinary_batch", enc.name, k))
            if enc.encode_batch(work[k], num_threads=threads, disallowed_special=()) != want:
                errors.append(("encode_batch", enc.name, k))
            try:
                got = enc.encode_batch(work[k], num_threads=threads)
            except ValueError:
                got = ValueError
            if got != screened[(enc.name, k)]:
                errors.append(("encode_batch screened", enc.name, k))
            a = rng.choice(ALLOWED)
            try:
                got = enc.encode_batch(work[k], num_threads=threads, allowed_special=a)
            except ValueError:
                got = ValueError
            if got != allowed[(enc.name, k, a)]:
                errors.append(("encode_batch allowed", enc.name, k, a))
            ids, offsets = enc.encode_ordinary_batch_to_numpy(work[k], num_threads=threads)
            if [ids[offsets[i]:offsets[i + 1]].tolist() for i in range(len(want))] != want:
                errors.append(("encode_ordinary_batch_to_numpy", enc.name, k))
            i = rng.randrange(len(long_texts))
            want_long = long_expected[(enc.name, i)]
            if enc.encode_ordinary(long_texts[i]) != want_long or enc.count(long_texts[i]) != len(want_long):
                errors.append(("one long text", enc.name, i))
            # Round 33: a batch's long text is cut over threads before its other texts.
            mixed, want_mixed = [long_texts[i]] + work[k][:10], [want_long] + want[:10]
            if enc.encode_ordinary_batch(mixed, num_threads=threads) != want_mixed:
                errors.append(("a batch's long text", enc.name, i, k))
            if enc.count_batch(mixed, num_threads=threads) != [len(ids) for ids in want_mixed]:
                errors.append(("a batch's long text counted", enc.name, i, k))
            # As corpus readers call it: None for an encoding that normalises (Qwen 3.5's NFC), whose
            # files the native reader would count unnormalised.
            counted = enc.count_plain_files(paths, limit=1 << 20, sniff=8192)
            if counted is not None and [tokens for _, tokens, _ in counted] != [len(ids) for ids in expected[(enc.name, 1)]]:
                errors.append(("count_files", enc.name))
            counted = enc.count_plain_files([long_path.encode()], limit=1 << 22, sniff=8192)
            if counted is not None and counted[0][1] != len(long_expected[(enc.name, 1)]):
                errors.append(("count_files, one long file", enc.name))
            if enc._count_utf8(long_bytes) not in (None, len(long_expected[(enc.name, 1)])):
                errors.append(("_count_utf8", enc.name))

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)] + [threading.Thread(target=load_tables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shutil.rmtree(folder)  # the native file counter's texts (each run left one in /tmp before round 18)
    enc = encodings[0]
    small = ["Grüße, 東京 and words " * 1200, "plain ascii words " * 1500, "x = f(y)\n" * 3000, "Привет " * 4000]
    small_expected = [enc.encode_ordinary(t) for t in small]
    assert enc._core._batch_plan(small, 2)[0] == min(2, len(os.sched_getaffinity(0)))
    for _ in range(ROUNDS * 40):
        if enc.count_batch(small, num_threads=2) != [len(ids) for ids in small_expected]:
            errors.append(("small count_batch",))
        if enc.encode_ordinary_batch(small, num_threads=2) != small_expected:
            errors.append(("small encode_ordinary_batch",))
    tokcost.text_threads(before)
    print("mismatches:", errors or "none", f"({tokcost._core.texts_cut()} long texts cut over threads)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
