"""Throughput of the article segmenter over AllSides, with and without language id.

    python benchmarks/segment_bench.py [--limit N] [--repeat 1]

Reads ``allsides/articles.jsonl.gz`` from the corpus mirror (``$FRAMELENS_MIRROR``, default
``../shared/corpora`` relative to the repository root) into memory first, so that reading
and JSON parsing are not timed; then segments every article in one process, once with
``detect_language=False`` and once with ``True``, side by side in the same run. Prints
articles/s and segments/s by wall clock and by CPU time of this process (the CPU figure is
the one to compare across runs on a shared machine), plus the machine and the date.

Before segmenting, the segmenter is fitted on the same articles (the pipeline's first pass:
per-outlet recurring lines, ``Segmenter.fit``); that pass is timed on its own and its table
is used by both settings. ``--no-fit`` segments with the article-only rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.records import Article  # noqa: E402
from analysis.segment import Segmenter  # noqa: E402


def load(limit: int | None) -> list[Article]:
    mirror = Path(os.environ.get("FRAMELENS_MIRROR", "../shared/corpora"))
    if not mirror.is_absolute():
        mirror = (ROOT / mirror).resolve()
    path = mirror / "allsides" / "articles.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            out.append(
                Article(
                    id=d["ID"], outlet=d["source"], title=d["title"], text=d["content_original"]
                )
            )
            if limit and len(out) >= limit:
                break
    return out


def fit(articles: list[Article]) -> tuple[float, float, str | None]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    state = Segmenter(detect_language=False).fit(articles).recurring_state()
    return time.perf_counter() - wall0, time.process_time() - cpu0, state


def run(
    articles: list[Article], detect_language: bool, state: str | None = None
) -> tuple[float, float, int]:
    seg = Segmenter(detect_language=detect_language, recurring_lines=state)
    seg.segment(Article(id="warm", outlet="", title="", text="Warm up the language model."))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    n = 0
    for art in articles:
        n += len(seg.segment(art))
    return time.perf_counter() - wall0, time.process_time() - cpu0, n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N articles only")
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs per setting")
    ap.add_argument("--no-fit", action="store_true", help="article-only rules, no fitting pass")
    args = ap.parse_args(argv)
    articles = load(args.limit)
    chars = sum(len(a.text) for a in articles)
    print(
        f"{dt.date.today().isoformat()}  {platform.platform()}  {platform.processor() or ''}"
        f"  python {platform.python_version()}  cpus={os.cpu_count()}"
        f"  load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{len(articles)} AllSides articles, {chars / 1e6:.1f} M characters, one process")
    state = None
    if not args.no_fit:
        wall, cpu, state = fit(articles)
        n_keys = (len(state.partition(":")[2]) * 3 // 4) // 8 if state else 0
        print(
            f"fitting pass: {wall:.1f} s wall, {cpu:.1f} s cpu ({len(articles) / cpu:.0f} "
            f"articles/s cpu), {n_keys} recurring (outlet, line) keys"
        )
    print(
        f"{'language id':12s} {'wall s':>8s} {'cpu s':>8s} {'art/s wall':>11s} "
        f"{'art/s cpu':>10s} {'segments':>9s} {'seg/s cpu':>10s}"
    )
    for lang in (False, True):
        best = None
        for _ in range(args.repeat):
            res = run(articles, lang, state)
            if best is None or res[1] < best[1]:
                best = res
        wall, cpu, n = best
        print(
            f"{'on' if lang else 'off':12s} {wall:8.1f} {cpu:8.1f} {len(articles) / wall:11.0f} "
            f"{len(articles) / cpu:10.0f} {n:9d} {n / cpu:10.0f}"
        )


if __name__ == "__main__":
    main()
