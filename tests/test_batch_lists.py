"""The lists of ``encode_ordinary_batch``: made with the cyclic collector paused, which is left as it was found."""

from __future__ import annotations

import gc

import pytest

import tokcost
from tokcost import _core


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("enabled", [True, False])
def test_batch_leaves_the_collector_as_it_found_it(threads, enabled):
    enc = tokcost.get_encoding("o200k_base")
    texts = ["some words to encode, %d of them " % k * 20 for k in range(1500)]
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        lists = enc.encode_ordinary_batch(texts, num_threads=threads)
        assert gc.isenabled() is enabled
        with pytest.raises(TypeError):
            enc.encode_ordinary_batch(["fine", 5], num_threads=threads)
        assert gc.isenabled() is enabled
        with pytest.raises(UnicodeEncodeError):  # the native batch fails after it has begun
            enc._core.encode_ordinary_batch(texts + ["lone \ud800"], threads)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert len(lists) == len(texts) and all(gc.is_tracked(ids) for ids in lists[:3])


@pytest.mark.parametrize("threads", [1, 2])
def test_another_threads_gc_disable_during_a_batch_stands(threads):
    # Another thread runs while the batch waits for its workers without the GIL. It must see the
    # collector as it left it (on), and a gc.disable() it makes then must stand after the batch
    # (tiktoken never touches the collector).
    import threading
    import time

    enc = tokcost.get_encoding("o200k_base")
    texts = ["lorem ipsum dolor sit amet " * 400] * 400
    was = gc.isenabled()
    try:
        for _ in range(20):
            gc.enable()
            seen = []

            def user():
                time.sleep(0.002)
                seen.append((time.perf_counter(), gc.isenabled()))
                gc.disable()

            other = threading.Thread(target=user)
            other.start()
            start = time.perf_counter()
            enc.encode_ordinary_batch(texts, num_threads=threads)
            end = time.perf_counter()
            other.join()
            if start < seen[0][0] < end:
                break
        else:
            pytest.skip("the other thread never ran inside a batch")
        assert seen[0][1], "the other thread saw the collector off: the batch's pause held during its wait"
        assert not gc.isenabled(), "the batch turned the collector back on after another thread turned it off"
    finally:
        gc.enable() if was else gc.disable()


def test_lists_of_a_batch_are_collected_when_part_of_a_cycle():
    # The lists are ordinary tracked lists: a cycle through one is found by the next collection.
    import weakref

    enc = tokcost.get_encoding("o200k_base")
    lists = enc.encode_ordinary_batch(["a cycle"] * 2000, num_threads=2)

    class Holder:
        pass

    holder = Holder()
    holder.ids = lists[0]
    lists[0].append(holder)
    alive = weakref.ref(holder)
    del holder, lists
    gc.collect()
    assert alive() is None


def _raised_token(encode):
    """The special token a ValueError names, or the result when nothing is raised."""
    try:
        return encode()
    except ValueError as exc:
        return ("raised", str(exc).split("'")[1])


@pytest.mark.parametrize("threads", [1, 2])
def test_encode_batch_screens_for_disallowed_specials_on_its_threads(pair, threads):
    # The screen runs on the batch's threads (tc_batch_marked); which text raises, and for which
    # token, must be tiktoken's: the first text in order that holds a disallowed one.
    ours, ref = pair
    first, last = min(ours.special_tokens_set), max(ours.special_tokens_set)
    filler = ["plain words, %d of them; a < b and a|b" % k * 8 for k in range(600)]
    wide = "日本語のテキスト 🙂 "  # a UCS-4 str, converted to UTF-8 by the thread that encodes it
    cases = [
        filler,
        filler + [first[:-1], first[1:], "<" + first[:-2], wide * 900 + last[:-1]],
        filler[:300] + [wide * 900 + first] + filler[300:] + [last + " last"],
        ["first " + last] + filler + [first],
        filler + ["ends with " + first, "é" * 5000 + last],
    ]
    for texts in cases:
        # ... and with allowed tokens, which the batch's threads encode as their ids (tc_encode_special).
        for kwargs in ({}, {"disallowed_special": {last}}, {"disallowed_special": ()}, {"allowed_special": "all"},
                       {"allowed_special": {first}}, {"allowed_special": {last}, "disallowed_special": {first}}):
            want = _raised_token(lambda: ref.encode_batch(texts, num_threads=threads, **kwargs))
            assert _raised_token(lambda: ours.encode_batch(texts, num_threads=threads, **kwargs)) == want


@pytest.mark.parametrize("threads", [1, 2])
def test_encode_batch_sets_off_no_collection_over_its_lists(threads):
    # encode_batch's screened batch returns (lists, hit): a pair made once the collector was back on
    # was the first new container after 2,000 lists, so a collection walked all of them in the call.
    enc = tokcost.get_encoding("o200k_base")
    texts = ["some words to encode, %d of them " % k * 20 for k in range(2000)]
    enc.encode_batch(texts[:10], num_threads=threads)
    collections = []

    def seen(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        lists = enc.encode_batch(texts, num_threads=threads)
    finally:
        gc.callbacks.remove(seen)
    assert collections == []
    assert lists == enc.encode_ordinary_batch(texts, num_threads=threads) and gc.isenabled()
    with pytest.raises(UnicodeEncodeError):  # fails inside, after the collector was paused
        enc._core.encode_batch_screened(texts + ["lone \ud800"], threads, _core.MarkSet(["<|endoftext|>"]))
    assert gc.isenabled()
