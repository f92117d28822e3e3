"""Irony: interpretable cues (IronyCues) and the classifier wrapper (IronyProbability)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import (
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from analysis.features import IronyCues, IronyProbability, strip_irony_hashtags

TWEET = (
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE "
    "DONATION OF HUMVEE VEHICLES. USING PICKUP TRUCKS FOR APC’S WAS GETTING EXPENSIVE "
    "WITH ALL THE USED CAR INFLATION. pic.twitter.com/HW1VXPUTnF"
)
PROSE = (
    "Taliban militants were spotted parading around in US-made Humvees after seizing a "
    "major city in Nimroz province, footage shows."
)
TEXTS = [
    TWEET,
    PROSE,
    "Quite an ironic sight. #Taliban units entering Nimruz province with dozens of US Humvee "
    "vehicles.",
    "The New York Times reporting “dozens” of bombings; the Pentagon is “likely” to act.",
    "Oh great, another Monday... #not",
]
EMPTY = ["", "  ", None, float("nan")]


@pytest.fixture(scope="module")
def cues() -> IronyCues:
    return IronyCues().fit(TEXTS)


def cue(cues, text, name):
    names = list(cues.get_feature_names_out())
    return cues.transform([text])[0, names.index(name)]


# -- each cue fires where it should, and not where it should not ----------------------------


def test_taxpayer_tweet_fires_sarcastic_gratitude_and_all_caps(cues):
    assert cue(cues, TWEET, "irony_sarcastic_gratitude") == 1
    assert cue(cues, TWEET, "irony_all_caps_ratio") > 0.9
    assert cue(cues, PROSE, "irony_sarcastic_gratitude") == 0
    assert cue(cues, PROSE, "irony_all_caps_ratio") < 0.1


@pytest.mark.parametrize(
    "text, fires",
    [
        ("Thanks for nothing, Washington.", 1),
        ("Thank you Biden for the chaos and the dead in Kabul.", 1),
        ("We would like to thank our sponsors for their generous gift of vehicles.", 1),
        ("Thanks to the firefighters for their quick work.", 0),
        ("The minister thanked voters on Sunday.", 0),
    ],
)
def test_sarcastic_gratitude_patterns(cues, text, fires):
    assert cue(cues, text, "irony_sarcastic_gratitude") == fires


def test_all_caps_ratio_is_a_share_of_words(cues):
    # words of 2+ characters that are not numbers: NATO, IS, GREAT, news, 2021 excluded;
    # three capitalized words in a row are shouted, acronym or not
    assert cue(cues, "NATO IS GREAT news 2021", "irony_all_caps_ratio") == pytest.approx(3 / 4)


@pytest.mark.parametrize(
    ("text", "shouted"),
    [
        ("The FBI said US troops and NATO allies fought the IS group in the UK.", 0),
        ("BBC News reports that ISIS lost ground, the UN says.", 0),
        ("I LOVE Mondays", 1),  # an English word in capitals is emphasis
        ("THANK YOU to all", 2),  # a two-letter word beside another capitalized one
        ("Great, the TALIBAN again", 0),  # a name in capitals alone is not shouting
        ("Oh sure, WE DON'T NEED HUMVEES anyway", 4),  # a run of capitals is
        ("archived recording [YELLING AND CHANTING] in the square", 0),  # a stage direction
        ("(SOUNDBITE) The senator said NO WAY AT ALL", 4),
        ("WASHINGTON — The Senate voted on the bill.", 0),  # a dateline
        ("KABUL, Afghanistan (AP) -- Taliban fighters paraded.", 0),
        ("UPDATE: The vote was delayed.", 0),  # a kicker label
        ("The vote, he said, was a TOTAL DISASTER FOR ALL", 4),
        # a reviewer's cases: shouting in tweets ...
        ("Thanks for the help, great job everyone (NOT!!!)", 1),
        ("WOW - what a great day", 1),
        ("I LOOOOVE Mondays", 1),
        ("I am SO happy", 1),
        ("OMG WTF is this weather", 2),
        # ... and capitals in news that are not
        ("ICE agents detained 40 people, ICE said. The WHO warned", 0),
        ("the FBI, CIA, NSA, DHS and DOJ", 0),
        ("NATO, EU, UN and OSCE", 0),
        ("SEN. LINDSEY GRAHAM: We must act.", 0),
        ("UNIDENTIFIED PERSON #1: Go now.", 0),
        ("The US UN ambassador spoke.", 0),
        ("PATRIOT Act and CARES Act and DREAM Act", 0),
        # a methods review's cases (Reuters datelines and subheads, acronyms by company)
        ("WASHINGTON/RIYADH (Reuters) - The deal was signed.", 0),
        ("SAN FRANCISCO (Reuters Breakingviews) - Sanctions bite.", 0),
        ("WIDE SUPPORT", 0),
        ("TRUMP DECLARES ‘CASE CLOSED’", 0),
        ("LAST WORD ON SUBSIDIES?", 0),
        ("the CASE Act, ACT/SAT scores, COP 21 and Caterpillar (CAT)", 0),
        ("THANK YOU AMERICA!", 3),  # "!": a shout, not a subhead
        ("GREAT JOB\n— Jane Doe (@janedoe) May 5, 2020", 2),  # a post's signature: no dateline
        ("STEVE INSKEEP, HOST: Good morning.", 0),
        ("CLEARED BY KERRY? - The State Department said", 0),
        ("WITH YOUR SECOND CUP OF COFFEE... A writer says", 0),
        ("Carson told USA TODAY on Monday.", 0),
        ("call 1-800-CALL-FBI with tips", 0),
    ],
)
def test_acronyms_standing_alone_are_not_shouting(cues, text, shouted):
    """Before version 2 every capitalized word counted, and news that writes many acronyms
    (BBC's US, IS, UN, UK) had the highest all-caps 'irony' of all outlets."""
    from analysis.features._text import analyze

    words = [t for t in analyze(text).tokens if len(t) > 1 and not t.isdigit()]
    assert cue(cues, text, "irony_all_caps_ratio") == pytest.approx(shouted / len(words))


@pytest.mark.parametrize(
    "text, n",
    [
        ("with the New York Times reporting “dozens” of bombings", 1),
        ("is “likely” to seek 'another' air campaign", 2),
        ('He said "we will not leave this country until the job is done" on Friday.', 0),
        ('"Why?" she asked. "Because."', 2),
        ("Afghanistan’s capital and the taxpayers’ money", 0),
        ("“dozens”", 0),  # a text that is one short quotation is a quote, not a scare quote
    ],
)
def test_scare_quotes(cues, text, n):
    assert cue(cues, text, "irony_scare_quotes") == n


def test_hashtags_explicit_interjections_and_ellipses(cues):
    assert cue(cues, "Great, another Monday #not", "irony_hashtags") == 1
    assert cue(cues, "I love #nothing and #notes", "irony_hashtags") == 0
    assert cue(cues, "So #Irony #sarcasm", "irony_hashtags") == 2
    assert cue(cues, "So #irony", "irony_explicit") == 0
    assert cue(cues, "Quite an ironic sight.", "irony_explicit") == 1
    assert cue(cues, "Yeah right, that will work. Go figure.", "irony_interjections") == 2
    assert cue(cues, "Well... ok… fine. . .", "irony_ellipses") == 3


@pytest.mark.parametrize(
    "text, n",
    [
        ("What a wonderful war, so many killed.", 1),
        ("The war killed many.", 0),
        ("Not great: the war goes on.", 0),  # negated positive word
        ("A wonderful day. Then the attack came.", 0),  # different sentences
        ("The militants made victory laps in the captured vehicles.", 1),
    ],
)
def test_positive_words_about_negative_events(cues, text, n):
    assert cue(cues, text, "irony_positive_negative") == n


def test_direction_mocking_post_has_more_cues_than_prose(cues):
    X = cues.transform([TWEET, PROSE])
    counts = np.nan_to_num(X)
    assert counts[0].sum() > counts[1].sum()


def test_custom_lexicon_mapping(cues):
    lex = {
        "irony_hashtags": ["lol"],
        "categories": {"interjection": ["meh"], "negative_event": ["flood"]},
    }
    tr = IronyCues(lexicon=lex).fit([])
    assert cue(tr, "meh #lol #irony", "irony_hashtags") == 1
    assert cue(tr, "meh #lol", "irony_interjections") == 1


# -- IronyProbability -------------------------------------------------------------------------

TRAIN = [
    ("Oh great, another delay. Just what I needed.", 1),
    ("Wow, thanks for nothing. Brilliant work as usual.", 1),
    ("Yeah right, like that will ever work.", 1),
    ("I just love waiting three hours at the airport.", 1),
    ("The meeting is scheduled for Tuesday at noon.", 0),
    ("The city council approved the new budget.", 0),
    ("Rain is expected in the north tomorrow.", 0),
    ("The report was published in late July.", 0),
]


@pytest.fixture(scope="module")
def classifier():
    texts, labels = zip(*TRAIN, strict=True)
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(list(texts), labels)


@pytest.fixture(scope="module")
def probability(classifier):
    return IronyProbability(model=classifier).fit([])


def test_probability_from_an_estimator(classifier):
    tr = IronyProbability(model=classifier).fit([])
    X = tr.transform(["Oh great, thanks for nothing.", "The budget was approved.", "", None])
    assert X.shape == (4, 1)
    assert 0 <= X[1, 0] < X[0, 0] <= 1
    assert np.isnan(X[2:, 0]).all()
    assert list(tr.get_feature_names_out()) == ["irony_probability"]


def test_probability_ignores_irony_hashtags(classifier):
    tr = IronyProbability(model=classifier).fit([])
    a, b = tr.transform(["The budget was approved. #sarcasm", "The budget was approved."])
    assert a[0] == b[0]
    assert strip_irony_hashtags(["so fun #not", "#irony"]) == ["so fun", ""]


def test_probability_picks_the_named_class():
    texts, labels = zip(*TRAIN, strict=True)
    names = ["ironic" if y else "literal" for y in labels]
    clf = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(list(texts), names)
    p_ironic = IronyProbability(model=clf, positive_class="ironic").fit([])
    p_literal = IronyProbability(model=clf, positive_class="literal").fit([])
    x = ["Oh great, another delay."]
    assert p_ironic.transform(x)[0, 0] + p_literal.transform(x)[0, 0] == pytest.approx(1)
    with pytest.raises(ValueError, match="not in"):
        IronyProbability(model=clf, positive_class="sarcastic").fit([])


def test_missing_model_explains_how_to_train_one(tmp_path):
    with pytest.raises(ValueError, match="framelens classify train irony"):
        IronyProbability().fit([])
    with pytest.raises(FileNotFoundError, match="framelens classify train irony"):
        IronyProbability(model=tmp_path / "irony.skops").fit([])


def test_train_mode_trains_once_and_keys_the_cache_by_the_model(
    tmp_path, monkeypatch, tiny_irony_overrides
):
    """model=None, train=irony: the package's classifier, trained on first use and cached
    (here on the classifier tests' 48-row fixture); the feature cache keys the scores by
    the model file, so a retrained model never reads another model's scores."""
    from analysis.cache import extractor_key

    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path))
    tr = IronyProbability(train="irony", train_overrides=tiny_irony_overrides()).fit([])
    assert tr.model_file_.is_relative_to(tmp_path / "models") and len(tr.fingerprint_) == 64
    X = tr.transform(["Oh great, another delay. Just what I needed.", "", "The budget passed."])
    assert 0 <= X[0, 0] <= 1 and np.isnan(X[1, 0]) and 0 <= X[2, 0] <= 1
    again = IronyProbability(train="irony", train_overrides=tiny_irony_overrides()).fit([])
    assert again.model_file_ == tr.model_file_
    assert extractor_key("irony_probability", again) == extractor_key("irony_probability", tr)
    other = IronyProbability(
        train="irony", train_overrides=[*tiny_irony_overrides(), "seed=7"]
    ).fit([])
    assert other.model_file_ != tr.model_file_
    # same parameters, another model file behind them (retrained): another cache table
    twin = clone(tr).fit([])
    twin.fingerprint_ = "0" * 64
    assert extractor_key("irony_probability", twin) != extractor_key("irony_probability", tr)


