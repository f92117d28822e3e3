"""Does a classifier's probability follow text length? With and without the clip.

The classifiers learn from short texts: tweets (irony, irony_type) and news sentences
(bias). Some of their features grow with length: the irony models' style branch includes
text length (``style_n_tokens``, ``style_n_sentences``), the bias model's marked-word branch
the count and sum of marked-word probabilities. Standardised on short texts, a news
article's length became a z-score of about 100 that set its probability alone. The task
configs therefore clip those branches to the training range
(``sklearn.preprocessing.MinMaxScaler(clip=True)`` before the scaler). This script trains
the task's default model as configured and once more without that step, on all training
data, and reports for each:

- the rank correlation of text length and P(label) over the articles of the committed
  sample corpus (41 articles, 1,966 to 10,379 characters);
- P(label) of the sample's longest article cut to 300, 1,000, 3,000 characters and whole;
- P(label) of one plain sentence repeated 10,000 times.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/length_effect.py [--task irony]

(irony ~30 s; bias ~3 min, most of it sentence embeddings.) P(label) is P(ironic) for
irony, P(not ironic) for irony_type (the sum of the three irony types' probabilities is
its complement) and P(Biased) for bias. Cross-validated scores with and without the clip:
`framelens classify evaluate TASK` (benchmarks/classifiers.md); inside the training range
both steps are linear, so they agree.
"""

from __future__ import annotations

import argparse
import copy

from scipy.stats import spearmanr

from analysis import classifiers as C
from analysis import corpora

#: The label whose probability is reported, per task.
LABEL = {"irony": "1", "irony_type": "0", "bias": "Biased"}


def without_clip(cfg: dict) -> dict:
    """The task config with every MinMaxScaler step left out of its feature branches."""
    cfg = copy.deepcopy(cfg)
    for name, branch in cfg["pipeline"]["features"].items():
        if isinstance(branch, list):
            cfg["pipeline"]["features"][name] = [
                step
                for step in branch
                if step.get("_target_") != "sklearn.preprocessing.MinMaxScaler"
            ]
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="irony", choices=sorted(LABEL))
    args = parser.parse_args()
    articles, _ = corpora.load_corpus("sample")
    texts = articles["text"].astype(str).tolist()
    longest = max(texts, key=len)
    cuts = (300, 1000, 3000, len(longest))
    configured = C.compose_task(args.task)
    print(
        f"task {args.task}, P({LABEL[args.task]}); {len(texts)} sample articles, "
        f"{min(map(len, texts)):,}-{max(map(len, texts)):,} characters"
    )
    for name, cfg in (
        ("as configured (clipped)", configured),
        ("without the clip", without_clip(configured)),
    ):
        pipe = C.train_task(cfg).pipeline
        col = [str(c) for c in pipe.classes_].index(LABEL[args.task])
        p = pipe.predict_proba(texts)[:, col]
        rho = spearmanr([len(t) for t in texts], p)[0]
        cut = pipe.predict_proba([longest[:n] for n in cuts])[:, col]
        repeated = pipe.predict_proba(["The meeting is at 3pm in room 204. " * 10_000])[0, col]
        print(
            f"{name}: rank correlation of length and P {rho:+.2f}; mean P {p.mean():.2f}; "
            "longest article cut to "
            + ", ".join(f"{n:,}: {v:.3f}" for n, v in zip(cuts, cut, strict=True))
            + f"; one sentence x 10,000: {repeated:.3g}"
        )


if __name__ == "__main__":
    main()
