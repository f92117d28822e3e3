"""Sentence-level sentiment: VaderSentiment (NLTK, offline) and TextBlobSentiment."""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import (
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from analysis.features import DEFAULT_FEATURES, TextBlobSentiment, VaderSentiment
from analysis.features._text import analyze
from analysis.features.sentiment import (
    _TEXTBLOB_PROBES,
    _VADER_PROBES,
    _fast_compound,
    _fast_polarity_scores,
    _fast_textblob,
    _may_score,
    _pattern_words,
    _textblob_scorer,
    ensure_vader_data,
)

BAD = "a disgraceful, failed policy"
GOOD = "a sound, successful policy"
TWEET = (
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE "
    "DONATION OF HUMVEE VEHICLES."
)
TEXTS = [
    GOOD,
    BAD,
    TWEET,
    "Quite an ironic sight. #Taliban units entering Nimruz province with dozens of US Humvee "
    "vehicles. Government troops also withdrew from the Zaranj airport.",
    "Great news! The war is over. Sadly, many were killed.",
]
EMPTY = ["", "   \n\t", None, float("nan"), "pic.twitter.com/3RPD4jDMe8"]
TWEETEVAL = Path("/work/shared/corpora/tweeteval/sentiment")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("framelens_cache")


@pytest.fixture(scope="module")
def vader(cache) -> VaderSentiment:
    return VaderSentiment(cache_dir=cache).fit(TEXTS)


@pytest.fixture(scope="module")
def blob() -> TextBlobSentiment:
    return TextBlobSentiment().fit(TEXTS)


@pytest.fixture(params=["vader", "blob"])
def fitted(request):
    return request.getfixturevalue(request.param)


def column(tr, X, name):
    names = list(tr.get_feature_names_out())
    return tr.transform(X)[:, names.index(name)]


# -- direction ---------------------------------------------------------------------------


def test_vader_bad_policy_scores_below_good_policy(vader):
    bad, good = column(vader, [BAD, GOOD], "vader_compound_mean")
    assert bad < 0 < good


def test_textblob_bad_policy_scores_below_good_policy(blob):
    bad, good = column(blob, [BAD, GOOD], "textblob_polarity_mean")
    assert bad < good


def test_textblob_opinion_is_more_subjective_than_fact(blob):
    opinion, fact = column(
        blob,
        ["What a terrible, stupid and ugly decision.", "The council met on Tuesday in Kabul."],
        "textblob_subjectivity_mean",
    )
    assert opinion > fact


# -- arithmetic we own: per-sentence aggregation -------------------------------------------


def test_vader_aggregates_sentence_scores(vader):
    text = "Wonderful, happy day. Horrible, deadly attack. The meeting is on Tuesday."
    sents = analyze(text).sentences
    assert len(sents) == 3
    each = [vader.transform([s])[0, 0] for s in sents]
    row = vader.transform([text])[0]
    c = np.array(each)
    np.testing.assert_allclose(row, [c.mean(), 1 / 3, 1 / 3, c.min(), c.max()])
    assert c[0] > 0.05 and c[1] < -0.05 and c[2] == 0


def test_vader_threshold_changes_shares(cache):
    text = ["Wonderful, happy day. Horrible, deadly attack."]
    strict = VaderSentiment(threshold=0.99, cache_dir=cache).fit(text).transform(text)[0]
    assert strict[1] == strict[2] == 0.0


def test_textblob_aggregates_sentence_scores(blob):
    from textblob.en import sentiment as pattern

    text = "A great and beautiful result. A terrible mess."
    scores = np.array([tuple(pattern(s))[:2] for s in analyze(text).sentences])
    row = blob.transform([text])[0]
    np.testing.assert_allclose(
        row, [scores[:, 0].mean(), scores[:, 1].mean(), scores[:, 0].min(), scores[:, 0].max()]
    )


# -- VADER offline and exact ---------------------------------------------------------------


def test_ensure_vader_data_builds_zip_once(tmp_path):
    data_dir = ensure_vader_data(tmp_path)
    target = data_dir / "sentiment" / "vader_lexicon.zip"
    with zipfile.ZipFile(target) as zf:
        assert "vader_lexicon/vader_lexicon.txt" in zf.namelist()
    mtime = target.stat().st_mtime_ns
    assert ensure_vader_data(tmp_path) == data_dir
    assert target.stat().st_mtime_ns == mtime  # reused, not rewritten
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # a shared cache, not 0600


def test_ensure_vader_data_repairs_a_broken_zip(tmp_path):
    target = ensure_vader_data(tmp_path) / "sentiment" / "vader_lexicon.zip"
    target.write_bytes(b"not a zip")
    ensure_vader_data(tmp_path)
    assert zipfile.is_zipfile(target)


def test_unwritable_cache_for_vader_data_says_which_setting(tmp_path):
    from analysis.errors import FramelensError

    blocker = tmp_path / "a-file"  # a folder below a file cannot be made, even by root
    blocker.write_text("")
    with pytest.raises(FramelensError, match=r"\(Not a directory\): set FRAMELENS_CACHE"):
        ensure_vader_data(blocker / "cache")


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path))
    VaderSentiment().fit(["x"])
    assert (tmp_path / "nltk_data" / "sentiment" / "vader_lexicon.zip").is_file()


