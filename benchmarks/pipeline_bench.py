"""Throughput and peak memory of the feature pipeline, side by side in one run.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/pipeline_bench.py [--articles 5000]

Measures on the first N AllSides articles (all 37,544 with --articles 0):

(a) the default pipeline (segmentation + every default feature) in one process;
(b) the same on 2 local worker processes;
(c) the same on a 2-worker Dask LocalCluster;
(d) a naive per-article loop of NLTK VADER + TextBlob over whole articles (2 features);
(e) the NELA toolkit: not runnable offline here. ``nela-features`` 3.0.1 installs from PyPI
    but its extractor calls NLTK's ``word_tokenize``/``sent_tokenize`` (punkt_tab data),
    ``pos_tag`` (perceptron tagger data) and the ``stopwords`` corpus: NLTK data that is not
    on PyPI and that ``nltk.download`` cannot fetch here (it fails with "Resource
    'punkt_tab' not found"). Its reference figure, measured on this machine kind for its
    full feature vector over the first 200 AllSides articles, is 1.36 articles/s.

(a)-(c) run ``framelens run`` with ``cache.enabled=false ~compare`` (segmentation and
every default feature, the per-chunk Parquet parts and the small summaries; the outlet
comparison stage is not part of the feature pipeline) and ``chunk_size=500``, so 2 workers
have chunks to share on a 1,000-article sample.

Memory (``--memory N``): the default pipeline (default ``chunk_size``, ``executor=local``
with 2 workers) on the first N AllSides articles and on those N articles repeated 10 times
(ids made unique), both written as temporary JSONL files read through ``corpus=custom``;
prints both peaks and their ratio (target: the 10x corpus needs at most 20% more).
``--memory 0`` runs the whole AllSides corpus once (target: under 2 GB); ``--with-compare``
keeps the outlet-comparison stage, so the run is a whole default ``framelens run``.

Each configuration runs in its own subprocess (feature cache disabled, fresh output
folder); peak memory is the largest summed RSS of that process and its children, sampled
every 0.1 s. Ratios matter, absolute numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import gzip
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


def mirror() -> Path:
    root = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("FRAMELENS_MIRROR", root.parent / "shared" / "corpora"))


#: AllSides columns -> the custom corpus' default field names.
_FIELDS = {"ID": "id", "source": "outlet", "title": "title", "content_original": "text",
           "date": "date", "url": "url", "bias_text": "lean", "topic": "topic"}  # fmt: skip


def write_repeated(path: Path, n: int, times: int) -> int:
    """Write the first ``n`` AllSides articles ``times`` times over as JSONL; ids get ``~k``."""
    rows = []
    with gzip.open(mirror() / "allsides" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            rows.append({new: rec.get(old) for old, new in _FIELDS.items()})
            if len(rows) >= n:
                break
    with path.open("w", encoding="utf-8") as out:
        for k in range(times):
            for row in rows:
                out.write(json.dumps({**row, "id": f"{row['id']}~{k}"}) + "\n")
    return len(rows) * times


def run_pipeline_cmd(overrides: list[str], env: dict, compare: bool = False) -> dict:
    """``framelens run`` with ``overrides`` in a fresh output folder: articles, seconds, peak
    (``compare``: keep the outlet-comparison stage)."""
    stage = [] if compare else ["~compare"]
    cmd = [sys.executable, "-m", "analysis.cli", "run", "cache.enabled=false", *stage,
           "plot.formats=[png]", *overrides]  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        r = watch([*cmd, f"output_dir={out}"], env)
        summary = json.loads((Path(out) / "summary.json").read_text())
    # run_pipeline's own time (load, segment, score, summaries), without interpreter start
    seconds = float(re.search(r"outputs in .* \(([\d.]+) s\)", r["stderr"]).group(1))
    return {"articles": summary["load"]["loaded"], "seconds": seconds, "peak_mb": r["peak_mb"]}


def memory(n: int, env: dict, chunk_size: int | None = None, compare: bool = False) -> dict:
    """Peak memory on N articles and on the same N repeated 10 times (or the full corpus)."""
    local = ["executor=local", "executor.n_jobs=2"]
    if chunk_size:
        local.append(f"chunk_size={chunk_size}")
    if n == 0:
        r = run_pipeline_cmd(["corpus=allsides", "corpus.limit=null", *local], env, compare)
        print(f"full AllSides: {r['articles']:,} articles {r['seconds']:.0f} s "
              f"{r['articles'] / r['seconds']:.1f} art/s  peak {r['peak_mb']:.0f} MB "
              "(target < 2000 MB)")  # fmt: skip
        return {"full": r}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for times in (1, 10):
            path = Path(tmp) / f"allsides_x{times}.jsonl"
            write_repeated(path, n, times)
            # the copies repeat an outlet's text under new ids: kept, not quarantined as
            # the same outlet's repeated text (corpus.options.duplicate_texts)
            custom = ["corpus=custom", f"corpus.path={path}", "corpus.date_policy=null",
                      "corpus.options.duplicate_texts=keep"]  # fmt: skip
            r = run_pipeline_cmd([*custom, *local], env, compare)
            out[f"x{times}"] = r
            print(f"{times:>2}x {n:,} articles: {r['articles']:,} articles {r['seconds']:.0f} s "
                  f"{r['articles'] / r['seconds']:.1f} art/s  peak {r['peak_mb']:.0f} MB")  # fmt: skip
            path.unlink()
    ratio = out["x10"]["peak_mb"] / out["x1"]["peak_mb"]
    print(f"peak memory 10x / 1x: {ratio:.2f} (target <= 1.20)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="first N articles (0 = all)")
    parser.add_argument("--only", nargs="*", default=["a", "b", "c", "d"])
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--memory",
        type=int,
        metavar="N",
        help="instead: peak memory on N and 10xN articles (0: the full corpus once)",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        help="chunk_size for --memory (default: the config's); N should span a few chunks "
        "per worker so that the 1x run is in its steady state too",
    )
    parser.add_argument(
        "--with-compare",
        action="store_true",
        help="with --memory: keep the outlet-comparison stage (a whole default `framelens run`)",
    )
    args = parser.parse_args()
    env = {**os.environ, "FRAMELENS_CACHE": tempfile.mkdtemp(prefix="bench-cache-")}
    if args.memory is not None:
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        results = memory(args.memory, env, args.chunk_size, args.with_compare)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        return
    limit = args.articles or "null"
    base = [sys.executable, "-m", "analysis.cli", "run", "corpus=allsides", f"corpus.limit={limit}",
            "cache.enabled=false", "~compare", "plot.formats=[png]", "chunk_size=500"]  # fmt: skip
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