def test_damaged_cached_model_is_trained_again(tmp_path, monkeypatch, tiny_irony_overrides, caplog):
    """The package's own cached copy cut in half (a disk fault, a copy interrupted): it is
    trained again with a warning; a user's own damaged file is still an error."""
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path))
    first = IronyProbability(train="irony", train_overrides=tiny_irony_overrides()).fit([])
    data = first.model_file_.read_bytes()
    first.model_file_.write_bytes(data[: len(data) // 2])
    with caplog.at_level("WARNING", logger="framelens"):
        again = IronyProbability(train="irony", train_overrides=tiny_irony_overrides()).fit([])
    assert "the cached irony model cannot be loaded" in caplog.text
    assert again.model_file_ == first.model_file_
    assert 0 <= again.transform(["Oh great, another delay."])[0, 0] <= 1
    own = tmp_path / "mine.skops"
    own.write_bytes(data[: len(data) // 2])
    from analysis.errors import FramelensError

    with pytest.raises(FramelensError, match="truncated or corrupt"):
        IronyProbability(model=own).fit([])


def test_unfitted_or_wrong_model_is_explained():
    with pytest.raises(ValueError, match="FrozenEstimator"):
        IronyProbability(model=LogisticRegression()).fit([])
    with pytest.raises(TypeError, match="predict_proba"):
        IronyProbability(model=FunctionTransformer()).fit([])


def test_clone_keeps_a_frozen_model(classifier):
    tr = IronyProbability(model=FrozenEstimator(classifier)).fit(TEXTS)
    twin = clone(tr).fit(TEXTS)
    np.testing.assert_allclose(twin.transform(TEXTS), tr.transform(TEXTS))


def test_skops_file_round_trip(classifier, tmp_path):
    skops_io = pytest.importorskip("skops.io")
    path = tmp_path / "irony.skops"
    model = clone(classifier).fit(*map(list, zip(*TRAIN, strict=True)))
    try:  # what `framelens classify train irony` stamps on its models
        from analysis.classifiers import MODEL_FORMAT

        model.framelens_ = {"format": MODEL_FORMAT, "task": "irony"}
    except ImportError:
        pass
    skops_io.dump(model, path)
    from_file = IronyProbability(model=str(path)).fit([])
    from_obj = IronyProbability(model=classifier).fit([])
    np.testing.assert_allclose(from_file.transform(TEXTS), from_obj.transform(TEXTS))


# -- scikit-learn contract -------------------------------------------------------------------


@pytest.fixture(params=["cues", "probability"])
def fitted(request, classifier):
    if request.param == "cues":
        return IronyCues().fit(TEXTS)
    return IronyProbability(model=FrozenEstimator(classifier)).fit(TEXTS)


@pytest.mark.parametrize("cls", [IronyCues, IronyProbability])
def test_sklearn_checks(cls):
    check_parameters_default_constructible(cls.__name__, cls())
    check_no_attributes_set_in_init(cls.__name__, cls())


def test_names_match_columns_and_pandas_output(fitted):
    names = list(fitted.get_feature_names_out())
    X = fitted.transform(TEXTS)
    assert X.shape == (len(TEXTS), len(names))
    df = clone(fitted).set_output(transform="pandas").fit(TEXTS).transform(pd.Series(TEXTS))
    assert list(df.columns) == names
    np.testing.assert_allclose(df.to_numpy(), X)


def test_clone_round_trips(fitted):
    twin = clone(fitted)
    assert twin.get_params().keys() == fitted.get_params().keys()
    np.testing.assert_allclose(twin.fit(TEXTS).transform(TEXTS), fitted.transform(TEXTS))


def test_pickles(fitted):
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(fitted)).transform(TEXTS), fitted.transform(TEXTS)
    )


def test_pipeline_and_feature_union(classifier):
    union = FeatureUnion(
        [
            ("irony_cues", IronyCues()),
            ("irony_probability", IronyProbability(model=FrozenEstimator(classifier))),
        ]
    )
    pipe = Pipeline([("features", union), ("id", FunctionTransformer())])
    df = pipe.set_output(transform="pandas").fit_transform(TEXTS)
    assert df.shape == (len(TEXTS), 9)
    assert "irony_cues__irony_sarcastic_gratitude" in df.columns
    assert df.loc[0, "irony_cues__irony_sarcastic_gratitude"] == 1


def test_bare_string_is_rejected(fitted):
    with pytest.raises(TypeError, match="single str"):
        fitted.transform(TWEET)


def test_empty_texts(cues):
    X = cues.transform(EMPTY)
    names = list(cues.get_feature_names_out())
    caps = names.index("irony_all_caps_ratio")
    assert np.isnan(X[:, caps]).all()
    assert (np.delete(X, caps, axis=1) == 0).all()


def test_bad_parameters_are_rejected_in_fit():
    with pytest.raises(ValueError, match="positive_threshold"):
        IronyCues(positive_threshold=0).fit([])
    with pytest.raises(ValueError, match="lacks categories"):
        IronyCues(lexicon={"categories": {"interjection": ["meh"]}}).fit([])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(st.text(max_size=200), st.none()), max_size=4))
