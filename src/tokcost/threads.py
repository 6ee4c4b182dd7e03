"""How many threads one call may take: the policy the native core leaves to Python.

Batches (``encode_batch``, ``count_batch``, ...) take ``num_threads`` as tiktoken's do, and the
core caps it at one thread per CPU. One call on one text may also take a second core, two ways:

- *Long texts* (64 KB or more; ``text_threads``): the core cuts the text where no piece can cross
  the cut (just after a newline that a letter follows; for GPT-2's pattern, only where no
  whitespace comes before that newline) and encodes the parts on pool workers beside the calling
  thread, as a batch's texts. Every native splitter's texts are cut so. A batch's long text that
  holds half a thread's share of the batch or more is cut the same way, before the batch's other
  texts, when more than one thread is asked for (a batch's threads share its texts, never one
  text: a batch of one long text ran on one thread).
- *Long pieces* (64 KB or more without a split: minified code, base64, a run of letters;
  ``long_piece_threads``): the core searches one from its start and from its middle at once, the
  second half on a pool worker, and joins the two where their tokens meet (``docs/NATIVE.md``,
  Long pieces).

Ids are the same either way; the CPU time is about the same and the wall time less. When the
second core is busy the calling thread does the work alone, and neither applies while a batch
holds the pool. Both are on by default; ``text_threads(False)`` and ``long_piece_threads(False)``,
or ``TOKCOST_TEXT_THREADS=0`` and ``TOKCOST_LONG_PIECE_THREADS=0`` in the environment, keep such
calls on the calling thread.
"""

import os
import warnings

import tokcost._core as _core

# Each setting: the environment variable that can turn it off, and the core's switch (which reads
# it when called with None, sets it otherwise).
_SETTINGS = {
    "long_piece_threads": ("TOKCOST_LONG_PIECE_THREADS", _core.long_piece_threads),
    "text_threads": ("TOKCOST_TEXT_THREADS", _core.text_threads),
}
_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _setting(name: str, enabled: "bool | None") -> bool:
    switch = _SETTINGS[name][1]
    before = switch()
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise TypeError(f"{name} takes True, False or None, not {enabled!r}")
        switch(enabled)
    return before


def long_piece_threads(enabled: "bool | None" = None) -> bool:
    """Whether one long piece may take a second thread, for every encoding of this process.

    ``long_piece_threads()`` reads the setting; ``long_piece_threads(False)`` keeps each long piece
    on the calling thread (``True`` turns it back on). Returns the setting from before the call.
    Ids are the same either way."""
    return _setting("long_piece_threads", enabled)


def text_threads(enabled: "bool | None" = None) -> bool:
    """Whether one long text (64 KB or more) may be cut over threads, for every encoding of this
    process: ``encode``, ``encode_ordinary``, ``encode_to_numpy`` and ``count`` on one text, and a
    batch's long texts (``encode_ordinary_batch``, ``count_batch``, ... with ``num_threads`` > 1).

    ``text_threads()`` reads the setting; ``text_threads(False)`` keeps each text on the calling
    thread (``True`` turns it back on). Returns the setting from before the call. Ids are the same
    either way."""
    return _setting("text_threads", enabled)


def apply_default() -> None:
    """Set the defaults once, as ``tokcost.core`` is imported: on, unless the environment says off.
    A value it cannot read warns and keeps the default (an import should not fail over it)."""
    for name, (variable, switch) in _SETTINGS.items():
        value = os.environ.get(variable, "").strip().lower()
        if value and value not in _WORDS:
            warnings.warn(f"{variable}={os.environ[variable]!r} is not a setting, so {name} keeps the default "
                          f"(two threads): set it to 0 (one thread) or 1, or unset it", stacklevel=2)
        switch(_WORDS.get(value, True))
