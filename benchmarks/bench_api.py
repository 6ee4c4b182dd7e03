"""Every public method tokcost's Encoding shares with tiktoken's, timed against it on every kind of input.

    python benchmarks/bench_api.py                  # every row, best of 7 interleaved rounds
    python benchmarks/bench_api.py --quick          # best of 3, shorter rounds
    python benchmarks/bench_api.py --only decode,token   # rows whose method contains "decode" or "token"
    python benchmarks/bench_api.py --no-gigatoken   # tokcost and tiktoken only
    SRC=/path/to/other/src python benchmarks/bench_api.py   # another tree's tokcost (before/after)

Benchmarks of the encoders time plain text; this one times the rest of the API a
caller meets (each special-token form of ``encode``, numpy, batches, unstable
completions, single tokens, raw bytes, every decoder, the vocabulary accessors,
pickling, the registry) on a word, a chat message, 32 KB, 1 MB, non-ASCII text,
lone surrogates, ids that decode to invalid UTF-8, special-token ids and empty
inputs. One process, o200k_base by default; per row the contenders run in
alternating rounds (``timeit``, best of N), so a loaded machine slows them alike
and the ratio holds where absolute times do not. Each row's result is checked
against tiktoken's first (a raised exception counts as a result: its kind must
match); gigatoken's column is "-" where it lacks the method or refuses the input.
Printed: method, input, microseconds per call for each contender, and tiktoken's
time over tokcost's (above 1: tokcost is faster). Rows under 1.5x are marked "<".
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("SRC") or str(ROOT / "src"))  # SRC=other/src: another tree's tokcost

FLORES = ROOT.parent / "shared" / "corpora" / "flores200"
if not FLORES.is_dir():
    FLORES = Path("/work/shared/corpora/flores200")


def _inputs() -> dict:
    eng = (FLORES / "eng_Latn.txt").read_text(encoding="utf-8")
    rus = (FLORES / "rus_Cyrl.txt").read_text(encoding="utf-8")
    every = "".join((FLORES / name).read_text(encoding="utf-8")[:60_000]
                    for name in sorted(os.listdir(FLORES)) if name.endswith(".txt"))
    chat = "Hello there, how are you doing today? I need some help with my Python code, it keeps crashing on start."
    return {
        "empty": "",
        "word": "hello",
        "chat": chat,
        "chat non-ASCII": "Привет! Как дела? 你好，我需要帮助。 Ça va très bien, merci 😊 — مرحبا بالعالم",
        "chat surrogate": "Hello \ud83d there, a lone \udc00 surrogate or two in a chat message of about a hundred chars.",
        "chat special": chat[:60] + "<|endoftext|>" + chat[60:] + "<|endoftext|>\n",
        "32 KB": eng[:32_768],
        "32 KB non-ASCII": rus[:16_384],  # 16 K characters, about 30 KB of UTF-8
        "1 MB": (every * 2)[:1_000_000],
    }


def _contenders(name: str, gigatoken: bool) -> dict:
    from tokcost.testing import seed_tiktoken_cache, tiktoken_cache_key

    cache = seed_tiktoken_cache()
    import tiktoken

    import tokcost

    out = {"tokcost": (tokcost, tokcost.get_encoding(name)), "tiktoken": (tiktoken, tiktoken.get_encoding(name))}
    if gigatoken:
        try:
            import gigatoken as gt
        except ImportError:
            return out
        # gigatoken picks its pretokenizer from the file name: the rank file goes in under the encoding's name.
        scratch = Path(tempfile.mkdtemp(prefix="tokcost-bench-api-"))
        import atexit

        atexit.register(shutil.rmtree, scratch, True)
        shutil.copyfile(cache / tiktoken_cache_key(name), scratch / f"{name}.tiktoken")
        out["gigatoken"] = (None, gt.Tokenizer.from_tiktoken(str(scratch / f"{name}.tiktoken")).as_tiktoken())
    return out


def _rows(inputs: dict, ref) -> list:
    """(method, input, make) triples: ``make(module, enc)`` returns the call to time, or None."""
    texts = {k: v for k, v in inputs.items()}
    plain = [k for k in texts if k != "chat special"]
    ids = {k: ref.encode(_clean(v), allowed_special="all") for k, v in texts.items()}
    # Ids that do not decode as UTF-8: the first byte of a three-byte character alone, then a stray continuation byte.
    bad = [ref.encode_single_token(b"\xe6"), ref.encode_single_token(b"\x97")]
    ids["invalid UTF-8"] = ids["chat"][:10] + bad + ids["chat"][10:] + bad
    ids["special ids"] = [ref.eot_token] + ids["chat"] + [ref.eot_token]
    chats = [texts["chat"], texts["chat non-ASCII"]] * 250  # 500 chat messages
    docs = [texts["32 KB"][k:k + 1024] for k in range(0, 32_768, 1024)] * 4  # 128 documents of 1 KB
    batches = {"500 chats": chats, "128 x 1 KB": docs, "1 chat": chats[:1], "empty": [],
               "500 chats, 1/2 special": [t + ("<|endoftext|>" if k % 2 else "") for k, t in enumerate(chats)]}
    id_batches = {"500 chats": [ref.encode(t) for t in chats], "128 x 1 KB": [ref.encode(t) for t in docs],
                  "1 chat": [ids["chat"]], "empty": []}
    rows = []

    def row(method, label, make):
        rows.append((method, label, make))

    for k in plain:
        row("encode_ordinary", k, lambda m, e, t=texts[k]: lambda: e.encode_ordinary(t))
    row("encode_ordinary", "chat special", lambda m, e, t=texts["chat special"]: lambda: e.encode_ordinary(t))
    for k in texts:
        row("encode", k, lambda m, e, t=texts[k]: lambda: e.encode(t))
    forms = {
        'allowed="all"': dict(allowed_special="all"),
        "allowed={eot}": dict(allowed_special={"<|endoftext|>"}),
        "disallowed=()": dict(disallowed_special=()),
        "allowed=set(),disallowed=()": dict(allowed_special=set(), disallowed_special=()),
        'allowed="all",disallowed=()': dict(allowed_special="all", disallowed_special=()),
        "allowed={eot},disallowed=()": dict(allowed_special={"<|endoftext|>"}, disallowed_special=()),
        'allowed={"x"},disallowed=()': dict(allowed_special={"x"}, disallowed_special=()),  # no special token
        "disallowed={eot}": dict(disallowed_special={"<|endoftext|>"}),
        "disallowed=frozenset(all)": dict(disallowed_special=frozenset(ref.special_tokens_set)),
        "allowed=all set": dict(allowed_special=set(ref.special_tokens_set)),
    }
    for form, kw in forms.items():
        for k in ("word", "chat", "chat non-ASCII", "chat surrogate", "chat special", "32 KB"):
            row(f"encode {form}", k, lambda m, e, t=texts[k], kw=kw: lambda: e.encode(t, **kw))
    for form, kw in {"": {}, ' allowed="all"': dict(allowed_special="all"),
                     " disallowed=()": dict(disallowed_special=())}.items():
        for k in ("empty", "word", "chat", "chat non-ASCII", "chat surrogate", "chat special", "32 KB", "1 MB"):
            row(f"encode_to_numpy{form}", k, lambda m, e, t=texts[k], kw=kw: lambda: e.encode_to_numpy(t, **kw))
    for k, batch in batches.items():
        if "special" not in k:
            row("encode_ordinary_batch", k, lambda m, e, b=batch: lambda: e.encode_ordinary_batch(b))
    for form, kw in {"": {}, ' allowed="all"': dict(allowed_special="all"),
                     " disallowed=()": dict(disallowed_special=()),
                     " allowed={eot}": dict(allowed_special={"<|endoftext|>"})}.items():
        for k, batch in batches.items():
            row(f"encode_batch{form}", k, lambda m, e, b=batch, kw=kw: lambda: e.encode_batch(b, **kw))
    for k in ("empty", "word", "chat", "chat non-ASCII", "chat special"):
        row("encode_with_unstable", k, lambda m, e, t=texts[k]: lambda: e.encode_with_unstable(t, allowed_special="all"))
    row("encode_with_unstable", "hello fanta", lambda m, e: lambda: e.encode_with_unstable("hello fanta"))
    for label, arg in {"str": "hello", "bytes": b" world", "special": "<|endoftext|>", "missing": "hello world!",
                       "invalid UTF-8": b"\xff\xfe"}.items():
        row("encode_single_token", label, lambda m, e, a=arg: lambda: e.encode_single_token(a))
    for label, arg in {"word": b"hello", "long word": b"antidisestablishmentarianism", "non-ASCII": "日本語".encode()}.items():
        row("_encode_single_piece", label, lambda m, e, a=arg: lambda: e._encode_single_piece(a))
    raw = {"chat": texts["chat"].encode(), "chat + invalid UTF-8": texts["chat"].encode() + b"\xff\xfe tail",
           "32 KB + invalid": texts["32 KB"].encode() + b"\xe6\x97", "empty": b"", "invalid only": b"\x80\x81"}
    for label, data in raw.items():
        row("_encode_bytes", label, lambda m, e, d=data: lambda: e._encode_bytes(d))
    for k in ("empty", "chat", "chat non-ASCII", "special ids", "invalid UTF-8", "32 KB", "1 MB"):
        row("decode", k, lambda m, e, t=ids[k]: lambda: e.decode(t))
        row("decode_bytes", k, lambda m, e, t=ids[k]: lambda: e.decode_bytes(t))
        row("decode_tokens_bytes", k, lambda m, e, t=ids[k]: lambda: e.decode_tokens_bytes(t))
        row("decode_with_offsets", k, lambda m, e, t=ids[k]: lambda: e.decode_with_offsets(t))
    for errors in ("strict", "ignore"):
        for k in ("chat", "invalid UTF-8"):
            row(f"decode errors={errors}", k, lambda m, e, t=ids[k], x=errors: lambda: e.decode(t, errors=x))
    row("decode", "tuple of ids", lambda m, e, t=tuple(ids["chat"]): lambda: e.decode(t))
    for label, token in {"word": ids["word"][0], "special": ref.eot_token, "invalid": ref.n_vocab + 5}.items():
        row("decode_single_token_bytes", label, lambda m, e, t=token: lambda: e.decode_single_token_bytes(t))
    for k, batch in id_batches.items():
        row("decode_batch", k, lambda m, e, b=batch: lambda: e.decode_batch(b))
        row("decode_bytes_batch", k, lambda m, e, b=batch: lambda: e.decode_bytes_batch(b))
    row("token_byte_values", "", lambda m, e: e.token_byte_values)
    row("n_vocab", "", lambda m, e: lambda: e.n_vocab)
    row("max_token_value", "", lambda m, e: lambda: e.max_token_value)
    row("eot_token", "", lambda m, e: lambda: e.eot_token)
    row("special_tokens_set", "", lambda m, e: lambda: e.special_tokens_set)
    row("is_special_token", "word id", lambda m, e, t=ids["word"][0]: lambda: e.is_special_token(t))
    row("is_special_token", "special id", lambda m, e: lambda: e.is_special_token(ref.eot_token))
    row("pickle.dumps", "", lambda m, e: (lambda: pickle.dumps(e)) if m else None)
    row("pickle.loads", "", lambda m, e: (lambda p=pickle.dumps(e): pickle.loads(p)) if m else None)
    row("get_encoding", "o200k_base", lambda m, e: (lambda: m.get_encoding(ref.name)) if m else None)
    row("encoding_for_model", "gpt-4o", lambda m, e: (lambda: m.encoding_for_model("gpt-4o")) if m else None)
    row("encoding_for_model", "gpt-4o-2024-08-06",
        lambda m, e: (lambda: m.encoding_for_model("gpt-4o-2024-08-06")) if m else None)
    row("encoding_name_for_model", "gpt-4", lambda m, e: (lambda: m.encoding_name_for_model("gpt-4")) if m else None)
    return rows


def _clean(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


_KINDS = (KeyError, UnicodeError, ValueError, TypeError, OverflowError, NotImplementedError)


def _outcome(call):
    """What a call gives, comparable across libraries: its result, or the kind of exception it raised."""
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - a raised exception is a result to compare
        return ("raises", next((k.__name__ for k in _KINDS if isinstance(exc, k)), type(exc).__name__))
    return _normal(result)


def _normal(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "encode_ordinary"):  # an Encoding: its name
        return ("encoding", value.name)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list) and value[1] and \
            isinstance(value[1][0], (list, tuple)):  # encode_with_unstable: completions in no order
        return value[0], sorted(map(tuple, value[1]))
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, bytes) and value[:2] == b"\x80\x04":  # a pickle: what it loads
        return _normal(pickle.loads(value))
    return value


def _swallowing(call):
    def swallowed():
        try:
            call()
        except Exception:  # noqa: BLE001 - this row times the raise
            pass
    return swallowed


def _best(call, seconds: float, timer) -> tuple[int, float]:
    """(number, seconds per call) for a first timing that sizes the rounds."""
    number = 1
    while True:
        took = timeit.timeit(call, number=number, timer=timer)
        if took >= seconds / 4 or number >= 1 << 20:
            return max(1, int(number * seconds / max(took, 1e-9))), took / number
        number *= 4


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="best of 5 rounds of about 2 ms (default 9 of 5 ms)")
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--only", default="", help="only rows whose method contains one of these (comma-separated)")
    parser.add_argument("--no-gigatoken", action="store_true")
    parser.add_argument("--wall", action="store_true",
                        help="time wall clock (default: the process's CPU time, which a loaded machine's other "
                             "processes do not inflate; a batch's is the sum over its threads)")
    args = parser.parse_args(argv)
    rounds, seconds = (5, 0.002) if args.quick else (9, 0.005)
    timer = time.perf_counter if args.wall else time.process_time

    libs = _contenders(args.encoding, not args.no_gigatoken)
    ref = libs["tiktoken"][1]
    wanted = args.only.split(",")
    rows = [r for r in _rows(_inputs(), ref) if any(w in r[0] for w in wanted)]
    names = list(libs)
    clock = "wall clock" if args.wall else "process CPU time"
    print(f"# {args.encoding}, {clock}, best of {rounds} interleaved rounds; load average {os.getloadavg()[0]:.1f}")
    print("| method | input | " + " | ".join(f"{n} us" for n in names) + " | tiktoken / tokcost |")
    print("|---|---|" + "---|" * len(names) + "---|")
    slow, mismatched = [], []
    for method, label, make in rows:
        calls = {}
        for n in names:
            try:
                call = make(*libs[n]) if hasattr(libs[n][1], method.split()[0].split(".")[-1]) \
                    or method.startswith(("pickle", "get_", "encoding_", "list_")) else None
            except Exception:  # noqa: BLE001 - a peer without the method
                call = None
            calls[n] = call
        want = _outcome(calls["tiktoken"])
        for n in names:
            if calls[n] is not None and _outcome(calls[n]) != want:
                if n == "tokcost":
                    mismatched.append((method, label))
                calls[n] = None
            elif calls[n] is not None and type(want) is tuple and want[:1] == ("raises",):
                calls[n] = _swallowing(calls[n])
        best = {n: float("inf") for n in names}
        numbers = {n: _best(calls[n], seconds, timer)[0] for n in names if calls[n] is not None}
        for _ in range(rounds):
            for n, number in numbers.items():
                best[n] = min(best[n], timeit.timeit(calls[n], number=number, timer=timer) / number)
        cells = [f"{best[n] * 1e6:.3g}" if best[n] != float("inf") else "-" for n in names]
        ratio = best["tiktoken"] / best["tokcost"] if calls["tokcost"] is not None else float("nan")
        mark = " <" if ratio < 1.5 else ""
        if ratio < 1.5:
            slow.append((method, label, ratio))
        print(f"| {method} | {label} | " + " | ".join(cells) + f" | {ratio:.2f}x{mark} |", flush=True)
    print(f"# load average at the end {os.getloadavg()[0]:.1f}; {len(rows)} rows, "
          f"{len(slow)} under 1.5x, {len(mismatched)} not equal to tiktoken")
    for method, label in mismatched:
        print(f"# NOT EQUAL: {method} on {label}")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
