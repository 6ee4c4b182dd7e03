"""``Record``: the base of the corpus's mutable results (slots, equality, repr, ``replace``).

Not dataclasses: ``import dataclasses`` brings ``inspect``, ``ast``, ``dis`` and
``tokenize``, and each ``@dataclass`` compiles its methods when its module is
imported: about 50 M instructions of every ``tokcost count`` run, on the calling
thread before the first file is counted. A record names its fields in
``__slots__`` and writes its own ``__init__``.
"""

from __future__ import annotations


class Record:
    """Fields are ``__slots__``, compared and shown in that order, as a dataclass's are."""

    __slots__ = ()
    __hash__ = None  # mutable, as a dataclass with eq and no frozen

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def replace(self, **changes) -> "Record":
        """A copy with ``changes`` (``dataclasses.replace``); other fields are shared, not copied."""
        copy = object.__new__(type(self))
        for name in self.__slots__:
            setattr(copy, name, changes.pop(name) if name in changes else getattr(self, name))
        if changes:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(changes))!r}")
        return copy
