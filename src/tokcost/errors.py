"""Every exception tokcost raises. Each message says what went wrong and how to fix it.

One hierarchy: ``TokcostError`` is the base; each subclass also derives from
the builtin that callers (and tiktoken) would expect, so ``except ValueError``
keeps working. This module imports nothing of tokcost: every layer, the
native core included, may raise these.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Iterable


__all__ = [
    "TokcostError",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabularyError",
    "InvalidTokenError",
    "InputFileError",
    "PriceError",
    "PriceFileError",
    "WorkloadError",
    "CorpusError",
    "did_you_mean",
]


class TokcostError(Exception):
    """Base class of tokcost's own errors."""

    def __str__(self) -> str:  # KeyError subclasses would otherwise show a repr
        return str(self.args[0]) if self.args else ""


class UnknownEncodingError(TokcostError, ValueError):
    """An encoding name that is not registered (a ValueError, as in tiktoken)."""


class UnknownModelError(TokcostError, KeyError, ValueError):
    """A model name that tokcost cannot map (a KeyError, as in tiktoken)."""


class VocabularyError(TokcostError, OSError):
    """A vocabulary file that is missing, unreadable or not the expected one."""


class InvalidTokenError(TokcostError, KeyError, ValueError, OverflowError):
    """A token id that the vocabulary does not have.

    A KeyError (and for negative or huge ids an OverflowError) as in tiktoken,
    and a ValueError, which is what the caller passed.
    """


class InputFileError(TokcostError, ValueError):
    """A file the user wrote that cannot be used; the message names file, line, field and fix."""


class PriceFileError(InputFileError):
    """A prices file (or tokcost's own corrections) that cannot be used."""


class WorkloadError(InputFileError):
    """A workload file that cannot be used."""


class PriceError(TokcostError, ValueError):
    """A price question with no answer (no batch price, before launch, bad token counts)."""


class CorpusError(TokcostError, ValueError):
    """A corpus that cannot be measured; the message names the file (and line) and the fix."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest candidates, or ''."""
    import difflib  # only when a name is unknown

    matches = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
