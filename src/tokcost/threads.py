"""How many threads one call may take: the policy the native core leaves to Python.

Batches (``encode_batch``, ``count_batch``, ...) take ``num_threads`` as tiktoken's do, and the
core caps it at one thread per CPU. One long piece (64 KB or more without a split: minified code,
base64, a run of letters) may also take a second thread: the core searches it from its start and
from its middle at once, the second half on a pool worker, and joins the two where their tokens
meet (``docs/NATIVE.md``, Long pieces). The CPU time is the same and the wall time about half; when
the second core is busy, the calling thread searches alone. It never applies while a batch holds
the pool. On by default; ``long_piece_threads(False)``, or ``TOKCOST_LONG_PIECE_THREADS=0`` in the
environment, keeps every call but a batch on the calling thread.
"""

import os
import warnings

import tokcost._core as _core

ENVIRONMENT_VARIABLE = "TOKCOST_LONG_PIECE_THREADS"
_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def long_piece_threads(enabled: "bool | None" = None) -> bool:
    """Whether one long piece may take a second thread, for every encoding of this process.

    ``long_piece_threads()`` reads the setting; ``long_piece_threads(False)`` keeps each long piece
    on the calling thread (``True`` turns it back on). Returns the setting from before the call.
    Ids are the same either way."""
    before = _core.long_piece_threads()
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise TypeError(f"long_piece_threads takes True, False or None, not {enabled!r}")
        _core.long_piece_threads(enabled)
    return before


def apply_default() -> None:
    """Set the default once, as ``tokcost.core`` is imported: on, unless the environment says off.
    A value it cannot read warns and keeps the default (an import should not fail over it)."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if value and value not in _WORDS:
        warnings.warn(f"{ENVIRONMENT_VARIABLE}={os.environ[ENVIRONMENT_VARIABLE]!r} is not a setting, so long pieces "
                      f"keep the default (two threads): set it to 0 (one thread) or 1, or unset it", stacklevel=2)
    _core.long_piece_threads(_WORDS.get(value, True))
