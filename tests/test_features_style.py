"""Style features, and the shared tokenizer and sentence splitter they rest on."""

from __future__ import annotations

import pickle

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

from analysis.features import StyleFeatures
from analysis.features._text import analyze, as_texts, split_sentences, tokenize
from analysis.features.style import (
    count_syllables,
    flesch_reading_ease,
    moving_average_ttr,
)

TWEET = (
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE "
    "DONATION OF HUMVEE VEHICLES."
)
TEXTS = [
    "Hello world! How are you?",
    TWEET,
    "The cat sat on the mat. The dog ran.",
    "Notwithstanding considerable institutional heterogeneity, comprehensive "
    "organizational restructuring necessitated unprecedented intergovernmental "
    "coordination.",
    'He said "no" and left.',
]
EMPTY = ["", "  \n ", None, float("nan"), "https://example.com/x"]


@pytest.fixture(scope="module")
def style() -> StyleFeatures:
    return StyleFeatures().fit(TEXTS)


def values(style, text):
    return dict(zip(style.get_feature_names_out(), style.transform([text])[0], strict=True))


# -- arithmetic we own -----------------------------------------------------------------------


def test_counts_per_sentence_and_caps(style):
    v = values(style, "Hello world! How are you?")
    assert v["style_n_sentences"] == 2 and v["style_n_tokens"] == 5
    assert v["style_exclamations_per_sentence"] == 0.5
    assert v["style_questions_per_sentence"] == 0.5
    assert v["style_mean_sentence_length"] == 2.5
    assert v["style_caps_ratio"] == pytest.approx(2 / 19)  # H, H of 19 letters
    assert v["style_type_token_ratio"] == 1.0


def test_quotes_per_thousand_tokens(style):
    v = values(style, 'He said "no" and left.')  # 2 marks over 5 tokens
    assert v["style_quotes_per_1k"] == 400.0
    assert values(style, "He said “no” and left.")["style_quotes_per_1k"] == 400.0


def test_all_caps_text(style):
    assert values(style, TWEET)["style_caps_ratio"] == 1.0


@pytest.mark.parametrize(
    "word, n",
    [
        ("the", 1),
        ("cat", 1),
        ("table", 2),
        ("make", 1),
        ("makes", 1),
        ("wanted", 2),
        ("jumped", 1),
        ("boxes", 2),
        ("beautiful", 3),
        ("education", 4),
        ("free", 1),
        ("hmm", 1),
        ("طالبان", 1),
    ],
)
def test_syllable_heuristic(word, n):
    assert count_syllables(word) == n


def test_flesch_formula_and_clipping():
    assert flesch_reading_ease(100, 5, 150) == pytest.approx(206.835 - 1.015 * 20 - 84.6 * 1.5)
    assert flesch_reading_ease(10, 1, 10) == 100.0  # raw 112.1, clipped
    assert flesch_reading_ease(300, 1, 600) == 0.0  # an unpunctuated list, clipped
    assert np.isnan(flesch_reading_ease(0, 0, 0))


def test_flesch_direction(style):
    easy = values(style, "The cat sat on the mat. The dog ran.")
    hard = values(style, TEXTS[3])
    assert easy["style_flesch_reading_ease"] > hard["style_flesch_reading_ease"]


def test_moving_average_ttr():
    assert moving_average_ttr(["a", "b", "a"], 50) == pytest.approx(2 / 3)
    assert moving_average_ttr(["a"] * 100, 10) == pytest.approx(1 / 10)
    tokens = [str(i % 7) for i in range(40)]
    windows = [len(set(tokens[i : i + 10])) / 10 for i in range(31)]
    assert moving_average_ttr(tokens, 10) == pytest.approx(np.mean(windows))
    assert np.isnan(moving_average_ttr([], 10))


