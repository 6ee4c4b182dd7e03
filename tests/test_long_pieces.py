"""Long single pieces: the linear long-piece encoder (src/_native/longpiece.h)
gives tiktoken's ids, and so does merging before its tables are built.

tiktoken's own merge is quadratic on one long piece, so the pieces compared
stay at a few KB, with a few of 20 KB; the encoder itself is exercised on
megabytes by the benchmarks and test_hostile.
"""

from __future__ import annotations

import random
import string

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokcost
from tokcost import _reference_backtrack
from tokcost.core import Encoding

BUILD_AFTER = 128 << 10  # longpiece.h TC_LONG_BUILD_AFTER: a piece this long builds the tables

CLASSES = {
    "latin": "a",
    "space": " ",
    "newline": "\n",
    "digit": "7",
    "punctuation": "!",
    "dash": "-",
    "cjk": "中",
    "emoji": "😀",
    "thai": "ก",
    "cyrillic": "ж",
    "pair": "ab",
    "triple": "xyz",
    "crlf": "\r\n",
}
# Around the long-piece threshold (96 bytes), the on-stack dead set (4096) and beyond.
LENGTHS = [97, 98, 100, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 4099]


@pytest.fixture(scope="module")
def long_pair(pair):
    """(tokcost encoding with its long-piece tables built, tiktoken encoding)."""
    ours, ref = pair
    big = b"q" * BUILD_AFTER
    assert ours.decode_bytes(ours._core.byte_pair_encode(big)) == big
    assert ours._core.long_piece_table_bytes() > 0
    return ours, ref


def _check_piece(ours, ref, piece: bytes):
    want = ref._encode_single_piece(piece)
    assert ours._core.byte_pair_encode(piece) == want, piece[:60]


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_repeated_class_as_one_piece(long_pair, name):
    ours, ref = long_pair
    unit = CLASSES[name].encode()
    for length in LENGTHS:
        _check_piece(ours, ref, (unit * length)[:length])
        _check_piece(ours, ref, unit * (length // len(unit) + 1))


@pytest.mark.parametrize("name", ["latin", "space", "newline", "punctuation", "cjk", "emoji"])
def test_repeated_class_as_text(long_pair, name):
    """Through the pretokenizer, encode and count: the run is one long piece."""
    ours, ref = long_pair
    for length in [97, 300, 5000, 20000]:
        text = CLASSES[name] * length
        want = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == want
        assert ours.count(text) == len(want)
        assert ours.encode_ordinary("x " + text + " y") == ref.encode_ordinary("x " + text + " y")


def test_long_random_pieces(long_pair):
    ours, ref = long_pair
    rnd = random.Random(15)
    alphabets = [
        "abcdefghijklmnopqrstuvwxyz",
        "etaoin",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij",
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह्ािीुूेैोौं",
        "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอฮะาิีึืุูเแโใไ่้๊๋็์",
        "中文字日本語한국어漢字かなカナ",
        "ñéüßçàèìòùâêîôûäëïöÿ",
        "😀🎉👍🏽❤️🚀🔥✨🌍",
        "0123456789",
    ]
    for alphabet in alphabets:
        for _ in range(12):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(40, 1500)))
            _check_piece(ours, ref, text.encode())
    for _ in range(60):
        _check_piece(ours, ref, bytes(rnd.randrange(256) for _ in range(rnd.randint(97, 2000))))
    for _ in range(20):  # few distinct bytes: many equal pairs, many ties
        _check_piece(ours, ref, bytes(rnd.choice(b"ab \n") for _ in range(rnd.randint(97, 3000))))


def test_pieces_glued_from_vocabulary_tokens(long_pair):
    """The trie and each token's longest prefix token are built from the tokens
    sorted by their bytes, with a radix sort on their first 8 bytes: pieces glued
    from tokens that share those 8 bytes (the runs sorted byte by byte), from long
    tokens and from random ones reach every part of that order."""
    ours, ref = long_pair
    rnd = random.Random(8)
    tokens = list(ref._mergeable_ranks)
    by_head: dict[bytes, list] = {}
    for t in tokens:
        if len(t) > 8:
            by_head.setdefault(t[:8], []).append(t)
    shared = [group for group in by_head.values() if len(group) > 1]
    long_tokens = sorted(tokens, key=len)[-400:]
    sources = [[t for group in shared for t in group], long_tokens, tokens]
    for source in sources:
        for _ in range(150):
            piece = b""
            while len(piece) < 97 + rnd.randrange(300):
                piece += rnd.choice(source)
            _check_piece(ours, ref, piece)


