"""Outlet statistics at corpus scale: framelens vs the straightforward reference code.

    python benchmarks/compare_bench.py [--articles 40000] [--features 100] [--groups 30]

1. ``bootstrap_means`` (one weight-matrix product per group) vs a per-group, per-feature
   loop drawing an index matrix and averaging (``x[idx].mean(axis=1)``) -- the textbook
   vectorisation; the loop is timed on a slice of the features and scaled up.
2. ``pairwise_tests(method="mannwhitney")`` (sorted-array U with scipy's normal
   approximation) vs calling ``scipy.stats.mannwhitneyu`` for every pair.

Both sides run in one process, one after the other, so the ratio is meaningful on a noisy
machine; absolute seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd
from scipy import stats

from analysis.compare import bootstrap_means, pairwise_tests


def synthetic(n: int, n_features: int, n_groups: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "article_id": np.arange(n),
            "outlet": rng.choice([f"outlet{i:02d}" for i in range(n_groups)], n),
            "voice": "outlet",
        }
    )
    values = rng.gamma(2.0, 1.0, size=(n, n_features))
    values[rng.random((n, n_features)) < 0.05] = np.nan
    return pd.concat(
        [table, pd.DataFrame(values, columns=[f"f{j:03d}" for j in range(n_features)])], axis=1
    )


def naive_bootstrap(table: pd.DataFrame, features: list[str], n_boot: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    rows = 0
    for _, grp in table.groupby("outlet"):
        for f in features:
            x = grp[f].dropna().to_numpy()
            idx = rng.integers(0, len(x), size=(n_boot, len(x)))
            boot = x[idx].mean(axis=1)
            np.quantile(boot, [0.025, 0.975])
            rows += 1
    return rows


def naive_mannwhitney(table: pd.DataFrame, features: list[str]) -> int:
    groups = sorted(table["outlet"].unique())
    rows = 0
    for f in features:
        vals = {g: table.loc[table["outlet"] == g, f].dropna().to_numpy() for g in groups}
        for i, a in enumerate(groups):
            for b in groups[i + 1 :]:
                stats.mannwhitneyu(vals[a], vals[b], alternative="two-sided")
                rows += 1
    return rows


def timed(func, *args, **kwargs) -> float:
    t = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    table = synthetic(args.articles, args.features, args.groups)
    features = [c for c in table.columns if c.startswith("f")]
    print(f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(
        f"{args.articles:,} articles x {len(features)} features x {args.groups} groups, "
        f"{args.n_boot} bootstrap replicates"
    )

    ours = timed(bootstrap_means, table, "outlet", features, n_boot=args.n_boot)
    part = features[: max(1, len(features) // 10)]
    naive = timed(naive_bootstrap, table, part, args.n_boot, 13) * len(features) / len(part)
    print(f"bootstrap_means            {ours:8.2f} s")
    print(f"per-feature index loop     {naive:8.2f} s (timed on {len(part)} features, scaled)")
    print(f"  speed-up                 {naive / ours:8.1f} x")

    top = sorted(table["outlet"].unique())[:12]
    sub = table[table["outlet"].isin(top)]
    few = features[:10]
    ours = timed(pairwise_tests, sub, "outlet", few, method="mannwhitney")
    naive = timed(naive_mannwhitney, sub, few)
    print(f"pairwise_tests mannwhitney {ours:8.2f} s (12 groups, {len(few)} features, 66 pairs)")
    print(f"scipy mannwhitneyu loop    {naive:8.2f} s")
    print(f"  speed-up                 {naive / ours:8.1f} x")


if __name__ == "__main__":
    main()
