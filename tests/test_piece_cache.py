"""The per-thread piece caches against tiktoken: a cached answer must only ever be
returned for the identical byte string.

The second-level cache (thread_caches.h) keeps pieces of up to 4096 bytes in an
arena, indexed by a hash in buckets of four slots; when the arena is full it
moves them to a block twice its size, three times at most, and past that starts
again. These tests encode the same pieces cold and then warm, pieces
built to share a bucket (and their first bytes, length and most of their
content), pieces on either side of the length limit, and more distinct pieces
than the arena holds, and compare every result with tiktoken's."""

from __future__ import annotations

import itertools
import random

import tokcost

THAI = [chr(c) for c in range(0x0E01, 0x0E2F)]  # consonants: letters (Lo), so a run is one piece
KANA = [chr(c) for c in range(0x30A1, 0x30F7)]  # katakana, also Lo

_MASK = (1 << 64) - 1
_INDEX_BITS = 16  # TC_BIG_INDEX_BITS
_WAYS = 4  # TC_BIG_WAYS


def _mix(a: int, b: int) -> int:
    r = a * b
    return (r & _MASK) ^ (r >> 64)


def _piece_hash(p: bytes) -> int:
    """tables.h's tc_hash_piece, to pick pieces that land in one bucket (the
    expected tokens still come from tiktoken)."""
    head = p[:12].ljust(12, b"\0")
    w0, w1 = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
    h = _mix(w0 ^ 0x243F6A8885A308D3, ((w1 << 16) | (len(p) & 0xFFFF)) ^ 0x13198A2E03707344)
    for i in range(12, len(p), 8):
        h = _mix(h ^ int.from_bytes(p[i:i + 8], "little"), 0x9E3779B97F4A7C15)
    return h


def _bucket(p: bytes) -> int:
    return (_piece_hash(p) >> (64 - _INDEX_BITS)) & ~(_WAYS - 1)


def _check(pair, pieces, sep="\n"):
    """Each piece alone, then all of them in one text, twice (cold, then warm),
    then counted: always tiktoken's tokens."""
    ours, ref = pair
    want = [ref.encode_ordinary(p) for p in pieces]
    for _ in range(2):
        assert [ours.encode_ordinary(p) for p in pieces] == want
    text = sep.join(pieces)
    whole = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == whole
    assert ours.encode_ordinary(text) == whole
    assert ours.count(text) == len(whole)
    assert [ours.count(p) for p in pieces] == [len(w) for w in want]


def test_long_thai_and_kana_runs(pair):
    rng = random.Random(1)
    pieces = ["".join(rng.choices(alphabet, k=k)) for alphabet in (THAI, KANA)
              for k in (11, 22, 30, 60, 85, 86, 200, 700, 1365, 1366, 1367, 3000)]
    _check(pair, pieces)


