"""F1 of the ironic class from `framelens classify evaluate irony` outputs, as measured and
reweighted to the official SemEval-2018 Task 3A test's share of ironic tweets.

The training file is half ironic; the official test (784 tweets, held back, never read here)
has 311 ironic tweets, 39.7% (Van Hee et al. 2018). With the same recall and false
positive rate, fewer ironic tweets mean lower precision, so the out-of-fold predictions are
weighted (ironic rows by 0.397 / their share, the others by 0.603 / theirs) to estimate what
the test would show. Intervals: 2,000 bootstrap resamples of the rows.

Given two output folders of the same partition (same seed and folds), it also gives the
paired difference of the second minus the first, resampling the same rows for both.

    framelens classify evaluate irony --output-dir /tmp/linear
    framelens classify evaluate irony classifier.encoder_vote.enabled=true --output-dir /tmp/vote
    python benchmarks/irony_test_share.py /tmp/linear /tmp/vote
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

#: ironic share of the official Task 3A test set: 311 of 784 tweets
TEST_SHARE = 311 / 784


def _read(folder: Path) -> pd.DataFrame:
    path = folder / "oof_predictions.csv"
    if not path.is_file():
        raise SystemExit(
            f"{path} not found: give the --output-dir of `framelens classify evaluate irony`"
        )
    df = pd.read_csv(path, dtype={"id": str, "label": str, "predicted": str})
    return df.set_index("id").sort_index()


def _weights(y: np.ndarray, share: float) -> np.ndarray:
    own = y.mean()
    return np.where(y == 1, share / own, (1 - share) / (1 - own))


def _f1(y: np.ndarray, pred: np.ndarray, w: np.ndarray | None) -> float:
    return float(f1_score(y, pred, sample_weight=w, zero_division=0))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path, help="evaluate output folders (1 or 2)")
    ap.add_argument("--share", type=float, default=TEST_SHARE)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    frames = [_read(f) for f in args.folders[:2]]
    ids = frames[0].index
    for f, df in zip(args.folders[1:], frames[1:], strict=False):
        if not df.index.equals(ids) or not (df["fold"] == frames[0]["fold"]).all():
            raise SystemExit(
                f"{f} is not the same rows and folds as {args.folders[0]}: pair runs of one partition"
            )
    y = (frames[0]["label"] == "1").to_numpy().astype(int)
    preds = [(df["predicted"] == "1").to_numpy().astype(int) for df in frames]
    w = _weights(y, args.share)
    rng = np.random.default_rng(args.seed)
    draws = [rng.integers(0, len(y), len(y)) for _ in range(args.draws)]
    print(f"{len(y)} rows, {y.mean():.1%} ironic; test share {args.share:.1%}")
    for folder, df, pred in zip(args.folders, frames, preds, strict=False):
        fold_f1 = [
            _f1(y[m], pred[m], None) for m in (df["fold"] == k for k in sorted(df["fold"].unique()))
        ]
        boot = np.array([_f1(y[d], pred[d], w[d]) for d in draws])
        print(
            f"{folder}: F1(ironic) {_f1(y, pred, None):.3f} pooled, folds "
            f"{np.mean(fold_f1):.3f} ± {np.std(fold_f1, ddof=1):.3f}; "
            f"at the test share {_f1(y, pred, w):.3f} "
            f"(95% {np.percentile(boot, 2.5):.3f}–{np.percentile(boot, 97.5):.3f})"
        )
    if len(preds) == 2:
        diff = np.array(
            [_f1(y[d], preds[1][d], w[d]) - _f1(y[d], preds[0][d], w[d]) for d in draws]
        )
        print(
            f"paired difference at the test share: {_f1(y, preds[1], w) - _f1(y, preds[0], w):+.3f} "
            f"(95% {np.percentile(diff, 2.5):+.3f} to {np.percentile(diff, 97.5):+.3f}; "
            f"{(diff <= 0).mean():.1%} of draws at or below 0)"
        )


if __name__ == "__main__":
    main()
