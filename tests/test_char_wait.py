"""Characters that need not wait in the character path's merge loop, against tiktoken.

A character that is one token t enters the merge loop pending until the merge order passes its
done_rank d, unless every pair of the pair table with t on either side ranks above d
(``min_pair``: minL and minR per rank, built with the tables and saved in the table cache; cache.h
``tc_char_wait``, NATIVE.md "Units that need not wait"). The first test checks the table itself
against the ranks; the others encode random words made of characters that must wait (some pair of
theirs ranks at or below d) next to characters that need not, in several scripts, and compare ids
with tiktoken's. In o200k_base and cl100k_base a character that must wait nearly always has a
straddling token at its boundary as well (and enters as bytes), so the last test builds a small
vocabulary where waiting decides the result: built with a rule that lets no character wait, it
fails.
"""

from __future__ import annotations

import random
import struct

import pytest

BLOCKS = {
    "devanagari": (0x0900, 0x0980),
    "bengali": (0x0980, 0x0A00),
    "thai": (0x0E00, 0x0E80),
    "tamil": (0x0B80, 0x0C00),
    "cyrillic": (0x0400, 0x0460),
    "arabic": (0x0600, 0x0680),
    "hangul": (0xAC00, 0xAD00),
    "cjk": (0x4E00, 0x4F00),
}
GAPS = [" ", "", "", "\n", ", ", "1", "'"]


def _ranks(name):
    import tiktoken

    return tiktoken.get_encoding(name)._mergeable_ranks


def _min_pairs(ranks):
    """(minL, minR) per rank, from every split of every token into two tokens."""
    n = max(ranks.values()) + 1
    min_l, min_r = {}, {}
    for token, r in ranks.items():
        for k in range(1, len(token)):
            a, b = ranks.get(token[:k]), ranks.get(token[k:])
            if a is None or b is None:
                continue
            if r < min_l.get(a, n):
                min_l[a] = r
            if r < min_r.get(b, n):
                min_r[b] = r
    return min_l, min_r


def _done_rank(ranks, b):
    """The highest rank byte-level BPE of b alone merges, and whether it ends as one token."""
    parts, done = [bytes([x]) for x in b], 0
    while len(parts) > 1:
        best = min(((ranks.get(parts[i] + parts[i + 1]), i) for i in range(len(parts) - 1)
                    if parts[i] + parts[i + 1] in ranks), default=None)
        if best is None:
            break
        r, i = best
        done = max(done, r)
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return done, len(parts) == 1


@pytest.fixture(scope="module", params=["o200k_base", "cl100k_base"])
def vocab(request):
    ranks = _ranks(request.param)
    return request.param, ranks, _min_pairs(ranks)


def test_min_pair_table_is_the_lowest_pair_rank_each_side(vocab):
    import tokcost

    name, ranks, (min_l, min_r) = vocab
    blob = tokcost.get_encoding(name)._core.export_tables()
    n_ranks = struct.unpack_from("<Q", blob, 16 + 8)[0]
    # min_pair (8 bytes a rank), then the token splits (8 bytes a rank), end the blob.
    table = struct.unpack_from(f"<{2 * n_ranks}I", blob, len(blob) - 16 * n_ranks)
    none = 0xFFFFFFFF
    for r in sorted(ranks.values()):
        assert (table[2 * r], table[2 * r + 1]) == (min_l.get(r, none), min_r.get(r, none)), r


def _waiting_and_free(ranks, pairs, block):
    """The block's one-token characters whose some pair ranks at or below their done rank, and the rest."""
    min_l, min_r = pairs
    wait, free = [], []
    for cp in range(*block):
        b = chr(cp).encode()
        if b not in ranks or len(b) < 2:
            continue
        done, whole = _done_rank(ranks, b)
        t = ranks[b]
        (wait if min(min_l.get(t, 1 << 30), min_r.get(t, 1 << 30)) <= done else free).append(chr(cp))
    return wait, free


@pytest.mark.parametrize("script", sorted(BLOCKS))
def test_characters_that_wait_encode_as_tiktoken(vocab, script):
    import tiktoken

    import tokcost

    name, ranks, pairs = vocab
    wait, free = _waiting_and_free(ranks, pairs, BLOCKS[script])
    if not wait:
        pytest.skip(f"no character of {script} waits in {name}")
    ours, ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
    rnd = random.Random(len(script) * 31 + len(name))
    texts = []
    for _ in range(800):
        letters = wait + (free or wait) if rnd.random() < 0.5 else wait
        words = ["".join(rnd.choice(letters) for _ in range(rnd.choice([2, 3, 4, 6, 9, 14, 30, 70])))
                 for _ in range(rnd.randint(1, 6))]
        texts.append("".join(w + rnd.choice(GAPS) for w in words))
    assert ours.encode_ordinary("".join(texts)) == ref.encode_ordinary("".join(texts))
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def _small_vocabulary():
    """Bytes, then ñ (256) and é (257), the pairs éü (260), üé (261), ñé (300) and éñ (301), and ü
    (400) last: ü is complete only at 400, after ñé and éñ, though its pairs rank 260 and 261."""
    ranks = {bytes([b]): b for b in range(256)}
    for token, rank in (("ñ", 256), ("é", 257), ("éü", 260), ("üé", 261), ("ñé", 300), ("éñ", 301), ("ü", 400)):
        ranks[token.encode()] = rank
    return ranks


def test_a_character_whose_pairs_rank_below_its_done_rank_waits():
    """In "ñéü" byte-level BPE makes ñé (300) before ü is whole (400), so éü (260) never forms;
    a ü that did not wait would take é first. The mirror image, "üéñ", on the right."""
    import tiktoken

    from tokcost import Encoding

    ranks = _small_vocabulary()
    pat = r"\S+|\s+"
    ours = Encoding("wait_test", pat_str=pat, mergeable_ranks=ranks, special_tokens={})
    ref = tiktoken.Encoding("wait_test", pat_str=pat, mergeable_ranks=ranks, special_tokens={})
    assert ref.encode_ordinary("ñéü") == [ranks["ñé".encode()], ranks["ü".encode()]]
    assert ref.encode_ordinary("üéñ") == [ranks["ü".encode()], ranks["éñ".encode()]]
    rnd = random.Random(5)
    texts = ["ñéü", "üéñ"] + ["".join(rnd.choice("ñéüa") for _ in range(rnd.randint(2, 40))) for _ in range(3000)]
    for text in texts:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)
