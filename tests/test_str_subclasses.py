"""Instances of str subclasses (numpy.str_, markupsafe.Markup, enum values) encode as tiktoken
encodes them: tiktoken takes any str; the native entry points once took only str itself."""

from __future__ import annotations

import numpy as np
import pytest


class Tagged(str):
    pass


TEXTS = ["hello world", "héllo wörld", "日本語のテキスト", "emoji 🙂 and 𝕏", "lone \ud800 surrogate", ""]


def _numpy_outcome(encoding, text):
    try:
        return encoding.encode_to_numpy(text).tolist()
    except UnicodeEncodeError:  # both raise on a lone surrogate here
        return UnicodeEncodeError


@pytest.mark.parametrize("make", [Tagged, np.str_], ids=["subclass", "numpy.str_"])
def test_subclass_instances_encode_as_in_tiktoken(pair, make):
    ours, ref = pair
    for text in map(make, TEXTS):
        want = ref.encode(text)
        assert ours.encode(text) == want, text
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), text
        assert ours.count(text) == len(want), text
        assert _numpy_outcome(ours, text) == _numpy_outcome(ref, text), text
        assert ours.encode_batch([text, text]) == ref.encode_batch([text, text]), text


@pytest.mark.parametrize("bad", [b"bytes", 3, None])
def test_non_str_is_a_type_error(pair, bad):
    ours, _ = pair
    for method in (ours.encode, ours.encode_ordinary, ours.count):
        with pytest.raises(TypeError):
            method(bad)
