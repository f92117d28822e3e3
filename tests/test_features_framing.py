"""Framing: FrameShare (MFC and issue frames), ActorLabels, HedgingAttribution, LoadedWords,
and the shared lexicon machinery and token memo they run on."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import (
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from analysis.features import (
    ActorLabels,
    FrameShare,
    HedgingAttribution,
    LoadedWords,
    bundled_lexicons,
    clear_cache,
    load_lexicon,
)
from analysis.features._text import analyze

DATA = Path(__file__).parent / "data" / "features"
LEXICONS = Path(__file__).resolve().parents[1] / "analysis" / "lexicons"
TWEET = (
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE "
    "DONATION OF HUMVEE VEHICLES."
)
PROSE = (
    "Taliban militants were spotted parading around in US-made Humvees after seizing a "
    "major city in Nimroz province, footage shows – the first regional capital to fall to "
    "the group as it launches a wave of attacks across Afghanistan."
)
TEXTS = [
    TWEET,
    PROSE,
    "Other footage purported to show a deserted airfield in Zaranj – where American forces "
    "once had a presence – apparently abandoned by government troops during the invasion.",
    "According to the latest report, the Taliban controls at least half of the districts.",
    "The budget deficit and new taxes will cost taxpayers billions, the senator said.",
]
EMPTY = ["", "   ", None, float("nan"), "pic.twitter.com/abc"]
MFC_FRAMES = [
    "economic",
    "capacity_and_resources",
    "morality",
    "fairness_and_equality",
    "legality_constitutionality_jurisprudence",
    "policy_prescription_and_evaluation",
    "crime_and_punishment",
    "security_and_defense",
    "health_and_safety",
    "quality_of_life",
    "cultural_identity",
    "public_opinion",
    "political",
    "external_regulation_and_reputation",
]
ALL = [
    FrameShare(),
    FrameShare(lexicon="issue_frames", prefix="issue"),
    ActorLabels(),
    HedgingAttribution(),
    LoadedWords(),
]


def values(tr, text):
    tr = tr if hasattr(tr, "matcher_") or hasattr(tr, "labels_") else tr.fit([])
    return dict(zip(tr.get_feature_names_out(), tr.transform([text])[0], strict=True))


# -- lexicon machinery (arithmetic we own) ---------------------------------------------------


def test_rates_are_hits_per_thousand_tokens():
    tr = FrameShare(lexicon={"a": ["tax"]}).fit([])
    assert values(tr, "tax tax word word")["frame_a"] == 500.0
    assert values(FrameShare(lexicon={"a": ["tax"]}, per=1).fit([]), "tax x")["frame_a"] == 0.5


def test_matching_is_case_insensitive_on_token_boundaries():
    tr = FrameShare(lexicon={"a": ["tax"], "b": ["econom*"], "c": ["according to"]}).fit([])
    v = values(tr, "TAX Tax syntax taxation. The economy, economics; according to sources")
    # 10 tokens: TAX Tax syntax taxation The economy economics according to sources
    assert v["frame_a"] == 200.0
    assert v["frame_b"] == 200.0
    assert v["frame_c"] == 100.0


def test_longest_match_counts_once_within_a_frame_but_frames_overlap():
    tr = FrameShare(lexicon={"a": ["taxpayers' money", "taxpayers", "money"], "b": ["money"]})
    v = values(tr.fit([]), "taxpayers' money")
    assert v["frame_a"] == v["frame_b"] == 500.0  # one hit each over two tokens


def test_possessives_and_curly_apostrophes_normalize():
    tr = FrameShare(lexicon={"a": ["afghanistan", "taxpayers' money"]}).fit([])
    assert values(tr, "Afghanistan’s taxpayers’ money")["frame_a"] == pytest.approx(2000 / 3)


def test_user_yaml_file_and_errors(tmp_path):
    tr = FrameShare(lexicon=DATA / "user_frames.yaml").fit([])
    assert list(tr.get_feature_names_out()) == ["frame_money", "frame_talk"]  # empty dropped
    assert tr.lexicon_name_ == "user_frames" and len(tr.lexicon_sha256_) == 64
    with pytest.raises(ValueError, match="Unknown lexicon"):
        FrameShare(lexicon="no_such_lexicon").fit([])
    with pytest.raises(FileNotFoundError):
        FrameShare(lexicon=tmp_path / "missing.yaml").fit([])
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories:\n  a: [yes, tax]\n")
    with pytest.raises(ValueError, match="quote"):
        FrameShare(lexicon=bad).fit([])
    with pytest.raises(ValueError, match="per"):
        FrameShare(per=0).fit([])
    with pytest.raises(ValueError, match="prefix"):
        FrameShare(prefix="Frame X").fit([])


@pytest.mark.parametrize("name", ["mfc", "issue_frames", "hedging", "loaded"])
def test_bundled_lexicons_load_and_are_documented(name):
    assert name in bundled_lexicons()
    lex = load_lexicon(name)
    assert lex["name"] == name and lex["version"] == 1
    head = (LEXICONS / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("#")
    for terms in lex["categories"].values():
        assert all(isinstance(t, str) and t.strip() for t in terms)


def test_mfc_lexicon_has_the_codebook_frames_and_citations():
    text = (LEXICONS / "mfc.yaml").read_text(encoding="utf-8")
    assert "Boydstun" in text and "Card" in text and "Media Frames Corpus" in text
    raw = yaml.safe_load(text)
    assert list(raw["categories"]) == [*MFC_FRAMES, "other"]
    for frame in MFC_FRAMES:
        assert 20 <= len(raw["categories"][frame]["terms"]) <= 70, frame


def test_feature_union_tokenizes_each_text_once():
    texts = [f"{t} ({i})" for i, t in enumerate(TEXTS)]
    union = FeatureUnion([(str(i), clone(tr)) for i, tr in enumerate(ALL)]).fit(texts)
    clear_cache()
    union.transform(texts)
    assert analyze.misses == len(texts)
    assert analyze.hits >= (len(ALL) - 1) * len(texts)


# -- FrameShare ------------------------------------------------------------------------------


def test_mfc_columns_omit_the_empty_other_frame():
    names = list(FrameShare().fit([]).get_feature_names_out())
    assert names == [f"frame_{f}" for f in MFC_FRAMES]


def test_mfc_direction():
    tr = FrameShare().fit([])
    econ = values(tr, "The budget deficit and new taxes will cost taxpayers billions of dollars.")
    war = values(tr, "Troops repelled the militant attack with airstrikes near the border.")
    assert econ["frame_economic"] > econ["frame_security_and_defense"]
    assert war["frame_security_and_defense"] > war["frame_economic"]


def test_taxpayer_tweet_fires_cost_to_taxpayer():
    v = values(FrameShare(lexicon="issue_frames", prefix="issue"), TWEET)
    assert v["issue_cost_to_taxpayer"] > 0
    assert v["issue_occupation"] == 0


def test_occupation_versus_mission():
    tr = FrameShare(lexicon="issue_frames").fit([])
    occ = values(tr, "After a 20-year occupation the occupiers left.")
    mis = values(tr, "After a 20-year mission and deployment of advisers, the presence ended.")
    assert occ["frame_occupation"] > occ["frame_mission"]
    assert mis["frame_mission"] > mis["frame_occupation"]


def test_explain_shows_what_fired():
    tr = FrameShare(lexicon="issue_frames", prefix="issue").fit([])
    assert ("issue_cost_to_taxpayer", "TAXPAYER") in tr.explain(TWEET)
    assert ("issue_cost_to_taxpayer", "DONATION") in tr.explain(TWEET)


# -- ActorLabels -----------------------------------------------------------------------------


def test_taliban_militants_fires():
    v = values(ActorLabels(), "Taliban militants were spotted parading around in Humvees.")
    assert v["actor_taliban__militants"] == 1
    assert v["actor_taliban__mentions"] == 1
    assert v["actor_taliban__fighters"] == 0


def test_label_inside_another_actors_name_does_not_count():
    v = values(ActorLabels(), "The Taliban overran Afghan government forces on Friday.")
    assert v["actor_taliban__forces"] == 0
    assert v["actor_afghan_government__forces"] == 1


@pytest.mark.parametrize(
    "scope, text, expected",
    [
        ("sentence", "The Taliban took the city. Militants celebrated.", 0),
        ("text", "The Taliban took the city. Militants celebrated.", 1),
        (0, "Taliban militants", 1),
        (0, "Taliban, whose militants", 0),
        (1, "Taliban, whose militants", 1),
    ],
)
def test_scope(scope, text, expected):
    tr = ActorLabels(actors=DATA / "actors_small.yaml", scope=scope).fit([])
    assert values(tr, text)["actor_taliban__militants"] == expected


def test_actor_known_by_labels_only_and_longest_label_wins():
    tr = ActorLabels(actors=DATA / "actors_small.yaml").fit([])
    v = values(tr, "Rioters and protesters clashed; more protesters came.")
    assert v["actor_crowd__rioters"] == 1 and v["actor_crowd__protesters"] == 2
    assert v["actor_crowd__mentions"] == 3
    w = values(ActorLabels(), "Undocumented immigrants and other immigrants")
    assert w["actor_immigrants__undocumented"] == 1
    assert w["actor_immigrants__immigrants"] == 1


def test_actor_columns_and_errors():
    tr = ActorLabels(actors=DATA / "actors_small.yaml").fit([])
    assert list(tr.get_feature_names_out()) == [
        "actor_taliban__militants",
        "actor_taliban__fighters",
        "actor_crowd__protesters",
        "actor_crowd__rioters",
        "actor_taliban__mentions",
        "actor_crowd__mentions",
    ]
    with pytest.raises(ValueError, match="scope"):
        ActorLabels(scope="paragraph").fit([])
    with pytest.raises(ValueError, match="scope"):
        ActorLabels(scope=-1).fit([])
    with pytest.raises(ValueError, match="labels"):
        ActorLabels(actors={"actors": {"x": {"names": ["x"]}}}).fit([])


# -- HedgingAttribution ----------------------------------------------------------------------


def test_hedging_and_distancing_fire_on_the_worked_example():
    v = values(HedgingAttribution(), TEXTS[2])
    assert v["hedging_distancing"] > 0  # purported
    assert v["hedging_hedge"] > 0  # apparently


def test_attribution_categories_are_exclusive():
    tr = HedgingAttribution().fit([])
    v = values(tr, "According to sources, the talks failed.")
    assert v["hedging_anonymous"] > 0 and v["hedging_neutral"] == 0
    assert tr.explain("According to sources") == [("hedging_anonymous", "According to sources")]


def test_distancing_share_arithmetic():
    v = values(HedgingAttribution(), "The minister claimed victory. The general said nothing.")
    assert v["hedging_distancing_share"] == 0.5
    assert np.isnan(values(HedgingAttribution(), "Nothing here.")["hedging_distancing_share"])


def test_may_the_month_is_not_a_hedge():
    tr = HedgingAttribution().fit([])
    assert values(tr, "They left in May 2021.")["hedging_hedge"] == 0
    assert values(tr, "It may rain. May it rain?")["hedging_hedge"] > 0


# -- LoadedWords -----------------------------------------------------------------------------


def test_loaded_direction_and_subjectivity():
    tr = LoadedWords().fit([])
    loaded = values(tr, "The regime's disastrous, reckless policy was utterly shameful.")
    plain = values(tr, "The government's policy was announced on Tuesday.")
    assert loaded["loaded_any"] > plain["loaded_any"]
    assert loaded["loaded_subjective"] > 0 and loaded["loaded_intensifier"] > 0
    assert loaded["loaded_textblob_subjectivity"] > plain["loaded_textblob_subjectivity"]


def test_loaded_any_counts_each_span_once():
    tr = LoadedWords(lexicon={"a": ["failed to"], "b": ["failed"]}, subjectivity=False).fit([])
    v = values(tr, "They failed to act")
    assert v["loaded_a"] == v["loaded_b"] == v["loaded_any"] == 250.0
    assert "loaded_textblob_subjectivity" not in v


def test_loaded_citation_in_lexicon():
    assert "Recasens" in (LEXICONS / "loaded.yaml").read_text(encoding="utf-8")


# -- scikit-learn contract -------------------------------------------------------------------


@pytest.fixture(params=range(len(ALL)), ids=lambda i: type(ALL[i]).__name__ + str(i))
def fitted(request):
    return clone(ALL[request.param]).fit(TEXTS)


@pytest.mark.parametrize("cls", [FrameShare, ActorLabels, HedgingAttribution, LoadedWords])
def test_sklearn_checks(cls):
    check_parameters_default_constructible(cls.__name__, cls())
    check_no_attributes_set_in_init(cls.__name__, cls())


def test_names_match_columns_and_pandas_output(fitted):
    names = list(fitted.get_feature_names_out())
    assert len(set(names)) == len(names)
    X = fitted.transform(TEXTS)
    assert X.shape == (len(TEXTS), len(names))
    df = clone(fitted).set_output(transform="pandas").fit(TEXTS).transform(pd.Series(TEXTS))
    assert list(df.columns) == names
    np.testing.assert_allclose(df.to_numpy(), X)


def test_clone_round_trips(fitted):
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    np.testing.assert_allclose(twin.fit(TEXTS).transform(TEXTS), fitted.transform(TEXTS))


def test_pickles(fitted):
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.transform(TEXTS), fitted.transform(TEXTS))


def test_pipeline_and_feature_union():
    names = ["framing", "issue_frames", "actors", "hedging", "loaded"]
    union = FeatureUnion(list(zip(names, [clone(t) for t in ALL], strict=True)))
    pipe = Pipeline([("features", union), ("id", FunctionTransformer())])
    df = pipe.set_output(transform="pandas").fit_transform(TEXTS)
    assert df.shape[0] == len(TEXTS)
    assert df.loc[1, "actors__actor_taliban__militants"] == 1
    assert df.loc[0, "issue_frames__issue_cost_to_taxpayer"] > 0


def test_bare_string_is_rejected(fitted):
    with pytest.raises(TypeError, match="single str"):
        fitted.transform(TWEET)


def test_one_column_dataframe_is_accepted(fitted):
    df = pd.DataFrame({"text": TEXTS})
    np.testing.assert_allclose(fitted.transform(df), fitted.transform(TEXTS))
    with pytest.raises(TypeError, match="one text column"):
        fitted.transform(pd.DataFrame({"a": TEXTS, "b": TEXTS}))


def test_empty_texts(fitted):
    X = fitted.transform(EMPTY)
    assert X.shape == (len(EMPTY), len(fitted.get_feature_names_out()))
    if isinstance(fitted, ActorLabels):
        assert (X == 0).all()  # counts
    else:
        assert np.isnan(X).all()  # rates


@pytest.fixture(scope="module")
def all_fitted():
    return [clone(tr).fit([]) for tr in ALL]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(st.text(max_size=200), st.none()), max_size=4))
def test_arbitrary_unicode(all_fitted, texts):
    for fitted in all_fitted:
        X = fitted.transform(texts)
        assert X.shape == (len(texts), len(fitted.get_feature_names_out()))
        assert not np.isinf(X).any()


# -- MarkedWords -----------------------------------------------------------------------------


@pytest.mark.corpora
def test_marked_words_learned_loaded_wording(with_mirror):
    """MarkedWords scores words like the ones BABE's experts marked; one token model per
    process; NaN where there is no wording (empty text, a bare link)."""
    from analysis.features import MarkedWords

    mw = MarkedWords().fit([])
    assert clone(mw).fit(["other"]).scorer_ is mw.scorer_  # trained once, shared
    texts = [
        "The radical left's bizarre, hysterical scheme would destroy the economy.",
        "The committee will meet on Tuesday to discuss the budget.",
        "",
        "https://example.com/story",
    ]
    out = mw.set_output(transform="pandas").transform(texts)
    assert list(out.columns) == ["marked_words_rate", "marked_words_max"]
    loaded, flat = out.iloc[0], out.iloc[1]
    # measured 163 vs 18 per 1000 tokens, max 0.59 vs 0.05
    assert loaded["marked_words_rate"] > 4 * flat["marked_words_rate"]
    assert loaded["marked_words_max"] > 0.4 > 0.1 > flat["marked_words_max"]
    assert out.iloc[2:].isna().all().all()
    with pytest.raises(ValueError, match="per must be a positive number"):
        MarkedWords(per=0).fit([])
