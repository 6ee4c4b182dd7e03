"""Vocabularies with tokens that are not their own BPE, against tiktoken and the families' tokenizers.

Llama 3 has 588 such tokens (" việc" merges to " vi", "ệ", "c"), Qwen 3.5 some too: tiktoken gives
them only to a piece that is exactly their bytes. The long-piece encoder assumes every token is its
own BPE, so such a vocabulary never uses it (``own_bpe_ok`` 0, header word 6 of the tables). The
character path assumes nothing of the kind: it finds each character's standalone BPE by merging,
never by looking its bytes up, so it serves these vocabularies too (cache.h ``tc_merge_chars``).
"""

from __future__ import annotations

import random
import struct

import pytest

from test_open_models import _installed, _reference


def _own_bpe_flag(core) -> int:
    from tokcost import _core

    return struct.unpack_from("<Q", core.export_tables(), len(_core.TABLES_MAGIC) + 6 * 8)[0]


def test_a_character_that_is_a_token_but_not_its_own_bpe():
    """"€" (E2 82 AC) is a token, but no pair of its bytes is, so its BPE is its three bytes: alone
    it is the token, inside a longer piece its bytes. A character path that took a character's
    token from the token table instead of merging its bytes gives [a, €] for "a€"."""
    import tiktoken

    from tokcost import Encoding

    ranks = {bytes([b]): b for b in range(256)}
    for rank, token in enumerate(("€", "é", "ñ", "éñ", "aé", "€a", "ñ€", "a€é"), start=256):
        ranks[token.encode()] = rank
    ours = Encoding("not_own_bpe", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    ref = tiktoken.Encoding("not_own_bpe", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    assert _own_bpe_flag(ours._core) == 0
    assert ref.encode_ordinary("a€") == [ord("a"), 0xE2, 0x82, 0xAC]
    rnd = random.Random(7)
    texts = ["a€", "€", "€a", "é€", "ñ€é", "a€é", "a€éñ"]
    texts += ["".join(rnd.choice("a€éñ") for _ in range(rnd.randint(1, 40))) for _ in range(3000)]
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
    joined = " ".join(texts)
    assert ours.encode_ordinary(joined) == ref.encode_ordinary(joined)


def _words_of_tokens(name: str) -> list[str]:
    """Every token that decodes to letters and marks with a non-ASCII character, with or without
    its leading space, as text."""
    import tokcost

    enc = tokcost.get_encoding(name)
    words = []
    for rank in range(enc.n_vocab):
        try:
            text = enc.decode_single_token_bytes(rank).decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue
        core = text[1:] if text.startswith(" ") else text
        if core.isalpha() and not core.isascii():
            words.append(text)
    return words


@pytest.mark.parametrize("name", ["llama3", "qwen3_5"])
def test_tokens_inside_longer_pieces_match_the_family(name):
    """Each such token as a whole piece, then inside longer ones (a letter before or after it, the
    word twice), through the character path, against the family's own tokenizer."""
    if not _installed(name):
        pytest.skip(f"{name}'s package is not installed")
    import tokcost

    enc = tokcost.get_encoding(name)
    assert _own_bpe_flag(enc._core) == 0
    reference = _reference(name)[0]
    words = _words_of_tokens(name)
    assert len(words) > 1000
    for shape in ("{w}", "{w}ж", "ж{w}", "{w}{w}", "x{w}é"):
        lines = [shape.format(w=w) for w in words]
        for at in range(0, len(lines), 4000):
            text = "\n".join(lines[at:at + 4000])
            assert enc.encode_ordinary(text) == reference(text), shape
