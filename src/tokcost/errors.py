"""Exceptions raised by tokcost. Each message says what went wrong and how to fix it."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable

from tokcost._core import InvalidTokenError

__all__ = [
    "TokcostError",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabularyError",
    "InvalidTokenError",
    "did_you_mean",
    "read_user_text",
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


def read_user_text(path, error: type, kind: str, missing_fix: str, encoding_fix: str) -> str:
    """The UTF-8 text of a ``kind`` file the user named; ``error`` with a one-line fix otherwise."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {kind}; {missing_fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read ({exc}); {encoding_fix}") from None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest candidates, or ''."""
    matches = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
