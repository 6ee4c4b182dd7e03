"""The public API: every name users are told about is importable from ``tokcost``, documented and typed."""

from __future__ import annotations

import doctest
import inspect

import tiktoken

import tokcost


def test_every_public_name_resolves_and_is_documented():
    for name in tokcost.__all__:
        value = getattr(tokcost, name)
        if callable(value):
            assert inspect.getdoc(value), f"tokcost.{name} has no docstring"


def test_public_functions_are_annotated():
    for name in ("count_messages", "tool_tokens", "image_tokens", "get_price", "estimate_cost", "load_workload",
                 "project", "analyze_corpus", "count_corpus", "patch_tiktoken", "get_encoding", "encoding_for_model"):
        signature = inspect.signature(getattr(tokcost, name))
        assert signature.return_annotation is not inspect.Signature.empty, f"tokcost.{name} has no return type"


def test_package_docstring_examples_run():
    failures, tried = doctest.testmod(tokcost, verbose=False)
    assert tried >= 5 and failures == 0


def test_unknown_attribute_is_an_attribute_error():
    try:
        tokcost.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_the_namespace_has_no_module_getattr():
    # CPython does not specialize attribute loads from a module that defines __getattr__: each
    # tokcost.get_encoding(...) in a caller's loop paid ~65 ns more than tiktoken's (bench_api.py).
    assert "__getattr__" not in vars(tokcost)


def test_functions_loaded_on_first_use_are_the_modules_own():
    import importlib

    from tokcost._lazy import LazyFunction

    stand_ins = {name: value for name, value in vars(tokcost).items() if isinstance(value, LazyFunction)}
    assert set(stand_ins) == {"count_messages", "tool_tokens", "image_tokens", "get_price", "estimate_cost",
                              "load_workload", "project", "analyze_corpus", "count_corpus", "patch_tiktoken",
                              "unpatch_tiktoken"}
    for name, stand_in in stand_ins.items():
        function = getattr(importlib.import_module(stand_in._module), name)
        assert inspect.signature(stand_in) == inspect.signature(function), name
        assert stand_in.__doc__ == function.__doc__ and stand_in.__name__ == function.__name__, name
    assert tokcost.estimate_cost("gpt-4o-mini", input_tokens=10**6) == \
        importlib.import_module("tokcost.prices").estimate_cost("gpt-4o-mini", input_tokens=10**6)


def test_drop_in_for_tiktoken_functions():
    """The module-level functions of tiktoken exist in tokcost with the same parameters."""
    for name in ("get_encoding", "encoding_for_model", "encoding_name_for_model", "list_encoding_names"):
        ours = inspect.signature(getattr(tokcost, name)).parameters
        theirs = inspect.signature(getattr(tiktoken, name)).parameters
        assert list(ours) == list(theirs), name