def test_twenty_kilobyte_pieces(long_pair):
    ours, ref = long_pair
    rnd = random.Random(20)
    letters = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(20000)).encode()
    for piece in [b"a" * 20000, b" " * 20000, "中".encode() * 7000, letters, bytes(rnd.randrange(256) for _ in range(20000))]:
        _check_piece(ours, ref, piece)


def test_random_letters_without_spaces(long_pair):
    """128 KB of random a-z is one piece: the encoder's slowest case, where
    nearly every token is checked against its neighbours and many are undone."""
    ours, ref = long_pair
    text = "".join(random.Random(128).choices("abcdefghijklmnopqrstuvwxyz", k=128 << 10))
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.count(text) == len(want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("aeiouxyzst ,.!-\n中😀ж0"), min_size=97, max_size=800))
def test_hypothesis_long_pieces(long_pair, text):
    ours, ref = long_pair
    _check_piece(ours, ref, text.encode())
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=97, max_size=600))
def test_hypothesis_long_byte_pieces(long_pair, data):
    ours, ref = long_pair
    _check_piece(ours, ref, data)
    assert ours.encode_bytes(data) == ref._encode_bytes(data)


def _fresh_copy(ours: Encoding, name: str) -> Encoding:
    """The same vocabulary loaded again: no long-piece tables, nothing counted toward them."""
    return Encoding(name, pat_str=ours._pat_str, mergeable_ranks=ours._mergeable_ranks,
                    special_tokens=ours._special_tokens)


def test_merging_answers_before_the_tables_exist(encoding_name, pair):
    """A fresh vocabulary merges its first long pieces (same ids) and builds the
    tables once long pieces have cost enough; their size is bounded."""
    ours, ref = pair
    fresh = _fresh_copy(ours, encoding_name + "-fresh")
    pieces = [b"a" * 300, b"ab" * 400, "中".encode() * 300, b"!" * 999]
    for piece in pieces:
        assert fresh._core.byte_pair_encode(piece) == ref._encode_single_piece(piece)
    assert fresh._core.long_piece_table_bytes() == 0
    big = b"a" * BUILD_AFTER
    assert fresh._core.byte_pair_encode(big) == ours._core.byte_pair_encode(big)
    size = fresh._core.long_piece_table_bytes()
    assert 0 < size <= 16 << 20, size
    for piece in pieces:
        assert fresh._core.byte_pair_encode(piece) == ref._encode_single_piece(piece)


def test_long_pieces_of_the_character_path_build_the_tables():
    """Thai is written without spaces: its long pieces go to the character path
    until the long-piece tables exist, counting a share of their bytes toward
    building them (longpiece.h TC_LONG_CHAR_PATH_SHARE). Ids equal tiktoken's
    before, while and after the tables get built."""
    # o200k_base only: it keeps Thai words whole (cl100k_base splits them at vowel marks).
    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    fresh = _fresh_copy(ours, "o200k_base-thai")
    rnd = random.Random(11)
    letters = "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอฮะาิีึืุูเแโใไ่้"
    seen, built_at = 0, None
    while seen < 2 << 20 and built_at is None:
        text = " ".join("".join(rnd.choices(letters, k=rnd.randint(40, 200))) for _ in range(200))
        assert fresh.encode_ordinary(text) == ref.encode_ordinary(text)
        seen += len(text.encode())
        if fresh._core.long_piece_table_bytes():
            built_at = seen
    assert built_at is not None, seen
    text = " ".join("".join(rnd.choices(letters, k=rnd.randint(40, 200))) for _ in range(200))
    assert fresh.encode_ordinary(text) == ref.encode_ordinary(text)


def test_reference_backtracking_matches_tiktoken(pair):
    """The plain statement of the algorithm agrees with tiktoken too."""
    ours, ref = pair
    encoder = _reference_backtrack.LongPieceEncoder(ours._mergeable_ranks)
    rnd = random.Random(5)
    pieces = [b"a" * 300, b"\n" * 200, "😀".encode() * 60, b"ab" * 150]
    pieces += ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(300)).encode() for _ in range(10)]
    pieces += [bytes(rnd.randrange(256) for _ in range(200)) for _ in range(10)]
    for piece in pieces:
        assert encoder.encode(piece) == ref._encode_single_piece(piece)