def test_vader_uses_the_fast_path_and_records_the_lexicon(vader):
    assert vader.fast_ is True
    assert len(vader.lexicon_sha256_) == 64


def test_fast_path_equals_nltk_on_probes_and_texts(vader):
    sia = vader.analyzer_
    for text in list(_VADER_PROBES) + TEXTS + [s for t in TEXTS for s in analyze(t).sentences]:
        assert _fast_polarity_scores(sia, text) == sia.polarity_scores(text)


# VADER-shaped text: sentiment words, negations, boosters and glued punctuation
_PUNCTY = st.lists(
    st.sampled_from(
        list("ab GOOD !?.,;:-'\"()#@*")
        + [" great", " not", " kind of", " but ", ":)", " VERY", " least", " never", " bad"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=80), _PUNCTY))
def test_fast_path_and_prefilter_are_exact(vader, text):
    sia = vader.analyzer_
    stock = sia.polarity_scores(text)
    assert _fast_polarity_scores(sia, text) == stock
    if not _may_score(text, sia.lexicon):
        assert stock["compound"] == 0.0


def test_textblob_fast_path_equals_textblob(blob):
    from textblob.en import sentiment as pattern

    assert blob.fast_ is True
    for text in list(_TEXTBLOB_PROBES) + TEXTS:
        stock, fast = pattern(text), pattern(_pattern_words(text, pattern))
        assert tuple(stock) == tuple(fast) and stock.assessments == fast.assessments


# TextBlob-shaped text: emoticons, the "(!)" mark, contractions, quotes, abbreviations
_BLOBBY = st.lists(
    st.sampled_from(
        list(" :;-()!?.'\"“”’<3DPx")
        + [" good", " not", " very", " bad", "n't", "'s", " Mr.", " U.S.", " e.g.", " :-)"]
        + [" really", " never", " no", " a", " is", " the", " ''q", " 'a'", " x", " extremely"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=80), _BLOBBY))
def test_textblob_fast_path_is_exact(text):
    from textblob.en import sentiment as pattern

    stock, fast = pattern(text), pattern(_pattern_words(text, pattern))
    assert tuple(stock) == tuple(fast)
    assert stock.assessments == fast.assessments


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=80), _PUNCTY))
def test_fast_compound_and_its_prefilter_are_exact(vader, text):
    sia = vader.analyzer_
    assert _fast_compound(sia, text, vader.punc_list_) == sia.polarity_scores(text)["compound"]


def test_vader_sentence_scores_equal_nltk_per_sentence(vader):
    sia = vader.analyzer_
    for text in TEXTS:
        stock = [sia.polarity_scores(s)["compound"] for s in analyze(text).sentences]
        assert vader.sentence_scores(text) == stock


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=80), _BLOBBY))
def test_eager_textblob_analyzer_and_trigger_skip_are_exact(text):
    from textblob.en import sentiment as pattern

    eager, triggers, special = _textblob_scorer()
    words = _pattern_words(text, pattern)
    stock = pattern(text)
    fast = eager(words)
    assert tuple(stock) == tuple(fast) and stock.assessments == fast.assessments
    # runs of plain words shortened, pattern's loop called without its dispatch
    assessments, scores = _fast_textblob(words, eager, special)
    assert assessments == stock.assessments and scores == tuple(stock)[:2]
    if triggers.isdisjoint(words):  # skipped sentences really score (0, 0)
        assert tuple(stock) == (0.0, 0.0)


