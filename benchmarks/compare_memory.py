"""Peak memory and time of the outlet-comparison stage as the corpus grows.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/compare_memory.py \
        [--articles 3000] [--times 1 10 30]

The feature pipeline streams (``pipeline_bench.py --memory``); the comparison stage runs
once over the finished run. This script runs the default pipeline on the first N AllSides
articles without the comparison, then copies its Parquet parts ``k`` times over (article ids
made unique, so a k-times larger corpus with the same distribution) and runs the default
comparison stage (``configs/compare/outlet_means.yaml``) on each in a fresh subprocess,
printing its wall time and peak RSS (``ru_maxrss``). Figures are written as PNG only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

#: One measurement, run in its own interpreter so the peak is the stage's alone.
_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from omegaconf import OmegaConf
from analysis.outlets import compare_stage
run, out = Path(sys.argv[1]), Path(sys.argv[2])
cfg = OmegaConf.load(run / "config.yaml")
cfg.compare = OmegaConf.load(sys.argv[3])
cfg.plot.formats = ["png"]
t = time.perf_counter()
files, lines = compare_stage(cfg, out, out / "work")
print(json.dumps({"seconds": time.perf_counter() - t, "files": len(files),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

#: The tables the comparison stage reads, and the column holding the article id.
_TABLES = {"article_voice": "article_id", "articles": "id", "segments": "article_id"}


def replicate(work: Path, dest: Path, times: int) -> None:
    """Copy the run's parts ``times`` times over into ``dest``, ids suffixed ``~k``."""
    for table, col in _TABLES.items():
        (dest / table).mkdir(parents=True)
        k = 0
        for part in sorted((work / table).glob("part-*.parquet")):
            df = pd.read_parquet(part)
            for t in range(times):
                copy = df.copy()
                copy[col] = copy[col].astype(str) + f"~{t}"
                copy.to_parquet(dest / table / f"part-{k:05d}.parquet")
                k += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--times", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--compare", default=str(ROOT / "configs/compare/outlet_means.yaml"))
    args = parser.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        subprocess.run(
            [sys.executable, "-m", "analysis.cli", "run", f"corpus.limit={args.articles}",
             "~compare", "executor=local", "executor.n_jobs=2", "plot.formats=[png]",
             f"output_dir={run}"],
            check=True, cwd=ROOT, env=env, capture_output=True,
        )  # fmt: skip
        for times in args.times:
            out = Path(tmp) / f"x{times}"
            replicate(run / "work", out / "work", times)
            r = subprocess.run(
                [sys.executable, "-c", _MEASURE, str(run), str(out), args.compare],
                check=True, cwd=ROOT, env=env, capture_output=True, text=True,
            )  # fmt: skip
            m = json.loads(r.stdout.strip().splitlines()[-1])
            print(
                f"{times:>3}x {args.articles:,} = {times * args.articles:>9,} articles: "
                f"compare {m['seconds']:6.1f} s  peak {m['peak_mb']:6.0f} MB  {m['files']} files",
                flush=True,
            )
            shutil.rmtree(out)


if __name__ == "__main__":
    main()
