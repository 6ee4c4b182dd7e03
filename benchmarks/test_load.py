"""Import + get_encoding + first encode in a fresh interpreter, and the memory it adds."""

from conftest import ENCODING, PLAN

from tokcost import bench


def test_load(benchmark, contender):
    bench.measure_load(contender, ENCODING)  # warm the OS file cache and tokcost's table cache
    benchmark.group = "load"
    result = benchmark.pedantic(bench.measure_load, args=(contender, ENCODING), rounds=PLAN.runs, iterations=1)
    benchmark.extra_info.update(contender=contender.name, version=contender.version,
                                load_s=round(result["seconds"], 4), rss_mib=round(result["rss_bytes"] / 2**20, 1),
                                note="timing includes interpreter start-up; load_s is measured inside")
