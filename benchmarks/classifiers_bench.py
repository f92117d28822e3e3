"""Classifier benchmarks: training time, prediction throughput, model file size and load time.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/classifiers_bench.py [--tasks irony,bias]

For each task it trains the default config on the full training data (as
``framelens classify train TASK`` does), then measures, side by side in one run:

- training wall time against the 2-minute budget of the default irony model;
- prediction throughput of the saved model on 20,000 distinct texts (tweets from the
  SemEval/TweetEval mirrors, each made unique) against the 1,000 texts/s target;
- the skops file with compact vocabularies (what :func:`save_model` writes) against a plain
  skops dump of the same pipeline: size, save and load time.

Wall times depend on what else runs on the machine: the load average is printed with them.
Results worth keeping go in benchmarks/classifiers.md with the machine and date.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _texts(n: int) -> list[str]:
    from analysis.corpora import load_corpus

    tweets, _ = load_corpus({"name": "semeval2018_irony", "table": "taskA_emoji"})
    more, _ = load_corpus({"name": "tweeteval", "table": "sentiment_val"})
    pool = tweets["text"].tolist() + more["text"].tolist()
    # distinct texts, so no per-text cache can help
    return [f"{pool[i % len(pool)]} {i}" for i in range(n)]


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def bench_task(task: str, texts: list[str], workdir: Path, overrides: list[str] = ()) -> dict:
    import skops.io as sio

    from analysis import classifiers as C

    cfg = C.compose_task(task, list(overrides))
    data = C.load_task_data(cfg)
    start, cpu = time.perf_counter(), time.process_time()
    result = C.train_task(cfg, data)
    train_s, train_cpu = time.perf_counter() - start, time.process_time() - cpu
    path = workdir / f"{task}.skops"

    start = time.perf_counter()
    C.save_model(result.pipeline, path, result.card)
    save_s = time.perf_counter() - start
    start = time.perf_counter()
    pipe = C.load_model(path, task=task)
    load_s = time.perf_counter() - start

    plain = workdir / f"{task}-plain.skops"
    start = time.perf_counter()
    sio.dump(copy.deepcopy(result.pipeline), plain, compression=zipfile.ZIP_DEFLATED)
    plain_save_s = time.perf_counter() - start
    start = time.perf_counter()
    sio.load(plain, trusted=sio.get_untrusted_types(file=plain))
    plain_load_s = time.perf_counter() - start

    pipe.predict_proba(texts[:200]) if hasattr(pipe, "predict_proba") else pipe.predict(texts[:200])
    start = time.perf_counter()
    out = C.predict_texts(pipe, texts)
    pred_s = time.perf_counter() - start
    assert len(out) == len(texts)
    return {
        "task": task,
        "rows": len(data.texts),
        "train_s": round(train_s, 1),
        "train_main_process_cpu_s": round(train_cpu, 1),
        "chosen": result.tuning.best_params,
        "tuning_cv": round(result.tuning.best_score, 4),
        "predict_texts_per_s": round(len(texts) / pred_s),
        "model_mb": round(path.stat().st_size / 1e6, 2),
        "save_s": round(save_s, 2),
        "load_s": round(load_s, 2),
        "plain_model_mb": round(plain.stat().st_size / 1e6, 2),
        "plain_save_s": round(plain_save_s, 2),
        "plain_load_s": round(plain_load_s, 2),
        "load_avg_1min": round(_load(), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="irony", help="comma-separated tasks (default: irony)")
    parser.add_argument("--texts", type=int, default=20_000, help="texts for the throughput test")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument(
        "overrides",
        nargs="*",
        help="config overrides for every task, e.g. classifier.embeddings.enabled=false",
    )
    args = parser.parse_args()
    texts = _texts(args.texts)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for task in [t.strip() for t in args.tasks.split(",") if t.strip()]:
            rows.append(bench_task(task, texts, Path(tmp), args.overrides))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for r in rows:
        print(
            f"{r['task']}: train {r['train_s']} s on {r['rows']:,} rows "
            f"({r['train_s'] / 120:.2f} x the 2-min budget; load avg {r['load_avg_1min']}), "
            f"predict {r['predict_texts_per_s']:,} texts/s ({r['predict_texts_per_s'] / 1000:.1f} x the "
            f"1,000/s target)"
        )
        print(
            f"  model file {r['model_mb']} MB, save {r['save_s']} s, load {r['load_s']} s  |  plain skops "
            f"{r['plain_model_mb']} MB, save {r['plain_save_s']} s, load {r['plain_load_s']} s  "
            f"(load {r['plain_load_s'] / max(r['load_s'], 1e-3):.0f}x slower)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
