"""A 2-worker LocalCluster counts a generated corpus exactly as the local run does, to the token."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("distributed")


from tokcost.bench.workloads import make_corpus  # noqa: E402
from tokcost.cli import main  # noqa: E402
from tokcost.corpus import count_corpus  # noqa: E402
from tokcost.corpus.dask_runner import dask_client  # noqa: E402
from tokcost.errors import CorpusError  # noqa: E402

ENC = "o200k_base"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    # thousands of small files, some large, empty, binary, invalid UTF-8 and gzip ones
    return make_corpus(tmp_path_factory.mktemp("dask-corpus"), small=2500, large=3, large_bytes=1_500_000, seed=11)


@pytest.fixture(scope="module")
def client():
    # processes=False: worker processes take seconds to start on a shared 2-core machine;
    # the task code path (pickled units, plugin, gather) is the same.
    with dask_client("local", n_workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="module")
def local(corpus):
    return count_corpus([str(corpus)], ENC, jobs=1, language=True)


def _rows(result):
    return [(f.path, f.tokens, f.bytes, f.skipped, f.invalid_utf8, f.language) for f in result.files]


def test_local_cluster_identical_to_local(corpus, client, local):
    distributed = count_corpus([str(corpus)], ENC, dask=client, language=True)
    assert len(local.files) > 2500
    assert distributed.total_tokens == local.total_tokens
    assert _rows(distributed) == _rows(local)
    assert distributed.summary() == local.summary()
    assert local.summary()["skipped_binary"] == 2 and local.summary()["invalid_utf8"] == 2
    for key in ("type", "dir", "language", "day"):
        assert distributed.by(key) == local.by(key)


def test_byte_ranges_on_workers_identical(corpus, client, local):
    # large files split into ~100 KB ranges, each counted by whichever worker gets it
    distributed = count_corpus([str(corpus)], ENC, dask=client, split_size=100_000, chunk_size=16_384, language=True)
    assert _rows(distributed) == _rows(local)


def test_each_worker_loads_the_encoding_once(client):
    def loaded(dask_worker=None):
        from tokcost import registry

        return sorted(registry._loaded)

    assert all(ENC in names for names in client.run(loaded).values())


def test_strict_error_travels_back(tmp_path, client):
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "bad.gz").write_bytes(b"nope")
    result = count_corpus([str(tmp_path)], ENC, dask=client)
    assert result.skipped_files[0].skipped.startswith("broken compressed data")
    with pytest.raises(CorpusError, match="bad.gz"):
        count_corpus([str(tmp_path)], ENC, dask=client, strict=True)


def test_cli_dask_address(corpus, client, local, capsys):
    address = client.scheduler.address
    assert main(["count", str(corpus), "--dask", address, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total_tokens"] == local.total_tokens
    assert [f["path"] for f in doc["files"]] == [f.path for f in local.counted_files]