def test_pieces_either_side_of_the_cached_length():
    """4096 bytes is the longest piece kept; 4095 to 4097 (and repeats) must all be right."""
    import tiktoken

    import tokcost

    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    rng = random.Random(2)
    for n in (4094, 4095, 4096, 4097, 4098):
        piece = "".join(rng.choices(THAI, k=n // 3)) + "a" * (n % 3)  # Latin letters join the run
        assert len(piece.encode()) == n
        want = ref.encode_ordinary(piece)
        assert ours.encode_ordinary(piece) == want
        assert ours.encode_ordinary(piece) == want
        assert ours.count(piece) == len(want)


def test_pieces_sharing_a_bucket_head_and_length(pair):
    """Pieces that differ only near their end, with equal length and first bytes,
    chosen so that many fall into one bucket: more than it has slots."""
    rng = random.Random(3)
    stem = "".join(rng.choices(THAI, k=40))
    by_bucket: dict = {}
    for tail in range(60000):
        piece = stem + THAI[tail % 46] + THAI[tail // 46 % 46] + THAI[tail // 2116 % 46]
        by_bucket.setdefault(_bucket(piece.encode()), []).append(piece)
    crowded = sorted(by_bucket.values(), key=len, reverse=True)[:3]
    assert len(crowded[0]) > _WAYS
    pieces = [p for group in crowded for p in group]
    _check(pair, pieces + pieces[::-1])


def test_more_distinct_pieces_than_the_arena_holds(pair):
    """About 6 MB of distinct long pieces: the arena (4 MB) fills and starts
    again; the first pieces, asked again, are merged afresh and still right."""
    ours, ref = pair
    rng = random.Random(4)
    pieces = ["".join(rng.choices(THAI, k=150)) for _ in range(9000)]
    text = "\n".join(pieces)
    want = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == want
    assert ours.encode_ordinary(text) == want
    head = "\n".join(pieces[:500])
    assert ours.encode_ordinary(head) == ref.encode_ordinary(head)
    assert ours.count(text) == len(want)


def test_batch_workers_keep_their_own_caches(pair):
    ours, ref = pair
    rng = random.Random(5)
    docs = ["\n".join("".join(rng.choices(THAI + KANA, k=rng.randrange(20, 400))) for _ in range(8))
            for _ in range(200)]
    want = [ref.encode_ordinary(d) for d in docs]
    for _ in range(2):
        assert ours.encode_ordinary_batch(docs, num_threads=2) == want
        assert ours.count_batch(docs, num_threads=2) == [len(w) for w in want]


_PIECE_CACHE_BITS = 15  # TC_PIECE_CACHE_BITS: the first-level cache's slot is the hash's top bits


def test_first_level_entries_that_differ_only_past_byte_12(pair):
    """The piece cache (thread_caches.h) matches an entry by its slot, length and first 12 bytes,
    then by the rest (cache.h's tc_piece_lookup: a memcmp of bytes 12 and on; round 15 tried an
    inline 16-byte compare and one ending at the piece's end past 28 bytes). For every length of 13 to 32 bytes and every three or four bytes in
    a row from byte 12 on, two pieces that differ in those bytes only and share a slot: the second,
    asked after the first (and again, warm), must get its own tokens. The pieces are runs of
    punctuation, a few tokens each as the cache keeps them (up to six), joined by a letter (a piece
    of its own). (Fewer bytes at the end have too few values to share a slot.)"""
    marks = "!#$%&()*+,-.:;<=>?@[]^_`{|}~"
    rng = random.Random(15)
    pieces = []
    for n in range(13, 33):
        base = rng.choice("-=*_#~") * n
        for j in range(12, n - 2):
            width = min(4, n - j)
            seen: dict = {}
            for _ in range(20000):
                piece = base[:j] + "".join(rng.choices(marks, k=width)) + base[j + width:]
                slot = _piece_hash(piece.encode()) >> (64 - _PIECE_CACHE_BITS)
                if seen.setdefault(slot, piece) != piece:
                    pieces += [seen[slot], piece]
                    break
            else:
                raise AssertionError(f"no two pieces of {n} bytes share a slot")
    _check(pair, pieces + ["tail of sixteen bytes or more"], sep="a")


def _slot(p: str) -> int:
    return _piece_hash(p.encode()) >> (64 - _PIECE_CACHE_BITS)


def test_second_level_marks_beside_full_entries(pair):
    """Round 16 (r16-hindi): each piece cache entry carries marks of what went into the second level
    (thread_caches.h, tc_piece_entry.big) in its cache line's spare bytes, and a piece that misses
    the entry skips the second level when its mark is clear. Full entries (32 bytes, six tokens)
    get marks from pieces of their slot that only the second level takes (seven tokens or more), and
    must still give all six tokens warm; pieces pushed out of their entry by another of their slot
    (two to six tokens) must come back from the second level. Runs of punctuation, joined by a
    letter (a piece of its own); every result against tiktoken."""
    ours, ref = pair
    rng = random.Random(16)
    blocks, marks = "-=*_#~", "!#$%&()*+,-.:;<=>?@[]^_`{|}~"
    full = []
    while len(full) < 6:
        cuts = sorted(rng.sample(range(1, 32), 4))
        piece = "".join(rng.choice(blocks) * (b - a) for a, b in zip([0, *cuts], [*cuts, 32]))
        if len(ref.encode_ordinary(piece)) == 6 and piece not in full:
            full.append(piece)
    pieces = []
    for piece in full:
        slot, many, few = _slot(piece), [], []
        while len(many) < 2 or len(few) < 1:
            # Random punctuation is seven tokens or more (almost always); runs of a few characters
            # are two to six. About 32,768 tries find one of the slot (0.1-0.2 s).
            if len(many) < 2 and (few or rng.random() < 0.5):
                other = "".join(rng.choices(marks, k=rng.randrange(14, 33)))
            else:
                size = rng.randrange(14, 32)
                cuts = sorted(rng.sample(range(1, size), rng.randrange(1, 4)))
                other = "".join(rng.choice(blocks) * (b - a) for a, b in zip([0, *cuts], [*cuts, size]))
            if other == piece or _slot(other) != slot:
                continue
            k = len(ref.encode_ordinary(other))
            if k > 6 and len(many) < 2:
                many.append(other)
            elif 2 <= k <= 6 and not few:
                few.append(other)
        pieces += [piece, *many, piece, *few, piece, *many, piece]
    _check(pair, pieces, sep="a")


def _group_kinds(ref, rng):
    """Makers of one piece of each kind the text loop's group tells apart (encoder.h, round 19): a
    piece cache hit (words encoded first), a single byte, a token not cached yet, an ASCII word that
    is no token (a byte-level job: enough of them fill the pool of 16 and drain it), a word with
    accents (the character path), pieces over 32 bytes (no cache entry) and over 96 (counted apart)."""
    seen = [" the", " of", " and", " to", " in", " is", " was", " for", " that", " with"]
    tokens = []
    for rank in rng.sample(range(1000, 50000), 20000):  # ASCII words of the vocabulary, new to the cache when first met
        b = ref.decode_single_token_bytes(rank)
        if len(b) >= 3 and b[:1] == b" " and b[1:].isalpha() and b.isascii():
            tokens.append(b.decode())
    assert len(tokens) > 2000, len(tokens)
    fresh = itertools.cycle(tokens)  # a text draws about 6 of them (1,700 in all)
    return seen, {
        "hit": lambda: rng.choice(seen),
        "byte": lambda: rng.choice(",.;:!?"),
        "token": lambda: next(fresh),
        "job": lambda: " " + "".join(rng.choices("qxzjvkwy", k=rng.randrange(3, 14))),
        "accents": lambda: " " + "".join(rng.choices("éàüñøçõåœ", k=rng.randrange(2, 7))),
        "long": lambda: " " + "".join(rng.choices("qxzjvkwy", k=rng.randrange(33, 96))),
        "longer": lambda: " " + "".join(rng.choices("qxzjvkwy", k=rng.randrange(97, 200))),
    }


def test_group_hits_beside_every_other_kind_of_piece(pair):
    """The text loop encodes single bytes and piece cache hits in its group loop and every other
    piece out of line (round 19, r19-textloop: tc_encode_uncached), which writes at the output's
    length and may drain the pool of jobs, moving ids already written: the loop's own place in the
    output goes through out->len around each such call. Texts of 40 pieces whose kinds (hit, byte,
    token not cached, job, accented word, over 32 bytes, over 96) are drawn at random, so every kind
    falls at every position of a group of 16 beside every other; each text encoded cold, warm and
    counted, and 300 of them as one batch, against tiktoken."""
    ours, ref = pair
    rng = random.Random(19)
    seen, kinds = _group_kinds(ref, rng)
    ours.encode_ordinary("".join(seen))
    names = sorted(kinds)
    texts = ["".join(kinds[rng.choice(names)]() for _ in range(40)) for _ in range(300)]
    for text in texts:
        want = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == want, text
        assert ours.encode_ordinary(text) == want, text
        assert ours.count(text) == len(want), text
    want = [ref.encode_ordinary(t) for t in texts]
    assert ours.encode_ordinary_batch(texts, num_threads=2) == want
    assert ours.count_batch(texts, num_threads=2) == [len(w) for w in want]


_ASKED_MAX = 8  # TC_ASKED_MAX: bits a piece cache entry's admission filter holds before it starts again


def _slot_mates(ref, rng, groups, per_group):
    """Groups of pieces of one piece cache slot that are no tokens and merge to 2 to 6 tokens: words
    of consonants (byte-level jobs) and of accented letters (the character path), 4 to 12 bytes."""
    by_slot: dict = {}
    found: dict = {}
    while len(found) < groups:
        for _ in range(20000):
            if rng.random() < 0.5:
                piece = " " + "".join(rng.choices("bcdfghjklmnpqrstvwxz", k=rng.randrange(4, 12)))
            else:
                piece = " " + "".join(rng.choices("éàüñøçõåœ", k=rng.randrange(2, 6)))
            slot = _slot(piece)
            members = by_slot.setdefault(slot, set())
            if slot not in found and piece not in members and 2 <= len(ref.encode_ordinary(piece)) <= 6:
                members.add(piece)
                if len(members) == per_group:
                    found[slot] = sorted(members)
    return list(found.values())[:groups]


def test_second_level_admits_pieces_merged_again(pair):
    """Round 24 (r24-admit): a merged piece the piece cache holds goes into the second level only
    when a piece of its hash and slot was merged before and not kept: its bit in the entry
    (thread_caches.h, tc_big_admits), which starts again after TC_ASKED_MAX bits. Pieces of one slot
    asked in turns: pushed out after a hit and asked again, pushed out without a hit and asked again,
    three to a slot in a cycle, and twelve to a slot in a cycle (more than the entry's bits hold); then
    more distinct merged pieces than the piece cache has slots (every entry's bits fill and start
    again) and the same turns; then more distinct long pieces than the arena holds (the second level
    and its marks are cleared) and the same turns. Every result against tiktoken."""
    ours, ref = pair
    rng = random.Random(24)
    turns = []
    for a, b, c in _slot_mates(ref, rng, 40, 3):
        turns += [a, a, b, a, b, a]          # a: hit, pushed out, merged again, then from either level
        turns += [b, c, b, c, b]             # pushed out without a hit, asked again
        turns += [a, b, c, a, b, c, a, b, c]  # three in a cycle
    for many in _slot_mates(ref, rng, 2, _ASKED_MAX + 4):
        turns += many * 3
    _check(pair, turns, sep="")
    words = set()
    while len(words) < 70000:
        words.add(" " + "".join(rng.choices("bcdfghjklmnpqrstvwxz", k=6)))
    text = "".join(sorted(words))
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    _check(pair, turns, sep="")
    long_pieces = "\n".join("".join(rng.choices(THAI, k=150)) for _ in range(9000))
    assert ours.count(long_pieces) == len(ref.encode_ordinary(long_pieces))
    _check(pair, turns[::-1], sep="")


def test_admission_filter_counts_bits():
    """Round 28 (r28-core): tc_bit_count, which tc_big_admits asks whether an entry's bits are full,
    takes the popcnt instruction where the CPU has it (the build targets plain x86-64, where
    __builtin_popcount is a call into libgcc). Every 16-bit value (the filter's width) and wider ones."""
    core = tokcost._core
    rng = random.Random(28)
    values = list(range(1 << 16)) + [rng.getrandbits(32) for _ in range(10000)] + [0xFFFFFFFF, 0x80000000]
    assert [core.bit_count(x) for x in values] == [bin(x).count("1") for x in values]


def _in_a_new_thread(work):
    """work() on a thread of its own, whose caches start empty; its exception raised here."""
    import threading

    failed = []

    def run():
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised again on the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def test_second_level_grows_when_full_then_starts_again():
    """Round 34: a second level that fills is replaced by one of twice its slots and arena, three
    times at most (its pieces moved into it), and past that cleared (thread_caches.h, tc_big_make_room).
    Made to start at 256 slots (16 KB of arena), a thread's second level must grow at each fill
    (1 << 8 to 1 << 11 slots) and then stay at 1 << 11, with tiktoken's ids before and after every
    growth and clear: the pieces first kept, asked again after they were moved or cleared, and counted. A vocabulary
    that takes over a grown block's slot starts again at the first size (the grown one is given
    back). The pieces are Thai runs of 40 to 300 letters: every one is kept (more than 32 bytes)."""
    import tiktoken

    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    rng = random.Random(34)
    groups = [["".join(rng.choices(THAI, k=rng.randrange(40, 300))) for _ in range(30)] for _ in range(60)]
    texts = ["\n".join(group) for group in groups]          # about 25 KB each: one thread encodes it
    want = [ref.encode_ordinary(t) for t in texts]
    bits_seen = []

    def work():
        assert tokcost._core.second_level_bits(ours._core) == 0
        for text, ids in zip(texts, want):
            assert ours.encode_ordinary(text) == ids
            bits_seen.append(tokcost._core.second_level_bits(ours._core))
        # The first texts again, from the block now in use or merged afresh after a clear.
        assert [ours.encode_ordinary(t) for t in texts[:5]] == want[:5]
        assert [ours.count(t) for t in texts] == [len(ids) for ids in want]
        # Two other vocabularies: the second takes o200k_base's slot, whose block had grown.
        for name in ("cl100k_base", "r50k_base"):
            other, other_ref = tokcost.get_encoding(name), tiktoken.get_encoding(name)
            assert other.encode_ordinary(groups[0][0]) == other_ref.encode_ordinary(groups[0][0])
        assert tokcost._core.second_level_bits(tokcost.get_encoding("r50k_base")._core) == 8

    first = tokcost._core.second_level_first_bits()
    assert tokcost._core.second_level_first_bits(8) == 8
    try:
        _in_a_new_thread(work)
    finally:
        tokcost._core.second_level_first_bits(first)
    assert tokcost._core.second_level_first_bits() == 16
    # A text holds 40-50 KB of pieces and tokens: the first grows the block once or twice, and the
    # 60 together fill the largest (128 KB of arena) about 18 times.
    assert 8 < bits_seen[0] < 11
    assert bits_seen == sorted(bits_seen) and bits_seen[-1] == 11
    assert bits_seen.count(11) > 40


def crowded_turns(seed: int, n_crowd: int, n_keepers: int, first_bits: int, most_bits: int, crowd_buckets: int,
                  every: int) -> list[str]:
    """Thai pieces of 36 to 60 bytes (too long for the piece cache, so each is looked up and kept in the
    second level): keepers, at most four to a bucket of 1 << first_bits slots and none in bucket 0 (so
    none is ever pushed out at any size), asked first and after every ``every`` of a crowd that falls
    into the first ``crowd_buckets`` buckets of 1 << most_bits slots (bucket 0 of every smaller size),
    twice over: at most four a bucket of the crowd live, the rest of the arena left behind, so a full
    block at its most is packed (thread_caches.h, tc_big_pack). Also scripts/memcheck_subset.py's."""
    rng = random.Random(seed)
    crowd, keepers, per_bucket = set(), set(), {}
    while len(crowd) < n_crowd or len(keepers) < n_keepers:
        piece = "".join(rng.choices(THAI, k=rng.randrange(12, 21)))
        h = _piece_hash(piece.encode())
        first_bucket = h >> (64 - first_bits) & ~(_WAYS - 1)
        if h >> (64 - most_bits) < crowd_buckets * _WAYS:
            if len(crowd) < n_crowd:
                crowd.add(piece)
        elif first_bucket and per_bucket.get(first_bucket, 0) < _WAYS and len(keepers) < n_keepers:
            per_bucket[first_bucket] = per_bucket.get(first_bucket, 0) + 1
            keepers.add(piece)
    keepers, crowd = sorted(keepers), sorted(crowd) * 2
    turns = list(keepers)
    for at in range(0, len(crowd), every):
        turns += crowd[at:at + every] + keepers
    return turns


def test_second_level_packs_its_live_pieces_when_full():
    """Round 34: at its most, a full second level whose live pieces fill at most three quarters of its
    arena packs them to the arena's front (thread_caches.h, tc_big_pack) instead of clearing: a slot
    overwritten in a full bucket leaves its bytes behind. Made to start at 128 slots (8 KB of arena,
    1,024 slots and 64 KB at most: offsets past the sort's first 12 bits), a thread meets Thai pieces
    of 36 to 60 bytes (too long for the piece cache, so each is looked up and kept in the second
    level): 100 keepers, at most four to a bucket of the first size (so none is ever pushed out), and
    1,500 that all fall into eight buckets of the largest size, none a keeper's (at most 32 of them
    live, the rest of the arena left behind), so once grown the block is packed again and again. The
    keepers are asked after every 100 of the crowd, from where the packs moved them; every piece must
    have tiktoken's ids."""
    import tiktoken

    ours, ref = tokcost.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    turns = crowded_turns(35, n_crowd=1500, n_keepers=100, first_bits=7, most_bits=10, crowd_buckets=8, every=100)
    want = [ref.encode_ordinary(p) for p in turns]
    events = []

    def work():
        before = tokcost._core.second_level_events()
        assert [ours.encode_ordinary(p) for p in turns] == want
        events.append([after - b for after, b in zip(tokcost._core.second_level_events(), before)])
        events.append(tokcost._core.second_level_bits(ours._core))

    first = tokcost._core.second_level_first_bits()
    tokcost._core.second_level_first_bits(7)
    try:
        _in_a_new_thread(work)
    finally:
        tokcost._core.second_level_first_bits(first)
    (grown, packed, cleared), bits = events
    assert grown == 3 and bits == 10
    assert packed >= 3 and cleared == 0
