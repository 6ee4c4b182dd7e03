"""Turn `tokcost bench --format csv` output into the README's speed tables (Markdown).

    tokcost bench --quick --format csv > bench.csv
    python scripts/bench_to_markdown.py bench.csv

Per workload and mode: tokcost's MB/s and ratio to tiktoken, tiktoken's MB/s,
and the fastest exact peer of the same run.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict


def main(path: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    groups: dict = defaultdict(dict)
    for row in rows:
        if not row.get("mb_s") or row.get("skipped"):
            continue
        key = (row["section"], row["workload"], row["op"], row["mode"], row["threads"])
        groups[key][row["contender"]] = row
    for section in ("encode", "count", "batch", "corpus", "adversarial"):
        keys = [k for k in groups if k[0] == section]
        if not keys:
            continue
        print(f"\n| {section} | op | mode | threads | tokcost MB/s (× tiktoken) | tiktoken MB/s | best exact peer |")
        print("|---|---|---|---|---|---|---|")
        for key in keys:
            by = groups[key]
            ours, base = by.get("tokcost"), by.get("tiktoken")
            if not ours or not base:
                continue
            peers = [r for name, r in by.items() if name not in ("tokcost", "tiktoken") and r.get("exact") == "True"]
            best = max(peers, key=lambda r: float(r["mb_s"]), default=None)
            best_text = f"{best['contender']} {float(best['mb_s']):.1f} ({float(best['x_tiktoken']):.2f}×)" if best else "—"
            print(f"| {key[1]} | {key[2]} | {key[3]} | {key[4]} | {float(ours['mb_s']):.1f} "
                  f"({float(ours['x_tiktoken']):.2f}×) | {float(base['mb_s']):.1f} | {best_text} |")


if __name__ == "__main__":
    main(sys.argv[1])
