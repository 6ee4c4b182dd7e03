"""A function of tokcost's top level whose module is imported on its first use.

Why not a module ``__getattr__`` (PEP 562), as before: CPython does not specialize
attribute loads from a module whose namespace holds ``__getattr__``, so every
``tokcost.get_encoding(...)`` in a caller's loop paid about 65 ns that
``tiktoken.get_encoding(...)`` does not (bench_api.py's registry rows: 0.73-0.93x
tiktoken). With these stand-ins the namespace has no ``__getattr__``.
"""

import importlib


class LazyFunction:
    """Stands for ``module.name``: calling it imports the module once and calls the function.

    Its attributes are the function's (``__doc__``, ``__name__``, ``__code__``, ``__annotations__``),
    so ``inspect.signature`` and ``help`` show the function's own; reading one imports the module too.
    """

    __slots__ = ("_module", "_name", "_function")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._function = None

    def _resolve(self):
        function = self._function
        if function is None:
            function = self._function = getattr(importlib.import_module(self._module), self._name)
        return function

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)

    @property
    def __doc__(self):
        return self._resolve().__doc__

    def __getattr__(self, attribute: str):
        return getattr(self._resolve(), attribute)

    def __repr__(self) -> str:
        return f"<function {self._module}.{self._name}, imported on first use>"