def test_megabyte_piece_decodes_back(long_pair):
    ours, _ = long_pair
    for unit in ["a", " ", "\n", "😀", "中", "ab"]:
        text = unit * (1 << 20)
        tokens = ours.encode_ordinary(text)
        assert ours.decode(tokens) == text
        assert ours.count(text) == len(tokens)


def test_default_encodings_serve_long_pieces():
    for name in ["o200k_base", "cl100k_base"]:
        enc = tokcost.get_encoding(name)
        enc._core.byte_pair_encode(b"z" * BUILD_AFTER)
        assert enc._core.long_piece_table_bytes() > 0


@pytest.mark.parametrize("unit", ["\n", "!", "-", "=", "/", ".", "\r\n", "\n\n ", "!?"])
def test_runs_across_block_edges_in_context(pair, unit):
    """Newline and punctuation runs are scanned sixteen bytes at a time: every
    length around the block edges, alone and between other characters."""
    ours, ref = pair
    for length in list(range(1, 40)) + [47, 48, 49, 63, 64, 65]:
        run = unit * length
        for text in [run, "x" + run + "y", run + " z", " " + run, "\n" + run + "\n", "a" + run + "/b", run + "1"]:
            assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


# Periodic stretches of 2048 bytes and more (longpiece.h TC_LONG_PERIODIC_MIN)
# are encoded from a shortened copy whose repeat is copied back in.
PERIODIC_MIN = 2048
RUN_CHARACTERS = string.ascii_letters + string.digits + string.punctuation + " \t\n\r\x0b\x0cé中😀жกあ"


