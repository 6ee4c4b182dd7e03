"""The pure-Python reference encoder agrees with tiktoken and with the native core."""

from __future__ import annotations

from tokcost import _reference

TEXTS = ["hello world", "Don't STOP me now!!", "  spaces\n\n\tand tabs ", "数字 12345 ٣٤٥", "naïve café 😀"]


def test_reference_matches_tiktoken_and_native(pair, parallel_corpus_dir):
    ours, ref = pair
    ranks = ours._mergeable_ranks
    lines = (parallel_corpus_dir / "deu_Latn.txt").read_text(encoding="utf-8").split("\n")[:40]
    for text in TEXTS + lines:
        want = ref.encode_ordinary(text)
        assert _reference.encode_ordinary(text, ours._pat_str, ranks) == want
        assert ours.encode_ordinary(text) == want


def test_reference_bpe_matches_native_on_long_pieces(pair):
    ours, _ = pair
    ranks = ours._mergeable_ranks
    for piece in [b"a" * 300, b"ab" * 150, "ก".encode() * 120, bytes(range(256)), b"xyz" * 100]:
        assert _reference.byte_pair_encode(piece, ranks) == ours._core.byte_pair_encode(piece)