def test_arbitrary_unicode(cues, probability, texts):
    for tr in (cues, probability):
        X = tr.transform(texts)
        assert X.shape == (len(texts), len(tr.get_feature_names_out()))
        assert not np.isinf(X).any()


# -- cheap gates before the regexes are exact ------------------------------------------------

_QUOTY = st.lists(
    st.sampled_from(list(" .…“”«»\"'‘’()-—ab\n") + [" word", ". . .", "...", "it's"]),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=60), _QUOTY))
def test_ellipsis_and_quote_gates_are_exact(text):
    from analysis.features._text import tokenize
    from analysis.features.irony import (
        _ELLIPSIS_RE,
        _QUOTE_RES,
        IronyCues,
        _may_have_ellipsis,
    )

    assert _may_have_ellipsis(text) or not _ELLIPSIS_RE.search(text)
    whole = text.strip()
    ungated = sum(
        1
        for rx in _QUOTE_RES
        for m in rx.finditer(text)
        if m.group() != whole and 1 <= len(tokenize(m.group(1))) <= 3
    )
    assert IronyCues._scare_quotes(text) == ungated


def test_irony_probability_takes_the_positive_label_the_model_was_saved_with():
    """Labels [not ironic, ironic] sort "ironic" first: the position said P(not ironic).
    A framelens model names its positive label; that is the one scored."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from analysis.features.irony import IronyProbability

    texts = ["oh great another monday", "the bus leaves at noon"] * 10
    labels = ["ironic", "not ironic"] * 10
    est = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    est.framelens_ = {"positive": "ironic"}
    p = IronyProbability(model=est, strip_hashtags=False).fit([])
    assert list(est.classes_) == ["ironic", "not ironic"] and p.positive_index_ == 0
    scores = p.transform(["oh great another monday", "the bus leaves at noon"])[:, 0]
    assert scores[0] > 0.5 > scores[1]
