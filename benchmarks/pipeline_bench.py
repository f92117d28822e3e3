"""Throughput and peak memory of the feature pipeline, side by side in one run.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/pipeline_bench.py [--articles 1000]

Measures on the first N AllSides articles (all 37,544 with --articles 0):

(a) the default pipeline (segmentation + every default feature) in one process;
(b) the same on 2 local worker processes;
(c) the same on a 2-worker Dask LocalCluster;
(d) a naive per-article loop of NLTK VADER + TextBlob over whole articles (2 features);
(e) the NELA toolkit: not runnable offline here (it needs NLTK data and a spaCy model that
    cannot be downloaded); its reference figure measured on this machine kind for its full
    feature vector over the first 200 AllSides articles is 1.36 articles/s on one process.

Each configuration runs in its own subprocess (feature cache disabled, fresh output
folder); peak memory is the largest summed RSS of that process and its children, sampled
every 0.1 s. Ratios matter, absolute numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

NELA_REFERENCE = 1.36  # articles/s, full NELA feature vector, first 200 AllSides articles

NAIVE = r"""
import json, sys, time
from analysis.corpora import iter_articles
from analysis.features.sentiment import ensure_vader_data
from nltk.sentiment.vader import SentimentIntensityAnalyzer
from textblob import TextBlob
import nltk
nltk.data.path.insert(0, str(ensure_vader_data()))
n = int(sys.argv[1])
sia = SentimentIntensityAnalyzer()
rows = []
t = time.perf_counter()
count = 0
for chunk in iter_articles({"name": "allsides", "limit": n or None}, chunk_size=2000):
    for text in chunk["text"]:
        blob = TextBlob(text)
        rows.append((sia.polarity_scores(text)["compound"], blob.sentiment.polarity, blob.sentiment.subjectivity))
        count += 1
print(json.dumps({"articles": count, "seconds": time.perf_counter() - t}))
"""


def watch(cmd: list[str], env: dict) -> dict:
    """Run ``cmd``; return wall seconds, peak tree RSS (MB) and its JSON/stdout."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs if p.is_running())
                peak = max(peak, rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            time.sleep(0.1)

    t = time.perf_counter()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    stop.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return {"wall": seconds, "peak_mb": peak / 1e6, "stdout": out, "stderr": err}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="first N articles (0 = all)")
    parser.add_argument("--only", nargs="*", default=["a", "b", "c", "d"])
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    env = {**os.environ, "FRAMELENS_CACHE": tempfile.mkdtemp(prefix="bench-cache-")}
    limit = args.articles or "null"
    base = [sys.executable, "-m", "analysis.cli", "run", "corpus=allsides", f"corpus.limit={limit}",
            "cache.enabled=false", "plot.formats=[png]", "chunk_size=500"]  # fmt: skip
    configs = {
        "a": ("default pipeline, 1 process", ["executor=serial"]),
        "b": ("default pipeline, 2 local workers", ["executor=local", "executor.n_jobs=2"]),
        "c": ("default pipeline, Dask LocalCluster 2 workers", ["executor=dask", "executor.n_workers=2"]),
    }  # fmt: skip
    results = {}
    for key in args.only:
        if key == "d":
            r = watch([sys.executable, "-c", NAIVE, str(args.articles)], env)
            info = json.loads(r["stdout"].strip().splitlines()[-1])
            results["d"] = {
                "name": "naive loop: NLTK VADER + TextBlob on whole articles (2 features)",
                "articles": info["articles"],
                "seconds": info["seconds"],
                "peak_mb": r["peak_mb"],
            }
            continue
        name, extra = configs[key]
        with tempfile.TemporaryDirectory() as out:
            r = watch([*base, *extra, f"output_dir={out}"], env)
            summary = json.loads((Path(out) / "summary.json").read_text())
        n = summary["load"]["loaded"]
        # run_pipeline's own time (load, segment, score, summaries), without interpreter start
        seconds = float(re.search(r"outputs in .* \(([\d.]+) s\)", r["stderr"]).group(1))
        results[key] = {"name": name, "articles": n, "seconds": seconds, "peak_mb": r["peak_mb"]}

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for key, r in results.items():
        r["articles_per_s"] = r["articles"] / r["seconds"]
        print(f"({key}) {r['name']:<58} {r['articles']:>6,} articles {r['seconds']:8.1f} s "
              f"{r['articles_per_s']:8.2f} art/s  peak {r['peak_mb']:7.0f} MB")  # fmt: skip
    print(
        f"(e) NELA toolkit (reference, not run offline)                       {NELA_REFERENCE:8.2f} art/s"
    )
    rate = {k: r["articles_per_s"] for k, r in results.items()}
    if "a" in rate and "d" in rate:
        print(
            f"(a)/(d) default pipeline vs naive loop: {rate['a'] / rate['d']:.2f}x (target >= 2x)"
        )
    if "a" in rate:
        print(
            f"(a)/(e) default pipeline vs NELA:       {rate['a'] / NELA_REFERENCE:.1f}x (target >= 50x)"
        )
    if "a" in rate and "b" in rate:
        print(
            f"(b)/(a) 2 workers vs 1 process:         {rate['b'] / rate['a']:.2f}x (target >= 1.6x)"
        )
    if "b" in rate and "c" in rate:
        print(
            f"(c)/(b) Dask vs local processes:        {rate['c'] / rate['b']:.2f}x (target >= 0.8x)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