def test_textblob_sentence_scores_equal_textblob_per_sentence():
    from textblob.en import sentiment as pattern

    from analysis.features.sentiment import textblob_sentence_scores

    for text in TEXTS:
        stock = tuple(tuple(map(float, pattern(s)[:2])) for s in analyze(text).sentences)
        assert textblob_sentence_scores(text) == stock


# -- scikit-learn contract -----------------------------------------------------------------


@pytest.mark.parametrize("cls", [VaderSentiment, TextBlobSentiment])
def test_sklearn_checks(cls):
    check_parameters_default_constructible(cls.__name__, cls())
    check_no_attributes_set_in_init(cls.__name__, cls())


def test_names_match_columns_and_pandas_output(fitted):
    names = list(fitted.get_feature_names_out())
    X = fitted.transform(TEXTS)
    assert X.shape == (len(TEXTS), len(names)) and X.dtype == float
    df = clone(fitted).set_output(transform="pandas").fit(TEXTS).transform(pd.Series(TEXTS))
    assert list(df.columns) == names
    np.testing.assert_allclose(df.to_numpy(), X)


def test_clone_round_trips(fitted):
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    np.testing.assert_allclose(twin.fit(TEXTS).transform(TEXTS), fitted.transform(TEXTS))


def test_pipeline_and_feature_union(cache):
    union = FeatureUnion(
        [("vader", VaderSentiment(cache_dir=cache)), ("textblob", TextBlobSentiment())]
    )
    pipe = Pipeline([("features", union), ("id", FunctionTransformer())])
    pipe.set_output(transform="pandas")
    df = pipe.fit_transform(TEXTS)
    assert df.shape == (len(TEXTS), 9)
    assert "vader__vader_compound_mean" in df.columns
    assert "textblob__textblob_polarity_mean" in df.columns


def test_bare_string_is_rejected(fitted):
    with pytest.raises(TypeError, match="single str"):
        fitted.transform(BAD)
    with pytest.raises(TypeError):
        clone(fitted).fit(BAD)


def test_empty_and_missing_texts_give_nan_rows(fitted):
    X = fitted.transform(EMPTY)
    assert X.shape[0] == len(EMPTY)
    assert np.isnan(X).all()
    assert fitted.transform([]).shape == (0, len(fitted.get_feature_names_out()))


def test_bad_threshold_is_rejected_in_fit():
    with pytest.raises(ValueError, match="threshold"):
        VaderSentiment(threshold=2).fit(TEXTS)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(st.text(max_size=200), st.none()), max_size=4))
def test_arbitrary_unicode(vader, blob, texts):
    for tr in (vader, blob):
        X = tr.transform(texts)
        assert X.shape == (len(texts), len(tr.get_feature_names_out()))
        assert not np.isinf(X).any()


def test_default_features_name_configs():
    root = Path(__file__).resolve().parents[1] / "configs" / "features"
    for name in DEFAULT_FEATURES:
        assert (root / f"{name}.yaml").is_file(), name


# -- agreement with human labels (slow, needs the corpus mirror) -----------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    not (TWEETEVAL / "val_text.txt").is_file(), reason="TweetEval sentiment not mirrored"
)
def test_vader_agrees_with_tweeteval_labels(vader):
    from sklearn.metrics import f1_score

    texts = (TWEETEVAL / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(x) for x in (TWEETEVAL / "val_labels.txt").read_text().split()]
    compound = np.nan_to_num(vader.transform(texts)[:, 0])
    pred = np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))
    macro = f1_score(labels, pred, average="macro")
    # measured 0.556 on the 2,000 validation tweets; a majority-class guess gets ~0.2
    assert macro > 0.5, macro
    assert not math.isnan(macro)


def test_pattern_words_with_a_full_memo_equal_textblob(monkeypatch):
    """Once the token memo is full, new tokens are looked up without copying it."""
    from textblob.en import sentiment as pattern

    import analysis.features.sentiment as S

    monkeypatch.setattr(S, "_PATTERN_WORDS", {})
    monkeypatch.setattr(S, "_PATTERN_WORDS_MAX", 3)
    for text in list(_TEXTBLOB_PROBES) + TEXTS:
        assert pattern(text).assessments == pattern(_pattern_words(text, pattern)).assessments
    assert len(S._PATTERN_WORDS) <= 3