@pytest.mark.parametrize("character", list(RUN_CHARACTERS), ids=lambda c: f"U+{ord(c):04X}")
def test_runs_of_every_character_past_the_periodic_threshold(long_pair, character):
    """Every length class past the threshold (the shortened copy keeps a
    different remainder each time), alone and with a head and a tail."""
    ours, ref = long_pair
    unit = character.encode()
    rnd = random.Random(ord(character))
    lengths = [PERIODIC_MIN // len(unit) + d for d in range(0, 24)] + [rnd.randrange(2100, 4400) for _ in range(6)]
    for count in lengths:
        run = unit * (count // len(unit) if len(unit) > 1 else count)
        _check_piece(ours, ref, run)
        _check_piece(ours, ref, b"x" + run + b"1")


def test_periodic_stretches_with_longer_periods(long_pair):
    """Periods of 2 to 16 bytes, random ones included, with random heads and tails."""
    ours, ref = long_pair
    rnd = random.Random(2048)
    units = [b"ab", b"xyz", b"\r\n", "😀a".encode(), b"abcdefghijklmnop", "中文".encode(), b"-=", b"  \n", "กา".encode()]
    units += [bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16))) for _ in range(12)]
    units += [bytes(rnd.choice(b"ab-") for _ in range(rnd.randint(1, 16))) for _ in range(12)]
    for unit in units:
        for _ in range(6):
            count = rnd.randint(PERIODIC_MIN, 6000)
            head = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 1, 3, 40])))
            tail = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 1, 3, 40])))
            _check_piece(ours, ref, head + (unit * (count // len(unit) + 1))[:count] + tail)


@pytest.mark.parametrize("unit", ["z", "-", "u", "\t", "ab", "中"])
def test_long_runs_through_encode_and_count(long_pair, unit):
    """20 KB runs (tiktoken is quadratic on them) through the pretokenizer."""
    ours, ref = long_pair
    text = unit * (20000 // len(unit))
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.count(text) == len(want)


# Pieces longer than the second-level cache's 4,096 bytes are kept whole per
# thread (longpiece.h TC_LONG_CACHE_ENTRIES, TC_LONG_CACHE_BYTES).
LONG_CACHE_ENTRIES = 32


def _letters(rnd, n):
    return "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=n)).encode()


def test_repeated_long_pieces_come_back_identical(long_pair):
    """More distinct long pieces than the cache holds, near twins (one byte
    changed at the start, middle or end, one byte longer or shorter), each
    asked for again, in both entry points."""
    ours, ref = long_pair
    rnd = random.Random(4097)
    base = [_letters(rnd, rnd.randint(4097, 9000)) for _ in range(LONG_CACHE_ENTRIES + 8)]
    twins = []
    for piece in base[:6]:
        for at in (0, len(piece) // 2, len(piece) - 1):
            twins.append(piece[:at] + (b"q" if piece[at:at + 1] != b"q" else b"r") + piece[at + 1:])
        twins += [piece[:-1], piece + b"x"]
    pieces = base + twins
    want = {piece: ref._encode_single_piece(piece) for piece in pieces}
    for round_ in range(2):
        for piece in pieces if round_ == 0 else reversed(pieces):
            assert ours._core.byte_pair_encode(piece) == want[piece]
            text = piece.decode()
            assert ours.encode_ordinary(text) == want[piece]
            assert ours.count(text) == len(want[piece])


def test_long_piece_cache_is_per_vocabulary(long_pair, encoding_name):
    """The same long piece through another vocabulary on the same thread gets
    that vocabulary's ids."""
    import tiktoken

    ours, ref = long_pair
    other_name = "cl100k_base" if encoding_name == "o200k_base" else "o200k_base"
    other, other_ref = tokcost.get_encoding(other_name), tiktoken.get_encoding(other_name)
    other._core.byte_pair_encode(b"q" * BUILD_AFTER)
    piece = _letters(random.Random(7), 6000)
    for _ in range(2):
        assert ours._core.byte_pair_encode(piece) == ref._encode_single_piece(piece)
        assert other._core.byte_pair_encode(piece) == other_ref._encode_single_piece(piece)


def test_long_piece_cache_stays_bounded_and_exact(long_pair):
    """Pieces whose bytes and tokens pass the cache's 16 MB: older ones are
    dropped, and every answer is still the encoder's."""
    ours, _ = long_pair
    rnd = random.Random(16)
    pieces = [_letters(rnd, 1 << 20) for _ in range(8)]
    first = [ours._core.byte_pair_encode(piece) for piece in pieces]
    for piece, ids in zip(reversed(pieces), reversed(first)):
        assert ours._core.byte_pair_encode(piece) == ids
        assert ours.decode_bytes(ids) == piece


def test_one_byte_token_listed_twice_keeps_pairs_exact():
    """A rank file that lists the byte ``a`` a second time (rank n): the pair
    table keys pairs by the first rank, the search meets ``a`` as the last
    (longpiece.h's pairs_by_trie guard turns the trie's pair answers off), and
    tiktoken, given the same lines, keeps the last. Long pieces of a-c, with
    the tables built, give tiktoken's ids."""
    import base64
    import gzip

    from tokcost import _core
    from tokcost.bundled import DATA_DIR

    blob = gzip.decompress((DATA_DIR / "cl100k_base.tiktoken.gz").read_bytes())
    blob += base64.b64encode(b"a") + b" %d\n" % len(blob.splitlines())
    core = _core.CoreBPE(blob, {}, "cl100k")
    ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in blob.splitlines())}
    ref = tiktoken.Encoding("cl100k_dup_a", pat_str=r"[a-z]+|[^a-z]+", mergeable_ranks=ranks, special_tokens={})
    rnd = random.Random(21)
    core.byte_pair_encode(bytes(rnd.choices(b"abc", k=BUILD_AFTER)))
    assert core.long_piece_table_bytes() > 0
    for size in (200, 1500, 5000):
        for alphabet in (b"abc", b"ab", b"abcdefghij"):
            piece = bytes(rnd.choices(alphabet, k=size))
            assert core.byte_pair_encode(piece) == ref._encode_single_piece(piece)


def test_short_token_outranked_by_its_byte_keeps_no_short_pair_table():
    """A rank file where the byte ``q`` and the token ``qu`` trade ranks (``qu`` 80, ``q``
    447): tiktoken merges ``qu`` first, but the long-piece encoder cannot undo that merge
    (a part outranks the token, TC_LONG_BAD), so a valid-pair check that meets it declines
    and merging answers. The short pairs' table holds the check's answers, so its fill
    (longpiece_shorts.c) stops at the first check that declines and the tables keep none:
    every pair, ``qu``'s and the others', has no stored answer (-1), and lowercase pieces
    rich in ``qu`` give tiktoken's ids, by merging and by the search when it answers."""
    import base64
    import gzip

    from tokcost import _core
    from tokcost.bundled import DATA_DIR

    blob = gzip.decompress((DATA_DIR / "cl100k_base.tiktoken.gz").read_bytes())
    ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in blob.splitlines())}
    assert (ranks[b"q"], ranks[b"qu"]) == (80, 447)
    ranks[b"q"], ranks[b"qu"] = 447, 80
    core = _core.CoreBPE(b"".join(base64.b64encode(t) + b" %d\n" % r for t, r in ranks.items()), {}, "cl100k")
    ref = tiktoken.Encoding("cl100k_q_swapped", pat_str=r"[a-z]+|[^a-z]+", mergeable_ranks=ranks, special_tokens={})
    rnd = random.Random(19)
    searched = 0
    for size in (100, 700, 3000):
        for alphabet in (b"qu", b"quae", b"abcdefghijklmnopqrstuvwxyz", b"quiet"):
            piece = bytes(rnd.choices(alphabet, k=size))
            want = ref._encode_single_piece(piece)
            assert core.byte_pair_encode(piece) == want, piece[:60]
            found = core.long_piece_search(piece)
            assert found in (None, want), piece[:60]
            searched += found is not None
    assert core.long_piece_table_bytes() > 0 and searched  # the tables exist and the search answered some
    pairs = [(b"qu", b"qu"), (b"qu", b"a"), (b"a", b"qu"), (b"q", b"qu"), (b"a", b"b"), (b"ab", b"cd"), (b"zz", b"q")]
    stored = {(a, b): core.long_short_pair_valid(ranks[a], ranks[b]) for a, b in pairs}
    wrong = {pair: got for pair, got in stored.items()
             if got != -1 and got != (ref._encode_single_piece(pair[0] + pair[1]) == [ranks[pair[0]], ranks[pair[1]]])}
    assert not wrong, wrong  # a stored answer is tiktoken's (ququ is [qu, qu]: valid)
    assert set(stored.values()) == {-1}, stored  # and there is none: no table


def _children_by_prefix(tokens) -> dict[bytes, list[int]]:
    """The long-piece trie's shape: for each prefix of a token, the bytes that
    continue it toward some token, ascending (the order of a node's children)."""
    children: dict[bytes, set] = {}
    for t in tokens:
        for i in range(1, len(t)):
            children.setdefault(t[:i], set()).add(t[i])
    return {prefix: sorted(kids) for prefix, kids in children.items()}


def test_walks_through_every_place_among_many_children(long_pair):
    """A trie step compares a node's first 32 children at once, masked to the
    node's own, and looks further only past 32: pieces glued from tokens reached
    through the child at each edge of that (the 1st, 16th, 17th, 32nd, 33rd,
    last) of nodes with many children, and through nodes with exactly 16, 17,
    32 and 33 children."""
    ours, ref = long_pair
    tokens = list(ref._mergeable_ranks)
    children = _children_by_prefix(tokens)
    shortest: dict[bytes, bytes] = {}   # each prefix's shortest token through it
    for t in sorted(tokens, key=len):
        for i in range(2, len(t) + 1):
            shortest.setdefault(t[:i], t)
    reached = []
    for prefix, kids in children.items():
        if len(prefix) < 2:
            continue   # the first two bytes are a table lookup, not a step
        places = {0, 15, 16, 31, 32, len(kids) - 1} if len(kids) > 16 or len(kids) in (16, 17, 32, 33) else set()
        reached += [shortest[prefix + bytes([kids[i]])] for i in sorted(places) if i < len(kids)]
    assert len(reached) > 100
    rnd = random.Random(33)
    rnd.shuffle(reached)
    for start in range(0, len(reached), 24):
        group = reached[start : start + 24]
        piece = b"".join(group)
        while len(piece) < 97:
            piece += rnd.choice(group)
        _check_piece(ours, ref, piece)


@pytest.mark.parametrize(
    "alphabet",
    [
        string.ascii_lowercase,
        string.ascii_letters + string.digits + "+/",  # base64 as one piece
        string.ascii_letters + string.digits + string.punctuation,
        "aeiouéèàçñßøжщыกขあア中",  # several scripts and byte lengths
    ],
    ids=["lowercase", "base64", "ascii-mix", "scripts"],
)
def test_random_pieces_of_each_alphabet(long_pair, alphabet):
    """Random pieces (97 bytes to 6 KB) over alphabets whose trie nodes have few
    children (lowercase), many (base64, printable ASCII), or multi-byte ones."""
    ours, ref = long_pair
    rnd = random.Random(len(alphabet))
    for _ in range(40):
        piece = "".join(rnd.choices(alphabet, k=rnd.randint(97, 3000))).encode()
        _check_piece(ours, ref, piece)


def test_pair_ranks_from_kept_walks(long_pair):
    """A valid-pair check reads the rank of the token its two tokens spell from
    the trie walks kept for the last 32 positions (longpiece.h tc_long_path):
    pieces glued from short tokens (pairs of 2 to 12 bytes, those of up to 6
    read from the walks), with the glued tokens' own bytes repeated or cut so
    that the search backs up past a few tokens and over more than 32 bytes
    (entries overwritten by positions 32 apart), and ends of pieces where a
    walk stops at the piece's end."""
    ours, ref = long_pair
    rnd = random.Random(32)
    short = [t for t in ref._mergeable_ranks if 1 <= len(t) <= 6 and t.isalpha() and t.islower()]
    for _ in range(300):
        piece = b""
        target = 97 + rnd.randrange(400)
        while len(piece) < target:
            t = rnd.choice(short)
            piece += t[: rnd.randint(1, len(t))] if rnd.random() < 0.3 else t
            if rnd.random() < 0.1:
                piece += piece[-rnd.randint(1, 40):]
        _check_piece(ours, ref, piece)
        _check_piece(ours, ref, piece[: 97 + rnd.randrange(len(piece) - 96)])


def _check_search(ours, ref, piece: bytes):
    """As _check_piece, and the search's own answer too: a search that gives up is
    hidden by merging's exact answer otherwise (a wrong short-pair bit can make it)."""
    want = ref._encode_single_piece(piece)
    assert ours._core.byte_pair_encode(piece) == want, piece[:60]
    assert ours._core.long_piece_search(piece) == want, piece[:60]


def _short_tokens(ref) -> list[bytes]:
    """The tokens of one or two lowercase letters (longpiece.h's short ids)."""
    return [t for t in ref._mergeable_ranks if 1 <= len(t) <= 2 and all(97 <= c <= 122 for c in t)]


def test_short_pair_table_answers_as_bpe(long_pair):
    """The long-piece tables keep the valid-pair answer of every two tokens of one or
    two lowercase letters (longpiece.h, short pairs): each stored answer is whether
    tiktoken's BPE of the two tokens' bytes ends as exactly those two tokens, for
    every such pair, in every length class ((1, 1) to (2, 2)), valid and invalid."""
    ours, ref = long_pair
    ranks = ref._mergeable_ranks
    short = _short_tokens(ref)
    answered = {True: 0, False: 0}
    wrong = []
    for a in short:
        for b in short:
            got = ours._core.long_short_pair_valid(ranks[a], ranks[b])
            assert got in (0, 1), (a, b, got)
            want = ref._encode_single_piece(a + b) == [ranks[a], ranks[b]]
            answered[want] += 1
            if got != want:
                wrong.append((a, b))
    assert not wrong, (len(wrong), wrong[:10])
    assert answered[True] and answered[False]
    # Tokens that are not short have no stored answer (the check runs).
    longer = next(t for t in ranks if len(t) == 3 and t.isalpha() and t.islower())
    assert ours._core.long_short_pair_valid(ranks[longer], ranks[short[0]]) == -1
    assert ours._core.long_short_pair_valid(ranks[b"A"], ranks[short[0]]) == -1


def test_pieces_glued_from_short_tokens(long_pair):
    """Pieces glued from tokens of one or two lowercase letters (the pairs the short
    table answers), now and then with a longer lowercase token or an uppercase letter
    between them (pairs the check answers), against tiktoken."""
    ours, ref = long_pair
    rnd = random.Random(16)
    short = _short_tokens(ref)
    longer = [t for t in ref._mergeable_ranks if 3 <= len(t) <= 5 and t.isalpha() and t.islower()]
    for _ in range(200):
        piece = b""
        target = 97 + rnd.randrange(1500)
        while len(piece) < target:
            x = rnd.random()
            piece += rnd.choice(longer) if x < 0.1 else bytes([rnd.randrange(65, 91)]) if x < 0.12 else rnd.choice(short)
        _check_search(ours, ref, piece)


@pytest.mark.parametrize("lead", [b"", b"'s", b"7x", b"QZ", b"QZX", b"!?#", b"Ab!Cd#"], ids=repr)
def test_both_search_loops_on_short_token_pieces(long_pair, lead):
    """longpiece.h searches a piece with at most two bytes other than lowercase letters
    among its first 32 with the short pairs' table (tc_long_search_shorts, in
    longpiece_shorts.c) and any other with the check alone (tc_long_search_plain): the
    same pieces glued from short tokens, led into either loop (the first four leads into
    the table's), against tiktoken."""
    ours, ref = long_pair
    rnd = random.Random(17)
    short = _short_tokens(ref)
    for _ in range(40):
        body = b"".join(rnd.choice(short) for _ in range(60 + rnd.randrange(400)))
        _check_search(ours, ref, lead + body)
