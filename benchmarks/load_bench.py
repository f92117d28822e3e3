"""Loading and validating AllSides into an article table vs a plain json.loads loop.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/load_bench.py [--repeat 3]

Both are timed side by side in one process (best of --repeat runs), so the ratio is
meaningful on a noisy machine; absolute seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import time

from analysis.corpora import ensure_available, get_descriptor, load_corpus


def plain_loop(path) -> int:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    desc = get_descriptor("allsides")
    path = ensure_available(desc) / "articles.jsonl.gz"
    best = {"plain json.loads loop": float("inf"), "framelens load_corpus": float("inf")}
    n = {}
    for _ in range(args.repeat):
        t = time.perf_counter()
        n["plain json.loads loop"] = plain_loop(path)
        best["plain json.loads loop"] = min(best["plain json.loads loop"], time.perf_counter() - t)
        t = time.perf_counter()
        articles, report = load_corpus("allsides")
        best["framelens load_corpus"] = min(best["framelens load_corpus"], time.perf_counter() - t)
        n["framelens load_corpus"] = len(articles)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    for name, seconds in best.items():
        print(
            f"{name:<24} {n[name]:>7,} records  {seconds:6.2f} s  {n[name] / seconds:>9,.0f} records/s"
        )
    ratio = best["framelens load_corpus"] / best["plain json.loads loop"]
    print(f"load_corpus / plain loop: {ratio:.2f}x the time (validation, mapping, table)")
    print(report.summary())


if __name__ == "__main__":
    main()
