"""Scores of `framelens classify evaluate irony` (or `irony_type`) outputs, as measured and
reweighted to the class shares of the official SemEval-2018 Task 3 test.

The official test (784 tweets, held back, never read here) is distributed differently from
the training file (Van Hee et al. 2018, the task paper's counts):

| label | training file | official test |
|---|---:|---:|
| Task A `0` not ironic / `1` ironic | 1,922 / 1,910 (49.8% ironic) | 473 / 311 (39.7% ironic) |
| Task B `0` not ironic | 1,922 (50.2%) | 473 (60.3%) |
| Task B `1` irony by polarity clash | 1,389 (36.2%) | 164 (20.9%) |
| Task B `2` situational irony | 316 (8.2%) | 85 (10.8%) |
| Task B `3` other verbal irony | 205 (5.3%) | 62 (7.9%) |

With the same recall per class, other shares change every class's precision, so the
out-of-fold predictions are weighted (each row by its class's test share over its training
share) to estimate what the test would show: F1 of the ironic class for Task A, macro-F1
for Task B (the task's official metrics). Which task a folder holds is read from its labels.
Intervals: 2,000 bootstrap resamples of the rows.

Given two output folders of the same partition (same seed and folds), it also gives the
paired difference of the second minus the first, resampling the same rows for both.

    framelens classify evaluate irony --output-dir /tmp/linear
    framelens classify evaluate irony classifier.encoder_vote.enabled=true --output-dir /tmp/vote
    python benchmarks/irony_test_share.py /tmp/linear /tmp/vote
    framelens classify evaluate irony_type --output-dir /tmp/types
    python benchmarks/irony_test_share.py /tmp/types
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

#: class counts of the official test, by task (labels as in the corpus)
TEST_COUNTS = {
    "A": {"0": 473, "1": 311},
    "B": {"0": 473, "1": 164, "2": 85, "3": 62},
}
#: ironic share of the official Task 3A test set: 311 of 784 tweets
TEST_SHARE = 311 / 784


def _read(folder: Path) -> pd.DataFrame:
    path = folder / "oof_predictions.csv"
    if not path.is_file():
        raise SystemExit(
            f"{path} not found: give the --output-dir of `framelens classify evaluate irony` "
            "(or irony_type)"
        )
    df = pd.read_csv(path, dtype={"id": str, "label": str, "predicted": str})
    return df.set_index("id").sort_index()


def _task(labels: pd.Series) -> str:
    found = set(labels.unique())
    for task, counts in TEST_COUNTS.items():
        if found == set(counts):
            return task
    raise SystemExit(f"labels {sorted(found)} are neither Task A's (0, 1) nor Task B's (0-3)")


def _weights(y: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Each row's weight: its class's test share over its share in ``y``."""
    w = np.ones(len(y))
    for label, share in shares.items():
        rows = y == label
        w[rows] = share / rows.mean()
    return w


def _score(task: str, y: np.ndarray, pred: np.ndarray, w: np.ndarray | None) -> float:
    if task == "A":
        return float(f1_score(y, pred, pos_label="1", sample_weight=w, zero_division=0))
    return float(
        f1_score(
            y, pred, labels=list(TEST_COUNTS["B"]), average="macro", sample_weight=w,
            zero_division=0,
        )
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path, help="evaluate output folders (1 or 2)")
    ap.add_argument(
        "--share", type=float, default=None,
        help="Task A only: another ironic share to reweight to (default the test's 39.7%%)",
    )  # fmt: skip
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
    task = _task(frames[0]["label"])
    counts = TEST_COUNTS[task]
    shares = {k: v / sum(counts.values()) for k, v in counts.items()}
    if args.share is not None:
        if task != "A":
            raise SystemExit("--share is the ironic share of Task A; Task B uses the test's counts")
        shares = {"0": 1 - args.share, "1": args.share}
    metric = "F1(ironic)" if task == "A" else "macro-F1"
    y = frames[0]["label"].to_numpy()
    preds = [df["predicted"].to_numpy() for df in frames]
    w = _weights(y, shares)
    rng = np.random.default_rng(args.seed)
    draws = [rng.integers(0, len(y), len(y)) for _ in range(args.draws)]
    train = ", ".join(f"{k}: {(y == k).mean():.1%}" for k in counts)
    test = ", ".join(f"{k}: {v:.1%}" for k, v in shares.items())
    print(f"Task {task}, {len(y)} rows ({train}); reweighted to the test's {test}")
    for folder, df, pred in zip(args.folders, frames, preds, strict=False):
        fold_scores = [
            _score(task, y[m], pred[m], None)
            for m in (df["fold"] == k for k in sorted(df["fold"].unique()))
        ]
        boot = np.array([_score(task, y[d], pred[d], w[d]) for d in draws])
        print(
            f"{folder}: {metric} {_score(task, y, pred, None):.3f} pooled, folds "
            f"{np.mean(fold_scores):.3f} ± {np.std(fold_scores, ddof=1):.3f}; "
            f"at the test's shares {_score(task, y, pred, w):.3f} "
            f"(95% {np.percentile(boot, 2.5):.3f}–{np.percentile(boot, 97.5):.3f})"
        )
        if task == "B":
            per = f1_score(y, pred, labels=list(counts), average=None, sample_weight=w)
            print("  per class at the test's shares: " + ", ".join(
                f"{k} {v:.3f}" for k, v in zip(counts, per, strict=True)
            ))  # fmt: skip
    if len(preds) == 2:
        diff = np.array(
            [_score(task, y[d], preds[1][d], w[d]) - _score(task, y[d], preds[0][d], w[d])
             for d in draws]
        )  # fmt: skip
        print(
            f"paired difference at the test's shares: "
            f"{_score(task, y, preds[1], w) - _score(task, y, preds[0], w):+.3f} "
            f"(95% {np.percentile(diff, 2.5):+.3f} to {np.percentile(diff, 97.5):+.3f}; "
            f"{(diff <= 0).mean():.1%} of draws at or below 0)"
        )


if __name__ == "__main__":
    main()
