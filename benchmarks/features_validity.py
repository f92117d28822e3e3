"""Validity of the measurements against human labels (issue 4), one repeatable script.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/features_validity.py

- TweetEval sentiment (validation): macro-averaged recall of VADER and TextBlob zero-shot
  (compound/polarity >= 0.05 positive, <= -0.05 negative, else neutral; VADER's own cut-offs).
- BABE: ROC AUC of the loaded-wording and subjectivity features for the expert "Biased" label.
- BASIL: AUC of loaded wording for sentences inside expert lexical-bias spans vs the other
  sentences of the same articles (pooled, and the mean of per-article AUCs); the same for
  two models trained on BABE (a different corpus and annotation scheme): the `bias`
  classifier without embeddings (probability of "Biased") and the run feature `marked_words`
  (a token model of the words BABE's experts marked: highest token probability, and expected
  marked words per 1000 tokens).
- GVFC: the MFC frame lexicon's top frame vs the human primary frame (relevant headlines
  with a frame), via a fixed GVFC -> MFC category map, as an honest lexicon baseline.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score

from analysis.corpora import corpus_files, load_corpus
from analysis.features import (
    FrameShare,
    LoadedWords,
    MarkedWords,
    TextBlobSentiment,
    VaderSentiment,
)
from analysis.features._text import split_sentences

#: GVFC frame code -> the closest Media Frames Corpus category of our lexicon.
GVFC_TO_MFC = {
    "1": "frame_legality_constitutionality_jurisprudence",  # gun / 2nd Amendment rights
    "2": "frame_policy_prescription_and_evaluation",  # gun control / regulation
    "3": "frame_political",  # politics
    "4": "frame_health_and_safety",  # mental health
    "5": "frame_security_and_defense",  # school or public space safety
    "6": "frame_fairness_and_equality",  # race / ethnicity
    "7": "frame_public_opinion",  # public opinion
    "8": "frame_cultural_identity",  # society / culture
    "9": "frame_economic",  # economic consequences
}


def three_way(score: np.ndarray, cut: float = 0.05) -> np.ndarray:
    return np.where(score >= cut, 2, np.where(score <= -cut, 0, 1))


def tweeteval() -> dict:
    tweets, _ = load_corpus({"name": "tweeteval", "table": "sentiment_val"})
    y = tweets["label"].astype(int).to_numpy()
    texts = tweets["text"].tolist()
    vader = VaderSentiment().set_output(transform="pandas").fit(texts).transform(texts)
    blob = TextBlobSentiment().set_output(transform="pandas").fit(texts).transform(texts)
    out = {"n": len(y)}
    for name, score in (
        ("vader", vader["vader_compound_mean"]),
        ("textblob", blob["textblob_polarity_mean"]),
    ):
        pred = three_way(score.fillna(0).to_numpy())
        out[f"{name}_macro_recall"] = recall_score(y, pred, average="macro")
    return out


def babe() -> dict:
    sents, _ = load_corpus("babe")
    sents = sents[sents["label_bias"].isin(["Biased", "Non-biased"])]
    y = (sents["label_bias"] == "Biased").astype(int).to_numpy()
    texts = sents["text"].tolist()
    loaded = LoadedWords().set_output(transform="pandas").fit(texts).transform(texts)
    out = {"n": len(y), "biased": int(y.sum())}
    for col in loaded.columns:
        out[f"auc_{col}"] = roc_auc_score(y, loaded[col].fillna(0))
    return out


def babe_bias_scores(texts: list[str]) -> dict[str, np.ndarray]:
    """Scores of ``texts`` by models trained on all of BABE: the ``bias`` classifier as it
    runs without the embeddings extra, and the run feature ``MarkedWords`` (the same kind of
    token model of BABE's marked words, trained on all of them)."""
    from analysis import classifiers as C

    cfg = C.compose_task("bias", ["classifier.embeddings.enabled=false"])
    data = C.load_task_data(cfg)
    pipe = C.train_task(cfg, data).pipeline
    biased = list(pipe.classes_).index("Biased")
    marked = MarkedWords().set_output(transform="pandas").fit(texts).transform(texts)
    return {
        "babe_bias_probability": pipe.predict_proba(texts)[:, biased],
        "marked_words_max": marked["marked_words_max"].fillna(0).to_numpy(),
        "marked_words_rate": marked["marked_words_rate"].fillna(0).to_numpy(),
    }


def basil() -> dict:
    articles, _ = load_corpus("basil")
    by_stem = articles.set_index("id")
    rows = []
    for path in corpus_files("basil", "annotations/*/*_ann.json"):
        stem = path.name.removesuffix("_ann.json")
        if stem not in by_stem.index:
            continue
        ann = json.loads(path.read_text(encoding="utf-8"))
        spans = [
            a["txt"] for a in ann.get("phrase-level-annotations", []) if a.get("bias") == "lex"
        ]
        text = by_stem.loc[stem, "text"]
        for para in text.split("\n"):
            for sent in split_sentences(para):
                if len(sent.split()) < 4:
                    continue
                inside = any(s and s in sent for s in spans)
                rows.append({"article": stem, "text": sent, "lex": int(inside)})
    table = pd.DataFrame(rows)
    texts = table["text"].tolist()
    scores = LoadedWords().set_output(transform="pandas").fit(texts).transform(texts)
    table["loaded_any"] = scores["loaded_any"].fillna(0).to_numpy()
    table["subjectivity"] = scores["loaded_textblob_subjectivity"].fillna(0).to_numpy()
    for col, values in babe_bias_scores(texts).items():
        table[col] = values
    out = {"sentences": len(table), "in_lexical_spans": int(table["lex"].sum())}
    groups = [g.index.to_numpy() for _, g in table.groupby("article")]
    rng = np.random.default_rng(13)
    draws = [
        np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        for _ in range(999)
    ]
    cols = ("loaded_any", "subjectivity", "babe_bias_probability")
    for col in (*cols, "marked_words_max", "marked_words_rate"):
        out[f"pooled_auc_{col}"] = roc_auc_score(table["lex"], table[col])
        boot = [roc_auc_score(table["lex"].to_numpy()[d], table[col].to_numpy()[d]) for d in draws]
        lo, hi = np.percentile(boot, [2.5, 97.5])
        out[f"pooled_auc_{col}_ci95_articles_resampled"] = f"{lo:.3f}-{hi:.3f}"
        per = [
            roc_auc_score(g["lex"], g[col])
            for _, g in table.groupby("article")
            if 0 < g["lex"].sum() < len(g)
        ]
        out[f"mean_within_article_auc_{col}"] = float(np.mean(per))
        out["articles_with_both"] = len(per)
    return out


def gvfc() -> dict:
    heads, _ = load_corpus("gvfc")
    heads = heads[(heads["relevant"] == "1") & (heads["frame1"] != "99")]
    texts = heads["text"].tolist()
    frames = FrameShare(lexicon="mfc").set_output(transform="pandas").fit(texts).transform(texts)
    cols = list(GVFC_TO_MFC.values())
    sub = frames[cols].fillna(0)
    has_hit = sub.sum(axis=1) > 0
    pred_col = sub.idxmax(axis=1).where(has_hit, "none")
    inverse = {v: k for k, v in GVFC_TO_MFC.items()}
    pred = pred_col.map(inverse).fillna("none")
    y = heads["frame1"].to_numpy()
    labels = sorted(GVFC_TO_MFC)
    return {
        "n": len(y),
        "headlines_with_a_lexicon_hit": int(has_hit.sum()),
        "accuracy": accuracy_score(y, pred),
        "macro_f1": f1_score(y, pred, labels=labels, average="macro", zero_division=0),
        "majority_baseline_accuracy": float(pd.Series(y).value_counts(normalize=True).iloc[0]),
    }


def main() -> None:
    results = {
        "tweeteval_sentiment_val": tweeteval(),
        "babe": babe(),
        "basil": basil(),
        "gvfc": gvfc(),
    }
    for name, values in results.items():
        print(name)
        for key, value in values.items():
            print(
                f"  {key:<52} {value:.3f}" if isinstance(value, float) else f"  {key:<52} {value}"
            )


if __name__ == "__main__":
    main()
