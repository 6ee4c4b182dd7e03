"""The lists of ``encode_ordinary_batch``: made with the cyclic collector paused, which is left as it was found."""

from __future__ import annotations

import gc

import pytest

import tokcost


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
