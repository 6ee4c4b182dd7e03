"""Serve libraries that ``import tiktoken`` themselves with tokcost's encodings.

Most token counting happens inside other libraries (text splitters, chunkers,
agent SDKs) that call ``tiktoken.get_encoding`` or
``tiktoken.encoding_for_model``. ``patch_tiktoken()`` makes those two calls
return tokcost's ``Encoding`` for every encoding tokcost serves, with the same
token ids, and hands everything else to the real tiktoken::

    import tokcost
    with tokcost.patch_tiktoken():
        splitter = TokenTextSplitter(encoding_name="o200k_base")   # counts with tokcost

How: when tiktoken is installed, its module functions are replaced in place
(so a library that imported tiktoken earlier is served too, as long as it
looks the functions up when it calls them, as langchain and semchunk do);
without tiktoken, a stand-in ``tiktoken`` module is installed in
``sys.modules``. ``undo()`` (or leaving the ``with`` block) puts everything
back. Objects a library created while patched keep tokcost's encoding.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any, Callable, Optional

from tokcost.errors import UnknownModelError, VocabularyError
from tokcost.registry import ENCODINGS, encoding_name_for_model, get_encoding, list_encoding_names

__all__ = ["patch_tiktoken", "unpatch_tiktoken", "TiktokenPatch"]

# (module name, attribute) pairs of tiktoken that resolve encodings.
_TARGETS = (
    ("tiktoken", "get_encoding"),
    ("tiktoken", "encoding_for_model"),
    ("tiktoken.registry", "get_encoding"),
    ("tiktoken.model", "get_encoding"),
    ("tiktoken.model", "encoding_for_model"),
)

_lock = threading.Lock()
_active: Optional["TiktokenPatch"] = None


class TiktokenPatch:
    """An applied patch; ``undo()`` restores tiktoken. Usable as a context manager."""

    def __init__(self) -> None:
        self._saved: list[tuple[types.ModuleType, str, Any]] = []
        self._stand_in: Optional[types.ModuleType] = None
        self._real_get_encoding: Optional[Callable] = None
        self._real_encoding_for_model: Optional[Callable] = None

    # -- the functions libraries call while patched

    def get_encoding(self, encoding_name: str):
        """tokcost's encoding when tokcost serves ``encoding_name``, else tiktoken's."""
        if isinstance(encoding_name, str) and encoding_name in ENCODINGS:
            try:
                return get_encoding(encoding_name)
            except VocabularyError:
                if self._real_get_encoding is None:
                    raise
        if self._real_get_encoding is None:
            return get_encoding(encoding_name)  # raises tokcost's "did you mean" error
        return self._real_get_encoding(encoding_name)

    def encoding_for_model(self, model_name: str):
        """The encoding of ``model_name``, mapped by tokcost, else by tiktoken."""
        try:
            name = encoding_name_for_model(model_name)
        except UnknownModelError:
            if self._real_encoding_for_model is None:
                raise
            return self._real_encoding_for_model(model_name)
        return self.get_encoding(name)

    # -- applying and undoing

    def _apply(self) -> None:
        try:
            import tiktoken.model
            import tiktoken.registry
        except ImportError:
            self._install_stand_in()
            return
        self._real_get_encoding = tiktoken.registry.get_encoding
        self._real_encoding_for_model = tiktoken.model.encoding_for_model
        replacements = {"get_encoding": self.get_encoding, "encoding_for_model": self.encoding_for_model}
        for module_name, attribute in _TARGETS:
            module = sys.modules[module_name]
            self._saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, replacements[attribute])

    def _install_stand_in(self) -> None:
        from tokcost.core import Encoding

        module = types.ModuleType("tiktoken", "tokcost standing in for tiktoken (tokcost.patch_tiktoken)")
        module.Encoding = Encoding
        module.get_encoding = self.get_encoding
        module.encoding_for_model = self.encoding_for_model
        module.encoding_name_for_model = encoding_name_for_model
        module.list_encoding_names = list_encoding_names
        module.__tokcost_stand_in__ = True
        self._stand_in = module
        sys.modules["tiktoken"] = module

    def undo(self) -> None:
        """Restore tiktoken as it was. Calling it twice is harmless."""
        global _active
        with _lock:
            for module, attribute, original in reversed(self._saved):
                setattr(module, attribute, original)
            self._saved.clear()
            if self._stand_in is not None and sys.modules.get("tiktoken") is self._stand_in:
                del sys.modules["tiktoken"]
            self._stand_in = None
            if _active is self:
                _active = None

    @property
    def active(self) -> bool:
        return _active is self

    def __enter__(self) -> "TiktokenPatch":
        return self

    def __exit__(self, *exc_info) -> None:
        self.undo()


def patch_tiktoken() -> TiktokenPatch:
    """Make ``tiktoken.get_encoding``/``encoding_for_model`` return tokcost's encodings.

    Encodings tokcost does not serve, and models it cannot map, go to the real
    tiktoken. Returns the active patch (patching twice returns the same one);
    undo it with ``.undo()``, ``unpatch_tiktoken()`` or a ``with`` block.
    """
    global _active
    with _lock:
        if _active is None:
            patch = TiktokenPatch()
            patch._apply()
            _active = patch
        return _active


def unpatch_tiktoken() -> None:
    """Undo ``patch_tiktoken()``; nothing happens when it is not applied."""
    patch = _active
    if patch is not None:
        patch.undo()
