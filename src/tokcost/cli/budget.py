"""``tokcost count --truncate N`` / ``--fit MODEL``: the input cut to a token budget, printed for pipes.

As simonw's ttok does with ``-t``: the text goes to stdout, nothing else does.
The budget is N tokens of --encoding/--model, or MODEL's context window minus
--reserve with its own tokenizer (a labelled stand-in when it is not public).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tokcost.cli.common import CliError, model_tokenizer, resolve_tokenizer

# Options of `tokcost count` that mean counting, not cutting.
_COUNT_ONLY = ("chat", "column", "by", "dask", "jobs", "language", "chunk_size", "top", "all")


def print_cut(args) -> int:
    """Write the kept text to stdout; say on stderr what was dropped when stderr is a terminal."""
    from tokcost.context import truncate

    for option in _COUNT_ONLY:
        if getattr(args, option, None) not in (None, False, []):
            flag = "--" + option.replace("_", "-")
            raise CliError(f"{flag} counts; --truncate/--fit cut plain text; drop one of them", exit_code=2)
    enc, budget, choice = _budget(args)
    text, invalid = _read(args.paths or ["-"])
    cut = truncate(enc, text, budget)
    out = getattr(sys.stdout, "buffer", None)
    if out is not None:
        sys.stdout.flush()
        out.write(cut.text.encode("utf-8"))
        out.flush()
    else:
        sys.stdout.write(cut.text)
    if invalid:
        print("tokcost: note: the input was not valid UTF-8; invalid bytes became U+FFFD", file=sys.stderr)
    if choice is not None and not choice.exact:
        print(f"tokcost: note: cut with {choice.label} ({choice.basis}); leave headroom with --reserve",
              file=sys.stderr)
    if cut.dropped_tokens and sys.stderr.isatty():
        print(f"tokcost: kept {cut.tokens:,} of {cut.total_tokens:,} tokens ({enc.name})", file=sys.stderr)
    return 0


def _budget(args):
    """(Encoding, budget in tokens, ModelTokenizer or None)."""
    if args.truncate is not None:
        if args.reserve:
            raise CliError("--reserve goes with --fit; with --truncate, lower N instead", exit_code=2)
        enc, choice = resolve_tokenizer(args)
        return enc, args.truncate, choice
    if args.model or args.encoding:
        raise CliError("--fit MODEL counts with MODEL's own tokenizer; drop --model/--encoding", exit_code=2)
    enc, choice = model_tokenizer(args.fit)
    window = context_window(args.fit)
    if not window:
        raise CliError(f"no context window on record for {args.fit!r}; cut to a number of tokens with --truncate N")
    if args.reserve >= window:
        raise CliError(f"--reserve {args.reserve:,} leaves nothing of {args.fit}'s {window:,}-token window; "
                       "reserve less")
    return enc, window - args.reserve, choice


def context_window(model: str):
    """``model``'s context window from the price catalog (None when not on record)."""
    from tokcost.errors import TokcostError
    from tokcost.prices import default_catalog

    try:
        return default_catalog().context_window(model)
    except TokcostError:
        return None


def _read(paths) -> tuple:
    """The inputs' text, in order, and whether any was not valid UTF-8 (its bad bytes become U+FFFD)."""
    parts, invalid = [], False
    for name in paths:
        if name == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
        else:
            path = Path(name)
            if path.is_dir():
                raise CliError(f"{name}: a directory; --truncate/--fit cut files or stdin, not folders")
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CliError(f"{name}: {exc.strerror or exc}; check the path") from None
        try:
            parts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append(data.decode("utf-8", "replace"))
            invalid = True
    return "".join(parts), invalid