# -- tokenizer and sentence splitter ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith went to Washington. He left.", ["Mr. Smith went to Washington.", "He left."]),
        ("U.S. troops left. The end.", ["U.S. troops left.", "The end."]),
        ("Joe R. Biden spoke. Then he left.", ["Joe R. Biden spoke.", "Then he left."]),
        ("He said no. Then he left.", ["He said no.", "Then he left."]),
        ("It is No. 2 on the list.", ["It is No. 2 on the list."]),
        ("Wait... what? Really?! Yes.", ["Wait... what?", "Really?!", "Yes."]),
        ('He said "Go." She went.', ['He said "Go."', "She went."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("pic.twitter.com/abc and 3.5 percent.", ["pic.twitter.com/abc and 3.5 percent."]),
    ],
)
def test_sentence_splitter(text, expected):
    assert split_sentences(text) == expected


def test_tokens_and_normalized_forms():
    doc = analyze("Afghanistan’s US-made Humvees don't #Taliban pic.twitter.com/3RPD4jDMe8")
    assert doc.tokens == ("Afghanistan’s", "US", "made", "Humvees", "don't", "Taliban")
    assert doc.norm == ("afghanistan", "us", "made", "humvees", "don't", "taliban")
    assert tokenize("see https://t.co/xyz now") == ["see", "now"]


def test_sentences_without_words_are_dropped():
    doc = analyze("Read this.\npic.twitter.com/abc\n:)")
    assert doc.sentences == ("Read this.",)
    assert doc.sent_starts == (0, 2)
    assert doc.sentence_of(1) == 0


def test_as_texts_coerces_and_rejects():
    assert as_texts(["a", None, float("nan"), 3]) == ["a", "", "", ""]
    assert as_texts(np.array([["a"], ["b"]], dtype=object)) == ["a", "b"]
    with pytest.raises(TypeError, match="single str"):
        as_texts("a text")
    with pytest.raises(TypeError, match="single bytes"):
        as_texts(b"a text")
    with pytest.raises(TypeError, match="iterable"):
        as_texts(3)


# -- scikit-learn contract -------------------------------------------------------------------


def test_sklearn_checks():
    check_parameters_default_constructible("StyleFeatures", StyleFeatures())
    check_no_attributes_set_in_init("StyleFeatures", StyleFeatures())


def test_names_match_columns_and_pandas_output(style):
    names = list(style.get_feature_names_out())
    X = style.transform(TEXTS)
    assert X.shape == (len(TEXTS), len(names))
    df = clone(style).set_output(transform="pandas").fit(TEXTS).transform(pd.Series(TEXTS))
    assert list(df.columns) == names
    np.testing.assert_allclose(df.to_numpy(), X)


def test_clone_and_pickle_round_trip(style):
    twin = clone(style)
    assert twin.get_params() == style.get_params()
    np.testing.assert_allclose(twin.fit(TEXTS).transform(TEXTS), style.transform(TEXTS))
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(style)).transform(TEXTS), style.transform(TEXTS)
    )


def test_pipeline_and_feature_union():
    union = FeatureUnion([("style", StyleFeatures()), ("style_wide", StyleFeatures(ttr_window=5))])
    df = (
        Pipeline([("f", union), ("id", FunctionTransformer())])
        .set_output(transform="pandas")
        .fit_transform(TEXTS)
    )
    assert df.shape == (len(TEXTS), 18)
    assert df.loc[0, "style__style_n_tokens"] == 5


def test_bare_string_is_rejected(style):
    with pytest.raises(TypeError, match="single str"):
        style.transform("Hello world!")


def test_empty_texts(style):
    X = style.transform(EMPTY)
    assert np.isnan(X[:, :7]).all()
    assert (X[:, 7:] == 0).all()


def test_bad_window_is_rejected_in_fit():
    with pytest.raises(ValueError, match="ttr_window"):
        StyleFeatures(ttr_window=0).fit([])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(st.text(max_size=300), st.none()), max_size=4))
def test_arbitrary_unicode(style, texts):
    X = style.transform(texts)
    assert X.shape == (len(texts), len(style.get_feature_names_out()))
    assert not np.isinf(X).any()
    flesch = X[:, 6]
    assert ((flesch >= 0) & (flesch <= 100) | np.isnan(flesch)).all()
