"""Does the irony classifier's probability follow text length? With and without the clip.

The irony models learn from tweets (a few dozen tokens). Their style branch includes text
length (``style_n_tokens``, ``style_n_sentences``), standardised on those tweets, so a news
article's length was a z-score of about 100 that set its probability alone. The task
configs therefore clip the style features to the training range
(``sklearn.preprocessing.MinMaxScaler(clip=True)`` before the scaler). This script trains the
default ``irony`` model as configured and once more without that step, on all training
tweets, and reports for each:

- the rank correlation of text length and P(ironic) over the articles of the committed
  sample corpus (41 articles, 1,966 to 10,379 characters);
- P(ironic) of the sample's longest article cut to 300, 1,000, 3,000 characters and whole;
- P(ironic) of one plain sentence repeated 10,000 times.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/irony_length.py      # ~30 s

Cross-validated scores with and without the clip: `framelens classify evaluate irony`
(benchmarks/classifiers.md); inside the training range both steps are linear, so they agree.
"""

from __future__ import annotations

import copy

from scipy.stats import spearmanr

from analysis import classifiers as C
from analysis import corpora


def without_clip(cfg: dict) -> dict:
    cfg = copy.deepcopy(cfg)
    style = cfg["pipeline"]["features"]["style"]
    cfg["pipeline"]["features"]["style"] = [
        step for step in style if step.get("_target_") != "sklearn.preprocessing.MinMaxScaler"
    ]
    return cfg


def main() -> None:
    articles, _ = corpora.load_corpus("sample")
    texts = articles["text"].astype(str).tolist()
    longest = max(texts, key=len)
    cuts = (300, 1000, 3000, len(longest))
    configured = C.compose_task("irony")
    print(
        f"{len(texts)} sample articles, {min(map(len, texts)):,}-{max(map(len, texts)):,} characters"
    )
    for name, cfg in (
        ("as configured (clipped)", configured),
        ("without the clip", without_clip(configured)),
    ):
        pipe = C.train_task(cfg).pipeline
        p = pipe.predict_proba(texts)[:, 1]
        rho = spearmanr([len(t) for t in texts], p)[0]
        cut = pipe.predict_proba([longest[:n] for n in cuts])[:, 1]
        repeated = pipe.predict_proba(["The meeting is at 3pm in room 204. " * 10_000])[0, 1]
        print(
            f"{name}: rank correlation of length and P(ironic) {rho:+.2f}; mean P {p.mean():.2f}; "
            "longest article cut to "
            + ", ".join(f"{n:,}: {v:.3f}" for n, v in zip(cuts, cut, strict=True))
            + f"; one sentence x 10,000: {repeated:.3g}"
        )


if __name__ == "__main__":
    main()
