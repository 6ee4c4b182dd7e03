"""tokcost.threads: whether one long piece, or one long text, may take a second thread (the
policy the native core leaves to Python). The ids are the same either way; that is
tests/test_long_piece_chains.py's (every test there runs with the setting on and off) and
tests/test_text_threads.py's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import tokcost


SETTINGS = {"long_piece_threads": "TOKCOST_LONG_PIECE_THREADS", "text_threads": "TOKCOST_TEXT_THREADS"}
setting_names = pytest.mark.parametrize("name", sorted(SETTINGS))


def _fresh_process(name: str, environment_value: str | None) -> subprocess.CompletedProcess:
    """``import tokcost`` in a new interpreter, as a user's, with the setting's variable set (the
    other one unset): prints both settings, then the core's."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS.values()}
    if environment_value is not None:
        env[SETTINGS[name]] = environment_value
    code = ("import tokcost; print(tokcost.long_piece_threads(), tokcost.text_threads(), "
            "tokcost._core.long_piece_threads(), tokcost._core.text_threads())")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


def test_both_on_once_tokcost_is_imported():
    """The native core's default is off; importing tokcost turns both on."""
    assert _fresh_process("text_threads", None).stdout.split() == ["True"] * 4


@setting_names
@pytest.mark.parametrize("value, expected", [("0", "False"), ("off", "False"), (" No ", "False"), ("false", "False"),
                                             ("1", "True"), ("on", "True"), ("", "True")])
def test_the_environment_sets_the_default(name, value, expected):
    shown = [expected, "True"] if name == "long_piece_threads" else ["True", expected]
    assert _fresh_process(name, value).stdout.split() == shown * 2


@setting_names
def test_a_value_it_cannot_read_warns_with_the_fix_and_keeps_the_default(name):
    run = _fresh_process(name, "sometimes")
    assert run.stdout.split() == ["True"] * 4
    assert f"{SETTINGS[name]}='sometimes' is not a setting" in run.stderr
    assert "set it to 0 (one thread) or 1" in run.stderr


@setting_names
def test_setting_returns_the_setting_before_and_reaches_the_core(name):
    setting, core = getattr(tokcost, name), getattr(tokcost._core, name)
    other = "text_threads" if name == "long_piece_threads" else "long_piece_threads"
    untouched = getattr(tokcost, other)()
    before = setting()
    try:
        assert setting(False) is before
        assert setting() is False and core() is False
        assert setting(True) is False
        assert core() is True
        assert getattr(tokcost, other)() is untouched
    finally:
        setting(before)


@setting_names
@pytest.mark.parametrize("value", [0, 1, "no", "off"])
def test_only_a_bool_sets_it(name, value):
    setting = getattr(tokcost, name)
    before = setting()
    with pytest.raises(TypeError, match="takes True, False or None"):
        setting(value)
    assert setting() is before
