"""Same-event comparison stage: paired statistics, dispatch allow-list, incomplete events,
expert spans, and an end-to-end BASIL run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis import events as E
from analysis.errors import ConfigError
from analysis.pipeline import run_pipeline
from analysis.run import compose_config

OUTLETS = ["hpo", "nyt", "fox"]
PAIRS = [("fox", "nyt"), ("hpo", "nyt"), ("fox", "hpo")]


def _values(n_events: int = 9, seed: int = 0) -> pd.DataFrame:
    """Event x outlet values: fox is shifted up on ``a``; ``b`` has ties and zeros."""
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(n_events):
        base = rng.normal()
        for o in OUTLETS:
            a = base + (0.8 if o == "fox" else 0.0) + rng.normal(scale=0.5)
            b = float(rng.integers(0, 3)) if o != "hpo" else 1.0
            rows.append({"event": f"e{e:02d}", "outlet": o, "voice": "outlet", "a": a, "b": b})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- statistics


def test_paired_tests_match_scipy():
    values = _values()
    tests, diffs = E.paired_tests(values, ["a", "b"], PAIRS, ["outlet"], n_boot=500, seed=3)
    assert len(tests) == 6 and len(diffs) == 3 * 9
    wide = {f: values.pivot(index="event", columns="outlet", values=f) for f in ("a", "b")}
    for r in tests.itertuples():
        d = (wide[r.feature][r.outlet_a] - wide[r.feature][r.outlet_b]).to_numpy()
        assert r.n_events == 9
        assert r.mean_diff == pytest.approx(d.mean())
        assert r.median_diff == pytest.approx(np.median(d))
        assert (r.n_a_higher, r.n_b_higher, r.n_ties) == (
            (d > 0).sum(),
            (d < 0).sum(),
            (d == 0).sum(),
        )
        assert r.ci_low <= r.mean_diff <= r.ci_high
        if (d != 0).any():
            ref = stats.wilcoxon(d)
            assert r.statistic == pytest.approx(ref.statistic)
            assert r.p_value == pytest.approx(ref.pvalue)
        else:
            assert np.isnan(r.p_value)
    # BH over the tests that can reach p < 0.05 (over k non-zero differences p >= 2 / 2^k)
    ok = tests["p_value"].notna() & (
        2.0 / 2.0 ** (tests["n_a_higher"] + tests["n_b_higher"]) <= 0.05
    )
    assert ok.sum() == 4 and tests.loc[~ok, "p_adj"].isna().all()
    _, p_adj, _, _ = multipletests(tests.loc[ok, "p_value"], method="fdr_bh")
    np.testing.assert_allclose(tests.loc[ok, "p_adj"], p_adj)
    # fox is shifted up on "a": the Fox - NYT difference is positive and detected
    fox = tests[(tests["feature"] == "a") & (tests["pair"] == "fox-nyt")].iloc[0]
    assert fox.mean_diff > 0 and fox.rank_biserial > 0.5
    # same seed, same intervals
    again, _ = E.paired_tests(values, ["a", "b"], PAIRS, ["outlet"], n_boot=500, seed=3)
    pd.testing.assert_frame_equal(tests, again)


def test_rank_biserial_by_hand():
    # |d| ranks: 1 -> 1, -2 -> 2, 3 -> 3; zero dropped: (1 + 3 - 2) / 6
    assert E.rank_biserial(np.array([1.0, -2.0, 3.0, 0.0])) == pytest.approx(2 / 6)
    assert E.rank_biserial(np.array([1.0, 2.0])) == 1.0
    assert np.isnan(E.rank_biserial(np.zeros(4)))


def test_friedman_matches_scipy():
    values = _values()
    res = E.friedman_tests(values, ["a"], OUTLETS, ["outlet"]).iloc[0]
    w = values.pivot(index="event", columns="outlet", values="a")
    ref = stats.friedmanchisquare(*(w[o] for o in OUTLETS))
    assert res.chi2 == pytest.approx(ref.statistic) and res.p_value == pytest.approx(ref.pvalue)
    assert res.kendall_w == pytest.approx(ref.statistic / (9 * 2))


def test_spearman_ci_matches_scipy_and_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    y = x + rng.normal(size=60)
    x[:10] = 0.0  # ties
    res = E.spearman_ci(x, y, n_boot=400, seed=5)
    assert res["rho"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert res["ci_low"] < res["rho"] < res["ci_high"]
    assert res == E.spearman_ci(x, y, n_boot=400, seed=5)
    clustered = E.spearman_ci(x, y, n_boot=400, seed=5, clusters=np.repeat(np.arange(20), 3))
    assert clustered["rho"] == res["rho"] and clustered["ci_low"] != res["ci_low"]
    rows = np.stack([x, x[::-1]])
    np.testing.assert_allclose(
        E._spearman_rows(rows, np.stack([y, y])),
        [stats.spearmanr(x, y).statistic, stats.spearmanr(x[::-1], y).statistic],
    )


def test_all_voices_is_character_weighted():
    av = pd.DataFrame(
        {
            "article_id": ["x", "x", "y"],
            "outlet": ["fox", "fox", "nyt"],
            "voice": ["outlet", "quoted", "outlet"],
            "n_chars": [300, 100, 50],
            "f": [1.0, 5.0, 2.0],
            "g": [np.nan, 4.0, 1.0],
        }
    )
    out = E.all_voices(av, ["f", "g"]).set_index("article_id")
    assert out.loc["x", "f"] == pytest.approx((300 * 1 + 100 * 5) / 400)
    assert out.loc["x", "g"] == pytest.approx(4.0)  # the missing value is left out
    assert out.loc["x", "n_chars"] == 400 and set(out["voice"]) == {"all"}


# --------------------------------------------------------------------------- dispatch


def test_resolve_stage_allow_list():
    from analysis.outlets import compare_stage

    assert E.resolve_stage(None) is compare_stage
    assert E.resolve_stage("analysis.events.compare_stage") is E.compare_stage
    for foreign in (
        "os.system",
        "subprocess.run",
        "analysis.pipeline.shutil.rmtree",  # a foreign function re-exported by a module
        "analysis.events.np",  # not a function defined there
        "analysis.events.no_such_stage",
        "analysis.no_such_module.compare_stage",
    ):
        with pytest.raises(ConfigError):
            E.resolve_stage(foreign)


def test_run_refuses_a_foreign_stage(tmp_path):
    cfg = compose_config(
        ["corpus=sample", "plot.formats=[png]", "features=[irony_cues]", "compare.stage=os.system"]
    )
    with pytest.raises(ConfigError, match="not allowed"):
        run_pipeline(cfg, out_dir=tmp_path)
    assert not (tmp_path / "report.md").exists()


# --------------------------------------------------------------------------- incomplete events


def _tables(drop: tuple[str, str] | None = ("e03", "hpo"), dup: str | None = "e05"):
    values = _values()
    arts, av = [], []
    for r in values.itertuples():
        if drop and (r.event, r.outlet) == drop:
            continue
        aid = f"{r.event}_{r.outlet}"
        arts.append({"id": aid, "outlet": r.outlet.upper(), "event": r.event, "main_event": "t"})
        for voice, scale in (("outlet", 1.0), ("quoted", 2.0)):
            av.append(
                {"article_id": aid, "outlet": r.outlet.upper(), "lean": None, "topic": None,
                 "voice": voice, "n_chars": 100, "a": r.a * scale, "b": r.b}
            )  # fmt: skip
    if dup:
        arts.append({"id": f"{dup}_fox_2", "outlet": "fox", "event": dup, "main_event": "t"})
    return pd.DataFrame(arts), pd.DataFrame(av)


def test_event_missing_an_outlet_is_reported_not_compared():
    articles, av = _tables()
    values, problems = E.event_values(av, articles, ["a", "b"], OUTLETS, ["outlet", "all"])
    assert set(values["event"]) == {f"e{e:02d}" for e in range(9)} - {"e03"}
    assert len(values) == 8 * 3 * 2
    rows = problems.set_index("event")
    assert rows.loc["e03", "missing"] == "hpo" and rows.loc["e03", "outlets_present"] == "fox nyt"
    assert rows.loc["e05", "duplicated"] == "fox" and rows.loc["e05", "missing"] == ""
    # the duplicate article keeps the first by id; the event stays in
    assert "e05_fox" in set(values["article_id"]) and "e05_fox_2" not in set(values["article_id"])
    tests, _ = E.paired_tests(values, ["a"], PAIRS, ["outlet", "all"], n_boot=100)
    assert (tests["n_events"] == 8).all()


def test_stage_on_a_work_dir_with_an_incomplete_event(tmp_path):
    articles, av = _tables()
    work = tmp_path / "work"
    for name, table in (("articles", articles), ("article_voice", av)):
        (work / name).mkdir(parents=True)
        table.to_parquet(work / name / "part-00000.parquet", index=False)
    cfg = compose_config(
        ["compare=same_event", "plot.formats=[png]", "compare.features=[a,b]",
         "compare.slope_features=[a]", "compare.n_boot=100"]
    )  # fmt: skip
    files, lines = E.compare_stage(cfg, tmp_path, work)
    text = "\n".join(lines)
    assert "8 told by all 3 outlets" in text and "1 incomplete event(s)" in text
    assert "Not computed: the run's corpus is not 'basil'" in text
    problems = pd.read_csv(tmp_path / "events_incomplete.csv")
    assert problems.loc[problems["event"] == "e03", "missing"].item() == "hpo"
    for name in ("paired_differences", "event_slopes"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 0
    # a corpus without an event column: a note, no crash
    articles.drop(columns=["event"]).to_parquet(work / "articles" / "part-00000.parquet")
    files, lines = E.compare_stage(cfg, tmp_path / "noevent", work)
    assert files == [] and any("no 'event' column" in line for line in lines)


# --------------------------------------------------------------------------- expert spans


def test_read_basil_spans_locates_spans(tmp_path):
    art = {
        "source": "FOX",
        "body-paragraphs": [["The senator slammed the plan.", "It failed."], ["Aides said so."]],
    }
    ann = {
        "phrase-level-annotations": [
            {"id": "p0", "txt": "slammed", "start": 12, "end": 19, "bias": "lex", "quote": "no"},
            {"id": "p1", "txt": "failed", "start": 0, "end": 6, "bias": "lex", "quote": "no"},
            {"id": "p2", "txt": "Aides said so.", "start": 0, "end": 14, "bias": "inf"},
            {"id": "p3", "txt": "not in the text", "start": 0, "end": 3, "bias": "lex"},
        ]
    }
    (tmp_path / "a_1.json").write_text(json.dumps(art))
    (tmp_path / "a_1_ann.json").write_text(json.dumps(ann))
    sentences, spans = E.read_basil_spans([tmp_path / "a_1.json"], [tmp_path / "a_1_ann.json"])
    assert list(sentences["text"]) == [
        "The senator slammed the plan.",
        "It failed.",
        "Aides said so.",
    ]
    assert set(sentences["outlet"]) == {"fox"}
    s = spans.set_index("span_id")
    assert (s.loc["p0", "sentence"], s.loc["p0", "located"]) == (0, "offsets")
    assert (s.loc["p1", "sentence"], s.loc["p1", "located"], s.loc["p1", "start"]) == (1, "text", 3)
    assert s.loc["p3", "sentence"] == -1

    from analysis.features.framing import LoadedWords

    est = LoadedWords(subjectivity=False).fit([""])
    regions, lex = E.span_overlap(sentences, spans, est)
    r = regions.iloc[0]
    # "slammed" (subjective) sits inside a lexical span; hits outside are the rest
    assert r.hits_lex >= 1 and r.hits_sentence >= r.hits_lex
    assert r.hits_outside == r.hits_sentence - r.hits_any
    assert lex.set_index("span_id").loc["p0", "hit"]
    rates = E.region_rates(regions, n_boot=50)
    assert set(rates["region"]) == {"lex", "inf", "outside", "sentence"}


# --------------------------------------------------------------------------- end to end


@pytest.mark.corpora
def test_basil_same_story_small_run(with_mirror, tmp_path):
    """Ten BASIL events (the first 30 files) through the experiment's stages."""
    cfg = compose_config(
        ["experiment=basil_same_story", "corpus.limit=30", "plot.formats=[png]",
         "features=[vader,hedging,loaded]", "compare.n_boot=200"]
    )  # fmt: skip
    result = run_pipeline(
        cfg, out_dir=tmp_path, command="framelens run experiment=basil_same_story"
    )
    out = result.out_dir
    tests = pd.read_csv(out / "paired_tests.csv")
    assert set(tests["voice"]) == {"outlet", "all"}
    assert (tests["n_events"] == 10).all()
    assert {"loaded_any", "vader_compound_mean", "hedging_distancing"} <= set(tests["feature"])
    corr = pd.read_csv(out / "expert_correlations.csv")
    assert corr["n"].iloc[0] == 30 and corr["rho"].between(-1, 1).all()
    # also_scores in the run (loaded_subjective; textblob and marked_words were not run):
    # one row over articles and one within events each, and a line in the report
    also = corr[corr["package_score"].str.startswith("loaded_subjective")]
    assert list(also["resampled"]) == ["articles", "events"]
    assert not corr["package_score"].str.startswith("marked_words").any()
    rates = pd.read_csv(out / "expert_region_rates.csv").set_index("region")
    assert rates.loc["sentence", "hits"] >= rates.loc["lex", "hits"]
    for name in ("paired_differences", "event_slopes", "expert_agreement"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
        assert (out / "figures" / f"{name}.csv").stat().st_size > 0
    report = (out / "report.md").read_text()
    assert "## Same event, different outlets" in report
    assert "## Loaded wording vs the experts' lexical-bias spans" in report
    other = next(ln for ln in report.splitlines() if ln.startswith("- **Other package scores**"))
    assert "`loaded_subjective`" in other and "within events" in other
    assert "framelens run experiment=basil_same_story" in report


def test_outlets_take_their_lean_colour_and_a_marker_of_their_own():
    """With compare.outlet_leans every outlet has its lean's colour (as in the AllSides
    figures); two of one lean differ by marker. Without it, neutral colours."""
    from analysis.events import OUTLET_COLORS, _outlet_styles
    from analysis.plots import LEAN_COLORS

    colors, markers = _outlet_styles(["hpo", "nyt", "fox"], {"hpo": "left", "nyt": "left", "fox": "right"})  # fmt: skip
    assert colors == {"hpo": LEAN_COLORS["left"], "nyt": LEAN_COLORS["left"], "fox": LEAN_COLORS["right"]}  # fmt: skip
    assert len(set(markers.values())) == 3
    neutral, _ = _outlet_styles(["hpo", "nyt", "fox"], {"fox": "right"})  # not every outlet
    assert list(neutral.values()) == list(OUTLET_COLORS[:3])
