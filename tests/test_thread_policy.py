"""tokcost.threads: whether one long piece may take a second thread (the policy the
native core leaves to Python). The ids are the same either way; that is
tests/test_long_piece_chains.py's (every test there runs with the setting on and off)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import tokcost


def _fresh_process(environment_value: str | None) -> subprocess.CompletedProcess:
    """``import tokcost`` in a new interpreter, as a user's, with TOKCOST_LONG_PIECE_THREADS set."""
    env = {k: v for k, v in os.environ.items() if k != "TOKCOST_LONG_PIECE_THREADS"}
    if environment_value is not None:
        env["TOKCOST_LONG_PIECE_THREADS"] = environment_value
    code = "import tokcost; print(tokcost.long_piece_threads(), tokcost._core.long_piece_threads())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


def test_on_once_tokcost_is_imported():
    """The native core's default is off; importing tokcost turns it on."""
    assert _fresh_process(None).stdout.split() == ["True", "True"]


@pytest.mark.parametrize("value, expected", [("0", "False"), ("off", "False"), (" No ", "False"), ("false", "False"),
                                             ("1", "True"), ("on", "True"), ("", "True")])
def test_the_environment_sets_the_default(value, expected):
    assert _fresh_process(value).stdout.split() == [expected, expected]


def test_a_value_it_cannot_read_warns_with_the_fix_and_keeps_the_default():
    run = _fresh_process("sometimes")
    assert run.stdout.split() == ["True", "True"]
    assert "TOKCOST_LONG_PIECE_THREADS='sometimes' is not a setting" in run.stderr
    assert "set it to 0 (one thread) or 1" in run.stderr


def test_setting_returns_the_setting_before_and_reaches_the_core():
    before = tokcost.long_piece_threads()
    try:
        assert tokcost.long_piece_threads(False) is before
        assert tokcost.long_piece_threads() is False
        assert tokcost._core.long_piece_threads() is False
        assert tokcost.long_piece_threads(True) is False
        assert tokcost._core.long_piece_threads() is True
    finally:
        tokcost.long_piece_threads(before)


@pytest.mark.parametrize("value", [0, 1, "no", "off"])
def test_only_a_bool_sets_it(value):
    before = tokcost.long_piece_threads()
    with pytest.raises(TypeError, match="takes True, False or None"):
        tokcost.long_piece_threads(value)
    assert tokcost.long_piece_threads() is before
